"""Loading curriculum files into the database: parse → validate → write, in one transaction.

Nothing is written unless every file of every course is valid. Objects are upserted by their natural key
(slug, or parent + key) with bulk operations, so the number of queries grows with the number of object
types, not the number of objects. Content missing from the files is archived (draft + archived), never
deleted: learner history points at it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from roleplay import models as rp
from training import models as m
from training.completion import CompletionRule
from training.curriculum import schema as s
from training.curriculum.problems import CurriculumError, Problem
from training.curriculum.validate import CourseDocument, assemble, validate_courses
from training.curriculum.yamlio import display_name, parse_yaml
from training.versions import bump_course_content


class UsageError(Exception):
    """The command was called wrongly (a path that does not exist): exit code 2, not 1."""


# Reading --------------------------------------------------------------------------------------------------


def course_files(path: Path) -> list[Path]:
    """The files of one course: the file itself, or every *.yaml directly inside a folder, in name order."""
    if path.is_dir():
        files = sorted(child for child in path.glob("*.yaml") if child.is_file())
        if not files:
            raise UsageError(f"{path}: the folder has no *.yaml files")
        return files
    if path.is_file():
        return [path]
    raise UsageError(f"{path}: no such file or folder")


def course_texts(path: Path) -> tuple[dict[str, str], list[Problem]]:
    """The files of one course as named texts (the name shown in messages → the file's text)."""
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    for file in course_files(path):
        name = display_name(file)
        try:
            texts[name] = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(name, 1, "(document)", f"the file is not UTF-8 text: {exc.reason}"))
    return texts, problems


def read_course_texts(
    texts: Mapping[str, str], name: str | None = None
) -> tuple[CourseDocument | None, list[Problem]]:
    """Parse and structurally validate one course given as named texts (file name → YAML), read in name
    order like a folder's files; no semantic checks yet. `name` names the course in messages (default: its
    only file)."""
    problems: list[Problem] = []
    documents: list[s.Document] = []
    for file_name in sorted(texts):
        parsed, found = parse_yaml(texts[file_name], file_name)
        problems += found
        if parsed is None:
            continue
        document, found = s.parse_document(parsed)
        problems += found
        if document is not None:
            documents.append(document)
    if not texts:
        return None, [Problem(name or "(upload)", 1, "(document)", "no curriculum files were given")]
    if problems:
        return None, problems
    return assemble(name or ", ".join(sorted(texts)), documents)


def read_course(path: Path) -> tuple[CourseDocument | None, list[Problem]]:
    """Parse and structurally validate one course (a file or a folder); no semantic checks yet."""
    texts, problems = course_texts(path)
    course, found = read_course_texts(texts, display_name(path))
    return course, problems + found


def read_courses(paths: Iterable[Path | str]) -> tuple[list[CourseDocument], list[Problem]]:
    """Read and validate courses loaded together; the problems include every error found."""
    courses: list[CourseDocument] = []
    problems: list[Problem] = []
    for path in paths:
        course, found = read_course(Path(path))
        problems += found
        if course is not None:
            courses.append(course)
    problems += validate_courses(courses)
    return courses, problems


def read_texts(
    texts: Mapping[str, str], name: str | None = None
) -> tuple[list[CourseDocument], list[Problem]]:
    """`read_courses` for one course given as named texts (file name → YAML) instead of paths."""
    course, problems = read_course_texts(texts, name)
    courses = [course] if course is not None else []
    problems += validate_courses(courses)
    return courses, problems


# Slugs that belong to another course ----------------------------------------------------------------------

# The kinds whose slugs are global because they appear in URLs of their own (/lessons/<slug>/…); the others
# (tracks, glossary terms, sources, references, objectives) are unique within their course only
# (models.CourseScopedContent), so two courses may each have a `back-channel` term.
_SLUGGED: list[tuple[str, Any, Any]] = [
    ("module", m.Module, lambda c: c.modules),  # /modules/<slug>/reflection/
    ("lesson", m.Lesson, lambda c: c.lessons()),
    ("quiz", m.Quiz, lambda c: c.quizzes()),
    ("question", m.Question, lambda c: c.questions()),
    ("simulation", m.Simulation, lambda c: c.simulations),
    ("role-play", rp.RolePlay, lambda c: c.roleplays),
    ("case", m.Case, lambda c: c.cases),
    ("capstone", m.Capstone, lambda c: c.capstones),
]


def ownership_problems(courses: list[CourseDocument]) -> list[Problem]:
    """Loading course B may not take over a module, lesson, quiz, question, simulation or role-play slug that
    belongs to course A (their slugs are in URLs). One query per object type."""
    problems = []
    for kind, model, items in _SLUGGED:
        wanted = {}
        for course in courses:
            for item in items(course):
                wanted[item.slug] = (course.course.slug, item)
        taken = model.objects.filter(slug__in=list(wanted)).values_list("slug", "course__slug")
        for slug, owner in taken:
            course_slug, item = wanted[slug]
            if owner != course_slug:
                problems.append(
                    item.problem(f"{kind} slug `{slug}` already belongs to course `{owner}`", "slug")
                )
    return problems


# Writing --------------------------------------------------------------------------------------------------


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    archived: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return ", ".join(
            f"{getattr(self, name)} {name}" for name in ("created", "updated", "archived", "unchanged")
        )


SHOWN_LENGTH = 80


def shown_value(value: Any) -> str:
    """A field's value in a change list: one line, at most SHOWN_LENGTH characters."""
    if value is None or value == "":
        text = "(empty)"
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = " ".join(str(value).split())
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…"


@dataclass
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class Change:
    """One object a load creates, changes or archives; for a change, the fields that change (old → new)."""

    kind: str  # the report's label: "lessons", "choices"…
    name: str  # its natural key in words: `what-is-a-track`, `stalled-talks / a`
    action: str  # created | updated | archived
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class Report:
    course: str
    counts: dict[str, Counts] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)

    def changes_of(self, action: str) -> list[Change]:
        return [change for change in self.changes if change.action == action]

    @property
    def changes_of_created(self) -> list[Change]:
        return self.changes_of("created")

    @property
    def changes_of_updated(self) -> list[Change]:
        return self.changes_of("updated")

    @property
    def changes_of_archived(self) -> list[Change]:
        return self.changes_of("archived")

    def total(self, attribute: str) -> int:
        return sum(getattr(counts, attribute) for counts in self.counts.values())

    def lines(self) -> list[str]:
        width = max(len(label) for label in self.counts)
        return [f"  {label.ljust(width)}  {counts}" for label, counts in self.counts.items()]


class _Table:
    """The upsert of one model: desired rows by natural key against the existing rows of the course."""

    def __init__(
        self,
        writer: _Writer,
        label: str,
        model: type[m.Content],
        existing: Iterable[Any],
        key,
        parent: str | None = None,
    ):
        self.writer = writer
        self.label = label
        self.model = model
        self.key = key
        self.parent = parent  # the foreign key whose id is the first part of a (parent id, key) natural key
        self.rows: dict[Any, m.Content] = {key(obj): obj for obj in existing}
        self.counts = writer.report.counts.setdefault(label, Counts())
        self.status: dict[Any, str] = {}  # key -> created | updated | unchanged
        self.changes: dict[Any, Change] = {}  # key -> its entry in the report (updated ones)

    def describe(self, key) -> str:
        """A natural key in words, parents named by theirs: `stalled-talks / a`, `lesson x, citation 1`."""
        if not isinstance(key, tuple):
            return str(key)
        if self.parent is not None:
            parent = self.model._meta.get_field(self.parent).related_model
            return f"{self.writer.name_of(parent, key[0])} / {key[1]}"
        owner, owner_id, position = key  # a citation: (owner field, owner id, position)
        related = self.model._meta.get_field(owner).related_model
        return f"{owner} {self.writer.name_of(related, owner_id)}, citation {position + 1}"

    def shown(self, name: str, value: Any) -> str:
        """A field's value for the change list; a foreign key's id as its object's natural key."""
        if name.endswith("_id") and value is not None:
            related = self.model._meta.get_field(name).related_model
            if related is not None:
                return shown_value(self.writer.name_of(related, value))
        return shown_value(value)

    def record(self, key, action: str, fields: list[FieldChange] | None = None) -> Change:
        change = Change(self.label, self.describe(key), action, fields or [])
        self.writer.report.changes.append(change)
        return change

    def record_field(self, key, name: str, old: str, new: str) -> None:
        """Add a changed field to an updated object's entry (created objects list no fields)."""
        if self.status.get(key) == "created":
            return
        change = self.changes.get(key)
        if change is None:
            change = self.changes[key] = self.record(key, "updated")
        change.fields.append(FieldChange(name.removesuffix("_id"), old, new))

    def sync(self, desired: dict[Any, dict[str, Any]]) -> dict[Any, m.Content]:
        now = timezone.now()
        created, changed, changed_fields = [], [], set()
        for key, values in desired.items():
            values = {"archived": False, **values}
            obj = self.rows.get(key)
            if obj is None:
                obj = self.model(**values)
                created.append(obj)
                self.rows[key] = obj
                self.status[key] = "created"
                continue
            diff = [name for name, value in values.items() if getattr(obj, name) != value]
            for name in diff:
                self.record_field(
                    key, name, self.shown(name, getattr(obj, name)), self.shown(name, values[name])
                )
            if diff:
                for name in diff:
                    setattr(obj, name, values[name])
                obj.updated_at = now
                changed.append(obj)
                changed_fields.update(diff)
                self.status[key] = "updated"
            else:
                self.status[key] = "unchanged"
        archived = []
        for key, obj in self.rows.items():
            if key not in desired and not obj.archived:
                self.record(key, "archived")
                obj.archived = True
                if hasattr(obj, "status"):
                    obj.status = m.Status.DRAFT
                obj.updated_at = now
                archived.append(obj)
        if created:
            self.model.objects.bulk_create(created, batch_size=500)
        for key, obj in self.rows.items():
            self.writer.names[(self.model, obj.pk)] = self.describe(key)
        for key in desired:
            if self.status[key] == "created":
                self.record(key, "created")
        if archived:
            changed_fields.update({"archived", "status"})
        if changed or archived:
            changed_fields.add("updated_at")
            self.model.objects.bulk_update(changed + archived, sorted(changed_fields), batch_size=200)
        self.counts.created += len(created)
        self.counts.updated += len(changed)
        self.counts.archived += len(archived)
        self.counts.unchanged += len(desired) - len(created) - len(changed)
        return {key: self.rows[key] for key in desired}

    def touch(self, key, name: str, old: str = "", new: str = "") -> None:
        """Count an unchanged object as updated (a link of it, `name`, changed)."""
        self.record_field(key, name, old or "(links)", new or "(changed)")
        if self.status.get(key) == "unchanged":
            self.status[key] = "updated"
            self.counts.unchanged -= 1
            self.counts.updated += 1

    def set_later(self, objects: dict[Any, m.Content], field_name: str, values: dict[Any, Any]) -> None:
        """Set a field that needs ids created after this table (start node, final quiz)."""
        now = timezone.now()
        changed = []
        for key, value in values.items():
            obj = objects[key]
            old = getattr(obj, field_name)
            if old != value:
                setattr(obj, field_name, value)
                obj.updated_at = now
                changed.append(obj)
                if self.status.get(key) != "created":
                    self.touch(key, field_name, self.shown(field_name, old), self.shown(field_name, value))
        if changed:
            self.model.objects.bulk_update(changed, [field_name, "updated_at"], batch_size=500)


def _completion(rule: s.Completion | None) -> dict:
    """The course's completion rule as Course.completion stores it: its non-default values."""
    return {} if rule is None else CompletionRule(**rule.model_dump()).stored()


def _text(value: str | None) -> str:
    return value or ""


class _Writer:
    def __init__(self, doc: CourseDocument):
        self.doc = doc
        self.report = Report(doc.course.slug)
        self.course_id: int | None = None
        self.names: dict[tuple[type, Any], str] = {}  # (model, pk) -> natural key in words, for the report

    def table(self, label, model, existing, key=lambda obj: obj.slug, parent: str | None = None) -> _Table:
        return _Table(self, label, model, existing, key, parent)

    def name_of(self, model, pk) -> str:
        return self.names.get((model, pk), f"#{pk}")

    def links(
        self, table: _Table, owners: Mapping[str, models.Model], field_name: str, wanted: dict[Any, list[int]]
    ):
        """Make an M2M relation of `owners` exactly `wanted` (owner key -> target ids); one query to read."""
        descriptor = getattr(table.model, field_name)
        through = descriptor.through
        source = descriptor.field.m2m_field_name()
        target = descriptor.field.m2m_reverse_field_name()
        by_id = {obj.pk: key for key, obj in owners.items()}
        existing: dict[tuple[int, int], int] = {}
        rows = through.objects.filter(**{f"{source}_id__in": list(by_id)}).values_list(
            "id", source + "_id", target + "_id"
        )
        for row_id, owner_id, target_id in rows:
            existing[(owner_id, target_id)] = row_id
        desired = {(owners[key].pk, target_id) for key, targets in wanted.items() for target_id in targets}
        remove = [row_id for pair, row_id in existing.items() if pair not in desired]
        add = [pair for pair in desired if pair not in existing]
        if remove:
            through.objects.filter(id__in=remove).delete()
        if add:
            through.objects.bulk_create(
                [
                    through(**{f"{source}_id": owner_id, f"{target}_id": target_id})
                    for owner_id, target_id in add
                ],
                batch_size=500,
            )
        related = descriptor.field.related_model

        def names(owner_id: int, pairs) -> str:
            return ", ".join(sorted(self.name_of(related, t) for o, t in pairs if o == owner_id)) or "(none)"

        for owner_id in {pair[0] for pair in add} | {
            pair[0] for pair, row_id in existing.items() if row_id in set(remove)
        }:
            old, new = names(owner_id, existing), names(owner_id, desired)
            table.touch(by_id[owner_id], field_name, shown_value(old), shown_value(new))

    def write(self) -> Report:
        doc = self.doc
        c = doc.course
        courses = self.table("courses", m.Course, m.Course.objects.filter(slug=c.slug))
        course = courses.sync(
            {
                c.slug: {
                    "slug": c.slug,
                    "title": c.title,
                    "summary": c.summary,
                    "status": c.status,
                    "completion": _completion(c.completion),
                }
            }
        )[c.slug]
        cid = self.course_id = course.pk

        def mine(model):
            return model.objects.filter(course_id=cid)

        tracks = self.table("tracks", m.Track, mine(m.Track))
        track_rows = tracks.sync(
            {
                t.slug: {
                    "course_id": cid,
                    "slug": t.slug,
                    "position": i,
                    "status": t.status,
                    "name": t.name,
                    "short_name": t.short_name,
                    "summary": t.summary,
                    "definition": t.definition,
                    "participants": t.participants,
                    "outputs": t.outputs,
                    "strengths": t.strengths,
                    "limits": t.limits,
                    "examples": t.examples,
                    "comparison": t.comparison,
                }
                for i, t in enumerate(doc.tracks)
            }
        )
        track_ids = {slug: obj.pk for slug, obj in track_rows.items()}

        glossary = self.table("glossary terms", m.GlossaryTerm, mine(m.GlossaryTerm))
        term_rows = glossary.sync(
            {
                g.slug: {
                    "course_id": cid,
                    "slug": g.slug,
                    "position": i,
                    "status": g.status,
                    "term": g.term,
                    "definition": g.definition,
                }
                for i, g in enumerate(doc.glossary)
            }
        )
        self.links(
            glossary, term_rows, "tracks", {g.slug: [track_ids[t] for t in g.tracks] for g in doc.glossary}
        )

        sources = self.table("sources", m.Source, mine(m.Source))
        source_rows = sources.sync(
            {
                src.slug: {
                    "course_id": cid,
                    "slug": src.slug,
                    "position": i,
                    "title": src.title,
                    "author": src.author,
                    "url": src.url,
                }
                for i, src in enumerate(doc.sources)
            }
        )
        sections = self.table(
            "source sections",
            m.SourceSection,
            m.SourceSection.objects.filter(source__course_id=cid),
            parent="source",
            key=lambda obj: (obj.source_id, obj.heading),
        )
        section_rows = sections.sync(
            {
                (source_rows[src.slug].pk, sec.heading): {
                    "source_id": source_rows[src.slug].pk,
                    "heading": sec.heading,
                    "position": i,
                    "paragraphs": sec.paragraphs,
                }
                for src in doc.sources
                for i, sec in enumerate(src.sections)
            }
        )
        # Looked up with a citation's (source, section): its section is set whenever its source is.
        section_ids: dict[tuple[str, str | None], int] = {
            (src.slug, sec.heading): section_rows[(source_rows[src.slug].pk, sec.heading)].pk
            for src in doc.sources
            for sec in src.sections
        }

        references = self.table("references", m.Reference, mine(m.Reference))
        reference_rows = references.sync(
            {
                r.slug: {
                    "course_id": cid,
                    "slug": r.slug,
                    "position": i,
                    "title": r.title,
                    "author": r.author,
                    "publisher": r.publisher,
                    "year": r.year,
                    "url": r.url,
                    "note": r.note,
                }
                for i, r in enumerate(doc.references)
            }
        )

        modules = self.table("modules", m.Module, mine(m.Module))
        module_rows = modules.sync(
            {
                mod.slug: {
                    "course_id": cid,
                    "slug": mod.slug,
                    "position": i,
                    "status": mod.status,
                    "title": mod.title,
                    "summary": mod.summary,
                    "reflection": mod.reflection,
                }
                for i, mod in enumerate(doc.modules)
            }
        )

        objectives = self.table("objectives", m.LearningObjective, mine(m.LearningObjective))
        objective_rows = objectives.sync(
            {
                o.slug: {
                    "course_id": cid,
                    "module_id": module_rows[mod.slug].pk,
                    "slug": o.slug,
                    "position": i,
                    "text": o.text,
                }
                for mod in doc.modules
                for i, o in enumerate(mod.objectives)
            }
        )
        objective_ids = {slug: obj.pk for slug, obj in objective_rows.items()}

        lessons = self.table("lessons", m.Lesson, mine(m.Lesson))
        lesson_rows = lessons.sync(
            {
                les.slug: {
                    "course_id": cid,
                    "module_id": module_rows[mod.slug].pk,
                    "slug": les.slug,
                    "position": i,
                    "status": les.status,
                    "title": les.title,
                    "minutes": les.minutes,
                    "body": les.body,
                }
                for mod in doc.modules
                for i, les in enumerate(mod.lessons)
            }
        )
        all_lessons = list(doc.lessons())
        self.links(
            lessons, lesson_rows, "tracks", {x.slug: [track_ids[t] for t in x.tracks] for x in all_lessons}
        )
        self.links(
            lessons,
            lesson_rows,
            "objectives",
            {x.slug: [objective_ids[o] for o in x.objectives] for x in all_lessons},
        )
        self.links(
            lessons,
            lesson_rows,
            "key_terms",
            {x.slug: [term_rows[g].pk for g in x.key_terms] for x in all_lessons},
        )

        quizzes = self.table("quizzes", m.Quiz, mine(m.Quiz))
        quiz_rows = quizzes.sync(
            {
                q.slug: {
                    "course_id": cid,
                    "module_id": module_rows[mod.slug].pk,
                    "slug": q.slug,
                    "position": i,
                    "status": q.status,
                    "title": q.title,
                    "intro": q.intro,
                    "mode": q.mode,
                    "pass_mark": q.pass_mark,
                    "attempts_allowed": q.attempts_allowed,
                    "shuffle": q.shuffle,
                    "results": q.results,
                    "draw_count": q.draw.count or 0 if q.draw else 0,
                    "draw_per_objective": q.draw.per_objective or 0 if q.draw else 0,
                    "certainty": q.certainty,
                    "time_limit": q.time_limit,
                }
                for mod in doc.modules
                for i, q in enumerate(mod.quizzes)
            }
        )
        courses.set_later(
            {c.slug: course}, "final_quiz_id", {c.slug: quiz_rows[c.final_quiz].pk if c.final_quiz else None}
        )

        # Questions live in quizzes or, as inline checks, in lessons.
        placed: list[tuple[s.Question, int | None, int | None, int]] = []
        for mod in doc.modules:
            for les in mod.lessons:
                placed += [(q, None, lesson_rows[les.slug].pk, i) for i, q in enumerate(les.checks)]
            for quiz in mod.quizzes:
                placed += [(q, quiz_rows[quiz.slug].pk, None, i) for i, q in enumerate(quiz.questions)]
        questions = self.table("questions", m.Question, mine(m.Question))
        question_rows = questions.sync(
            {
                q.slug: {
                    "course_id": cid,
                    "quiz_id": quiz_id,
                    "lesson_id": lesson_id,
                    "slug": q.slug,
                    "position": i,
                    "status": q.status,
                    "kind": q.kind,
                    "scenario": q.scenario,
                    "prompt": q.prompt,
                    "explanation": q.explanation,
                    "ties": [list(group) for group in q.ties] if q.kind == "order" else [],
                    "hints": [{"text": hint.text, "cost": hint.cost} for hint in q.hints],
                    "variant_of": q.variant_of or "",
                }
                for q, quiz_id, lesson_id, i in placed
            }
        )
        all_questions = [q for q, *_ in placed]
        self.links(
            questions,
            question_rows,
            "tracks",
            {q.slug: [track_ids[t] for t in q.tracks] for q in all_questions},
        )
        self.links(
            questions,
            question_rows,
            "objectives",
            {q.slug: [objective_ids[o] for o in q.objectives] for q in all_questions},
        )

        categories = self.table(
            "categories",
            m.Category,
            m.Category.objects.filter(question__course_id=cid),
            parent="question",
            key=lambda obj: (obj.question_id, obj.key),
        )
        category_rows = categories.sync(
            {
                (question_rows[q.slug].pk, cat.key): {
                    "question_id": question_rows[q.slug].pk,
                    "key": cat.key,
                    "position": i,
                    "label": cat.label,
                }
                for q in all_questions
                for i, cat in enumerate(q.categories)
            }
        )
        choices = self.table(
            "choices",
            m.Choice,
            m.Choice.objects.filter(question__course_id=cid),
            parent="question",
            key=lambda obj: (obj.question_id, obj.key),
        )
        choices.sync(
            {
                (question_rows[q.slug].pk, ch.key): {
                    "question_id": question_rows[q.slug].pk,
                    "key": ch.key,
                    "position": i,
                    "text": ch.text,
                    "correct": ch.correct if q.kind in ("single", "multiple") else False,
                    "correct_position": ch.position if q.kind == "order" else None,
                    "category_id": (
                        category_rows[(question_rows[q.slug].pk, ch.category)].pk
                        if q.kind == "sort"
                        else None
                    ),
                    "feedback": ch.feedback,
                }
                for q in all_questions
                for i, ch in enumerate(q.choices)
            }
        )

        simulations = self.table("simulations", m.Simulation, mine(m.Simulation))
        sim_rows = simulations.sync(
            {
                sim.slug: {
                    "course_id": cid,
                    "module_id": module_rows[sim.module].pk,
                    "slug": sim.slug,
                    "position": i,
                    "status": sim.status,
                    "title": sim.title,
                    "role": sim.role,
                    "portrait": sim.portrait or "",
                    "situation": sim.situation,
                    "flags": [{"key": f.key, "label": f.label} for f in sim.flags],
                    "principles": [p.model_dump(exclude_defaults=True) for p in sim.principles],
                    "events": [e.model_dump(exclude_defaults=True) for e in sim.events],
                }
                for i, sim in enumerate(doc.simulations)
            }
        )
        self.links(
            simulations,
            sim_rows,
            "tracks",
            {x.slug: [track_ids[t] for t in x.tracks] for x in doc.simulations},
        )
        self.links(
            simulations,
            sim_rows,
            "objectives",
            {x.slug: [objective_ids[o] for o in x.objectives] for x in doc.simulations},
        )
        meters = self.table(
            "meters",
            m.Meter,
            m.Meter.objects.filter(simulation__course_id=cid),
            parent="simulation",
            key=lambda obj: (obj.simulation_id, obj.key),
        )
        meters.sync(
            {
                (sim_rows[sim.slug].pk, mt.key): {
                    "simulation_id": sim_rows[sim.slug].pk,
                    "key": mt.key,
                    "position": i,
                    "label": mt.label,
                    "min": mt.min,
                    "max": mt.max,
                    "start": mt.start,
                    "better": mt.better,
                }
                for sim in doc.simulations
                for i, mt in enumerate(sim.meters)
            }
        )
        nodes = self.table(
            "nodes",
            m.Node,
            m.Node.objects.filter(simulation__course_id=cid),
            parent="simulation",
            key=lambda obj: (obj.simulation_id, obj.key),
        )
        node_rows = nodes.sync(
            {
                (sim_rows[sim.slug].pk, n.key): {
                    "simulation_id": sim_rows[sim.slug].pk,
                    "key": n.key,
                    "position": i,
                    "title": n.title,
                    "situation": n.situation,
                    "is_ending": n.ending,
                    "outcome": _text(n.outcome),
                    "debrief": n.debrief,
                }
                for sim in doc.simulations
                for i, n in enumerate(sim.nodes)
            }
        )
        all_nodes = [(sim_rows[sim.slug].pk, n) for sim in doc.simulations for n in sim.nodes]
        self.links(
            nodes,
            node_rows,
            "related_lessons",
            {(sid, n.key): [lesson_rows[slug].pk for slug in n.lessons] for sid, n in all_nodes},
        )
        simulations.set_later(
            sim_rows,
            "start_node_id",
            {sim.slug: node_rows[(sim_rows[sim.slug].pk, sim.start)].pk for sim in doc.simulations},
        )
        options = self.table(
            "options",
            m.Option,
            m.Option.objects.filter(node__simulation__course_id=cid),
            parent="node",
            key=lambda obj: (obj.node_id, obj.key),
        )
        options.sync(
            {
                (node_rows[(sid, n.key)].pk, o.key): {
                    "node_id": node_rows[(sid, n.key)].pk,
                    "key": o.key,
                    "position": i,
                    "text": o.text,
                    "effects": o.effects,
                    "sets": o.sets,
                    "clears": o.clears,
                    "later": [item.model_dump(exclude_defaults=True) for item in o.later],
                    "guard": _text(o.guard),
                    "unavailable": o.unavailable,
                    "reason": o.reason,
                    "recommended": o.recommended,
                    "follows": o.follows,
                    "breaks": o.breaks,
                    "feedback": o.feedback,
                    "branches": [{"when": b.when, "next": b.next} for b in o.branches],
                    "next_node_id": node_rows[(sid, o.next)].pk if o.next is not None else None,
                }
                for sid, n in all_nodes
                for i, o in enumerate(n.options)
            }
        )

        # Citations, keyed by their owner and place in its list.
        owners: list[tuple[str, int, list[s.Citation]]] = []
        owners += [("track", track_rows[t.slug].pk, t.citations) for t in doc.tracks]
        owners += [("lesson", lesson_rows[x.slug].pk, x.citations) for x in all_lessons]
        owners += [("question", question_rows[q.slug].pk, q.citations) for q in all_questions]
        owners += [("node", node_rows[(sid, n.key)].pk, n.citations) for sid, n in all_nodes]
        citations = self.table(
            "citations",
            m.Citation,
            m.Citation.objects.filter(course_id=cid),
            key=lambda obj: next(
                (name, getattr(obj, f"{name}_id"), obj.position)
                for name in m.Citation.OWNER_FIELDS
                if getattr(obj, f"{name}_id")
            ),
        )
        desired = {}
        for owner, owner_id, cites in owners:
            for i, cite in enumerate(cites):
                values: dict[str, Any] = {f"{name}_id": None for name in m.Citation.OWNER_FIELDS}
                values.update(
                    {
                        "course_id": cid,
                        f"{owner}_id": owner_id,
                        "position": i,
                        "section_id": section_ids[(cite.source, cite.section)] if cite.source else None,
                        "paragraph": cite.paragraph,
                        "reference_id": reference_rows[cite.reference].pk if cite.reference else None,
                        "locator": _text(cite.locator),
                    }
                )
                desired[(owner, owner_id, i)] = values
        citations.sync(desired)
        self.roleplays(module_rows, objective_ids, reference_rows)
        self.cases_and_capstones(reference_rows, lesson_rows, track_ids)
        return self.report

    def cases_and_capstones(self, reference_rows, lesson_rows, track_ids) -> None:
        """The case library's pages and the capstones with their rubrics (JSON on the capstone)."""
        doc, cid = self.doc, self.course_id
        assert cid is not None  # write() sets it first
        cases = self.table("cases", m.Case, m.Case.objects.filter(course_id=cid))
        case_rows = cases.sync(
            {
                x.slug: {
                    "course_id": cid,
                    "slug": x.slug,
                    "position": i,
                    "status": x.status,
                    "title": x.title,
                    "period": x.period,
                    "region": x.region,
                    "summary": x.summary,
                    "actors": [a.model_dump(exclude_defaults=True) for a in x.actors],
                    "moved": x.moved,
                    "outcome": x.outcome,
                    "body": x.body,
                    "documents": [d.model_dump(exclude_defaults=True) for d in x.documents],
                }
                for i, x in enumerate(doc.cases)
            }
        )
        self.links(
            cases,
            case_rows,
            "references",
            {x.slug: [reference_rows[r].pk for r in x.references] for x in doc.cases},
        )
        self.links(
            cases, case_rows, "lessons", {x.slug: [lesson_rows[r].pk for r in x.lessons] for x in doc.cases}
        )
        self.links(cases, case_rows, "tracks", {x.slug: [track_ids[t] for t in x.tracks] for x in doc.cases})
        capstones = self.table("capstones", m.Capstone, m.Capstone.objects.filter(course_id=cid))
        capstone_rows = capstones.sync(
            {
                x.slug: {
                    "course_id": cid,
                    "slug": x.slug,
                    "position": i,
                    "status": x.status,
                    "title": x.title,
                    "brief": x.brief,
                    "min_words": x.min_words,
                    "max_words": x.max_words,
                    "pass_mark": x.pass_mark,
                    "rubric": [c.model_dump(exclude_defaults=True) for c in x.rubric],
                }
                for i, x in enumerate(doc.capstones)
            }
        )
        self.links(
            capstones,
            capstone_rows,
            "references",
            {x.slug: [reference_rows[r].pk for r in x.references] for x in doc.capstones},
        )

    def roleplays(self, module_rows, objective_ids, reference_rows) -> None:
        """Role-plays and their parts (the roleplay app), keyed by slug inside their role-play."""
        doc, cid = self.doc, self.course_id
        assert cid is not None  # write() sets it first
        roleplays = self.table("role-plays", rp.RolePlay, rp.RolePlay.objects.filter(course_id=cid))
        rows = roleplays.sync(
            {
                x.slug: {
                    "course_id": cid,
                    "module_id": module_rows[x.module].pk if x.module else None,
                    "slug": x.slug,
                    "position": i,
                    "status": x.status,
                    "title": x.title,
                    "summary": x.summary,
                    "minutes": x.minutes,
                    "background": x.background,
                    "debrief_guide": x.debrief_guide,
                }
                for i, x in enumerate(doc.roleplays)
            }
        )
        self.links(
            roleplays,
            rows,
            "objectives",
            {x.slug: [objective_ids[o] for o in x.objectives] for x in doc.roleplays},
        )
        self.links(
            roleplays,
            rows,
            "references",
            {x.slug: [reference_rows[r].pk for r in x.references] for x in doc.roleplays},
        )

        def part(label, model, items, values):
            table = self.table(
                label,
                model,
                model.objects.filter(roleplay__course_id=cid),
                parent="roleplay",
                key=lambda obj: (obj.roleplay_id, obj.slug),
            )
            return table.sync(
                {
                    (rows[x.slug].pk, item.slug): {
                        "roleplay_id": rows[x.slug].pk,
                        "slug": item.slug,
                        "position": i,
                        **values(item),
                    }
                    for x in doc.roleplays
                    for i, item in enumerate(items(x))
                }
            )

        part(
            "roles",
            rp.Role,
            lambda x: x.roles,
            lambda r: {
                "title": r.title,
                "side": r.side or "",
                "optional": r.optional,
                "public_brief": r.public_brief,
                "confidential_brief": r.confidential_brief,
                "objectives": list(r.objectives),
                "walk_away": r.walk_away,
                "portrait": r.portrait or "",
            },
        )
        issue_rows = part(
            "issues", rp.Issue, lambda x: x.issues, lambda i: {"title": i.title, "description": i.description}
        )
        part(
            "phases",
            rp.Phase,
            lambda x: x.phases,
            lambda p: {
                "title": p.title,
                "kind": p.kind,
                "minutes": p.minutes,
                "instructions": p.instructions,
            },
        )
        part(
            "injects",
            rp.Inject,
            lambda x: x.injects,
            lambda j: {"title": j.title, "text": j.text, "to": list(j.to), "phase": j.phase or ""},
        )
        part("debrief prompts", rp.DebriefQuestion, lambda x: x.debrief, lambda q: {"prompt": q.prompt})
        options = self.table(
            "issue options",
            rp.IssueOption,
            rp.IssueOption.objects.filter(issue__roleplay__course_id=cid),
            parent="issue",
            key=lambda obj: (obj.issue_id, obj.key),
        )
        options.sync(
            {
                (issue_rows[(rows[x.slug].pk, i.slug)].pk, o.key): {
                    "issue_id": issue_rows[(rows[x.slug].pk, i.slug)].pk,
                    "key": o.key,
                    "position": n,
                    "text": o.text,
                    "points": dict(o.points),
                }
                for x in doc.roleplays
                for i in x.issues
                for n, o in enumerate(i.options)
            }
        )


def load_curriculum(paths: Iterable[Path | str], *, dry_run: bool = False) -> list[Report]:
    """Validate every course given, then write them all in one transaction (rolled back for a dry run).

    Raises CurriculumError with every problem found, or UsageError for a path that does not exist.
    """
    courses, problems = read_courses(paths)
    return _load(courses, problems, dry_run=dry_run)


def load_texts(texts: Mapping[str, str], *, dry_run: bool = False, name: str | None = None) -> list[Report]:
    """`load_curriculum` for one course given as named texts (file name → YAML), for example an upload;
    problems name the given files. Raises CurriculumError with every problem found."""
    courses, problems = read_texts(texts, name)
    return _load(courses, problems, dry_run=dry_run)


def _load(courses: list[CourseDocument], problems: list[Problem], *, dry_run: bool) -> list[Report]:
    if problems:
        raise CurriculumError(problems)
    with transaction.atomic():
        problems = ownership_problems(courses)
        if problems:
            raise CurriculumError(problems)
        writers = [_Writer(course) for course in courses]
        reports = [writer.write() for writer in writers]
        # The writes above are bulk operations, which send no signals: give each course that changed one new
        # content version (a load that changes nothing keeps it, and the caches keyed on it).
        bump_course_content(
            writer.course_id
            for writer, report in zip(writers, reports, strict=True)
            if any(report.total(name) for name in ("created", "updated", "archived"))
        )
        if dry_run:
            transaction.set_rollback(True)
    return reports
