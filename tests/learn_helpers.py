"""Shared helpers for the learner-experience tests: personas, form data, query counting."""

from __future__ import annotations

import re
from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext

from training.answer_forms import choice_token
from training.models import Choice, Question, QuizAttempt

PASSWORD = "Learner-passphrase-123"


def make_user(django_user_model, username: str):
    return django_user_model.objects.create_user(username, f"{username}@example.org", PASSWORD)


def ordered_choices(question: Question, attempt: QuizAttempt | None = None) -> list:
    choices = list(question.choices.published().in_order())
    if attempt is not None:
        order = attempt.choice_order[str(question.pk)]
        choices.sort(key=lambda c: order.index(c.pk))
    return choices


def scope_for(question: Question, attempt: QuizAttempt | None) -> str:
    return f"attempt:{attempt.pk}" if attempt is not None else f"check:{question.pk}"


def right_answer_data(question: Question, attempt: QuizAttempt | None = None) -> dict:
    """Form data that answers the question fully right."""
    scope = scope_for(question, attempt)
    choices = ordered_choices(question, attempt)
    if question.kind == "single":
        return {"choice": next(choice_token(scope, c.pk) for c in choices if c.correct)}
    if question.kind == "multiple":
        return {"choice": [choice_token(scope, c.pk) for c in choices if c.correct]}
    if question.kind == "order":
        return {f"position-{choice_token(scope, c.pk)}": str(c.correct_position) for c in choices}
    return {f"category-{choice_token(scope, c.pk)}": c.category.key for c in choices}


def wrong_answer_data(question: Question, attempt: QuizAttempt | None = None) -> dict:
    """Form data that answers the question wrong (score 0 for single, less than 1 otherwise)."""
    scope = scope_for(question, attempt)
    choices = ordered_choices(question, attempt)
    if question.kind == "single":
        return {"choice": next(choice_token(scope, c.pk) for c in choices if not c.correct)}
    if question.kind == "multiple":
        return {
            "choice": [choice_token(scope, c.pk) for c in choices if not c.correct]
            or [choice_token(scope, choices[0].pk)]
        }
    if question.kind == "order":
        n = len(choices)
        return {f"position-{choice_token(scope, c.pk)}": str(n + 1 - c.correct_position) for c in choices}
    keys = list(question.categories.values_list("key", flat=True))
    return {
        f"category-{choice_token(scope, c.pk)}": next(k for k in keys if k != c.category.key) for c in choices
    }


@contextmanager
def count_queries():
    with CaptureQueriesContext(connection) as context:
        yield context


def main_text(html: bytes | str) -> str:
    text = html.decode() if isinstance(html, bytes) else html
    return re.sub(r"\s+", " ", text)


def bulk_questions(quiz, count: int, *, start: int = 0) -> list[Question]:
    """Many single-answer questions (three choices each) in a few queries, for query-bound tests."""
    questions = Question.objects.bulk_create(
        Question(
            quiz=quiz,
            course_id=quiz.course_id,
            slug=f"{quiz.slug}-bulk-{n}",
            kind="single",
            scenario="A situation.",
            prompt=f"Prompt {n}?",
            explanation="Why.",
            position=n,
        )
        for n in range(start, start + count)
    )
    Choice.objects.bulk_create(
        Choice(
            question=question,
            key=key,
            text=f"Option {key}",
            correct=key == "a",
            position=i,
            feedback="Because.",
        )
        for question in questions
        for i, key in enumerate("abc")
    )
    return questions
