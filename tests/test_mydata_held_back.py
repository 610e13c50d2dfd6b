"""The my-data export keeps an open assessment's answers to itself, like the review queue and results page.

While an assessment attempt is open the export shows what the learner chose, but not whether it was right,
the score, the answer key or any feedback; review logs of its questions hide their ratings. Once submitted,
right/wrong and scores are shown, and the answer key as the quiz's results policy allows.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests import factories as f
from tests.learn_helpers import right_answer_data, wrong_answer_data
from training.models import Question, Quiz, QuizAttempt

pytestmark = pytest.mark.django_db

SECRETS = ("RIGHT-FEEDBACK", "WRONG-FEEDBACK", "EXPLANATION-TEXT")


@pytest.fixture
def exam() -> Quiz:
    course = f.make_course()
    module = f.make_module(course)
    quiz = f.make_quiz(module, mode="assessment", slug="exam", pass_mark=50, attempts_allowed=3)
    question = f.make_question(
        quiz,
        kind="single",
        choices=[
            {"key": "right", "text": "RIGHT-OPTION-TEXT", "correct": True, "feedback": "RIGHT-FEEDBACK"},
            {"key": "wrong", "text": "WRONG-OPTION-TEXT", "feedback": "WRONG-FEEDBACK"},
        ],
        explanation="EXPLANATION-TEXT",
    )
    f.make_citation(question, paragraph=1)
    return quiz


def answer(client, quiz: Quiz, *, right: bool, submit: bool) -> QuizAttempt:
    client.post(reverse("quiz_start", args=[quiz.slug]))
    attempt = QuizAttempt.objects.get(quiz=quiz, submitted_at__isnull=True)
    question = Question.objects.get(pk=attempt.question_ids[0])
    data = right_answer_data(question, attempt) if right else wrong_answer_data(question, attempt)
    client.post(reverse("quiz_question", args=[quiz.slug, attempt.pk, 1]), data)
    if submit:
        client.post(reverse("quiz_submit", args=[quiz.slug, attempt.pk]))
    attempt.refresh_from_db()
    return attempt


def export(client) -> tuple[dict, str]:
    response = client.get("/account/data/export/")
    assert response.status_code == 200
    text = response.content.decode()
    return json.loads(text), text


def marked_right(data) -> list:
    """Every dict anywhere in the export that marks something right (an option, an answer, a review)."""
    found = []

    def walk(value):
        if isinstance(value, dict):
            if value.get("correct") is True or value.get("rating") in (2, 3, 4) or value.get("score"):
                found.append(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(data)
    return found


def test_export_during_an_open_assessment_shows_the_choice_but_nothing_of_the_answer(client, learner, exam):
    client.force_login(learner)
    answer(client, exam, right=True, submit=False)
    data, text = export(client)
    (attempt,) = data["quiz_attempts"]
    assert attempt["submitted_at"] is None and attempt["held_back"] == "until the attempt is submitted"
    (response,) = attempt["responses"]
    assert response["chosen"] == ["right"]  # what the learner chose
    assert "correct" not in response and "score" not in response
    assert response["snapshot"]["choices"] == [
        {"key": "right", "text": "RIGHT-OPTION-TEXT"},
        {"key": "wrong", "text": "WRONG-OPTION-TEXT"},
    ]
    assert set(response["snapshot"]) == {
        "kind",
        "slug",
        "scenario",
        "prompt",
        "choices",
        "categories",
        "chosen",
    }
    (card,) = data["review_cards"]
    assert card["held_back"] == "until the assessment attempt is submitted"
    assert card["card"] is None and card["due"] is None
    assert [set(log) for log in card["reviews"]] == [{"source", "reviewed_at"}]
    for secret in SECRETS:
        assert secret not in text
    assert marked_right(data) == []
    assert '"correct"' not in text and '"rating"' not in text and "Source: " not in text


def test_export_after_submitting_a_passed_assessment_shows_everything(client, learner, exam):
    client.force_login(learner)
    answer(client, exam, right=True, submit=True)
    data, text = export(client)
    (attempt,) = data["quiz_attempts"]
    assert attempt["held_back"] is None and attempt["passed"] is True and attempt["score"] == 1.0
    (response,) = attempt["responses"]
    assert (response["correct"], response["score"]) == (True, 1.0)
    right_choice = response["snapshot"]["choices"][0]
    assert (right_choice["key"], right_choice["correct"], right_choice["feedback"]) == (
        "right",
        True,
        "RIGHT-FEEDBACK",
    )
    (card,) = data["review_cards"]
    assert card["held_back"] is None and card["card"] is not None and card["due"]
    assert card["reviews"][0]["rating"] == 3 and card["reviews"][0]["correct"] is True
    for secret in SECRETS:
        assert secret in text


def test_export_after_a_failed_attempt_with_attempts_left_shows_right_wrong_but_not_the_key(
    client, learner, exam
):
    client.force_login(learner)
    answer(client, exam, right=False, submit=True)
    data, text = export(client)
    (attempt,) = data["quiz_attempts"]
    assert attempt["held_back"] == "by the quiz's results policy"
    assert attempt["passed"] is False and attempt["score"] == 0.0
    (response,) = attempt["responses"]
    assert (response["correct"], response["score"]) == (False, 0.0)
    assert all(set(choice) == {"key", "text"} for choice in response["snapshot"]["choices"])
    (card,) = data["review_cards"]
    assert card["reviews"][0]["correct"] is False  # the results page says so too
    for secret in SECRETS:
        assert secret not in text


def test_export_while_a_retake_is_open_hides_the_new_answers_but_keeps_earlier_verdicts(
    client, learner, exam
):
    client.force_login(learner)
    answer(client, exam, right=False, submit=True)
    answer(client, exam, right=True, submit=False)
    data, text = export(client)
    first, second = data["quiz_attempts"]
    assert first["responses"][0]["correct"] is False
    assert "correct" not in second["responses"][0] and second["responses"][0]["chosen"] == ["right"]
    (card,) = data["review_cards"]
    assert card["card"] is None and all("rating" not in log for log in card["reviews"])
    for secret in SECRETS:
        assert secret not in text
    assert marked_right(data) == []


def test_export_of_practice_answers_is_unchanged(client, learner, exam):
    exam.mode = "practice"
    exam.save()
    client.force_login(learner)
    answer(client, exam, right=True, submit=False)
    data, text = export(client)
    (attempt,) = data["quiz_attempts"]
    assert attempt["held_back"] is None
    assert attempt["responses"][0]["correct"] is True
    assert "RIGHT-FEEDBACK" in text and "EXPLANATION-TEXT" in text
