"""The admin cannot save what the curriculum loader would reject.

An admin edit is checked by the loader's own validator: after the edit is written (inside the admin's
transaction), the course is exported from the database with the exporter, and the exported text is read back
through `loader.read_courses` — the very function `manage.py load_curriculum` validates with. Problems that
were not there before the edit reject it: the admin's transaction rolls back and the problems are shown on
the form, each placed on the object and field it is about.

Problems are compared by the object they are about (a natural key such as `("choice", "question-slug", "b")`),
not by line or index, so a pre-existing problem elsewhere in a course does not block unrelated edits.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from training.curriculum.exporter import export_course
from training.curriculum.loader import read_courses
from training.curriculum.problems import Problem
from training.curriculum.schema import default_choice_key
from training.curriculum.yamlio import parse_yaml
from training.models import (
    Category,
    Choice,
    Citation,
    Course,
    GlossaryTerm,
    LearningObjective,
    Lesson,
    Meter,
    Module,
    Node,
    Option,
    Question,
    Quiz,
    Reference,
    Simulation,
    Source,
    SourceSection,
    Track,
)

# A list in the file → the kind of object its items are (when they are mappings, not slugs).
_LIST_KINDS = {
    "modules": "module",
    "lessons": "lesson",
    "quizzes": "quiz",
    "questions": "question",
    "checks": "question",
    "choices": "choice",
    "categories": "category",
    "simulations": "simulation",
    "meters": "meter",
    "nodes": "node",
    "options": "option",
    "tracks": "track",
    "glossary": "term",
    "sources": "source",
    "sections": "section",
    "references": "reference",
    "objectives": "objective",
    "citations": "citation",
}

_MODEL_KINDS: dict[type, str] = {
    Course: "course",
    Track: "track",
    GlossaryTerm: "term",
    Source: "source",
    SourceSection: "section",
    Reference: "reference",
    Module: "module",
    LearningObjective: "objective",
    Lesson: "lesson",
    Quiz: "quiz",
    Question: "question",
    Category: "category",
    Choice: "choice",
    Simulation: "simulation",
    Meter: "meter",
    Node: "node",
    Option: "option",
    Citation: "citation",
}

_KIND_NAMES = {"term": "glossary term", "objective": "learning objective", "section": "source section"}

# Names in the file that differ from the model field they are stored in.
_FIELDS = {
    ("node", "ending"): "is_ending",
    ("node", "lessons"): "related_lessons",
    ("option", "next"): "next_node",
    ("choice", "position"): "correct_position",
    ("simulation", "start"): "start_node",
    ("section", "paragraphs"): "paragraphs",
}

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class Finding:
    """One validator problem, placed on the object (natural key) and model field it is about."""

    identity: tuple
    field: str | None
    label: str
    message: str

    @property
    def key(self) -> tuple:
        return (self.identity, self.field, self.message)

    @property
    def kind(self) -> str:
        return self.identity[0]

    @property
    def text(self) -> str:
        where = f"{self.label}, {self.field.replace('_', ' ')}" if self.field else self.label
        return f"{where}: {self.message}"

    def __str__(self) -> str:
        return self.text


def _parts(path: str) -> list[str | int]:
    if path == "(document)":
        return []
    return [name if name else int(index) for name, index in _PART.findall(path)]


def _quoted(value: Any) -> str:
    return f"“{value}”"


def locate(data: Any, problem: Problem, course_slug: str) -> Finding:
    """Which object of the exported document `problem` is about, as a natural key, a field and a label."""
    chain: list[tuple[str, dict, int | None]] = []
    node: Any = data
    parts = _parts(problem.path)
    field: str | None = None
    i = 0
    if parts[:1] == ["course"] and isinstance(data, dict) and isinstance(data.get("course"), dict):
        chain.append(("course", data["course"], None))
        node = data["course"]
        i = 1
    while i < len(parts):
        part = parts[i]
        nxt = parts[i + 1] if i + 1 < len(parts) else None
        if (
            isinstance(part, str)
            and part in _LIST_KINDS
            and isinstance(nxt, int)
            and isinstance(node, dict)
            and isinstance(node.get(part), list)
            and nxt < len(node[part])
            and isinstance(node[part][nxt], dict)
            and _LIST_KINDS[part] != "citation"
        ):
            chain.append((_LIST_KINDS[part], node[part][nxt], nxt))
            node = node[part][nxt]
            i += 2
            continue
        field = part if isinstance(part, str) else None
        break
    if not chain:
        return Finding(("course", course_slug), field, f"Course {_quoted(course_slug)}", problem.message)

    def parent(kind: str) -> dict:
        return next((item for k, item, _ in reversed(chain[:-1]) if k == kind), {})

    kind, item, index = chain[-1]
    if kind == "choice":
        key = item.get("key") or default_choice_key(index or 0)
        question = parent("question").get("slug")
        identity: tuple = ("choice", question, key)
        label = f"Choice {_quoted(key)} of question {_quoted(question)}"
    elif kind == "category":
        question = parent("question").get("slug")
        identity = ("category", question, item.get("key"))
        label = f"Category {_quoted(item.get('key'))} of question {_quoted(question)}"
    elif kind in ("meter", "node"):
        simulation = parent("simulation").get("slug")
        identity = (kind, simulation, item.get("key"))
        label = f"{kind.capitalize()} {_quoted(item.get('key'))} of simulation {_quoted(simulation)}"
    elif kind == "option":
        simulation = parent("simulation").get("slug")
        node_key = parent("node").get("key")
        identity = ("option", simulation, node_key, item.get("key"))
        label = f"Option {_quoted(item.get('key'))} of node {_quoted(node_key)} in {_quoted(simulation)}"
    elif kind == "section":
        source = parent("source").get("slug")
        identity = ("section", source, item.get("heading"))
        label = f"Section {_quoted(item.get('heading'))} of source {_quoted(source)}"
    else:
        identity = (kind, item.get("slug"))
        label = f"{_KIND_NAMES.get(kind, kind).capitalize()} {_quoted(item.get('slug'))}"
    if field is not None:
        field = _FIELDS.get((kind, field), field)
    return Finding(identity, field, label, problem.message)


def identity(obj: Any) -> tuple | None:
    """The natural key of a model instance, in the same shape `locate` gives (None if it has none yet)."""
    kind = _MODEL_KINDS.get(type(obj))
    if kind is None:
        return None
    try:
        if kind == "choice" or kind == "category":
            return (kind, obj.question.slug, obj.key)
        if kind in ("meter", "node"):
            return (kind, obj.simulation.slug, obj.key)
        if kind == "option":
            return ("option", obj.node.simulation.slug, obj.node.key, obj.key)
        if kind == "section":
            return ("section", obj.source.slug, obj.heading)
        if kind == "citation":
            return None
        return (kind, obj.slug)
    except (AttributeError, ObjectDoesNotExist):  # a new inline row whose parent is not set yet
        return None


def course_id_of(obj: Any) -> int | None:
    """The course an object belongs to (through its parent for objects without a course column)."""
    if isinstance(obj, Course):
        return obj.pk
    if isinstance(obj, Choice | Category):
        return obj.question.course_id if obj.question_id else None
    if isinstance(obj, Meter | Node):
        return obj.simulation.course_id if obj.simulation_id else None
    if isinstance(obj, Option):
        return obj.node.simulation.course_id if obj.node_id else None
    if isinstance(obj, SourceSection):
        return obj.source.course_id if obj.source_id else None
    if isinstance(obj, Question) and not obj.course_id:
        parent = obj.quiz if obj.quiz_id else obj.lesson if obj.lesson_id else None
        return parent.course_id if parent else None
    course_id = getattr(obj, "course_id", None)
    if course_id is None and getattr(obj, "course_parent", None):
        parent = getattr(obj, obj.course_parent, None)
        return parent.course_id if parent is not None else None
    return course_id


def course_findings(course_id: int) -> list[Finding]:
    """Every problem the loader would report for the course as the database holds it now."""
    course = Course.objects.get(pk=course_id)
    text = export_course(course)
    with tempfile.TemporaryDirectory(prefix="admin-check-") as folder:
        path = Path(folder) / f"{course.slug}.yaml"
        path.write_text(text, encoding="utf-8")
        _courses, problems = read_courses([path])
    if not problems:
        return []
    parsed, _ = parse_yaml(text, path.name)
    data = parsed.data if parsed is not None else None
    return [locate(data, problem, course.slug) for problem in problems if not problem.warning]


def new_findings(before: list[Finding], after: list[Finding]) -> list[Finding]:
    known = {finding.key for finding in before}
    return [finding for finding in after if finding.key not in known]
