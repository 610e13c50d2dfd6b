"""Roll-ups of each cohort's quiz answers, kept current in the transaction of every write that changes them.

The instructor pages (training.analytics) read these rows instead of every answer, so they cost the same with
10,000 learners as with 10. What is rolled up, per cohort (docs/analytics.md, "Roll-ups"):

- per question (CohortQuestionStats): responses and right answers in submitted attempts (the objectives
  page), and over first submitted attempts n, correct, Σx, Σx², Σy, Σy², Σxy and hint use (question
  statistics);
- per option (CohortChoiceStats): picks in first submitted attempts;
- per quiz (CohortQuizStats): submitted attempts, learners, first attempts, passes; and per quiz and exact
  percentage (CohortQuizScore) how many submitted attempts scored it (mean, median, distribution).

A learner's attempts count in the cohorts of the quiz's course that they belong to. The figures change only
when an attempt is submitted (answers of an open attempt count nowhere, and a submitted attempt never
changes), when a learner joins or leaves a cohort, and when submitted attempts are deleted (account deletion,
the admin). Each of these adds or subtracts the same `Contribution`, computed from the raw rows by the one
query set that `recompute` also uses, so a roll-up always equals a recomputation from scratch (a test
checks it after random writes through the workflows). Updates are increments (`F() + delta`) on rows
locked in primary-key order, so concurrent writers neither lose updates nor deadlock.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Case, Count, F, FloatField, IntegerField, Q, QuerySet, Sum, Value, When

from training.models import (
    Cohort,
    CohortChoiceStats,
    CohortMembership,
    CohortQuestionStats,
    CohortQuizScore,
    CohortQuizStats,
    QuizAttempt,
)

QUESTION_COUNTS = ("answers", "right", "first", "first_correct", "hinted", "hints")
QUESTION_SUMS = ("sx", "sxx", "sy", "syy", "sxy")
QUIZ_COUNTS = ("attempts", "learners", "first", "passed")


@dataclass
class Contribution:
    """What a set of submitted attempts adds to a cohort's roll-ups, keyed as the roll-up rows are."""

    questions: dict[int, dict[str, float]] = field(default_factory=dict)
    choices: dict[int, int] = field(default_factory=dict)
    quizzes: dict[int, dict[str, int]] = field(default_factory=dict)
    scores: dict[tuple[int, float], int] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (self.questions or self.choices or self.quizzes or self.scores)


def counted_attempts(cohort: Cohort, *, apps: Apps = global_apps) -> QuerySet[QuizAttempt]:
    """The attempts a cohort's roll-ups count: its learners' submitted attempts at quizzes of its course."""
    memberships = apps.get_model("training", "CohortMembership")
    return apps.get_model("training", "QuizAttempt").objects.filter(
        submitted_at__isnull=False,
        quiz__course_id=cohort.course_id,
        user_id__in=memberships.objects.filter(cohort_id=cohort.pk).values("user_id"),
    )


def contribution(attempts: QuerySet[QuizAttempt], *, apps: Apps = global_apps) -> Contribution:
    """The roll-up figures of these submitted attempts, from the raw rows (four aggregate queries). `apps` is
    the migration's model registry when the backfill calls it."""
    response_model = apps.get_model("training", "Response")
    result = Contribution()
    first = Q(attempt__number=1)
    x = F("score")
    rest = F("attempt__score") - F("score")
    for row in (
        response_model.objects.filter(attempt__in=attempts)
        .values("question_id")
        .annotate(
            answers=Count("id"),
            right=Count("id", filter=Q(correct=True)),
            first=Count("id", filter=first),
            first_correct=Count("id", filter=first & Q(correct=True)),
            sx=Sum(x, filter=first),
            sxx=Sum(x * x, filter=first),
            sy=Sum(rest, filter=first),
            syy=Sum(rest * rest, filter=first),
            sxy=Sum(x * rest, filter=first),
            hinted=Count("id", filter=first & Q(hints_used__gt=0)),
            hints=Sum("hints_used", filter=first),
        )
        .order_by()
    ):
        question_id = row.pop("question_id")
        result.questions[question_id] = {key: value or 0 for key, value in row.items()}
    result.choices = dict(
        response_model.chosen_choices.through.objects.filter(
            response__attempt__in=attempts, response__attempt__number=1
        )
        .values_list("choice_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in (
        attempts.values("quiz_id")
        .annotate(
            attempts=Count("id"),
            learners=Count("user_id", distinct=True),
            first=Count("id", filter=Q(number=1)),
            passed=Count("id", filter=Q(passed=True)),
        )
        .order_by()
    ):
        quiz_id = row.pop("quiz_id")
        result.quizzes[quiz_id] = row
    for quiz_id, percent, n in (
        attempts.filter(percent__isnull=False)
        .values_list("quiz_id", "percent")
        .annotate(n=Count("id"))
        .order_by()
    ):
        result.scores[(quiz_id, percent)] = n
    return result


# Applying a contribution ------------------------------------------------------------------------------------


def _lock_learner(user_id: int) -> None:
    """Serialise a learner's roll-up writes (a submission against a join of the same learner) on PostgreSQL;
    SQLite's immediate transactions serialise every writer already."""
    list(get_user_model().objects.select_for_update().filter(pk=user_id).values_list("pk"))


def _increment(
    model: type[models.Model],
    cohort_ids: list[int],
    key_fields: tuple[str, ...],
    deltas: Mapping[tuple, Mapping[str, float]],
    float_fields: Iterable[str] = (),
) -> None:
    """Add `deltas` (key → column → amount) to the rows of `cohort_ids`: create missing rows, lock them in
    primary-key order, then one UPDATE of `column = column + CASE key … END` per model."""
    if not deltas or not cohort_ids:
        return
    model._default_manager.bulk_create(
        [
            model(cohort_id=cohort_id, **dict(zip(key_fields, key, strict=True)))
            for cohort_id in cohort_ids
            for key in deltas
        ],
        ignore_conflicts=True,
    )
    keys = list(deltas)
    if len(key_fields) == 1:
        where = Q(**{f"{key_fields[0]}__in": [key[0] for key in keys]})
    else:
        where = Q()
        for key in keys:
            where |= Q(**dict(zip(key_fields, key, strict=True)))
    rows = model._default_manager.filter(where, cohort_id__in=cohort_ids)
    list(rows.order_by("pk").select_for_update().values_list("pk"))
    floats = set(float_fields)
    columns = sorted({column for changes in deltas.values() for column in changes})
    updates: dict[str, Any] = {}
    for column in columns:
        output: models.Field = FloatField() if column in floats else IntegerField()
        whens = [
            When(
                Q(**dict(zip(key_fields, key, strict=True))), then=Value(changes[column], output_field=output)
            )
            for key, changes in deltas.items()
            if changes.get(column)
        ]
        if whens:
            updates[column] = F(column) + Case(
                *whens, default=Value(0, output_field=output), output_field=output
            )
    if updates:
        rows.update(**updates)


def apply(cohort_ids: list[int], found: Contribution, sign: int) -> None:
    """Add (sign 1) or subtract (sign −1) a contribution to the roll-ups of these cohorts."""
    if found.is_empty() or not cohort_ids:
        return
    cohort_ids = sorted(cohort_ids)
    _increment(
        CohortQuestionStats,
        cohort_ids,
        ("question_id",),
        {(qid,): {k: sign * v for k, v in figures.items()} for qid, figures in found.questions.items()},
        QUESTION_SUMS,
    )
    _increment(
        CohortChoiceStats,
        cohort_ids,
        ("choice_id",),
        {(cid,): {"picks": sign * n} for cid, n in found.choices.items()},
    )
    _increment(
        CohortQuizStats,
        cohort_ids,
        ("quiz_id",),
        {(qid,): {k: sign * v for k, v in figures.items()} for qid, figures in found.quizzes.items()},
    )
    _increment(
        CohortQuizScore,
        cohort_ids,
        ("quiz_id", "percent"),
        {key: {"attempts": sign * n} for key, n in found.scores.items()},
    )


def _cohorts_of(user_id: int, course_id: int) -> list[int]:
    return list(
        CohortMembership.objects.filter(user_id=user_id, cohort__course_id=course_id).values_list(
            "cohort_id", flat=True
        )
    )


# The writes that change the figures ------------------------------------------------------------------------


def attempt_counted(attempt: QuizAttempt, *, sign: int = 1, excluding: QuerySet | None = None) -> None:
    """An attempt was just submitted (sign 1), or a submitted one is about to be deleted (sign −1): add it to
    or take it from the cohorts of its learner in its quiz's course. Call inside the write's transaction."""
    course_id = attempt.quiz.course_id
    cohort_ids = _cohorts_of(attempt.user_id, course_id)
    if not cohort_ids:
        return
    _lock_learner(attempt.user_id)
    found = contribution(QuizAttempt.objects.filter(pk=attempt.pk, submitted_at__isnull=False))
    if attempt.quiz_id in found.quizzes:
        # "Learners" counts a learner once per quiz: only their first submitted attempt there adds one, and
        # removing their last one takes it away.
        others = QuizAttempt.objects.filter(
            user_id=attempt.user_id, quiz_id=attempt.quiz_id, submitted_at__isnull=False
        ).exclude(pk=attempt.pk)
        if excluding is not None:
            others = others.exclude(pk__in=excluding.values("pk"))
        found.quizzes[attempt.quiz_id]["learners"] = 0 if others.exists() else 1
    apply(cohort_ids, found, sign)


def members_changed(cohort: Cohort, user_ids: Iterable[int], *, sign: int) -> None:
    """Learners joined a cohort (sign 1; pass only new members) or are about to leave it (sign −1)."""
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return
    for user_id in user_ids:
        _lock_learner(user_id)
    attempts = QuizAttempt.objects.filter(
        submitted_at__isnull=False, quiz__course_id=cohort.course_id, user_id__in=user_ids
    )
    apply([cohort.pk], contribution(attempts), sign)


# Recomputation (the migration's backfill, `manage.py rebuild_rollups`, and the tests' reference) -------------


def recompute(cohort: Cohort, *, apps: Apps = global_apps) -> Contribution:
    """The cohort's roll-up figures computed from scratch from every raw row."""
    return contribution(counted_attempts(cohort, apps=apps), apps=apps)


def stored(cohort: Cohort) -> Contribution:
    """The cohort's roll-up figures as stored (rows whose figures are all zero are left out)."""
    result = Contribution()
    for row in CohortQuestionStats.objects.filter(cohort=cohort).values(
        "question_id", *QUESTION_COUNTS, *QUESTION_SUMS
    ):
        question_id = row.pop("question_id")
        if any(row.values()):
            result.questions[question_id] = row
    result.choices = dict(
        CohortChoiceStats.objects.filter(cohort=cohort).exclude(picks=0).values_list("choice_id", "picks")
    )
    for row in CohortQuizStats.objects.filter(cohort=cohort).values("quiz_id", *QUIZ_COUNTS):
        quiz_id = row.pop("quiz_id")
        if any(row.values()):
            result.quizzes[quiz_id] = row
    for quiz_id, percent, n in (
        CohortQuizScore.objects.filter(cohort=cohort)
        .exclude(attempts=0)
        .values_list("quiz_id", "percent", "attempts")
    ):
        result.scores[(quiz_id, percent)] = n
    return result


def same(a: Contribution, b: Contribution, *, tolerance: float = 1e-6) -> bool:
    """Equal figures (counts exactly; the float sums up to rounding, as they were added in another order)."""
    if a.choices != b.choices or a.quizzes != b.quizzes or a.scores != b.scores:
        return False
    if set(a.questions) != set(b.questions):
        return False
    for qid, figures in a.questions.items():
        other = b.questions[qid]
        for key in QUESTION_COUNTS:
            if figures[key] != other[key]:
                return False
        for key in QUESTION_SUMS:
            if not math.isclose(figures[key], other[key], rel_tol=tolerance, abs_tol=tolerance):
                return False
    return True


def rebuild(cohorts: Iterable[Cohort] | None = None, *, apps: Apps = global_apps) -> int:
    """Replace the roll-ups of these cohorts (default: all) by a recomputation, one transaction per cohort.
    Returns how many cohorts were rebuilt. `apps` is the migration's model registry for the backfill."""
    cohort_model = apps.get_model("training", "Cohort")
    cohorts = list(cohorts if cohorts is not None else cohort_model.objects.order_by("pk"))
    question_stats, choice_stats, quiz_stats, quiz_scores = (
        apps.get_model("training", name)
        for name in ("CohortQuestionStats", "CohortChoiceStats", "CohortQuizStats", "CohortQuizScore")
    )
    for cohort in cohorts:
        with transaction.atomic():
            # Lock the cohort: a learner joining meanwhile waits, and then adds to the rebuilt rows.
            list(cohort_model.objects.select_for_update().filter(pk=cohort.pk).values_list("pk"))
            found = recompute(cohort, apps=apps)
            for model in (question_stats, choice_stats, quiz_stats, quiz_scores):
                model.objects.filter(cohort_id=cohort.pk).delete()
            question_stats.objects.bulk_create(
                [
                    question_stats(cohort_id=cohort.pk, question_id=qid, **figures)
                    for qid, figures in found.questions.items()
                ],
                batch_size=500,
            )
            choice_stats.objects.bulk_create(
                [
                    choice_stats(cohort_id=cohort.pk, choice_id=cid, picks=n)
                    for cid, n in found.choices.items()
                ],
                batch_size=500,
            )
            quiz_stats.objects.bulk_create(
                [
                    quiz_stats(cohort_id=cohort.pk, quiz_id=qid, **figures)
                    for qid, figures in found.quizzes.items()
                ],
                batch_size=500,
            )
            quiz_scores.objects.bulk_create(
                [
                    quiz_scores(cohort_id=cohort.pk, quiz_id=quiz_id, percent=percent, attempts=n)
                    for (quiz_id, percent), n in found.scores.items()
                ],
                batch_size=500,
            )
    return len(cohorts)


def grouped_scores(rows: Iterable[tuple[int, float, int]]) -> dict[int, list[tuple[float, int]]]:
    """(quiz id, percent, attempts) rows as quiz id → [(percent, attempts)] in ascending percent."""
    result: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for quiz_id, percent, n in sorted(rows):
        if n:
            result[quiz_id].append((percent, n))
    return dict(result)


# Memberships and deletions, wherever they happen (join code, LMS roster, admin, account deletion) -------------


def _deleting_learner(origin) -> bool:
    """Whether a deletion started from accounts (the account's memberships then take its attempts away)."""
    user_model = get_user_model()
    return isinstance(origin, user_model) or (isinstance(origin, QuerySet) and origin.model is user_model)


def _membership_saved(sender, instance: CohortMembership, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        with transaction.atomic():
            members_changed(instance.cohort, [instance.user_id], sign=1)


def _membership_deleting(sender, instance: CohortMembership, origin=None, **kwargs) -> None:
    if isinstance(origin, Cohort) or (isinstance(origin, QuerySet) and origin.model is Cohort):
        return  # the cohort's roll-ups go with it
    # Before the deletion (pre_delete): the learner's attempts are still there to subtract, even when the
    # whole account is going.
    members_changed(instance.cohort, [instance.user_id], sign=-1)


def _attempt_deleting(sender, instance: QuizAttempt, origin=None, **kwargs) -> None:
    if instance.submitted_at is None or _deleting_learner(origin):
        return
    excluding = origin if isinstance(origin, QuerySet) and origin.model is QuizAttempt else None
    attempt_counted(instance, sign=-1, excluding=excluding)


def connect() -> None:
    from django.db.models.signals import post_save, pre_delete

    post_save.connect(_membership_saved, sender=CohortMembership, dispatch_uid="rollups-membership-saved")
    pre_delete.connect(
        _membership_deleting, sender=CohortMembership, dispatch_uid="rollups-membership-deleting"
    )
    pre_delete.connect(_attempt_deleting, sender=QuizAttempt, dispatch_uid="rollups-attempt-deleting")
