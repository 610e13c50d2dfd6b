"""Queueing a statement: one row in the outbox, in the caller's transaction, and only when an LRS is set.

`enabled()` reads a setting, so with no LRS configured recording an event costs nothing, not even a query.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone

from xapi.models import QueuedStatement


def enabled() -> bool:
    return bool(settings.XAPI_LRS_URL)


def queue(event: str, build: Callable[..., dict[str, Any]], **facts: Any) -> QueuedStatement | None:
    """Build the statement for `event` from `facts` with `build` and queue it with a new, fixed id (one
    INSERT). Returns the row, or None when no LRS is configured (nothing is built, nothing is written)."""
    if not enabled():
        return None
    statement_id = uuid.uuid4()
    statement = {"id": str(statement_id), **build(**facts)}
    now = timezone.now()
    return QueuedStatement.objects.create(
        statement_id=statement_id, verb=event, statement=statement, created_at=now, next_attempt_at=now
    )
