"""The navigation's per-learner figures (the review badge, the instructor link) at the cost of one query.

Every page shows them, so they are read from values that the writers keep current rather than computed per
page: one query reads the learner's state version, the content version of every course and whether the
learner is an instructor; what the review queue holds back and how many cards are due are cached under those
versions (Django's cache: Redis shared by every app server in production). Nothing is ever invalidated:
every learner write replaces the learner's version and every content change a course's version
(training.versions), so a write in one process gives new keys in all of them. The due count also changes
with the clock, so it is stored with the time the next card falls due and is recomputed once that has
passed. Visitors cost nothing: the context processor never calls this for them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, TypeVar

from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db.models import Exists, Subquery
from django.utils import timezone

from training import review
from training.content_cache import make_key
from training.models import Course, LearnerVersion
from training.permissions import INSTRUCTORS_GROUP, is_instructor

logger = logging.getLogger(__name__)
T = TypeVar("T")

TIMEOUT = 60 * 60 * 24  # entries of old versions simply age out


def _cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:  # the redis client raises its own connection errors: a cache that is down costs a query
        logger.warning("navigation cache unavailable", exc_info=True)
        return None


def _cache_set(key: str, value: Any) -> None:
    try:
        cache.set(key, value, TIMEOUT)
    except Exception:
        logger.warning("navigation cache unavailable", exc_info=True)


@dataclass
class LearnerFigures:
    """One learner's versions as read at one moment, and what is cached under them.

    Read the versions *before* anything they key (a writer that commits in between then makes the cached
    value newer than its key, never older), and after the request's own writes: build it where it is used."""

    user: Any
    state_version: str  # the learner's state version; "new" before their first write
    courses: list[
        tuple[int, str]
    ]  # every course's id and content version (drafts too: publishing one counts)
    instructor: bool

    def key(self, kind: str, *parts: Any) -> str:
        # date_joined: an id reused after an account is deleted is another learner.
        return make_key(
            f"learner-{kind}", self.user.pk, self.user.date_joined, self.state_version, self.courses, *parts
        )

    @cached_property
    def held_back(self) -> review.HeldBack:
        """The learner's held-back questions (training.review.held_back), cached: they change only when the
        learner's attempts or a quiz's policy do."""
        return self.cached("held", lambda: review.held_back(self.user))

    def queue(self, *, now: datetime | None = None) -> review.Queue:
        return review.Queue(self.user, now=now, held=self.held_back)

    def queue_state(self, *, now: datetime | None = None) -> review.QueueState:
        """Cards due now and when the next one falls due: cached, exact until that time."""
        when = now or timezone.now()
        key = self.key("due")
        value = _cache_get(key)
        if value is not None:
            count, next_due = value
            if next_due is None or when < next_due:
                return review.QueueState(due=count, next_due=next_due)
        state = self.queue(now=when).state
        self.remember_queue(state)
        return state

    def review_due(self, *, now: datetime | None = None) -> int:
        return self.queue_state(now=now).due

    def cached(self, kind: str, build: Callable[[], T], *parts: Any) -> T:
        """A value about this learner (and the content) that only their writes or content changes alter,
        cached under their versions (e.g. their path's statuses for the progress bar and the home page)."""
        key = self.key(kind, *parts)
        value = _cache_get(key)
        if value is None:
            value = build()
            _cache_set(key, value)
        return value

    def remember_queue(self, state: review.QueueState) -> None:
        """A page that computed the queue anyway (the review page) stores it for the next pages."""
        _cache_set(self.key("due"), (state.due, state.next_due))


def figures(user) -> LearnerFigures:
    """The learner's versions and instructor flag (one query)."""
    rows = list(
        Course.objects.order_by("pk")
        .annotate(
            learner_token=Subquery(LearnerVersion.objects.filter(user_id=user.pk).values("token")[:1]),
            in_group=Exists(Group.objects.filter(name=INSTRUCTORS_GROUP, user=user.pk)),
        )
        .values_list("pk", "content_version", "learner_token", "in_group")
    )
    if not rows:  # no course at all: nothing to review; the instructor flag on its own
        return LearnerFigures(user=user, state_version="none", courses=[], instructor=is_instructor(user))
    return LearnerFigures(
        user=user,
        state_version=rows[0][2] or "new",
        courses=[(pk, version) for pk, version, *_ in rows],
        instructor=is_instructor(user, in_group=bool(rows[0][3])),
    )


def for_request(request) -> LearnerFigures:
    """The signed-in learner's figures, read once per request (the navigation, the progress bar and the view
    share them). Read them after the request's own writes: the first call fixes the versions for the request."""
    figures_now = getattr(request, "_learner_figures", None)
    if figures_now is None:
        figures_now = figures(request.user)
        request._learner_figures = figures_now
    return figures_now
