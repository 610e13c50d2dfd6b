"""Spaced-repetition review with FSRS: one card per learner and question, created on the first answer.

The rating follows the answer: wrong → Again, right → Good (the learner may then say Hard or Easy on the
review page). All times are UTC; card state is stored as fsrs's own dict.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction
from fsrs import Card, Rating, Scheduler

from training.models import Question, ReviewCard, ReviewLog

# No fuzzing: the same history always gives the same due date, which learners and tests can rely on.
SCHEDULER = Scheduler(enable_fuzzing=False)


def rating_for(correct: bool) -> Rating:
    return Rating.Good if correct else Rating.Again


@transaction.atomic
def record_answer(
    *,
    user,
    question: Question,
    correct: bool,
    source: str,
    when: datetime | None = None,
    rating: Rating | None = None,
) -> ReviewCard:
    """Schedule the question for this learner after an answer given in a quiz, a lesson check or a review."""
    when = (when or datetime.now(UTC)).astimezone(UTC)
    card_row, created = ReviewCard.objects.select_for_update().get_or_create(
        user=user,
        question=question,
        defaults={"card": Card(due=when).to_dict(), "due": when, "created_at": when},
    )
    card = Card.from_dict(card_row.card)
    chosen = rating or rating_for(correct)
    card, log = SCHEDULER.review_card(card, chosen, review_datetime=when)
    card_row.card = card.to_dict()
    card_row.due = card.due
    card_row.save(update_fields=["card", "due"])
    ReviewLog.objects.create(
        card=card_row, rating=int(chosen), correct=correct, log=log.to_dict(), reviewed_at=when, source=source
    )
    return card_row
