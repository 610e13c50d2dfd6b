"""A course's readiness: every problem the loader (errors) and the strict linter (warnings) find in the course
as the database holds it, drafts included, each with a link to the admin page and field that fixes it.

The problems come from training.curriculum.checkup (the loader's own rules, in its words) and are placed on
their object by the admin's `locate` (the natural key the admin's save check uses), so this page, the admin's
refusals and `load_curriculum` always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Model
from django.urls import NoReverseMatch, reverse

from training import models as m
from training.admin.validation import Finding, locate
from training.curriculum.checkup import check_course
from training.publishing import content_object, nearest_object, parents

__all__ = ["Readiness", "ReadinessItem", "admin_url", "course_readiness", "object_problems"]


@dataclass(frozen=True)
class ReadinessItem:
    finding: Finding
    warning: bool
    url: str  # the admin change page (with the field's anchor), or "" when the object cannot be found

    @property
    def where(self) -> str:
        field_name = self.finding.field.replace("_", " ") if self.finding.field else ""
        return f"{self.finding.label}, {field_name}" if field_name else self.finding.label


@dataclass
class Readiness:
    course: m.Course
    errors: list[ReadinessItem] = field(default_factory=list)
    warnings: list[ReadinessItem] = field(default_factory=list)

    @property
    def loadable(self) -> bool:
        """No errors: `load_curriculum` would accept the course's export."""
        return not self.errors


def admin_url(obj: Model, field_name: str | None = None) -> str:
    """The admin change page of `obj`, at the field's input when it is one of the page's own fields."""
    meta = obj._meta
    try:
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return ""
    names = {f.name for f in meta.get_fields()}
    return f"{url}#id_{field_name}" if field_name and field_name in names else url


def course_readiness(course: m.Course) -> Readiness:
    check = check_course(course)
    readiness = Readiness(course)
    for problem in check.problems:
        finding = locate(check.data, problem, course.slug)
        obj = content_object(course, finding.identity)
        item = ReadinessItem(
            finding, problem.warning, admin_url(obj, finding.field) if obj is not None else ""
        )
        (readiness.warnings if problem.warning else readiness.errors).append(item)
    return readiness


def object_problems(obj: Model, course: m.Course) -> Readiness:
    """The course's problems about `obj` or anything it contains (its change page lists them)."""
    whole = course_readiness(course)
    mine = Readiness(course)

    def concerns(item: ReadinessItem) -> bool:
        about = nearest_object(course, item.finding.identity)
        return about == obj or obj in parents(about)

    mine.errors = [item for item in whole.errors if concerns(item)]
    mine.warnings = [item for item in whole.warnings if concerns(item)]
    return mine
