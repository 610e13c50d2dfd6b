"""The review queue: the learner's due cards, one at a time, answered through the one answer pipeline.

A card is reviewable when its question is visible to learners and its answer key is not held back: not part of
an open assessment attempt, nor of an assessment whose results policy still withholds the key (answering on
the review page shows it). Scheduling (FSRS ratings, due dates, re-rating) is training.scheduling.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from django.db.models import Count, Min, Q, QuerySet, prefetch_related_objects
from django.utils.crypto import salted_hmac

from training.answering import NewAnswer, Previous
from training.grading import Grade, QuestionSpec, spec_from_question
from training.models import Question, Quiz, QuizAttempt, ReviewCard
from training.models.content import shown_question_prefetches
from training.scheduling import ReviewError


def _now(when: datetime | None = None) -> datetime:
    return (when or datetime.now(UTC)).astimezone(UTC)


# --- The queue -----------------------------------------------------------------------------------------


def _visible_question_q() -> Q:
    # Learners never see archived or draft content, so cards of such questions wait (they are not deleted:
    # the question may come back).
    return Question.objects.visible_q("question__")


_POLICY_FIELDS = ("mode", "results", "attempts_allowed")  # what Quiz.answer_key_shown reads


@dataclass(frozen=True)
class HeldBack:
    """What the learner may not see yet about the questions of their assessments (question ids)."""

    answer_key: frozenset[int]  # the answer key waits: an open attempt, or the quiz's results policy
    verdicts: frozenset[int]  # even right or wrong waits: the question is in an open assessment attempt


def held_back(user) -> HeldBack:
    """The questions whose answers the learner may not see yet (one query). The rule is the quiz's
    (Quiz.answer_key_shown): never while an assessment attempt is open, and after submission as the quiz's
    results policy says. The review queue, the results page and the my-data export all follow it."""
    by_quiz: dict[int, list[QuizAttempt]] = defaultdict(list)
    attempts = (
        QuizAttempt.objects.for_user(user)
        .filter(quiz__mode=Quiz.Mode.ASSESSMENT)
        .select_related("quiz")
        .only("quiz_id", "question_ids", "submitted_at", "passed", *(f"quiz__{n}" for n in _POLICY_FIELDS))
    )
    for attempt in attempts:
        by_quiz[attempt.quiz_id].append(attempt)
    answer_key: set[int] = set()
    verdicts: set[int] = set()
    for group in by_quiz.values():
        if group[0].quiz.answer_key_shown(group):
            continue
        for attempt in group:
            ids = {qid for qid in attempt.question_ids or [] if isinstance(qid, int)}
            answer_key |= ids
            if attempt.submitted_at is None:
                verdicts |= ids
    return HeldBack(answer_key=frozenset(answer_key), verdicts=frozenset(verdicts))


def held_back_question_ids(user) -> set[int]:
    """Questions kept out of the review queue (one query): their answer key is held back (see held_back).

    Answering a card on the review page shows the answer key, so while an assessment attempt is open, and
    after it while the results policy withholds the key, its questions stay out of the queue (and the count,
    which would hint at them)."""
    return set(held_back(user).answer_key)


def cards_for(user, *, held: HeldBack | None = None) -> QuerySet[ReviewCard]:
    """The learner's cards they may review now: the question is visible and not in an open assessment
    (`held`: the learner's held-back questions when the caller has them already)."""
    cards = ReviewCard.objects.for_user(user).filter(_visible_question_q())
    keys = set((held or held_back(user)).answer_key)
    return cards.exclude(question_id__in=keys) if keys else cards


def due_cards(user, *, now: datetime | None = None) -> QuerySet[ReviewCard]:
    """Cards due now, the longest-overdue first."""
    return cards_for(user).filter(due__lte=_now(now)).order_by("due", "pk")


def due_count(user, *, now: datetime | None = None) -> int:
    return due_cards(user, now=now).count()


def next_due_at(user, *, now: datetime | None = None) -> datetime | None:
    """When the next card falls due, for "Nothing due; the next review is …"."""
    card = cards_for(user).filter(due__gt=_now(now)).order_by("due").only("due").first()
    return card.due if card else None


@dataclass(frozen=True)
class QueueState:
    due: int  # cards due now
    next_due: datetime | None  # when the next card not yet due falls due


def queue_state(user, *, now: datetime | None = None) -> QueueState:
    """The due count and the next due date from one read of the learner's reviewable cards (two queries:
    the held-back questions and one aggregate over the cards), for pages that show both."""
    return Queue(user, now=now).state


class Queue:
    """One learner's review queue at one moment, for a page that shows several things about it: the
    held-back questions are read once (or given), the due count and next due date in one aggregate."""

    def __init__(self, user, *, now: datetime | None = None, held: HeldBack | None = None):
        self.user = user
        self.now = _now(now)
        self.cards = cards_for(user, held=held)

    @cached_property
    def state(self) -> QueueState:
        row = self.cards.aggregate(
            n_due=Count("pk", filter=Q(due__lte=self.now)), first_due=Min("due", filter=Q(due__gt=self.now))
        )
        return QueueState(due=row["n_due"] or 0, next_due=row["first_due"])

    def next_card(self) -> ReviewCard | None:
        """The card to review next, with its question, choices and categories loaded (four queries), or
        None when nothing is due (no query)."""
        if not self.state.due:
            return None
        card = self.cards.filter(due__lte=self.now).order_by("due", "pk").select_related("question").first()
        if card is not None:
            prefetch_related_objects([card.question], *shown_question_prefetches())
        return card


def next_card(user, *, now: datetime | None = None) -> ReviewCard | None:
    """The card to review next, with its question, choices and categories loaded (three queries)."""
    card = due_cards(user, now=now).select_related("question").first()
    if card is None:
        return None
    question = Question.objects.as_shown().get(pk=card.question_id)
    card.question = question
    return card


def get_card(user, card_id: int) -> ReviewCard:
    """One of the learner's reviewable cards, or ReviewCard.DoesNotExist."""
    card = cards_for(user).select_related("question").get(pk=card_id)
    card.question = Question.objects.as_shown().get(pk=card.question_id)
    return card


# --- Showing a card ------------------------------------------------------------------------------------


def scope(card: ReviewCard) -> str:
    """The scope of the choice tokens on the review form (see training.answer_forms.choice_token)."""
    return f"review:{card.pk}"


def shown_spec(card: ReviewCard) -> QuestionSpec:
    """The question as the review page shows it: published choices in an order that is stable for the card
    but follows neither the authored order (which may be the right order of steps) nor the database order."""
    spec = spec_from_question(card.question)
    seed = salted_hmac("training.review.order", f"{card.pk}:{card.question_id}").hexdigest()
    choices = list(spec.choices)
    random.Random(seed).shuffle(choices)
    return QuestionSpec(kind=spec.kind, choices=tuple(choices), categories=spec.categories)


# --- Answering -----------------------------------------------------------------------------------------


class InReview:
    """Where a review-page answer is recorded: in the card's review log (with the answer and the snapshot,
    written by scheduling). A card that is not due refuses answers, except the same answer posted again
    (a double click, a replayed form), which returns the review already logged."""

    source = "review"
    attempt = None

    def __init__(self, card: ReviewCard):
        self.card = card

    def parent(self) -> None:
        return None  # the review queue

    def find_previous(self, new: NewAnswer) -> Previous | None:
        locked = ReviewCard.objects.for_user(new.user).select_for_update().get(pk=self.card.pk)
        if locked.due <= new.when:
            return None
        last = locked.logs.order_by("-reviewed_at", "-pk").first()
        if last is not None and last.source == "review" and last.log.get("answer") == new.answer:
            return Previous(row=last, answer=new.answer, snapshot=last.log.get("snapshot") or new.snapshot)
        raise ReviewError("This question is not due for review yet.")

    def store(self, new: NewAnswer, graded: Grade) -> None:
        return None  # the review log that scheduling writes is the record
