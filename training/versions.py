"""Versions that writers bump, so that caches keyed on them are exact and cost no query to check.

Two kinds:
- a course's **content version** (`Course.content_version`): a random token replaced whenever anything of the
  course's curriculum changes. The curriculum loader bumps it once per load, the admin's bulk actions after
  their `update()`s, and signals (training.signals) catch every other save, delete or link change of a
  content row. Pages read the token from the course row they load anyway, so checking it is free.
- a learner's **state version** (`LearnerVersion`): replaced by every workflow that writes the learner's
  state (answers, attempts, lessons, runs, reviews, certificates, cohorts). The dashboard caches its
  learner-specific HTML under it: one primary-key read instead of a fingerprint over ten tables.

Tokens are random rather than counters: a writer holding a stale instance can never write back a token that
an older cache entry was stored under.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from training.models import Course


def new_token() -> str:
    return secrets.token_hex(8)


def bump_course_content(course_ids: Iterable[int | None]) -> None:
    """Give these courses a new content version (one UPDATE), inside the caller's transaction."""
    from training.models import Course

    ids = {pk for pk in course_ids if pk}
    if ids:
        Course.objects.filter(pk__in=ids).update(content_version=new_token())


def courses_version(courses: Sequence[Course]) -> list[tuple[int, str]]:
    """A cache-key part for content that spans several courses: their ids and content versions."""
    return [(course.pk, course.content_version) for course in courses]


def bump_learner(user_id: int | None) -> None:
    """Give the learner a new state version (one upsert)."""
    from training.models import LearnerVersion

    if user_id:
        LearnerVersion.objects.bulk_create(
            [LearnerVersion(user_id=user_id, token=new_token())],
            update_conflicts=True,
            unique_fields=["user"],
            update_fields=["token"],
        )


def learner_version(user) -> str:
    """The learner's state version (one query); "new" for a learner who has written nothing yet."""
    from training.models import LearnerVersion

    token = LearnerVersion.objects.filter(user_id=user.pk).values_list("token", flat=True).first()
    return token or "new"
