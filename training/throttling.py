"""Limits on the requests that send email to an address someone typed: sign-up and password reset.

Each kind of request is counted per client address and per email address, in fixed one-hour windows, and is
refused once either count passes its limit (settings.EMAIL_REQUESTS_PER_HOUR). The counts live in Django's
default cache: Redis when REDIS_URL is set, as in production, so every app server adds to the same count and a
restart of one forgets nothing; local memory otherwise, which is per process and enough for one development
server. `cache.incr` is atomic in both, so concurrent requests cannot both slip under the limit.

django-ratelimit does the same, but its last release (4.1.0, 2023) declares no Django 5 support and its system
check rejects both caches used here; the fixed window below is the part of it we need.
"""

from __future__ import annotations

import hashlib
import time

from axes.helpers import get_client_ip_address  # type: ignore[import-untyped]  # axes ships no type hints
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 3600


def client_address(request: HttpRequest) -> str:
    """The client's address by the same rule as the log-in lock-out (DJANGO_PROXY_COUNT, see settings)."""
    return get_client_ip_address(request) or "unknown"


def _count(kind: str, what: str, value: str) -> int:
    # Hashed: the cache holds no email addresses, and any value makes a valid key.
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    key = f"throttle:{kind}:{what}:{digest}:{int(time.time()) // WINDOW_SECONDS}"
    cache.add(key, 0, timeout=WINDOW_SECONDS + 60)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS + 60)
        return 1


def over_limit(request: HttpRequest, *, kind: str, email: str) -> bool:
    """Count this request of `kind` ("signup", "password_reset"); True if it goes over either limit.

    The address is counted first, and a request refused for its address does not also count against the email.
    """
    limits = settings.EMAIL_REQUESTS_PER_HOUR
    if _count(kind, "address", client_address(request)) > limits["address"]:
        return True
    return _count(kind, "email", email.strip().lower()) > limits["email"]
