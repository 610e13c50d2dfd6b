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

__all__ = ["Readiness", "ReadinessItem", "admin_url", "course_readiness"]


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


def _object(course: m.Course, identity: tuple) -> Model | None:
    kind, *key = identity
    course_q = {"course": course}
    if kind == "course":
        return course
    slugged: dict[str, type[Model]] = {
        "track": m.Track,
        "term": m.GlossaryTerm,
        "source": m.Source,
        "reference": m.Reference,
        "module": m.Module,
        "objective": m.LearningObjective,
        "lesson": m.Lesson,
        "quiz": m.Quiz,
        "question": m.Question,
        "simulation": m.Simulation,
    }
    if kind in slugged:
        return slugged[kind]._default_manager.filter(**course_q, slug=key[0]).first()
    model: type[Model]
    if kind in ("choice", "category"):
        model = m.Choice if kind == "choice" else m.Category
        return model._default_manager.filter(
            question__course=course, question__slug=key[0], key=key[1]
        ).first()
    if kind in ("meter", "node"):
        model = m.Meter if kind == "meter" else m.Node
        return model._default_manager.filter(
            simulation__course=course, simulation__slug=key[0], key=key[1]
        ).first()
    if kind == "option":
        return m.Option.objects.filter(
            node__simulation__course=course, node__simulation__slug=key[0], node__key=key[1], key=key[2]
        ).first()
    if kind == "section":
        return m.SourceSection.objects.filter(
            source__course=course, source__slug=key[0], heading=key[1]
        ).first()
    return None


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
        obj = _object(course, finding.identity)
        item = ReadinessItem(
            finding, problem.warning, admin_url(obj, finding.field) if obj is not None else ""
        )
        (readiness.warnings if problem.warning else readiness.errors).append(item)
    return readiness
