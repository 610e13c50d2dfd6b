"""Lesson workflows: the learner opens a lesson, marks it complete, and answers its inline checks (through
training.answering with the `InLessonCheck` recorder)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction

from training import versions
from training.answering import NewAnswer, Previous
from training.grading import Grade
from training.models import CheckAnswer, Lesson, LessonProgress
from xapi import record

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
            progress, created = LessonProgress.objects.get_or_create(
                user=user, lesson=lesson, defaults={"viewed_at": _now(now)}
            )
            if created:
                versions.bump_learner(user.pk)
                record.lesson_viewed(user=user, lesson=lesson, when=progress.viewed_at)
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
    versions.bump_learner(user.pk)
    record.lesson_completed(user=user, lesson=lesson, when=when)
    return progress, True


class InLessonCheck:
    """Where a lesson check's answer is recorded: the learner's CheckAnswer row, which a new answer replaces.
    The same answer again within seconds (double click, second tab) is one answer, recorded once."""

    source = "check"
    attempt = None

    def __init__(self) -> None:
        self.row: CheckAnswer | None = None
        self.lesson: Lesson | None = None

    def parent(self) -> Lesson | None:
        return self.lesson

    def find_previous(self, new: NewAnswer) -> Previous | None:
        lesson = new.question.lesson
        assert lesson is not None, "only lesson checks are answered here"
        self.lesson = lesson
        record_view(user=new.user, lesson=lesson, now=new.when)
        # Lock the learner's progress row on this lesson: concurrent answers to its checks queue up here.
        LessonProgress.objects.for_user(new.user).select_for_update().get(lesson=lesson)
        self.row = row = CheckAnswer.objects.for_user(new.user).filter(question=new.question).first()
        if row is not None and row.answer == new.answer and new.when - row.answered_at < DOUBLE_SUBMIT_WINDOW:
            return Previous(row=row, answer=row.answer, snapshot=new.snapshot)
        return None

    def store(self, new: NewAnswer, graded: Grade) -> CheckAnswer:
        values = {
            "answer": new.answer,
            "score": graded.score,
            "correct": graded.correct,
            "answered_at": new.when,
        }
        if self.row is None:
            return CheckAnswer.objects.create(user=new.user, question=new.question, **values)
        for name, value in values.items():
            setattr(self.row, name, value)
        self.row.save(update_fields=list(values))
        return self.row
