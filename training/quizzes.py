"""Quiz attempts: start (or resume), record a response, submit; the retake policy.

Rules:
- At most one open attempt per learner and quiz (a database constraint): "Start" on a second tab resumes it.
- A new attempt is allowed while the learner has used fewer than `quiz.attempts_allowed` (0 = unlimited).
- The attempt fixes its questions and, per question, the order its choices are shown: shuffled once when the
  quiz asks for it, then stable for the whole attempt. The questions are drawn from the quiz's pool
  (`draw_questions`): one variant per scenario, `draw_count` in all or `draw_per_objective` per objective
  (default: every scenario), the ones this learner has been given least often first, in authored order.
- One response per question per attempt (a database constraint): the first answer stands; a repeat (double
  click, second tab) is recorded once and reported as such. Answers go through training.answering with the
  `InAttempt` recorder.
- A submitted attempt is immutable: no responses are added and it cannot be submitted again.
- Timed quizzes (`quiz.time_limit` minutes): the attempt's deadline is fixed when it starts (`deadline_for`:
  started_at + the limit + the learner's extra time, an Accommodation). Answers are accepted until the
  deadline plus settings.QUIZ_GRACE_SECONDS; a later one is refused (`TimeUp`) and nothing is written. An
  attempt is never submitted later than its deadline (`submitted_at` is at most the deadline). An expired open
  attempt is submitted by `submit_expired`, called wherever attempts are read (quiz pages, the dashboard,
  instructor statistics, certificates) and by the `submit_expired_attempts` command (cron): the same
  conditional update as a learner's own submit, so every server may run it at once.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Prefetch

from training import rollups, versions
from training.answering import AlreadyRecorded, NewAnswer, Previous
from training.grading import Grade
from training.models import Accommodation, Choice, LearningObjective, Quiz, QuizAttempt, Response
from xapi import record


class QuizError(Exception):
    """A refusal to show the learner (the message says why)."""


class AttemptsExhausted(QuizError):
    pass


class AttemptSubmitted(QuizError):
    pass


class TimeUp(AttemptSubmitted):
    """An answer posted after the deadline and its grace: refused, and the attempt is submitted."""


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def attempts_left(quiz: Quiz, used: int) -> int | None:
    """How many more attempts the learner may start (None: unlimited)."""
    if not quiz.attempts_allowed:
        return None
    return max(0, quiz.attempts_allowed - used)


def can_start(quiz: Quiz, used: int) -> bool:
    left = attempts_left(quiz, used)
    return left is None or left > 0


def extra_percent(quiz: Quiz, user) -> int:
    """The learner's extra time on the quiz's course (an instructor's Accommodation), in percent of a limit."""
    if not user.is_authenticated:
        return 0
    extra = (
        Accommodation.objects.filter(user=user, course_id=quiz.course_id)
        .values_list("extra_percent", flat=True)
        .first()
    )
    return extra or 0


def deadline_for(quiz: Quiz, user, started_at: datetime) -> datetime | None:
    """When an attempt started at `started_at` ends: the quiz's time limit plus the learner's extra time on
    this course; None when the quiz is untimed."""
    if not quiz.time_limit:
        return None
    return started_at + timedelta(minutes=quiz.time_limit * (100 + extra_percent(quiz, user)) / 100)


@transaction.atomic
def set_extra_time(*, user, course, extra_percent: int, set_by, now: datetime | None = None) -> int:
    """Set a learner's extra time on a course's timed quizzes (0 removes it). Open attempts get the new
    deadline too, counted from when they started. Returns how many open attempts changed."""
    when = _now(now)
    if extra_percent:
        Accommodation.objects.update_or_create(
            user=user,
            course=course,
            defaults={"extra_percent": extra_percent, "set_by": set_by, "updated_at": when},
        )
    else:
        Accommodation.objects.filter(user=user, course=course).delete()
    changed = 0
    open_attempts = QuizAttempt.objects.for_user(user).filter(
        quiz__course=course, quiz__time_limit__gt=0, submitted_at__isnull=True
    )
    for attempt in open_attempts.select_related("quiz"):
        attempt.deadline = deadline_for(attempt.quiz, user, attempt.started_at)
        attempt.save(update_fields=["deadline"])
        changed += 1
    if changed:
        versions.bump_learner(user.pk)
    return changed


def grace() -> timedelta:
    return timedelta(seconds=settings.QUIZ_GRACE_SECONDS)


def time_up_message(attempt: QuizAttempt) -> str:
    return (
        f"Time is up: this attempt ended at {attempt.deadline:%H:%M:%S} UTC, so answers sent after that are not "
        "counted. Your attempt has been submitted with the answers given in time."
    )


def published_questions(quiz: Quiz):
    return (
        quiz.questions.published()
        .in_order()
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.published().in_order()))
    )


def draw_questions(quiz: Quiz, questions: list, given_before: Iterable[int], rng: random.Random) -> list:
    """The questions of a new attempt, drawn from `questions` (published, in authored order; with their
    objectives prefetched when the quiz draws per objective). Variants of one scenario (`variant_of`) count as
    one: at most one of them is drawn. Each scenario is offered through its variant given least often in
    `given_before` (the question ids of the learner's earlier attempts at the quiz), and the scenarios given
    least often are drawn first, so a retake gets fresh questions while the pool has them; ties are broken by
    `rng`. The drawn questions keep their authored order."""
    seen = Counter(given_before)
    groups: dict[str, list] = {}
    for question in questions:
        groups.setdefault(question.scenario_group, []).append(question)
    offered = []  # (times given, random tie-break, the variant offered, the scenario's first question)
    for variants in groups.values():
        fewest = min(seen[q.pk] for q in variants)
        pick = rng.choice([q for q in variants if seen[q.pk] == fewest])
        offered.append((fewest, rng.random(), pick, variants[0]))

    def freshest(candidates: list, count: int) -> list:
        return [item[2] for item in sorted(candidates, key=lambda item: item[:2])[:count]]

    if quiz.draw_per_objective:
        # A scenario counts for the first objective of its first question (as the loader checks the pool).
        by_objective: dict[int | None, list] = {}
        for item in offered:
            objectives = list(item[3].objectives.all())
            by_objective.setdefault(objectives[0].pk if objectives else None, []).append(item)
        drawn = [q for items in by_objective.values() for q in freshest(items, quiz.draw_per_objective)]
    elif quiz.draw_count:
        drawn = freshest(offered, quiz.draw_count)
    else:
        drawn = [item[2] for item in offered]
    place = {q.pk: index for index, q in enumerate(questions)}
    return sorted(drawn, key=lambda q: place[q.pk])


@transaction.atomic
def start_attempt(
    *, user, quiz: Quiz, now: datetime | None = None, rng: random.Random | None = None
) -> tuple[QuizAttempt, bool]:
    """The learner's open attempt at the quiz, or a new one. Returns (attempt, created)."""
    attempts = QuizAttempt.objects.for_user(user).filter(quiz=quiz)
    open_attempt = attempts.filter(submitted_at__isnull=True).first()
    if open_attempt is not None and not open_attempt.is_expired(_now(now)):
        return open_attempt, False
    if open_attempt is not None:  # a timed attempt past its deadline: it ends, and a new one may start
        close_if_expired(open_attempt, user=user, now=now)
    given_before = list(attempts.values_list("question_ids", flat=True))
    used = len(given_before)
    if not can_start(quiz, used):
        raise AttemptsExhausted(
            f"You have used all {quiz.attempts_allowed} attempts at this quiz. Your results stay available."
        )
    pool = published_questions(quiz)
    if quiz.draw_per_objective:
        pool = pool.prefetch_related(
            Prefetch("objectives", queryset=LearningObjective.objects.order_by("position", "pk"))
        )
    rng = rng or random.SystemRandom()
    questions = draw_questions(quiz, list(pool), chain.from_iterable(given_before), rng)
    if not questions:
        raise QuizError("This quiz has no questions yet.")
    choice_order: dict[str, list[int]] = {}
    for question in questions:
        ids = [choice.pk for choice in question.choices.all()]
        if quiz.shuffle:
            rng.shuffle(ids)
        choice_order[str(question.pk)] = ids
    started_at = _now(now)
    try:
        with transaction.atomic():
            attempt = QuizAttempt.objects.create(
                user=user,
                quiz=quiz,
                number=used + 1,
                started_at=started_at,
                deadline=deadline_for(quiz, user, started_at),
                question_ids=[question.pk for question in questions],
                choice_order=choice_order,
            )
            versions.bump_learner(user.pk)
    except IntegrityError:
        # A second tab started the same attempt a moment ago: use that one.
        open_attempt = attempts.filter(submitted_at__isnull=True).first()
        if open_attempt is None:
            raise QuizError("Another attempt was just started or submitted. Please try again.") from None
        return open_attempt, False
    return attempt, True


class InAttempt:
    """Where a quiz answer is recorded: a Response in an open attempt, with the snapshot of what was shown.
    One response per question per attempt (a database constraint): the first answer stands, and a repeat
    (double click, second tab) returns it."""

    source = "quiz"

    def __init__(self, attempt: QuizAttempt):
        self.attempt = attempt
        self.quiz = attempt.quiz  # the page has it loaded; the locked row read below does not

    def parent(self) -> Quiz:
        return self.quiz

    def find_previous(self, new: NewAnswer) -> Previous | None:
        locked = QuizAttempt.objects.for_user(new.user).select_for_update().get(pk=self.attempt.pk)
        if locked.is_submitted:
            raise AttemptSubmitted("This attempt has been submitted, so its answers can no longer change.")
        if locked.deadline is not None and new.when > locked.deadline + grace():
            raise TimeUp(time_up_message(locked))
        if new.question.pk not in locked.question_ids:
            raise QuizError("That question is not part of this attempt.")
        self.attempt = locked
        existing = Response.objects.filter(attempt=locked, question=new.question).first()
        return _standing(existing) if existing is not None else None

    def store(self, new: NewAnswer, graded: Grade) -> Response:
        try:
            with transaction.atomic():
                response = Response.objects.create(
                    attempt=self.attempt,
                    question=new.question,
                    answer=new.answer,
                    score=graded.score,
                    correct=graded.correct,
                    certainty=graded.certainty,
                    mark=graded.cbm_mark,
                    hints_used=graded.hints_used,
                    snapshot={**new.snapshot, "chosen": new.answer},
                    answered_at=new.when,
                )
        except IntegrityError:  # a concurrent request recorded it first (databases without row locks)
            raise AlreadyRecorded(
                _standing(Response.objects.get(attempt=self.attempt, question=new.question))
            ) from None
        chosen_keys = set(_chosen_keys(new.spec.kind, new.answer))
        response.chosen_choices.set([c.pk for c in new.spec.choices if c.key in chosen_keys and c.pk])
        return response


def _standing(response: Response) -> Previous:
    return Previous(
        row=response, answer=response.answer, snapshot=response.snapshot, certainty=response.certainty
    )


def _chosen_keys(kind: str, answer: dict[str, Any]) -> list[str]:
    if kind == "single":
        return [answer.get("choice", "")]
    if kind == "multiple":
        return list(answer.get("choices", []))
    if kind == "order":
        return list(answer.get("order", []))
    return list((answer.get("categories") or {}).keys())


def submit_attempt(*, user, attempt: QuizAttempt, now: datetime | None = None) -> tuple[QuizAttempt, bool]:
    """Submit: score it and close it. Returns (attempt, submitted_now); False means it already was."""
    with transaction.atomic():
        locked = (
            QuizAttempt.objects.for_user(user).select_for_update().select_related("quiz").get(pk=attempt.pk)
        )
        if locked.is_submitted:
            return locked, False
        rows = list(Response.objects.filter(attempt=locked).values_list("score", "mark"))
        max_score = float(len(locked.question_ids))
        score = round(sum(row[0] for row in rows), 4)
        percent = round(100 * score / max_score, 2) if max_score else 0.0
        when = _now(now)
        if locked.deadline is not None:
            when = min(when, locked.deadline)  # a timed attempt ends at its deadline at the latest
        values = {
            "submitted_at": when,
            "score": score,
            "max_score": max_score,
            "percent": percent,
            # The pass mark applies to accuracy (percent), with or without certainty-based marking.
            "passed": percent >= locked.quiz.pass_mark,
        }
        if locked.quiz.certainty:
            # Average certainty-based mark per question; an unanswered question counts 0 (docs/scoring.md).
            marks = sum(row[1] or 0.0 for row in rows)
            values["mark_average"] = round(marks / max_score, 4) if max_score else 0.0
        # The conditional update is the guard that holds on every database: only one submit wins.
        won = QuizAttempt.objects.filter(pk=locked.pk, submitted_at__isnull=True).update(**values)
        if won:
            versions.bump_learner(user.pk)
            for name, value in values.items():
                setattr(locked, name, value)
            rollups.attempt_counted(locked)  # the cohorts' statistics, in this transaction
            record.quiz_attempt_completed(user=user, attempt=locked)
    locked.refresh_from_db()
    return locked, bool(won)


def submit_expired(attempts, *, now: datetime | None = None) -> int:
    """Submit the expired attempts among `attempts` (a QuizAttempt QuerySet: one learner's, one quiz's, or all),
    each as of its deadline. Returns how many this call submitted. Safe to run anywhere at any time: each
    submission is `submit_attempt`'s conditional update, so a concurrent run or the learner's own submit
    counts it once."""
    submitted = 0
    for attempt in attempts.expired(_now(now)).select_related("user"):
        _, won = submit_attempt(user=attempt.user, attempt=attempt, now=attempt.deadline)
        submitted += won
    return submitted


def close_if_expired(attempt: QuizAttempt, *, user, now: datetime | None = None) -> QuizAttempt:
    """`attempt`, submitted as of its deadline first if it has expired (the one-row form of submit_expired, for
    pages that have the attempt in hand: no query unless it has expired)."""
    if attempt.is_expired(_now(now)):
        submitted, _ = submit_attempt(user=user, attempt=attempt, now=attempt.deadline)
        return submitted
    return attempt


# --- Hints (practice quizzes) ------------------------------------------------------------------------------------


def hints_shown(attempt: QuizAttempt, question) -> int:
    """How many of the question's hints the learner has opened in this attempt (practice quizzes only)."""
    if attempt.quiz.mode != Quiz.Mode.PRACTICE:
        return 0
    return min(int(attempt.hints_used.get(str(question.pk), 0)), len(question.hints or []))


def hint_costs(attempt: QuizAttempt, question) -> list[float]:
    """The costs of the hints opened so far: what grading.with_hints takes off the answer's score."""
    return [float(hint["cost"]) for hint in (question.hints or [])[: hints_shown(attempt, question)]]


def open_hint(*, user, attempt: QuizAttempt, question, shown: int) -> int:
    """Open the question's next hint, recorded on the attempt before the answer. `shown` is how many the page
    showed: a repeat (double click, second tab) opens nothing more. Returns how many are open now."""
    with transaction.atomic():
        locked = (
            QuizAttempt.objects.for_user(user).select_for_update().select_related("quiz").get(pk=attempt.pk)
        )
        if locked.is_submitted:
            raise AttemptSubmitted("This attempt has been submitted, so its answers can no longer change.")
        if locked.quiz.mode != Quiz.Mode.PRACTICE:
            raise QuizError("Hints are for practice quizzes.")
        if question.pk not in locked.question_ids:
            raise QuizError("That question is not part of this attempt.")
        if Response.objects.filter(attempt=locked, question=question).exists():
            raise QuizError("You have answered this question; hints are for before you answer.")
        current = hints_shown(locked, question)
        if current == shown and current < len(question.hints or []):
            current += 1
            locked.hints_used = {**locked.hints_used, str(question.pk): current}
            locked.save(update_fields=["hints_used"])
    attempt.hints_used = locked.hints_used
    return current
