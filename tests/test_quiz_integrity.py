"""Learner data stays right: other learners' attempts are 404, double and concurrent submits count once,
a submitted attempt cannot change."""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from tests import factories as f
from tests.learn_helpers import make_user, right_answer_data, wrong_answer_data
from training import answering, quizzes
from training.grading import spec_from_question
from training.models import QuizAttempt, Response, ReviewLog


def build_quiz(**fields):
    course = f.make_course()
    module = f.make_module(course)
    quiz = f.make_quiz(module, slug="integrity-quiz", **fields)
    for kind in ("single", "multiple", "order", "sort"):
        f.make_question(quiz, kind=kind)
    return quiz


def question_url(attempt, number):
    return reverse("quiz_question", args=[attempt.quiz.slug, attempt.pk, number])


def first_question(attempt):
    from training.models import Question

    return Question.objects.get(pk=attempt.question_ids[0])


@pytest.mark.django_db
class TestOtherLearners:
    @pytest.fixture
    def setup(self, client, django_user_model):
        owner = make_user(django_user_model, "owner")
        other = make_user(django_user_model, "other")
        quiz = build_quiz()
        attempt, _ = quizzes.start_attempt(user=owner, quiz=quiz)
        client.force_login(other)
        return client, owner, other, quiz, attempt

    def test_other_learner_gets_404_for_question_page(self, setup):
        client, _, _, _, attempt = setup
        assert client.get(question_url(attempt, 1)).status_code == 404

    def test_other_learner_gets_404_when_answering_in_the_attempt(self, setup):
        client, _, _, _, attempt = setup
        response = client.post(question_url(attempt, 1), right_answer_data(first_question(attempt), attempt))
        assert response.status_code == 404
        assert Response.objects.count() == 0

    def test_other_learner_gets_404_for_summary_submit_and_results(self, setup):
        client, owner, _, quiz, attempt = setup
        assert client.get(reverse("quiz_attempt", args=[quiz.slug, attempt.pk])).status_code == 404
        assert client.post(reverse("quiz_submit", args=[quiz.slug, attempt.pk])).status_code == 404
        attempt.refresh_from_db()
        assert not attempt.is_submitted
        quizzes.submit_attempt(user=owner, attempt=attempt)
        assert client.get(reverse("quiz_results", args=[quiz.slug, attempt.pk])).status_code == 404

    def test_attempt_under_another_quiz_slug_is_404(self, setup, django_user_model):
        client, owner, _, quiz, attempt = setup
        other_quiz = f.make_quiz(quiz.module, slug="another-quiz")
        f.make_question(other_quiz)
        client.force_login(owner)
        assert client.get(reverse("quiz_question", args=[other_quiz.slug, attempt.pk, 1])).status_code == 404

    def test_question_outside_the_attempt_is_404(self, setup):
        client, owner, _, _, attempt = setup
        client.force_login(owner)
        assert client.get(question_url(attempt, 0)).status_code == 404
        assert client.get(question_url(attempt, 5)).status_code == 404
        assert client.post(question_url(attempt, 99), {}).status_code == 404

    def test_question_added_after_the_attempt_started_is_refused(self, setup):
        _, owner, _, quiz, attempt = setup
        late = f.make_question(quiz)
        spec = spec_from_question(late)

        with pytest.raises(quizzes.QuizError):
            answering.answer_question(
                user=owner,
                question=late,
                spec=spec,
                answer={"choice": "a"},
                recorder=quizzes.InAttempt(attempt),
            )


@pytest.mark.django_db
def test_double_submitted_answer_is_recorded_once_with_a_polite_message(client, django_user_model):
    learner = make_user(django_user_model, "learner")
    quiz = build_quiz()
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    client.force_login(learner)
    question = first_question(attempt)
    client.post(question_url(attempt, 1), wrong_answer_data(question, attempt))
    response = client.post(question_url(attempt, 1), right_answer_data(question, attempt), follow=True)
    assert "You had already answered this question; your first answer stands." in response.content.decode()
    htmx = client.post(
        question_url(attempt, 1), right_answer_data(question, attempt), headers={"HX-Request": "true"}
    )
    assert "your first answer stands" in htmx.content.decode()
    row = Response.objects.get()
    assert row.correct is False
    assert ReviewLog.objects.count() == 1


@pytest.mark.django_db
def test_double_submit_of_the_attempt_counts_once(client, django_user_model):
    learner = make_user(django_user_model, "learner")
    quiz = build_quiz()
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    client.force_login(learner)
    client.post(question_url(attempt, 1), right_answer_data(first_question(attempt), attempt))
    client.post(reverse("quiz_submit", args=[quiz.slug, attempt.pk]))
    attempt.refresh_from_db()
    submitted_at = attempt.submitted_at
    response = client.post(reverse("quiz_submit", args=[quiz.slug, attempt.pk]), follow=True)
    assert "This attempt was already submitted; it was counted once." in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.submitted_at == submitted_at and attempt.score == 1.0
    assert QuizAttempt.objects.count() == 1


@pytest.mark.django_db
def test_submitted_attempt_cannot_be_changed(client, django_user_model):
    learner = make_user(django_user_model, "learner")
    quiz = build_quiz()
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    client.force_login(learner)
    quizzes.submit_attempt(user=learner, attempt=attempt)
    question = first_question(attempt)
    response = client.post(question_url(attempt, 1), right_answer_data(question, attempt), follow=True)
    assert response.redirect_chain[-1][0] == reverse("quiz_results", args=[quiz.slug, attempt.pk])
    assert (
        "This attempt has been submitted, so its answers can no longer change." in response.content.decode()
    )
    htmx = client.post(
        question_url(attempt, 1), right_answer_data(question, attempt), headers={"HX-Request": "true"}
    )
    assert htmx["HX-Redirect"] == reverse("quiz_results", args=[quiz.slug, attempt.pk])
    assert Response.objects.count() == 0
    spec = spec_from_question(question)

    with pytest.raises(quizzes.AttemptSubmitted):
        answering.answer_question(
            user=learner,
            question=question,
            spec=spec,
            answer={"choice": "a"},
            recorder=quizzes.InAttempt(attempt),
        )
    attempt.refresh_from_db()
    assert (attempt.score, attempt.percent, attempt.passed) == (0.0, 0.0, False)


# --- Concurrency: real threads, each with its own database connection -------------------------------------


def run_together(count: int, action) -> list:
    """Run `action` in `count` threads released at the same moment.

    PostgreSQL runs them truly concurrently (row locks and constraints decide). The in-memory SQLite test
    database has no busy timeout (a locked table fails at once), so there a locked attempt is retried after a
    short pause, which is what the production SQLite file's `timeout` does; any other error is a failure.
    """
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def attempt(index: int):
        for _ in range(200):
            try:
                return action(index)
            except (OperationalError, UpdateError) as error:
                # The session middleware reports a locked table as UpdateError.
                locked = isinstance(error, UpdateError) or "locked" in str(error)
                if connection.vendor != "sqlite" or not locked:
                    raise
                time.sleep(0.01)
        raise AssertionError("still locked after 2 seconds")

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = attempt(index)
        except Exception as error:  # reported by the assertion below
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_answers_to_one_question_count_once(django_user_model):
    learner = make_user(django_user_model, "learner")
    quiz = build_quiz()
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    question = first_question(attempt)
    data = right_answer_data(question, attempt)

    def answer(_):
        client = Client()
        client.force_login(learner)
        return client.post(question_url(attempt, 1), data).status_code

    statuses = run_together(4, answer)
    assert statuses == [302] * 4
    assert Response.objects.filter(attempt=attempt).count() == 1
    assert ReviewLog.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_count_once(django_user_model):
    learner = make_user(django_user_model, "learner")
    quiz = build_quiz()
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    results = run_together(4, lambda _: quizzes.submit_attempt(user=learner, attempt=attempt))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(1 for _, won in results if won) == 1
    assert QuizAttempt.objects.get().is_submitted


@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_open_one_attempt(django_user_model):
    learner = make_user(django_user_model, "learner")
    quiz = build_quiz()

    def begin(_):
        client = Client()
        client.force_login(learner)
        return client.post(reverse("quiz_start", args=[quiz.slug])).status_code

    statuses = run_together(4, begin)
    assert statuses == [302] * 4
    assert QuizAttempt.objects.count() == 1
