"""A cache for what learner pages read from the curriculum, shared by every process.

Content changes rarely and learners read it constantly, so the pages keep what they derive from it (rendered
Markdown, a lesson's checks and citations, a course's outline) in Django's cache (Redis in production,
local memory otherwise), behind a small per-process LRU that needs no round trip. Keys are content-addressed:
either a hash of the inputs themselves (Markdown), or the course's `content_version`, a token that every
writer of the course's content replaces (training.versions), so any edit — in the admin, by the curriculum
loader, archived or deleted rows, changed links — gives new keys at once and nothing has to be invalidated.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

TIMEOUT = 60 * 60 * 24  # entries of old versions simply age out
_LRU_SIZE = 2048
_lru: OrderedDict[str, Any] = OrderedDict()
_lock = threading.Lock()
logger = logging.getLogger(__name__)


def make_key(kind: str, *parts: Any) -> str:
    """A cache key for `kind` from JSON-able parts (hashed, so any length is fine)."""
    payload = json.dumps([kind, *parts], separators=(",", ":"), default=str)
    return f"content:v1:{kind}:{hashlib.sha256(payload.encode()).hexdigest()}"


def cached(key: str, build: Callable[[], T]) -> T:
    """The value stored under `key`; on a miss `build()` it and store it in both levels. A cache that is
    down costs a log line, never the page."""
    with _lock:
        if key in _lru:
            _lru.move_to_end(key)
            return _lru[key]
    from django.core.cache import cache

    try:
        value = cache.get(key)
    except Exception:
        logger.warning("content cache unavailable", exc_info=True)
        value = None
    if value is None:
        value = build()
        try:
            cache.set(key, value, TIMEOUT)
        except Exception:
            logger.warning("content cache unavailable", exc_info=True)
    with _lock:
        _lru[key] = value
        while len(_lru) > _LRU_SIZE:
            _lru.popitem(last=False)
    return value


def clear() -> None:
    """Forget this process's copies (the shared cache needs no clearing: its keys change with the content)."""
    with _lock:
        _lru.clear()
