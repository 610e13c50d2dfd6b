"""Lesson workflows: the learner opens a lesson, answers its inline checks, marks it complete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from training import review as review_cards
from training.models import CheckAnswer, Lesson, LessonProgress, Question
from training.scoring import Grade, QuestionSpec, grade

# Two identical answers to the same check this close together are one double click, recorded once.
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=10)


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def record_view(*, user, lesson: Lesson, now: datetime | None = None) -> LessonProgress:
    """The learner opened the lesson (first view is kept)."""
    existing = LessonProgress.objects.for_user(user).filter(lesson=lesson).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            progress, _ = LessonProgress.objects.get_or_create(
                user=user, lesson=lesson, defaults={"viewed_at": _now(now)}
            )
    except IntegrityError:  # the same learner opened it twice at the same moment
        progress = LessonProgress.objects.for_user(user).get(lesson=lesson)
    return progress


@transaction.atomic
def complete_lesson(*, user, lesson: Lesson, now: datetime | None = None) -> tuple[LessonProgress, bool]:
    """Mark complete. Returns the progress row and whether it was completed just now (False: already was)."""
    when = _now(now)
    record_view(user=user, lesson=lesson, now=when)
    progress = LessonProgress.objects.for_user(user).select_for_update().get(lesson=lesson)
    if progress.completed_at is not None:
        return progress, False
    progress.completed_at = when
    progress.save(update_fields=["completed_at"])
    return progress, True


@dataclass(frozen=True)
class CheckResult:
    row: CheckAnswer
    grade: Grade
    recorded: bool  # False: the same answer was just recorded (a double submit)


@transaction.atomic
def answer_check(
    *, user, question: Question, spec: QuestionSpec, answer: dict[str, Any], now: datetime | None = None
) -> CheckResult:
    """Record the learner's answer to a lesson check (replacing an earlier one) and schedule it for review.

    `spec` is the question as shown. A repeat of the same answer within seconds (double click, second tab)
    is recorded once.
    """
    assert question.lesson_id is not None, "only lesson checks are answered here"
    when = _now(now)
    graded = grade(spec, answer)
    record_view(user=user, lesson=question.lesson, now=when)
    # Lock the learner's progress row on this lesson: concurrent answers to its checks queue up here.
    LessonProgress.objects.for_user(user).select_for_update().get(lesson_id=question.lesson_id)
    row = CheckAnswer.objects.for_user(user).filter(question=question).first()
    if row is not None and row.answer == answer and when - row.answered_at < DOUBLE_SUBMIT_WINDOW:
        return CheckResult(row=row, grade=graded, recorded=False)
    values = {"answer": answer, "score": graded.score, "correct": graded.correct, "answered_at": when}
    if row is None:
        row = CheckAnswer.objects.create(user=user, question=question, **values)
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.save(update_fields=list(values))
    review_cards.record_answer(
        user=user, question=question, correct=graded.correct, source="check", when=when
    )
    return CheckResult(row=row, grade=graded, recorded=True)
