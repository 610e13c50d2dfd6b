"""Hints on practice questions: authored in YAML, opened one at a time before answering (recorded on the attempt),
each costing its share of the question's credit (grading.with_hints), shown in the feedback and in the instructor
statistics; never on the page before the learner asks, never in an assessment."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from tests import factories as f
from tests.learn_helpers import main_text, right_answer_data
from tests.learner_data import make_cohort
from tests.test_curriculum_errors import edit, example_text
from training import analytics, quizzes
from training.curriculum.exporter import export_course
from training.curriculum.loader import load_curriculum
from training.curriculum.problems import CurriculumError
from training.grading import Grade, with_hints
from training.models import Course, Question, Quiz, QuizAttempt, Response

pytestmark = pytest.mark.django_db

SECRET_1, SECRET_2 = "HINT-SECRET-ALPHA", "HINT-SECRET-BRAVO"
HINTS = [
    {"text": f"Think about who speaks first. {SECRET_1}", "cost": 0.25},
    {"text": SECRET_2, "cost": 0.25},
]


def hinted_quiz(mode: str = Quiz.Mode.PRACTICE) -> Quiz:
    quiz = f.make_quiz(f.make_module(f.make_course()), mode=mode)
    f.make_question(quiz, hints=HINTS)
    f.make_question(quiz)
    return quiz


def question_url(attempt: QuizAttempt, number: int = 1) -> str:
    return reverse("quiz_question", args=[attempt.quiz.slug, attempt.pk, number])


def hint_url(attempt: QuizAttempt, number: int = 1) -> str:
    return reverse("quiz_hint", args=[attempt.quiz.slug, attempt.pk, number])


def first_question(attempt: QuizAttempt) -> Question:
    return Question.objects.get(pk=attempt.question_ids[0])


# --- The rule -----------------------------------------------------------------------------------------------------


def test_hints_take_their_costs_off_the_score_never_below_zero():
    right = Grade(score=1.0, correct=True)
    assert with_hints(right, [0.25, 0.25]) == Grade(score=0.5, correct=True, hints_used=2, hint_penalty=0.5)
    assert with_hints(Grade(score=0.3, correct=False), [0.5]).score == 0.0
    assert with_hints(right, []) is right


# --- Through the pages ----------------------------------------------------------------------------------------------


def test_hints_open_one_at_a_time_and_cost_their_share(client, learner):
    quiz = hinted_quiz()
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    client.force_login(learner)
    html = client.get(question_url(attempt)).content.decode()
    assert "Show a hint" in html and "costs 25% of this question's credit" in html
    assert SECRET_1 not in html and SECRET_2 not in html

    response = client.post(hint_url(attempt), {"shown": "0"})
    assert response.status_code == 302 and response["Location"] == question_url(attempt) + "#hints"
    html = client.get(question_url(attempt)).content.decode()
    assert SECRET_1 in html and SECRET_2 not in html
    client.post(hint_url(attempt), {"shown": "0"})  # a repeat (double click): nothing more opens
    attempt.refresh_from_db()
    assert attempt.hints_used == {str(first_question(attempt).pk): 1}

    client.post(hint_url(attempt), {"shown": "1"})
    html = client.get(question_url(attempt)).content.decode()
    assert SECRET_2 in html and "Show a hint" not in html

    page = client.post(
        question_url(attempt), right_answer_data(first_question(attempt), attempt), follow=True
    )
    assert "Hints used: 2 (−50%)." in main_text(page.content)
    stored = Response.objects.get()
    assert (stored.score, stored.correct, stored.hints_used) == (0.5, True, 2)
    # After answering, no more hints.
    client.post(hint_url(attempt), {"shown": "2"})
    attempt.refresh_from_db()
    assert attempt.hints_used == {str(stored.question_id): 2}


def test_an_answer_without_hints_keeps_full_credit(client, learner):
    attempt, _ = quizzes.start_attempt(user=learner, quiz=hinted_quiz())
    client.force_login(learner)
    page = client.post(
        question_url(attempt), right_answer_data(first_question(attempt), attempt), follow=True
    )
    assert "Hints used" not in main_text(page.content)
    assert Response.objects.get().score == 1.0


def test_an_assessment_shows_no_hints_and_opens_none(client, learner):
    attempt, _ = quizzes.start_attempt(user=learner, quiz=hinted_quiz(Quiz.Mode.ASSESSMENT))
    client.force_login(learner)
    assert "Show a hint" not in client.get(question_url(attempt)).content.decode()
    page = client.post(hint_url(attempt), {"shown": "0"}, follow=True)
    assert "Hints are for practice quizzes." in page.content.decode()
    attempt.refresh_from_db()
    assert attempt.hints_used == {}


def test_a_malformed_hint_request_is_a_400(client, learner):
    attempt, _ = quizzes.start_attempt(user=learner, quiz=hinted_quiz())
    client.force_login(learner)
    assert client.post(hint_url(attempt), {"shown": "²"}).status_code == 400
    attempt.refresh_from_db()
    assert attempt.hints_used == {}


def test_another_learner_cannot_open_hints_on_my_attempt(client, learner, other_learner):
    attempt, _ = quizzes.start_attempt(user=learner, quiz=hinted_quiz())
    client.force_login(other_learner)
    assert client.post(hint_url(attempt), {"shown": "0"}).status_code == 404
    attempt.refresh_from_db()
    assert attempt.hints_used == {}


def test_no_hint_text_reaches_any_page_before_it_is_asked_for(client, learner):
    quiz = hinted_quiz()
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    client.force_login(learner)
    pages = [
        quiz.get_absolute_url(),
        question_url(attempt, 1),
        question_url(attempt, 2),
        reverse("quiz_attempt", args=[quiz.slug, attempt.pk]),
        reverse("progress"),
        reverse("review"),
        reverse("my_data_export"),
    ]
    for url in pages:
        for headers in ({}, {"HX-Request": "true"}):
            body = client.get(url, headers=headers).content.decode()
            assert SECRET_1 not in body and SECRET_2 not in body, url


# --- Instructor statistics ------------------------------------------------------------------------------------------


def test_question_statistics_show_hint_use(client, learner, other_learner, instructor):
    quiz = hinted_quiz()
    cohort = make_cohort(quiz.course, instructors=[instructor], learners=[learner, other_learner])
    for user, hints in ((learner, 2), (other_learner, 0)):
        attempt, _ = quizzes.start_attempt(user=user, quiz=quiz)
        question = first_question(attempt)
        for shown in range(hints):
            quizzes.open_hint(user=user, attempt=attempt, question=question, shown=shown)
        client.force_login(user)
        client.post(question_url(attempt), right_answer_data(question, attempt))
        quizzes.submit_attempt(user=user, attempt=attempt)
    question = quiz.questions.get(hints=HINTS)
    (stats,) = analytics.question_stats(cohort, [question])
    assert (stats.hinted, stats.mean_hints, stats.facility) == (50.0, 1.0, 75.0)
    client.force_login(instructor)
    html = client.get(reverse("instructor_question", args=[cohort.pk, question.slug])).content.decode()
    assert "<dt>Used a hint</dt><dd>50 %</dd>" in html and "<dt>Hints per answer</dt><dd>1.00</dd>" in html
    html = client.get(reverse("instructor_quiz", args=[cohort.pk, quiz.slug])).content.decode()
    assert "Used a hint" in html and '50 % <span class="muted">(mean 1.0)</span>' in html


# --- The YAML -------------------------------------------------------------------------------------------------------

HINT_YAML = (
    "            hints:\n"
    "              - text: Who can talk without committing anyone?\n"
    "                cost: 0.25\n"
    "              - {text: Think of intermediaries., cost: 0.5}\n"
)
PRACTICE_QUESTION = "            objectives: [example-choose-channel]\n"


def practice_example(tmp_path: Path, hints: str = HINT_YAML) -> Path:
    text = edit(example_text(), "        mode: assessment\n", "        mode: practice\n")
    text = edit(text, PRACTICE_QUESTION, PRACTICE_QUESTION + hints)
    path = tmp_path / "course.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_hints_load_and_export(tmp_path: Path):
    load_curriculum([practice_example(tmp_path)])
    question = Question.objects.get(slug="example-q-single")
    assert question.hints == [
        {"text": "Who can talk without committing anyone?", "cost": 0.25},
        {"text": "Think of intermediaries.", "cost": 0.5},
    ]
    course = Course.objects.get(slug="example-course")
    exported = export_course(course)
    assert "hints:\n" in exported and "cost: 0.25\n" in exported
    Question.objects.filter(slug="example-q-single").update(hints=[])
    assert "hints:" not in export_course(course)


@pytest.mark.parametrize(
    ("hints", "message"),
    [
        (
            "            hints:\n              - {text: A, cost: 0.75}\n              - {text: B, cost: 0.5}\n",
            "over 1",
        ),
        ("            hints:\n              - {text: A, cost: 1.5}\n", "less than or equal to 1"),
        ("            hints:\n              - {text: A}\n", "cost"),
    ],
)
def test_hint_costs_are_checked(tmp_path: Path, hints: str, message: str):
    with pytest.raises(CurriculumError) as exc:
        load_curriculum([practice_example(tmp_path, hints)])
    assert message in str(exc.value) and "hints" in str(exc.value)
    assert not Question.objects.exists()


def test_hints_on_a_lesson_check_are_refused(tmp_path: Path):
    text = edit(
        example_text(),
        "            objectives: [example-define-back-channel]\n",
        "            objectives: [example-define-back-channel]\n            hints: [{text: A, cost: 0.1}]\n",
    )
    path = tmp_path / "course.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CurriculumError) as exc:
        load_curriculum([path])
    assert "`hints` are for practice quiz questions, not lesson checks" in str(exc.value)


def test_instructors_edit_hints_variants_and_ties_in_the_question_admin(client, superuser):
    question = f.make_question(f.make_quiz(f.make_module(f.make_course())))
    client.force_login(superuser)
    html = client.get(reverse("admin:training_question_change", args=[question.pk])).content.decode()
    for name in ("hints", "variant_of", "ties"):
        assert f'name="{name}"' in html, name
