"""The instructor's question statistics flag a distractor that no first attempt picked, once the question has
enough responses (analytics.UNPICKED_MIN_RESPONSES); hand-made answers."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_course, make_module, make_question, make_quiz
from tests.learner_data import make_attempt, make_cohort, make_user
from training import analytics
from training.models import Question

pytestmark = pytest.mark.django_db


def cohort_answering(n: int):
    """`n` learners answer one single-answer question: every third picks the wrong b, nobody picks c."""
    course = make_course()
    quiz = make_quiz(make_module(course))
    question = make_question(quiz, choices=[("Right", True), ("Plausible", False), ("Absurd", False)])
    other = make_question(quiz, kind=Question.Kind.ORDER)
    learners = [make_user(f"u{i}") for i in range(n)]
    teacher = make_user("teacher", instructor=True)
    cohort = make_cohort(course, instructors=[teacher], learners=learners)
    for i, user in enumerate(learners):
        make_attempt(user, quiz, {question: "b" if i % 3 == 0 else "a", other: 1.0})
    return cohort, quiz, question, teacher


def test_a_distractor_nobody_picked_is_flagged_at_the_threshold():
    cohort, quiz, question, _ = cohort_answering(analytics.UNPICKED_MIN_RESPONSES)
    stats, order = analytics.question_stats(cohort, analytics.quiz_questions(quiz))
    assert [c.choice.key for c in stats.unpicked] == ["c"]  # b was picked; a is the right answer
    assert "Distractor picked by nobody: “Absurd” (20 first attempts)" in stats.flags
    assert order.unpicked == []  # pick rates do not apply to order questions


def test_too_few_responses_flag_nothing():
    cohort, quiz, question, _ = cohort_answering(analytics.UNPICKED_MIN_RESPONSES - 1)
    stats, _ = analytics.question_stats(cohort, analytics.quiz_questions(quiz))
    assert stats.responses == 19 and [c.picks for c in stats.choices] == [12, 7, 0]
    assert stats.unpicked == []
    assert not any("picked by nobody" in flag for flag in stats.flags)


def test_the_instructor_pages_show_the_flag():
    cohort, quiz, question, teacher = cohort_answering(analytics.UNPICKED_MIN_RESPONSES)
    client = Client()
    client.force_login(teacher)
    page = client.get(f"/instructor/cohorts/{cohort.pk}/quizzes/{quiz.slug}/")
    assert page.status_code == 200
    assert "Distractor picked by nobody: “Absurd” (20 first attempts)" in page.content.decode()
    detail = client.get(f"/instructor/cohorts/{cohort.pk}/questions/{question.slug}/")
    assert detail.status_code == 200
    assert detail.content.decode().count("Picked by nobody") == 1
