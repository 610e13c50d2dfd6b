"""The worker's side of the outbox: claim due statements, post them to the LRS in batches, mark the outcome.

Safe on several servers at once. A batch is claimed in a short transaction: on PostgreSQL the due rows are
read with `select_for_update(skip_locked=True)`, so concurrent workers take different rows without waiting;
on every database the claim itself is a conditional UPDATE (`claim`, `claimed_until`) that only unclaimed
rows match, so on SQLite (where the write lock serialises claimers) the outcome is the same. The HTTP request
runs after that transaction, holding no lock; a worker that dies mid-send leaves a claim that expires, and
the statement is sent again with the same id — which the LRS stores once (xAPI: a repeated identical
statement is accepted and ignored; a 409 says the id is already taken, and is counted as delivered).

A failure (no answer, 5xx, 401…) leaves the rows unsent with `attempts` + 1 and the next try after an
exponential backoff (XAPI_RETRY_SECONDS × 2^(attempts−1), at most XAPI_RETRY_MAX_SECONDS). A batch the LRS
refuses as a whole (400, 409) is retried one statement at a time, so one bad statement holds back no other.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xapi import lrs
from xapi.models import QueuedStatement

logger = logging.getLogger(__name__)

ALREADY_STORED = "409 from the LRS: it already holds a statement with this id, so it counts as delivered."


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    batches: int = 0

    def add(self, other: SendReport) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.batches += other.batches


def backoff(attempts: int) -> timedelta:
    """How long a statement waits after its `attempts`-th failed send."""
    seconds = settings.XAPI_RETRY_SECONDS * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, settings.XAPI_RETRY_MAX_SECONDS))


def lease() -> timedelta:
    """How long a claim holds: longer than any send can take, so only a dead worker's claim runs out."""
    return timedelta(seconds=2 * settings.XAPI_TIMEOUT_SECONDS + 60)


def claim_batch(*, now: datetime, size: int) -> tuple[str, list[QueuedStatement]]:
    token = secrets.token_hex(8)
    with transaction.atomic():
        due = QueuedStatement.objects.due(now).order_by("pk")
        ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:size])
        if not ids:
            return token, []
        QueuedStatement.objects.due(now).filter(pk__in=ids).update(claim=token, claimed_until=now + lease())
    return token, list(QueuedStatement.objects.unsent().filter(pk__in=ids, claim=token).order_by("pk"))


def _mark_sent(rows: list[QueuedStatement], token: str, *, now: datetime, note: str = "") -> int:
    return QueuedStatement.objects.filter(pk__in=[r.pk for r in rows], claim=token).update(
        sent_at=now, claimed_until=None, claim="", last_attempt_at=now, last_error=note
    )


def _mark_failed(rows: list[QueuedStatement], token: str, *, now: datetime, error: str) -> int:
    by_attempts: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        by_attempts[row.attempts + 1].append(row.pk)
    for attempts, ids in by_attempts.items():
        QueuedStatement.objects.filter(pk__in=ids, claim=token).update(
            attempts=attempts,
            next_attempt_at=now + backoff(attempts),
            claimed_until=None,
            claim="",
            last_attempt_at=now,
            last_error=error[:2000],
        )
    logger.warning("xAPI: %d statement(s) not delivered: %s", len(rows), error)
    return len(rows)


def deliver(rows: list[QueuedStatement], token: str, *, now: datetime) -> SendReport:
    """Post `rows` (claimed with `token`) and record the outcome on each."""
    report = SendReport(batches=1)
    try:
        answer = lrs.post_statements([row.statement for row in rows])
    except lrs.LrsUnreachable as error:
        report.failed += _mark_failed(rows, token, now=now, error=f"LRS unreachable: {error}")
        return report
    if answer.status in (200, 204):
        report.sent += _mark_sent(rows, token, now=now)
    elif answer.status in (400, 409) and len(rows) > 1:
        report.batches = 0
        for row in rows:  # find the one(s) the LRS refuses; the rest go through
            report.add(deliver([row], token, now=now))
    elif answer.status == 409:
        report.sent += _mark_sent(rows, token, now=now, note=ALREADY_STORED)
    else:
        report.failed += _mark_failed(
            rows, token, now=now, error=f"HTTP {answer.status}: {answer.body[:500]}"
        )
    return report


def send_due(
    *, now: datetime | None = None, batch_size: int | None = None, max_batches: int = 100
) -> SendReport:
    """Send what is due now, batch after batch, until nothing is due (or `max_batches` were posted)."""
    report = SendReport()
    size = batch_size or settings.XAPI_BATCH_SIZE
    for _ in range(max_batches):
        when = now or timezone.now()
        token, rows = claim_batch(now=when, size=size)
        if not rows:
            break
        outcome = deliver(rows, token, now=when)
        report.add(outcome)
        if outcome.failed and not outcome.sent:
            break  # the LRS is down or refusing: wait for the backoff instead of hammering it
    return report
