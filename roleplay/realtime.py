"""Tell open browsers that a role-play group or session changed, so they fetch it again.

The socket carries no content: `{"type": "roleplay.changed"}` goes to the channel-layer group of a role-play
group ("roleplay-group-<pk>") or of a session's facilitator console ("roleplay-session-<pk>"); the consumers
(roleplay/consumers.py) pass it on, and static/js/roleplay-live.js makes the page re-fetch its fragments from
the database. So what a learner sees always comes through the views and their permission checks, in the
database's order, once, whichever app server recorded it.

Call these after any change a page shows. They send when the surrounding transaction commits (at once outside
one), so a browser never re-fetches before the row is there; they skip silently when no channel layer is
configured; and a layer that is down (Redis unreachable) is logged, never raised: the change is recorded, and
the pages still show it on their next fetch or refresh.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

CHANGED = {"type": "roleplay.changed"}


def group_channel(group_pk: int) -> str:
    """The channel-layer group of everyone watching a role-play group (its players, observers, facilitator)."""
    return f"roleplay-group-{int(group_pk)}"


def session_channel(session_pk: int) -> str:
    """The channel-layer group of a session's facilitator console."""
    return f"roleplay-session-{int(session_pk)}"


def announce_group(group_pk: int) -> None:
    """Pages of this role-play group should be fetched again (a message, proposal, phase or inject)."""
    _announce(group_channel(group_pk))


def announce_session(session_pk: int) -> None:
    """The facilitator console of this session should be fetched again."""
    _announce(session_channel(session_pk))


def _announce(channel_group: str) -> None:
    transaction.on_commit(lambda: _send(channel_group))


def _send(channel_group: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: a view or a command, synchronous code
        _group_send(layer, channel_group)
        return
    # Synchronous code running inside an event loop's thread (a script or test driving a browser through
    # Playwright's sync API) cannot wait on async_to_sync there: send from a short-lived thread instead.
    sender = threading.Thread(target=_group_send, args=(layer, channel_group), name="roleplay-announce")
    sender.start()
    sender.join()


def _group_send(layer: Any, channel_group: str) -> None:
    try:
        async_to_sync(layer.group_send)(channel_group, dict(CHANGED))
    except Exception:  # a notification lost must never undo or hide the change itself
        logger.warning("could not notify %s through the channel layer", channel_group, exc_info=True)
