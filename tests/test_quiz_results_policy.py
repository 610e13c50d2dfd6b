"""The results policy of an assessment: when its results show the answer key (which option was right, the
right order and categories, each option's feedback, the explanation).

Authored in YAML as `results:` (after-each-attempt | after-last-attempt | never; default after-last-attempt),
held on Quiz.results, applied by the results page, the review queue and the my-data export.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests import factories as f
from tests.learn_helpers import right_answer_data, wrong_answer_data
from training import quizzes, review, scheduling
from training.curriculum.exporter import export_course
from training.curriculum.loader import load_texts
from training.curriculum.problems import CurriculumError
from training.models import Course, Question, Quiz, QuizAttempt

pytestmark = pytest.mark.django_db

HIDDEN = "The answers are shown after your last attempt or once you pass."
NEVER = "The answers to this assessment are not shown."
WHILE_OPEN = "The answers are hidden while you have an attempt at this quiz open."

COURSE = """\
format: 1
course:
  slug: policy-course
  title: Policy course
  summary: Results policies.
modules:
  - slug: policy-module
    title: Policy module
    summary: Quizzes with results policies.
    quizzes:
      - slug: policy-quiz
        title: Policy quiz
        mode: assessment
        attempts_allowed: 3
{results}        questions:
          - slug: policy-question
            kind: single
            scenario: Two cooks both demand the only orange.
            prompt: What do you ask first?
            explanation: Asking why reveals the interests.
            choices:
              - text: Why do you need it?
                correct: true
              - text: Who asked first?
"""


def course_text(results: str | None = None) -> str:
    return COURSE.format(results=f"        results: {results}\n" if results else "")


# --- The curriculum format ---------------------------------------------------------------------------------


def test_results_policy_defaults_to_after_last_attempt_and_is_omitted_from_the_export():
    load_texts({"course.yaml": course_text()})
    assert Quiz.objects.get(slug="policy-quiz").results == "after-last-attempt"
    exported = export_course(Course.objects.get(slug="policy-course"))
    assert "results:" not in exported
    assert exported == course_text()


@pytest.mark.parametrize("policy", ["after-each-attempt", "after-last-attempt", "never"])
def test_results_policy_loads_and_exports_byte_identically(policy):
    load_texts({"course.yaml": course_text(policy)})
    assert Quiz.objects.get(slug="policy-quiz").results == policy
    exported = export_course(Course.objects.get(slug="policy-course"))
    (report,) = load_texts({"course.yaml": exported})
    assert report.total("updated") == report.total("created") == 0
    assert export_course(Course.objects.get(slug="policy-course")) == exported
    if policy == "after-last-attempt":
        assert exported == course_text()  # the default is left out
    else:
        assert exported == course_text(policy)


def test_an_unknown_results_policy_is_refused_with_its_line():
    with pytest.raises(CurriculumError) as exc:
        load_texts({"course.yaml": course_text("sometimes")})
    (problem,) = exc.value.problems
    assert problem.line == 15
    assert "results" in problem.path
    assert "after-each-attempt" in problem.message
    assert not Quiz.objects.exists()


# --- The rule on the model ---------------------------------------------------------------------------------


def attempt(number: int, *, submitted: bool = True, passed: bool = False) -> QuizAttempt:
    when = datetime(2025, 3, 1, tzinfo=UTC)
    return QuizAttempt(
        number=number, started_at=when, submitted_at=when if submitted else None, passed=passed
    )


@pytest.mark.parametrize(
    ("policy", "attempts", "shown"),
    [
        ("after-last-attempt", [attempt(1)], False),
        ("after-last-attempt", [attempt(1), attempt(2)], False),
        ("after-last-attempt", [attempt(1), attempt(2), attempt(3)], True),
        ("after-last-attempt", [attempt(1), attempt(2, passed=True)], True),
        ("after-last-attempt", [attempt(1, passed=True), attempt(2, submitted=False)], False),
        ("after-each-attempt", [attempt(1)], True),
        ("after-each-attempt", [attempt(1), attempt(2, submitted=False)], False),
        ("never", [attempt(1), attempt(2), attempt(3)], False),
        ("never", [attempt(1, passed=True)], False),
    ],
)
def test_answer_key_shown_follows_the_policy(policy, attempts, shown):
    quiz = Quiz(mode="assessment", attempts_allowed=3, results=policy)
    assert quiz.answer_key_shown(attempts) is shown


def test_practice_quizzes_always_show_the_answer_key():
    quiz = Quiz(mode="practice", attempts_allowed=3, results="never")
    assert quiz.answer_key_shown([attempt(1), attempt(2, submitted=False)]) is True


def test_unlimited_attempts_show_the_answer_key_once_passed():
    quiz = Quiz(mode="assessment", attempts_allowed=0)
    assert quiz.answer_key_shown([attempt(n) for n in range(1, 20)]) is False
    assert quiz.answer_key_shown([attempt(1), attempt(2, passed=True)]) is True


# --- The results page --------------------------------------------------------------------------------------


def build_assessment(**fields) -> Quiz:
    course = f.make_course()
    module = f.make_module(course)
    quiz = f.make_quiz(module, mode="assessment", slug="exam", pass_mark=75, attempts_allowed=3, **fields)
    single = f.make_question(
        quiz,
        kind="single",
        choices=[
            {"key": "a", "text": "RIGHT-OPTION-TEXT", "correct": True, "feedback": "RIGHT-FEEDBACK"},
            {"key": "b", "text": "WRONG-OPTION-TEXT", "feedback": "WRONG-FEEDBACK"},
        ],
        explanation="EXPLANATION-TEXT",
    )
    f.make_citation(single, paragraph=1)
    f.make_question(quiz, kind="order", explanation="EXPLANATION-TEXT")
    f.make_question(quiz, kind="sort", explanation="EXPLANATION-TEXT")
    return quiz


def take(client, quiz: Quiz, *, right: bool) -> tuple[QuizAttempt, str]:
    """One whole attempt through HTTP, every answer right or every answer wrong; returns the results page."""
    client.post(reverse("quiz_start", args=[quiz.slug]))
    current = QuizAttempt.objects.get(quiz=quiz, submitted_at__isnull=True)
    for number, qid in enumerate(current.question_ids, start=1):
        question = Question.objects.get(pk=qid)
        data = right_answer_data(question, current) if right else wrong_answer_data(question, current)
        client.post(reverse("quiz_question", args=[quiz.slug, current.pk, number]), data)
    response = client.post(reverse("quiz_submit", args=[quiz.slug, current.pk]), follow=True)
    assert response.status_code == 200
    current.refresh_from_db()
    return current, response.content.decode()


def results_of(client, attempt: QuizAttempt) -> str:
    response = client.get(reverse("quiz_results", args=[attempt.quiz.slug, attempt.pk]))
    assert response.status_code == 200
    return response.content.decode()


def assert_key_hidden(html: str) -> None:
    for secret in (
        "RIGHT-FEEDBACK",
        "WRONG-FEEDBACK",
        "EXPLANATION-TEXT",
        "A best answer",
        "Not the best move",
        "Best answer",
        "Right position",
        "Right category",
        "The right order",
        "Source: Introduction",
    ):
        assert secret not in html, secret
    # The learner chose the wrong option, so nothing names the right one.
    assert "RIGHT-OPTION-TEXT" not in html


def assert_key_shown(html: str) -> None:
    assert "EXPLANATION-TEXT" in html and "Best answer" in html and "RIGHT-OPTION-TEXT" in html
    assert "RIGHT-FEEDBACK" in html and "Right position" in html and "Right category" in html


def test_failed_first_attempt_shows_score_and_verdicts_but_not_the_answer_key(client, learner):
    quiz = build_assessment()
    client.force_login(learner)
    first, html = take(client, quiz, right=False)
    assert first.passed is False
    assert "Not passed — the pass mark is 75%." in html and "<strong>0%</strong>" in html
    assert html.count("Not quite") == 3
    assert "WRONG-OPTION-TEXT" in html  # what the learner chose
    assert HIDDEN in html
    assert_key_hidden(html)


def test_answer_key_appears_once_the_learner_passes(client, learner):
    quiz = build_assessment()
    client.force_login(learner)
    first, _ = take(client, quiz, right=False)
    second, html = take(client, quiz, right=True)
    assert second.passed is True
    assert HIDDEN not in html
    assert "EXPLANATION-TEXT" in html and "A best answer" in html
    assert_key_shown(results_of(client, first))  # earlier attempts too


def test_answer_key_appears_after_the_last_allowed_attempt(client, learner):
    quiz = build_assessment()
    client.force_login(learner)
    first, _ = take(client, quiz, right=False)
    second, html = take(client, quiz, right=False)
    assert_key_hidden(html)
    assert_key_hidden(results_of(client, first))
    _, html = take(client, quiz, right=False)
    assert HIDDEN not in html
    assert_key_shown(html)
    assert_key_shown(results_of(client, first))


def test_never_policy_never_shows_the_answer_key(client, learner):
    quiz = build_assessment(results="never")
    client.force_login(learner)
    for _ in range(2):
        _, html = take(client, quiz, right=False)
        assert NEVER in html
        assert_key_hidden(html)
    _, html = take(client, quiz, right=True)
    assert "Passed" in html and NEVER in html
    assert "EXPLANATION-TEXT" not in html and "RIGHT-FEEDBACK" not in html and "A best answer" not in html


def test_after_each_attempt_policy_shows_the_answer_key_at_once_but_not_while_a_retake_is_open(
    client, learner
):
    quiz = build_assessment(results="after-each-attempt")
    client.force_login(learner)
    first, html = take(client, quiz, right=False)
    assert_key_shown(html)
    client.post(reverse("quiz_start", args=[quiz.slug]))  # attempt 2 is open
    html = results_of(client, first)
    assert WHILE_OPEN in html
    assert_key_hidden(html)


def test_results_of_an_earlier_pass_hide_the_key_while_a_retake_is_open(client, learner):
    quiz = build_assessment()
    client.force_login(learner)
    first, html = take(client, quiz, right=True)
    assert "EXPLANATION-TEXT" in html
    client.post(reverse("quiz_start", args=[quiz.slug]))
    html = results_of(client, first)
    assert WHILE_OPEN in html and "EXPLANATION-TEXT" not in html and "RIGHT-FEEDBACK" not in html


def test_practice_results_keep_showing_everything(client, learner):
    quiz = build_assessment()
    quiz.mode = "practice"
    quiz.results = "never"
    quiz.save()
    client.force_login(learner)
    _, html = take(client, quiz, right=False)
    assert_key_shown(html)
    assert HIDDEN not in html and NEVER not in html


def test_intro_says_when_the_answers_are_shown(client, learner):
    client.force_login(learner)
    html = client.get(build_assessment().get_absolute_url()).content.decode()
    assert "after your last attempt or once you pass" in html


# --- The review queue --------------------------------------------------------------------------------------


def test_review_queue_holds_back_questions_whose_answer_key_is_withheld(learner):
    quiz = build_assessment()
    first, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    ids = set(first.question_ids)
    for qid in ids:
        scheduling.schedule_review(
            user=learner, question=Question.objects.get(pk=qid), correct=False, source="quiz"
        )
    assert review.held_back_question_ids(learner) == ids  # open
    quizzes.submit_attempt(user=learner, attempt=first)
    assert review.held_back_question_ids(learner) == ids  # failed, attempts left: the key is withheld
    assert review.cards_for(learner).count() == 0
    for _ in range(2):
        current, _ = quizzes.start_attempt(user=learner, quiz=quiz)
        quizzes.submit_attempt(user=learner, attempt=current)
    assert review.held_back_question_ids(learner) == set()  # the last attempt is used
    assert review.cards_for(learner).count() == 3


def test_review_page_never_shows_a_withheld_question(client, learner):
    quiz = build_assessment(results="never")
    client.force_login(learner)
    take(client, quiz, right=False)
    from training.models import ReviewCard

    assert ReviewCard.objects.filter(user=learner).count() == 3
    ReviewCard.objects.filter(user=learner).update(due=datetime(2000, 1, 1, tzinfo=UTC))
    html = client.get("/review/").content.decode()
    assert "What is your best next move?" not in html and "Nothing" in html


# --- The admin ---------------------------------------------------------------------------------------------


def test_admin_quiz_form_offers_the_results_policy(client, instructor):
    quiz = build_assessment()
    client.force_login(instructor)
    html = client.get(reverse("admin:training_quiz_change", args=[quiz.pk])).content.decode()
    assert '<select name="results"' in html
    for value, label in Quiz.Results.choices:
        assert f'value="{value}"' in html and label in html
    assert '<option value="after-last-attempt" selected>' in html
