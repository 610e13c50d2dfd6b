"""Spaced-repetition review with FSRS: one card per learner and question, created on the first answer.

The rating follows the answer: wrong → Again, right → Good. After a right answer on the review page the
learner may say it was hard or easy: we schedule with Good at once (so a learner who walks away has a
sensible schedule) and, if they then press "That was hard" / "That was easy", *re-rate that same review*:
the log's rating is replaced and the card is recomputed from the state it had before the review (kept in
the log as `card_before`). Only the card's latest review can be re-rated, so history stays consistent.

Every answer is logged (ReviewLog: quiz, check or review), all times are UTC, and card state is stored as
fsrs's own dict. The log's JSON is `fsrs.ReviewLog.to_dict()` plus three keys of ours: `card_before` (the
card before this review), and for reviews given on /review/ `answer` and `snapshot` (what was shown and
chosen, so the feedback can be shown again after a redirect and later edits do not rewrite it).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.utils.crypto import salted_hmac
from fsrs import Card, Rating, Scheduler
from fsrs import ReviewLog as FsrsLog

from training import scoring
from training.markup import citation_label
from training.models import Category, Choice, Citation, Question, Quiz, QuizAttempt, ReviewCard, ReviewLog

# No fuzzing: the same history always gives the same due date, which learners and tests can rely on.
SCHEDULER = Scheduler(enable_fuzzing=False)

SOURCES = ("quiz", "check", "review")
# What the learner may say after a right answer on the review page.
RERATINGS = {"hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}


class ReviewError(Exception):
    """A review request that cannot be carried out; the message is shown to the learner."""


def rating_for(correct: bool) -> Rating:
    return Rating.Good if correct else Rating.Again


def _now(when: datetime | None = None) -> datetime:
    return (when or datetime.now(UTC)).astimezone(UTC)


@transaction.atomic
def record_answer(
    *,
    user,
    question: Question,
    correct: bool,
    source: str,
    when: datetime | None = None,
    rating: Rating | None = None,
    answer: dict | None = None,
    snapshot: dict | None = None,
) -> ReviewCard:
    """Schedule the question for this learner after an answer given in a quiz, a lesson check or a review."""
    return _record(
        user=user,
        question=question,
        correct=correct,
        source=source,
        when=when,
        rating=rating,
        answer=answer,
        snapshot=snapshot,
    )[0]


def _record(*, user, question, correct, source, when, rating, answer=None, snapshot=None):
    when = _now(when)
    card_row, created = ReviewCard.objects.select_for_update().get_or_create(
        user=user,
        question=question,
        defaults={"card": Card(due=when).to_dict(), "due": when, "created_at": when},
    )
    before = card_row.card
    chosen = rating or rating_for(correct)
    card, log = SCHEDULER.review_card(Card.from_dict(before), chosen, review_datetime=when)
    card_row.card = card.to_dict()
    card_row.due = card.due
    card_row.save(update_fields=["card", "due"])
    data: dict[str, Any] = {**log.to_dict(), "card_before": before}
    if answer is not None:
        data["answer"] = answer
    if snapshot is not None:
        data["snapshot"] = snapshot
    log_row = ReviewLog.objects.create(
        card=card_row, rating=int(chosen), correct=correct, log=data, reviewed_at=when, source=source
    )
    return card_row, log_row


# --- The queue -----------------------------------------------------------------------------------------


def _visible_question_q() -> Q:
    # Learners never see archived or draft content, so cards of such questions wait (they are not deleted:
    # the question may come back).
    from training.mastery import visible_questions_q

    return visible_questions_q("question__")


def held_back_question_ids(user) -> set[int]:
    """Questions of the learner's open assessment attempts (one query).

    An assessment gives feedback only after the whole attempt, so while one is open its questions stay out
    of the review queue (reviewing them would show the right answers, and the count would hint at them)."""
    ids: set[int] = set()
    for question_ids in (
        QuizAttempt.objects.for_user(user)
        .filter(submitted_at__isnull=True, quiz__mode=Quiz.Mode.ASSESSMENT)
        .values_list("question_ids", flat=True)
    ):
        ids.update(qid for qid in question_ids or [] if isinstance(qid, int))
    return ids


def cards_for(user) -> QuerySet[ReviewCard]:
    """The learner's cards they may review now: the question is visible and not in an open assessment."""
    cards = ReviewCard.objects.for_user(user).filter(_visible_question_q())
    held = held_back_question_ids(user)
    return cards.exclude(question_id__in=held) if held else cards


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
    when = _now(now)
    row = cards_for(user).aggregate(
        n_due=Count("pk", filter=Q(due__lte=when)), first_due=Min("due", filter=Q(due__gt=when))
    )
    return QueueState(due=row["n_due"] or 0, next_due=row["first_due"])


def _question_queryset():
    return Question.objects.prefetch_related(
        Prefetch("choices", queryset=Choice.objects.published().in_order()),
        Prefetch("categories", queryset=Category.objects.published().in_order()),
        Prefetch(
            "citations",
            queryset=Citation.objects.published().in_order().select_related("section", "reference"),
            to_attr="shown_citations",
        ),
    )


def next_card(user, *, now: datetime | None = None) -> ReviewCard | None:
    """The card to review next, with its question, choices and categories loaded (three queries)."""
    card = due_cards(user, now=now).select_related("question").first()
    if card is None:
        return None
    question = _question_queryset().get(pk=card.question_id)
    card.question = question
    return card


def get_card(user, card_id: int) -> ReviewCard:
    """One of the learner's reviewable cards, or ReviewCard.DoesNotExist."""
    card = cards_for(user).select_related("question").get(pk=card_id)
    card.question = _question_queryset().get(pk=card.question_id)
    return card


# --- Showing a card ------------------------------------------------------------------------------------


def scope(card: ReviewCard) -> str:
    """The scope of the choice tokens on the review form (see scoring.choice_token)."""
    return f"review:{card.pk}"


def shown_spec(card: ReviewCard) -> scoring.QuestionSpec:
    """The question as the review page shows it: published choices in an order that is stable for the card
    but follows neither the authored order (which may be the right order of steps) nor the database order."""
    spec = scoring.spec_from_question(card.question)
    seed = salted_hmac("training.review.order", f"{card.pk}:{card.question_id}").hexdigest()
    choices = list(spec.choices)
    random.Random(seed).shuffle(choices)
    return scoring.QuestionSpec(kind=spec.kind, choices=tuple(choices), categories=spec.categories)


def citations_of(question: Question) -> list[dict[str, str]]:
    """Citations as the feedback shows them (text and URL), for the snapshot."""
    return [citation_label(citation) for citation in question.shown_citations]


# --- Answering and re-rating ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reviewed:
    card: ReviewCard
    log: ReviewLog
    grade: scoring.Grade
    repeated: bool = False  # a double submit: the earlier review is returned, nothing new is logged


def answer_card(*, user, card_id: int, data, when: datetime | None = None) -> Reviewed:
    """Grade a posted answer to a due card, log it as a review and reschedule the card.

    Raises ReviewCard.DoesNotExist (not the learner's, or not reviewable), scoring.AnswerError (bad form)
    or ReviewError (not due). Posting the same answer twice (double click, replayed form) logs it once.
    """
    when = _now(when)
    card = get_card(user, card_id)
    spec = shown_spec(card)
    answer = scoring.parse_answer(spec, data, scope=scope(card))
    with transaction.atomic():
        locked = ReviewCard.objects.select_for_update().get(pk=card.pk)
        if locked.due > when:
            last = locked.logs.order_by("-reviewed_at", "-pk").first()
            if last is not None and last.source == "review" and last.log.get("answer") == answer:
                return Reviewed(card=locked, log=last, grade=scoring.grade(spec, answer), repeated=True)
            raise ReviewError("This question is not due for review yet.")
        graded = scoring.grade(spec, answer)
        snap = scoring.snapshot(card.question, spec, citations_of(card.question))
        card_row, log_row = _record(
            user=user,
            question=card.question,
            correct=graded.correct,
            source="review",
            when=when,
            rating=None,
            answer=answer,
            snapshot=snap,
        )
    return Reviewed(card=card_row, log=log_row, grade=graded)


def get_review_log(user, log_id: int) -> ReviewLog:
    """One of the learner's own review-page logs, or ReviewLog.DoesNotExist."""
    return ReviewLog.objects.select_related("card", "card__question").get(
        pk=log_id, card__user=user, source="review"
    )


def is_latest(log: ReviewLog) -> bool:
    latest = log.card.logs.order_by("-reviewed_at", "-pk").values_list("pk", flat=True).first()
    return latest == log.pk


@transaction.atomic
def rerate(*, user, log_id: int, rating: str) -> ReviewLog:
    """Replace a right answer's Good with Hard or Easy (or back), recomputing the card from before the review.

    Only the learner's own, latest, right review-page answer can be re-rated (ReviewError otherwise).
    """
    log_row = get_review_log(user, log_id)  # someone else's review is a 404 whatever was posted
    if rating not in RERATINGS:
        raise ReviewError("Choose hard, good or easy.")
    card_row = ReviewCard.objects.select_for_update().get(pk=log_row.card_id)
    log_row = ReviewLog.objects.get(pk=log_row.pk)  # read again under the card's lock
    if not log_row.correct:
        raise ReviewError(
            "Only a right answer can be rated hard or easy; a wrong one comes back soon anyway."
        )
    latest = card_row.logs.order_by("-reviewed_at", "-pk").values_list("pk", flat=True).first()
    if latest != log_row.pk:
        raise ReviewError(
            "This question has been answered again since; that answer can no longer be re-rated."
        )
    before = log_row.log.get("card_before")
    if before is None:
        raise ReviewError("This review cannot be re-rated.")
    chosen = RERATINGS[rating]
    when = log_row.reviewed_at.astimezone(UTC)
    card, log = SCHEDULER.review_card(Card.from_dict(before), chosen, review_datetime=when)
    card_row.card = card.to_dict()
    card_row.due = card.due
    card_row.save(update_fields=["card", "due"])
    log_row.rating = int(chosen)
    log_row.log = {**log_row.log, **log.to_dict()}
    log_row.save(update_fields=["rating", "log"])
    return log_row


def fsrs_log(log: ReviewLog) -> FsrsLog:
    return FsrsLog.from_dict(log.log)


RATING_NAMES = {int(Rating.Again): "Again", int(Rating.Hard): "Hard", int(Rating.Good): "Good", 4: "Easy"}
