"""Draft first, validate to publish: which of the loader's problems an edit may leave behind.

Authors build content step by step, so the admin saves anything *as a draft* while it is incomplete. The
loader's rules (training.curriculum.checkup, in the loader's words) decide whether it can be *published*:

- a problem **blocks** when the object it is about, and every parent up to its course, is published and
  not archived (`in_published_chain`) — that is, when learners would meet it;
- an edit is refused when, after it, there is a blocking problem that was not blocking before it. So a new
  problem inside a draft (or under a draft parent) is tolerated; publishing a draft (or the module or
  course above it) is refused while it or anything it contains has problems; and an edit can never leave
  published content with a new problem.

The problem's object is found from the natural key the admin's `locate` gives it (`identity`); when the
object itself cannot be found (a choice without a key, say), its nearest existing parent stands in for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Model

from training import models as m
from training.curriculum.checkup import CourseCheck, check_course
from training.curriculum.exporter import dump_yaml

__all__ = ["content_object", "in_published_chain", "is_draft_chain", "parents"]

_SLUGGED: dict[str, type[Model]] = {
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


def content_object(course: m.Course, identity: tuple) -> Model | None:
    """The object of `course` a problem's natural key (training.admin.validation.locate) names, or None."""
    kind, *key = identity
    if kind == "course":
        return course
    if kind in _SLUGGED:
        return _SLUGGED[kind]._default_manager.filter(course=course, slug=key[0]).first()
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
    if kind == "roleplay":
        from roleplay.models import RolePlay

        return RolePlay.objects.filter(course=course, slug=key[0]).first()
    return None


_PARENT_KEYS = {
    "choice": lambda key: ("question", key[0]),
    "category": lambda key: ("question", key[0]),
    "meter": lambda key: ("simulation", key[0]),
    "node": lambda key: ("simulation", key[0]),
    "option": lambda key: ("node", key[0], key[1]),
    "section": lambda key: ("source", key[0]),
}


def nearest_object(course: m.Course, identity: tuple) -> Model:
    """The problem's object, or its nearest parent that exists (the course at worst)."""
    while True:
        obj = content_object(course, identity)
        if obj is not None:
            return obj
        up = _PARENT_KEYS.get(identity[0])
        if up is None:
            return course
        identity = up(identity[1:])


def parents(obj: Model) -> Iterable[Model]:
    """The objects whose status `obj` inherits, nearest first, up to its course."""
    chain: list[Model] = []
    current: Model | None = obj
    while current is not None:
        current = _parent(current)
        if current is not None:
            chain.append(current)
    return chain


def _parent(obj: Model) -> Model | None:
    if isinstance(obj, m.Choice | m.Category):
        return obj.question
    if isinstance(obj, m.Meter | m.Node):
        return obj.simulation
    if isinstance(obj, m.Option):
        return obj.node
    if isinstance(obj, m.SourceSection):
        return obj.source
    if isinstance(obj, m.Question):
        return obj.quiz if obj.quiz_id else obj.lesson
    if isinstance(obj, m.LearningObjective | m.Lesson | m.Quiz | m.Simulation):
        return obj.module
    if isinstance(obj, m.Course):
        return None
    parent_attr = getattr(obj, "course_parent", None)  # role-play parts: up to their role-play
    if parent_attr:
        return getattr(obj, parent_attr, None)
    return getattr(obj, "course", None)


def _draft(obj: Model) -> bool:
    return getattr(obj, "status", m.Status.PUBLISHED) != m.Status.PUBLISHED or bool(
        getattr(obj, "archived", False)
    )


def is_draft_chain(obj: Model) -> bool:
    """The object or one of its parents is a draft (or archived): learners cannot meet it."""
    return _draft(obj) or any(_draft(parent) for parent in parents(obj))


def in_published_chain(course: m.Course, identity: tuple) -> bool:
    """Whether a problem about `identity` is one learners would meet (so it blocks a save)."""
    return not is_draft_chain(nearest_object(course, identity))


# What the exported file holds --------------------------------------------------------------------------------

# Kinds whose status is part of the curriculum format (the others are drafts when their parent is).
_OWN_STATUS = (m.Course, m.Track, m.GlossaryTerm, m.Module, m.Lesson, m.Quiz, m.Question, m.Simulation)


def nearest_draft(obj: Model) -> Model | None:
    """The object itself if it is a draft with a status of its own in the format, else its nearest draft
    parent (None when the whole chain is published)."""
    for candidate in [obj, *parents(obj)]:
        if isinstance(candidate, _OWN_STATUS) and candidate.status != m.Status.PUBLISHED:
            return candidate
    return None


@dataclass
class PublishableExport:
    """A course's YAML that `load_curriculum` accepts although drafts in the database are incomplete: each
    draft with problems (and what it contains) is left out, and listed in a comment at the top."""

    text: str
    left_out: list[Model] = field(default_factory=list)

    @property
    def left_out_labels(self) -> list[str]:
        return [f"{obj._meta.verbose_name} “{getattr(obj, 'slug', obj)}”" for obj in self.left_out]


def publishable_check(course: m.Course) -> tuple[CourseCheck, list[Model]]:
    """The loader's check of the course without its incomplete drafts: each draft (the nearest one above a
    problem) whose content has errors is left out, round after round, until only errors outside drafts remain.
    Returns the last check (its errors are the ones learners would meet) and the drafts left out."""
    from training.admin.validation import locate  # the admin's placing of a problem on its object

    left_out: list[Model] = []
    for _ in range(50):  # each round leaves out at least one more draft
        check = check_course(course, lint=False, leave_out=left_out)
        more: list[Model] = []
        for problem in check.errors:
            draft = nearest_draft(nearest_object(course, locate(check.data, problem, course.slug).identity))
            if draft is not None and not isinstance(draft, m.Course) and draft not in left_out + more:
                more.append(draft)
        if not more:
            return check, left_out
        left_out += more
    return check, left_out


def publishable_export(course: m.Course) -> PublishableExport:
    """The course as YAML, without the drafts whose problems would make the loader refuse the file."""
    check, left_out = publishable_check(course)
    export = PublishableExport(dump_yaml(check.data), left_out)
    if left_out:
        lines = [
            "# Left out of this file: drafts the curriculum loader would refuse (they stay in the database;"
        ]
        lines += ["# finish them in the admin, then export again):"]
        lines += [f"# - {label}" for label in export.left_out_labels]
        export.text = "\n".join(lines) + "\n" + export.text
    return export
