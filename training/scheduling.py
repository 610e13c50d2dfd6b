"""Spaced-repetition scheduling with FSRS: one card per learner and question, created on the first answer.

The rating follows the answer: wrong → Again, right → Good. After a right answer on the review page the
learner may say it was hard or easy: we schedule with Good at once (so a learner who walks away has a
sensible schedule) and, if they then press "That was hard" / "That was easy", *re-rate that same review*:
the log's rating is replaced and the card is recomputed from the state it had before the review (kept in
the log as `card_before`). Only the card's latest review can be re-rated, so history stays consistent.

Every answer is logged (ReviewLog: quiz, check or review), all times are UTC, and card state is stored as
fsrs's own dict. The log's JSON is `fsrs.ReviewLog.to_dict()` plus three keys of ours: `card_before` (the
card before this review), and for reviews given on /review/ `answer` and `snapshot` (what was shown and
chosen, so the feedback can be shown again after a redirect and later edits do not rewrite it).

The queue of due cards and answering them is training.review.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from fsrs import Card, Rating, Scheduler

from training import versions
from training.models import Question, ReviewCard, ReviewLog
from xapi import record

# No fuzzing: the same history always gives the same due date, which learners and tests can rely on.
SCHEDULER = Scheduler(enable_fuzzing=False)

SOURCES = ("quiz", "check", "review")
# What the learner may say after a right answer on the review page.
RERATINGS = {"hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}
RATING_NAMES = {int(Rating.Again): "Again", int(Rating.Hard): "Hard", int(Rating.Good): "Good", 4: "Easy"}


class ReviewError(Exception):
    """A review request that cannot be carried out; the message is shown to the learner."""


def rating_for(correct: bool) -> Rating:
    return Rating.Good if correct else Rating.Again


def _now(when: datetime | None = None) -> datetime:
    return (when or datetime.now(UTC)).astimezone(UTC)


@transaction.atomic
def schedule_review(
    *,
    user,
    question: Question,
    correct: bool,
    source: str,
    when: datetime | None = None,
    rating: Rating | None = None,
    answer: dict | None = None,
    snapshot: dict | None = None,
) -> ReviewLog:
    """Schedule the question for this learner after an answer given in a quiz, a lesson check or a review:
    the card (created on the first answer) is rescheduled and the review logged. Returns the log; its
    `card` is the rescheduled card."""
    when = _now(when)
    card_row, _created = ReviewCard.objects.select_for_update().get_or_create(
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
    versions.bump_learner(user.pk)
    if source == "review":  # a quiz or a lesson check rates nothing the learner chose
        record.review_rated(user=user, question=question, log=log_row)
    return log_row


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
    question = log_row.card.question
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
    versions.bump_learner(user.pk)
    record.review_rated(user=user, question=question, log=log_row)
    return log_row
