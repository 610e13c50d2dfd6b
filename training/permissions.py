"""Who may do what, each rule written once: who is an instructor, which cohorts they see, and the decorator
that keeps everyone else out of the instructor area."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from training.models import Cohort

INSTRUCTORS_GROUP = "Instructors"


def is_instructor(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=INSTRUCTORS_GROUP).exists()


def cohorts_taught_by(user) -> QuerySet[Cohort]:
    """The cohorts an instructor may see: the ones they teach (a superuser sees every cohort)."""
    cohorts = Cohort.objects.select_related("course")
    if user.is_superuser:
        return cohorts
    return cohorts.filter(instructors=user)


def instructor_required(view: Callable) -> Callable:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_instructor(request.user):
            raise PermissionDenied("The instructor area is for instructors.")
        return view(request, *args, **kwargs)

    return wrapped
