"""Quiz pages run a bounded number of queries: the same at 10 and 500 questions, 0 and 200 past attempts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories as f
from tests.learn_helpers import bulk_questions, count_queries, make_user, right_answer_data
from training import quizzes
from training.models import Question, QuizAttempt, Response

pytestmark = pytest.mark.django_db

BOUND = 20


def quiz_with(questions: int, slug: str):
    course = f.make_course()
    module = f.make_module(course)
    quiz = f.make_quiz(module, slug=slug, mode="assessment")
    bulk_questions(quiz, questions - 4, start=4)
    for kind in ("single", "multiple", "order", "sort"):
        f.make_citation(f.make_question(quiz, kind=kind))
    return quiz


def past_attempts(user, quiz, count: int) -> None:
    QuizAttempt.objects.bulk_create(
        QuizAttempt(
            user=user,
            quiz=quiz,
            number=n,
            started_at="2025-01-01T00:00Z",
            submitted_at="2025-01-01T00:10Z",
            question_ids=[],
            score=1,
            max_score=2,
            percent=50,
            passed=False,
        )
        for n in range(1, count + 1)
    )


def answered_attempt(learner, quiz):
    """An attempt with every question answered, then submitted; returns it."""
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    rows = []
    for qid in attempt.question_ids:
        question = questions[qid]
        rows.append(
            Response(
                attempt=attempt,
                question=question,
                answer={"choice": "a"},
                score=1.0,
                correct=True,
                snapshot={
                    "kind": "single",
                    "prompt": question.prompt,
                    "scenario": question.scenario,
                    "explanation": question.explanation,
                    "choices": [{"key": "a", "text": "Right", "correct": True, "feedback": "Yes."}],
                    "categories": [],
                    "citations": [{"text": "Source: Introduction, ¶1", "url": ""}],
                },
                answered_at="2025-01-01T00:05Z",
            )
        )
    Response.objects.bulk_create(rows)
    quizzes.submit_attempt(user=learner, attempt=attempt)
    return attempt


def measure(client, url: str, **kwargs) -> int:
    with count_queries() as context:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, url
    return len(context.captured_queries)


@pytest.fixture
def setups(django_user_model):
    small_user = make_user(django_user_model, "small")
    big_user = make_user(django_user_model, "big")
    small = quiz_with(10, "small-quiz")
    big = quiz_with(500, "big-quiz")
    past_attempts(big_user, big, 200)
    return (small_user, small), (big_user, big)


def test_intro_queries_do_not_grow(client, setups):
    counts = []
    for user, quiz in setups:
        client.force_login(user)
        counts.append(measure(client, quiz.get_absolute_url()))
    assert counts[0] == counts[1] <= BOUND


def test_question_page_and_fragment_queries_do_not_grow(client, setups):
    counts = []
    for user, quiz in setups:
        client.force_login(user)
        attempt, _ = quizzes.start_attempt(user=user, quiz=quiz)
        question = Question.objects.get(pk=attempt.question_ids[2])
        url = reverse("quiz_question", args=[quiz.slug, attempt.pk, 3])
        page = measure(client, url)
        fragment = measure(client, url, headers={"HX-Request": "true"})
        with count_queries() as post:
            client.post(url, right_answer_data(question, attempt), headers={"HX-Request": "true"})
        answered = measure(client, url)
        summary = measure(client, reverse("quiz_attempt", args=[quiz.slug, attempt.pk]))
        counts.append((page, fragment, len(post.captured_queries), answered, summary))
    assert counts[0] == counts[1]
    # Once the question is cached (per content version), a question page reads no content tables: session,
    # user, attempt, content version, the attempt's answers (and the answer shown), and the navigation.
    assert counts[1][1] <= 8 and counts[1][3] <= 9
    assert max(counts[1]) <= BOUND + 10  # the POST also writes the response, the review card and its log


def test_results_queries_do_not_grow(client, setups):
    counts = []
    for user, quiz in setups:
        client.force_login(user)
        attempt = answered_attempt(user, quiz)
        counts.append(measure(client, reverse("quiz_results", args=[quiz.slug, attempt.pk])))
    assert counts[0] == counts[1] <= BOUND


def test_home_queries_do_not_grow_with_questions_or_attempts(client, setups):
    (small_user, small), _ = setups
    past_attempts(small_user, small, 1)  # both learners have started their course: home shows it
    counts = []
    for user, _ in setups:
        client.force_login(user)
        counts.append((measure(client, "/"), measure(client, "/courses/")))
    assert counts[0] == counts[1]
    assert max(counts[0]) <= BOUND
