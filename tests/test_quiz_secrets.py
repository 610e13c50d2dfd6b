"""No correctness reaches the browser before an answer is recorded.

Every choice gets a secret marker in its feedback (and every question in its explanation); every page and
htmx fragment a learner can be served before answering is scanned for them. Then the answer key itself is
changed (which option is right, the right positions and categories) and the pages must come out identical:
nothing in them, not even the order of the options or their form values, depends on correctness.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests import factories as f
from tests.learn_helpers import make_user
from training import quizzes
from training.models import Category, Choice, Question, QuizAttempt

pytestmark = pytest.mark.django_db

MARKER = "SECRET"


def secret_question(quiz=None, *, lesson=None, kind="single", number=0) -> Question:
    choices = {
        "single": [("Option one", True), ("Option two", False), ("Option three", False)],
        "multiple": [("Option one", True), ("Option two", True), ("Option three", False)],
        "order": [("Step one", 2), ("Step two", 3), ("Step three", 1)],
        "sort": [("Item one", "track-1"), ("Item two", "track-2"), ("Item three", "track-1")],
    }[kind]
    question = f.make_question(
        quiz, lesson=lesson, kind=kind, choices=choices, explanation=f"{MARKER}-EXPLANATION-{kind}-{number}"
    )
    for choice in question.choices.all():
        choice.feedback = f"{MARKER}-FEEDBACK-{choice.pk}"
        choice.save()
    f.make_citation(question, paragraph=1)
    return question


@pytest.fixture
def content():
    course = f.make_course()
    module = f.make_module(course, slug="m")
    track = f.make_track(course, slug="t1")
    lesson = f.make_lesson(module, slug="secret-lesson")
    for number, kind in enumerate(("single", "multiple", "order", "sort")):
        secret_question(lesson=lesson, kind=kind, number=number).tracks.add(track)
    practice = f.make_quiz(module, slug="secret-practice", shuffle=True)
    assessment = f.make_quiz(module, slug="secret-assessment", mode="assessment")
    for quiz in (practice, assessment):
        for number, kind in enumerate(("single", "multiple", "order", "sort")):
            secret_question(quiz, kind=kind, number=number).tracks.add(track)
    return lesson, practice, assessment


def flip_answer_key() -> None:
    """Change which options are right, and the right positions and categories, keeping everything shown."""
    for question in Question.objects.all():
        choices = list(question.choices.order_by("pk"))
        if question.kind in ("single", "multiple"):
            for choice in choices:
                choice.correct = not choice.correct if question.kind == "multiple" else choice is choices[-1]
                choice.save()
        elif question.kind == "order":
            positions = [c.correct_position for c in choices]
            for choice, position in zip(choices, positions[1:] + positions[:1], strict=True):
                choice.correct_position = position
                choice.save()
        else:
            categories = list(Category.objects.filter(question=question).order_by("pk"))
            for choice in choices:
                choice.category = categories[0] if choice.category_id == categories[1].pk else categories[1]
                choice.save()


def normalise(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    html = re.sub(
        r'<ul class="messages">.*?</ul>', "", html, flags=re.DOTALL
    )  # "carrying on where you left off"
    html = re.sub(r"\s+", " ", html)
    return html


def served_before_answering(client, lesson, practice, assessment) -> dict[str, str]:
    pages: dict[str, str] = {}

    def get(name, url, **kwargs):
        response = client.get(url, **kwargs)
        assert response.status_code == 200, (name, response.status_code)
        pages[name] = response.content.decode()

    get("home", "/")
    get("lesson", lesson.get_absolute_url())
    get("track", reverse("course_track", args=[lesson.course.slug, "t1"]))
    for quiz in (practice, assessment):
        get(f"{quiz.slug} intro", quiz.get_absolute_url())
        client.post(reverse("quiz_start", args=[quiz.slug]))
        attempt = QuizAttempt.objects.get(quiz=quiz, submitted_at__isnull=True)
        for number in range(1, len(attempt.question_ids) + 1):
            url = reverse("quiz_question", args=[quiz.slug, attempt.pk, number])
            get(f"{quiz.slug} q{number}", url)
            get(f"{quiz.slug} q{number} htmx", url, headers={"HX-Request": "true"})
            # An invalid answer is refused with the form again: still before answering.
            bad = client.post(url, {"choice": "nope"}, headers={"HX-Request": "true"})
            assert bad.status_code == 422
            pages[f"{quiz.slug} q{number} refused fragment"] = bad.content.decode()
            bad = client.post(url, {})
            pages[f"{quiz.slug} q{number} refused page"] = bad.content.decode()
        get(f"{quiz.slug} summary", reverse("quiz_attempt", args=[quiz.slug, attempt.pk]))
    for check in lesson.checks.all():
        bad = client.post(
            reverse("lesson_check", args=[lesson.slug, check.pk]), {}, headers={"HX-Request": "true"}
        )
        assert bad.status_code == 422
        pages[f"check {check.pk} refused fragment"] = bad.content.decode()
    return pages


def test_no_feedback_or_explanation_in_any_page_or_fragment_before_answering(
    client, django_user_model, content
):
    client.force_login(make_user(django_user_model, "learner"))
    pages = served_before_answering(client, *content)
    assert len(pages) > 30
    for name, html in pages.items():
        assert MARKER not in html, f"{name} leaks a secret"
        assert "data-correct" not in html and "data-answer" not in html, name


def test_pages_before_answering_do_not_depend_on_the_answer_key(client, django_user_model, content):
    client.force_login(make_user(django_user_model, "learner"))
    before = served_before_answering(client, *content)
    flip_answer_key()
    after = served_before_answering(client, *content)  # resumes the same attempts: same shuffled order
    # Home and quiz intros change with the learner's own progress (a lesson opened, an attempt started).
    compared = [name for name in before if name != "home" and not name.endswith(" intro")]
    assert len(compared) > 30
    for name in compared:
        assert normalise(before[name]) == normalise(after[name]), f"{name} changes with the answer key"


def test_assessment_pages_keep_feedback_hidden_until_results(client, django_user_model, content):
    learner = make_user(django_user_model, "learner")
    client.force_login(learner)
    _, _, assessment = content
    attempt, _ = quizzes.start_attempt(user=learner, quiz=assessment)
    from tests.learn_helpers import right_answer_data

    seen = []
    for number, qid in enumerate(attempt.question_ids, start=1):
        question = Question.objects.get(pk=qid)
        url = reverse("quiz_question", args=[assessment.slug, attempt.pk, number])
        seen.append(
            client.post(
                url, right_answer_data(question, attempt), headers={"HX-Request": "true"}
            ).content.decode()
        )
        seen.append(client.get(url).content.decode())
    seen.append(client.get(reverse("quiz_attempt", args=[assessment.slug, attempt.pk])).content.decode())
    assert all(MARKER not in html for html in seen)
    results = client.post(
        reverse("quiz_submit", args=[assessment.slug, attempt.pk]), follow=True
    ).content.decode()
    assert results.count(f"{MARKER}-EXPLANATION") == 4


def test_choice_form_values_reveal_neither_keys_nor_ids(client, django_user_model, content):
    client.force_login(make_user(django_user_model, "learner"))
    _, practice, _ = content
    client.post(reverse("quiz_start", args=[practice.slug]))
    attempt = QuizAttempt.objects.get(quiz=practice)
    html = client.get(reverse("quiz_question", args=[practice.slug, attempt.pk, 1])).content.decode()
    values = re.findall(r'name="choice" value="([^"]+)"', html)
    assert len(values) == 3
    ids = {str(pk) for pk in Choice.objects.values_list("pk", flat=True)}
    keys = set(Choice.objects.values_list("key", flat=True))
    assert not (set(values) & (ids | keys))


def answer_all_wrong_and_submit(client, learner, quiz) -> QuizAttempt:
    from tests.learn_helpers import wrong_answer_data

    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    for number, qid in enumerate(attempt.question_ids, start=1):
        url = reverse("quiz_question", args=[quiz.slug, attempt.pk, number])
        client.post(url, wrong_answer_data(Question.objects.get(pk=qid), attempt))
    client.post(reverse("quiz_submit", args=[quiz.slug, attempt.pk]))
    attempt.refresh_from_db()
    return attempt


@pytest.mark.parametrize("policy", ["after-last-attempt", "never"])
def test_failed_assessment_results_and_review_keep_the_answer_key_while_the_policy_withholds_it(
    client, django_user_model, content, policy
):
    from datetime import UTC, datetime

    from training.models import ReviewCard

    learner = make_user(django_user_model, "learner")
    client.force_login(learner)
    _, _, assessment = content
    assessment.results = policy
    assessment.save()
    attempt = answer_all_wrong_and_submit(client, learner, assessment)
    assert attempt.passed is False
    results = client.get(reverse("quiz_results", args=[assessment.slug, attempt.pk])).content.decode()
    assert "Not quite" in results  # right/wrong per question is always shown
    assert MARKER not in results
    for label in ("A best answer", "Right position", "Right category"):
        assert label not in results
    # The review queue would show the answer key after a review answer: the cards wait.
    ReviewCard.objects.filter(user=learner).update(due=datetime(2000, 1, 1, tzinfo=UTC))
    assert ReviewCard.objects.filter(user=learner).count() == 4
    page = client.get("/review/").content.decode()
    assert "Nothing is due for review." in page and MARKER not in page


def test_failed_assessment_results_show_the_answer_key_under_after_each_attempt(
    client, django_user_model, content
):
    learner = make_user(django_user_model, "learner")
    client.force_login(learner)
    _, _, assessment = content
    assessment.results = "after-each-attempt"
    assessment.save()
    attempt = answer_all_wrong_and_submit(client, learner, assessment)
    results = client.get(reverse("quiz_results", args=[assessment.slug, attempt.pk])).content.decode()
    assert results.count(f"{MARKER}-EXPLANATION") == 4 and f"{MARKER}-FEEDBACK" in results
    # A retake is open: the first attempt's results keep the key to themselves until it is submitted.
    client.post(reverse("quiz_start", args=[assessment.slug]))
    results = client.get(reverse("quiz_results", args=[assessment.slug, attempt.pk])).content.decode()
    assert MARKER not in results
