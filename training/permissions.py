"""Who may do what, each rule written once: who is an instructor, which cohorts and learners they see, and the
decorator that keeps everyone else out of the instructor area.

An instructor sees the cohorts they teach and the data of those cohorts' learners, nothing else: the instructor
area fetches every cohort through `cohorts_taught_by`, and the admin's learner-data pages filter every row
through `learner_rows_for` (training/admin/learner_data.py). A superuser sees everything."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse

from training.models import Cohort

INSTRUCTORS_GROUP = "Instructors"

_Row = TypeVar("_Row", bound=Model)


def is_instructor(user, *, in_group: bool | None = None) -> bool:
    """Active, and a superuser or in the Instructors group (`in_group`: that membership when the caller has
    already read it, e.g. training.navigation in its one query)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return in_group if in_group is not None else user.groups.filter(name=INSTRUCTORS_GROUP).exists()


def cohorts_taught_by(user) -> QuerySet[Cohort]:
    """The cohorts an instructor may see: the ones they teach (a superuser sees every cohort)."""
    cohorts = Cohort.objects.select_related("course")
    if user.is_superuser:
        return cohorts
    return cohorts.filter(instructors=user)


def learners_of(user) -> QuerySet:
    """The learners whose data an instructor may see: the members of the cohorts they teach (a superuser sees
    everyone). A learner in two cohorts is visible to the instructors of either."""
    users = get_user_model().objects.all()
    if user.is_superuser:
        return users
    return users.filter(cohort_memberships__cohort__in=cohorts_taught_by(user).values("pk")).distinct()


def learner_rows_for(user, rows: QuerySet[_Row], *, learner: str = "user") -> QuerySet[_Row]:
    """`rows` of learner data limited to what `user` may see: those whose learner (reached from a row by the
    lookup path `learner`, e.g. "attempt__user") is one of `learners_of(user)`."""
    if user.is_superuser:
        return rows
    return rows.filter(**{f"{learner}__in": learners_of(user).values("pk")})


def instructor_required(view: Callable) -> Callable:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_instructor(request.user):
            raise PermissionDenied("The instructor area is for instructors.")
        return view(request, *args, **kwargs)

    return wrapped
