"""The outbox: every xAPI statement waits here, written in the same transaction as the learning event it
describes, until the worker (xapi/sender.py, `manage.py send_xapi_statements`) has delivered it to the LRS.

A row is never deleted by sending: `sent_at` marks it delivered, so the status page can count what went out.
The statement's id is fixed when the event is recorded, so a resend (a worker that died after posting, two
workers on one row) is recognised by the LRS as the same statement and stored once.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class QueuedStatementQuerySet(models.QuerySet):
    def unsent(self):
        return self.filter(sent_at__isnull=True)

    def sent(self):
        return self.filter(sent_at__isnull=False)

    def failing(self):
        """Unsent statements whose last send failed (they wait for their next try)."""
        return self.unsent().filter(attempts__gt=0)

    def due(self, now=None):
        """Unsent, their retry time reached, and not claimed by a worker right now (or that worker's lease
        ran out: it died mid-send)."""
        now = now or timezone.now()
        return (
            self.unsent()
            .filter(next_attempt_at__lte=now)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        )


class QueuedStatement(models.Model):
    statement_id = models.UUIDField(unique=True, help_text="The statement's id, fixed when it was recorded.")
    verb = models.CharField(max_length=40, help_text="Short name of the event, e.g. lesson-completed.")
    statement = models.JSONField(help_text="The whole xAPI statement, as it will be sent.")
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(help_text="Not sent before this time (backoff after a failure).")
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker is sending it until then."
    )
    claim = models.CharField(max_length=32, blank=True, help_text="Which worker run holds the claim.")
    attempts = models.PositiveIntegerField(default=0, help_text="Failed sends so far.")
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = QueuedStatementQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["sent_at", "next_attempt_at"], name="xapi_outbox_due")]
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.verb} {self.statement_id}"
