"""The one answer pipeline (training/answering.py): every place a learner answers a question grades the answer
exactly once per request, records it, schedules a review and shows the feedback from that one grading."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tests.learn_helpers import right_answer_data, wrong_answer_data
from training import feedback, grading, quizzes, review, scheduling
from training.answer_forms import choice_token
from training.models import CheckAnswer, Quiz, Response, ReviewLog

HTMX = {"HX-Request": "true"}


@pytest.fixture
def grade_calls(monkeypatch) -> list:
    """Every call of the grader during the test, wherever it is made from."""
    calls: list = []
    real = grading.grade

    def counting(question, answer):
        calls.append(answer)
        return real(question, answer)

    monkeypatch.setattr(grading, "grade", counting)
    monkeypatch.setattr(feedback, "grade", counting)
    return calls


@pytest.fixture
def quiz():
    module = f.make_module(f.make_course())
    quiz = f.make_quiz(module, mode=Quiz.Mode.PRACTICE)
    f.make_question(quiz)
    return quiz


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_a_quiz_answer_is_graded_exactly_once_per_request(client, learner, quiz, grade_calls, headers):
    client.force_login(learner)
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    question = quiz.questions.get()
    url = reverse("quiz_question", args=[quiz.slug, attempt.pk, 1])
    response = client.post(url, wrong_answer_data(question, attempt), headers=headers)
    assert response.status_code == (200 if headers else 302)
    assert len(grade_calls) == 1
    stored = Response.objects.get(attempt=attempt, question=question)
    assert (stored.correct, stored.score) == (False, 0.0)
    assert ReviewLog.objects.filter(card__user=learner, card__question=question, source="quiz").count() == 1
    if headers:  # the fragment shows the feedback from that one grading
        assert "Not quite" in response.content.decode()


@pytest.mark.django_db
def test_a_repeated_quiz_answer_is_graded_once_and_the_first_stands(client, learner, quiz, grade_calls):
    client.force_login(learner)
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    question = quiz.questions.get()
    url = reverse("quiz_question", args=[quiz.slug, attempt.pk, 1])
    client.post(url, wrong_answer_data(question, attempt), headers=HTMX)
    repeat = client.post(url, right_answer_data(question, attempt), headers=HTMX)
    assert len(grade_calls) == 2  # one per request: the repeat grades the answer that stands
    assert "your first answer stands" in repeat.content.decode()
    assert Response.objects.get(attempt=attempt).correct is False
    assert ReviewLog.objects.filter(card__user=learner).count() == 1


@pytest.mark.django_db
def test_a_lesson_check_answer_is_graded_exactly_once(client, learner, grade_calls):
    module = f.make_module(f.make_course())
    lesson = f.make_lesson(module)
    check = f.make_question(None, lesson=lesson)
    client.force_login(learner)
    url = reverse("lesson_check", args=[lesson.slug, check.pk])
    response = client.post(url, right_answer_data(check), headers=HTMX)
    assert response.status_code == 200
    assert len(grade_calls) == 1
    assert "Correct" in response.content.decode()
    assert CheckAnswer.objects.get(user=learner, question=check).correct is True
    assert ReviewLog.objects.get(card__user=learner, source="check").correct is True


@pytest.mark.django_db
def test_a_review_answer_is_graded_exactly_once(client, learner, quiz, grade_calls):
    question = quiz.questions.get()
    yesterday = timezone.now() - timedelta(days=1)
    scheduling.schedule_review(user=learner, question=question, correct=False, source="quiz", when=yesterday)
    card = review.get_card(learner, learner.review_cards.get().pk)
    spec = review.shown_spec(card)
    right = next(c for c in spec.choices if c.correct)
    client.force_login(learner)
    response = client.post(
        reverse("review_answer", args=[card.pk]),
        {"choice": choice_token(review.scope(card), right.pk)},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert len(grade_calls) == 1
    log = ReviewLog.objects.get(card=card, source="review")
    assert log.correct is True
    assert log.log["answer"] == {"choice": right.key}
    assert "Correct" in response.content.decode()


@pytest.mark.django_db
def test_an_invalid_answer_is_refused_by_its_form_before_anything_is_graded(
    client, learner, quiz, grade_calls
):
    client.force_login(learner)
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    url = reverse("quiz_question", args=[quiz.slug, attempt.pk, 1])
    response = client.post(url, {"choice": "not-a-token"}, headers=HTMX)
    assert response.status_code == 422
    assert "not one of this question&#x27;s options" in response.content.decode()
    assert grade_calls == []
    assert not Response.objects.exists()
