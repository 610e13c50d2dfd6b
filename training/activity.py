"""What the learner did, newest first: the recent-activity feed (the latest RECENT_LIMIT events of any kind:
lessons, checks, quiz attempts, simulation runs, reviews) and days active (distinct UTC dates with any
activity), each in one query whatever the history (docs/progress.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    F,
    FloatField,
    IntegerField,
    Value,
)
from django.db.models.functions import Cast, TruncDate
from django.urls import NoReverseMatch, reverse

from training import mastery as mastery_rules
from training.models import (
    CheckAnswer,
    Lesson,
    LessonProgress,
    Question,
    Quiz,
    QuizAttempt,
    Response,
    ReviewLog,
    Simulation,
    SimulationRun,
    SimulationStep,
)

RECENT_LIMIT = 10


# --- Activity ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    when: datetime
    text: str
    url: str = ""


_LESSON_VIEWED, _LESSON_COMPLETED, _QUIZ, _REVIEW, _SIMULATION = range(5)


def recent_activity(user, *, limit: int = RECENT_LIMIT) -> list[Activity]:
    """The latest `limit` things the learner did, newest first (one query: a UNION ALL of the five kinds,
    ordered and limited in the database; on equal times the kinds keep the order listed here)."""

    def part(queryset, kind: int, when: str, pk: str, **columns):
        none: dict[str, Any] = {
            "ev_title": Cast(Value(None), CharField()),
            "ev_slug": Cast(Value(None), CharField()),
            "ev_number": Cast(Value(None), IntegerField()),
            "ev_score": Cast(Value(None), FloatField()),
            "ev_flag": Cast(Value(None), BooleanField()),
            "ev_extra": Cast(Value(None), CharField()),
        }
        none.update({f"ev_{name}": F(path) for name, path in columns.items()})
        return (
            queryset.filter(**{f"{when}__isnull": False})
            .annotate(ev_at=F(when), ev_kind=Cast(Value(kind), IntegerField()), ev_row=F(pk), **none)
            .values_list(
                "ev_at",
                "ev_kind",
                "ev_row",
                "ev_title",
                "ev_slug",
                "ev_number",
                "ev_score",
                "ev_flag",
                "ev_extra",
            )
            .order_by()
        )

    # Only what the learner can still open: content taken offline leaves the list (and the export keeps it).
    lessons = LessonProgress.objects.for_user(user).filter(Lesson.objects.visible_q("lesson__"))
    parts = [
        part(lessons, _LESSON_VIEWED, "viewed_at", "pk", title="lesson__title", slug="lesson__slug"),
        part(lessons, _LESSON_COMPLETED, "completed_at", "pk", title="lesson__title", slug="lesson__slug"),
        part(
            QuizAttempt.objects.for_user(user).filter(Quiz.objects.visible_q("quiz__")),
            _QUIZ,
            "submitted_at",
            "pk",
            title="quiz__title",
            slug="quiz__slug",
            number="number",
            score="percent",
            flag="passed",
        ),
        part(
            ReviewLog.objects.filter(
                Question.objects.visible_q("card__question__"), card__user=user, source="review"
            ),
            _REVIEW,
            "reviewed_at",
            "pk",
            title="card__question__prompt",
            flag="correct",
        ),
        part(
            SimulationRun.objects.for_user(user).filter(
                Simulation.objects.visible_q("simulation__"), ending__isnull=False
            ),
            _SIMULATION,
            "finished_at",
            "pk",
            title="simulation__title",
            slug="simulation__slug",
            extra="ending__title",
        ),
    ]
    rows = parts[0].union(*parts[1:], all=True).order_by("-ev_at", "ev_kind", "-ev_row")[:limit]
    events = []
    for at, kind, _, title, slug, number, score, flag, extra in rows:
        when = mastery_rules._aware(at)
        if kind == _LESSON_VIEWED:
            events.append(Activity(when, f"Opened the lesson “{title}”", _reverse("lesson_detail", slug)))
        elif kind == _LESSON_COMPLETED:
            events.append(Activity(when, f"Completed the lesson “{title}”", _reverse("lesson_detail", slug)))
        elif kind == _QUIZ:
            verdict = "passed" if flag else "not passed"
            events.append(
                Activity(
                    when,
                    f"Submitted “{title}” (attempt {number}): {round(score or 0)}%, {verdict}",
                    _reverse("quiz_detail", slug),
                )
            )
        elif kind == _REVIEW:
            question = title if len(title) <= 80 else title[:79] + "…"  # as Question.__str__
            events.append(Activity(when, f"Reviewed “{question}”: {'right' if flag else 'wrong'}"))
        else:
            events.append(
                Activity(
                    when,
                    f"Finished the simulation “{title}”: {extra}",
                    _reverse("simulation_detail", slug),
                )
            )
    return events


def _reverse(name: str, slug: str) -> str:
    try:
        return reverse(name, args=[slug])
    except NoReverseMatch:
        return ""


def _active_dates_union(user):
    def dates(queryset, field_name: str):
        return (
            queryset.filter(**{f"{field_name}__isnull": False})
            .annotate(day=TruncDate(field_name, tzinfo=UTC))
            .values_list("day", flat=True)
            .order_by()
        )

    parts = [
        dates(LessonProgress.objects.filter(user=user), "viewed_at"),
        dates(LessonProgress.objects.filter(user=user), "completed_at"),
        dates(CheckAnswer.objects.filter(user=user), "answered_at"),
        dates(QuizAttempt.objects.filter(user=user), "started_at"),
        dates(QuizAttempt.objects.filter(user=user), "submitted_at"),
        dates(Response.objects.filter(attempt__user=user), "answered_at"),
        dates(ReviewLog.objects.filter(card__user=user), "reviewed_at"),
        dates(SimulationRun.objects.filter(user=user), "started_at"),
        dates(SimulationRun.objects.filter(user=user), "finished_at"),
        dates(SimulationStep.objects.filter(run__user=user), "created_at"),
    ]
    return parts[0].union(*parts[1:])


def _as_date(day) -> date | None:
    if isinstance(day, datetime):
        return day.date()
    if isinstance(day, str):
        return date.fromisoformat(day[:10])
    return day


def active_dates(user) -> set[date]:
    """Distinct UTC dates on which the learner did anything (one query, a UNION in the database)."""
    return {day for day in map(_as_date, _active_dates_union(user)) if day is not None}


def days_active(user) -> tuple[int, date | None]:
    """How many distinct UTC dates the learner was active on, and the first: one query that counts in the
    database (the UNION of active_dates, wrapped in COUNT and MIN), so no rows are sent per day."""
    sql, params = _active_dates_union(user).query.sql_with_params()
    # The inner SQL is Django's own compilation of the queryset above; only its parameters carry data.
    wrapped = f'SELECT COUNT("day"), MIN("day") FROM ({sql}) active_days'  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(wrapped, params)
        count, first = cursor.fetchone()
    return count or 0, _as_date(first)
