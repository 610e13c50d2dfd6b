"""Cohorts: an instructor creates one with an unguessable join code; learners join with the code."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from training import versions
from training.models import Cohort, CohortMembership, Course
from training.permissions import is_instructor

# No 0/O or 1/I/L: a code read aloud or copied from a slide should not be mistyped.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """What a learner typed → the stored form: upper case, without spaces and hyphens."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")


def create_cohort(*, name: str, course: Course, instructor: User) -> Cohort:
    """A new cohort taught by `instructor`, with a fresh unique code (a clash, however unlikely, retries)."""
    if not is_instructor(instructor):
        raise PermissionError("only instructors create cohorts")
    for _ in range(10):
        try:
            with transaction.atomic():
                cohort = Cohort.objects.create(name=name, course=course, code=new_code())
                cohort.instructors.add(instructor)
                return cohort
        except IntegrityError:
            continue
    raise RuntimeError("could not find a free cohort code")  # 31**8 codes: never in practice


def find_cohort(code: str) -> Cohort | None:
    code = normalize_code(code)
    if not code:
        return None
    return Cohort.objects.select_related("course").filter(code=code).first()


def join_cohort(*, user: User, cohort: Cohort) -> bool:
    """Make `user` a member of `cohort`; True if they joined now, False if they already were a member."""
    with transaction.atomic():
        _membership, created = CohortMembership.objects.get_or_create(cohort=cohort, user=user)
        if created:
            versions.bump_learner(user.pk)
    return created
