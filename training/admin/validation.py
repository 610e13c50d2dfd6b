"""Draft first, validate to publish: the admin cannot publish what the curriculum loader would reject.

An admin edit is checked by the loader's own validator: after the edit is written (inside the admin's
transaction), the course is exported from the database with the exporter and read back with the same
parsing and validation `manage.py load_curriculum` does (training.curriculum.checkup, in memory). Problems
in drafts (the object or a parent is a draft) are tolerated, so incomplete content can be saved as a draft;
problems in published content (training.publishing) that were not there before the edit reject it — which
also refuses publishing a draft that still has problems. The admin's transaction rolls back and the problems
are shown on the form, each placed on the object and field it is about.

Problems are compared by the object they are about (a natural key such as `("choice", "question-slug", "b")`),
not by line or index, so a pre-existing problem elsewhere in a course does not block unrelated edits.

`ContentAdmin` is the base of every content admin: loader-validated saves, deletes, list edits and bulk
actions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models, transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from roleplay.models import RolePlay
from training.curriculum.checkup import check_course
from training.curriculum.fieldhelp import help_text
from training.curriculum.problems import Problem
from training.curriculum.schema import default_choice_key
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
    Status,
    Track,
)
from training.publishing import in_published_chain, publishable_check
from training.versions import bump_course_content

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
    "roleplays": "roleplay",
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
    "cases": "case",
    "capstones": "capstone",
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
    RolePlay: "roleplay",
}

_KIND_NAMES = {
    "roleplay": "role-play",
    "term": "glossary term",
    "objective": "learning objective",
    "section": "source section",
}

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
        return course_id_of(parent) if parent is not None else None  # role-play parts: up to the role-play
    return course_id


def course_findings(course_id: int) -> list[Finding]:
    """Every problem the loader would report for the course as the database holds it now."""
    course = Course.objects.get(pk=course_id)
    check = check_course(course, lint=False)
    return [locate(check.data, problem, course.slug) for problem in check.errors]


def blocking_findings(course_id: int) -> list[Finding]:
    """The course's problems that learners would meet: those about published content (training.publishing)."""
    course = Course.objects.get(pk=course_id)
    # Checked without the incomplete drafts: a draft's problem (even one that stops the loader at reading
    # the file) must not hide the problems of published content.
    check, _ = publishable_check(course)
    found = [locate(check.data, problem, course.slug) for problem in check.errors]
    return [finding for finding in found if in_published_chain(course, finding.identity)]


def new_findings(before: list[Finding], after: list[Finding]) -> list[Finding]:
    known = {finding.key for finding in before}
    return [finding for finding in after if finding.key not in known]


# Admin edits checked by the validator ---------------------------------------------------------------------


SMALL_TEXT: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 48})},
    models.URLField: {"assume_scheme": "https"},
}


def with_format_help(db_field, formfield):
    """The form field with its help text from docs/curriculum-format.md, where the document has one."""
    if formfield is not None:
        text = help_text(db_field.model._meta.model_name, db_field.name)
        if text is not None:
            formfield.help_text = text
    return formfield


def markdown_widget(db_field, *, rows: int) -> forms.Textarea | None:
    """A comfortable textarea for the Markdown fields (their help text says "Markdown"), the full width of
    the form; None for other fields."""
    if isinstance(db_field, models.TextField) and str(db_field.help_text).startswith("Markdown"):
        return forms.Textarea(attrs={"rows": rows, "class": "markdown-field"})
    return None


class Rejected(Exception):
    """The edit would make the curriculum invalid; the transaction it ran in must roll back."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("; ".join(str(f) for f in findings))


# Validation shared by every content admin ------------------------------------------------------------------


def _before(request: HttpRequest, course_id: int | None) -> None:
    """Remember the course's blocking problems before this request changes anything (once per course)."""
    if course_id is None:
        return
    cache = request.__dict__.setdefault("_curriculum_before", {})
    if course_id not in cache:
        cache[course_id] = blocking_findings(course_id)


def _after(request: HttpRequest, course_ids) -> None:
    """Raise Rejected if the courses' published content now has problems it did not have before (a new
    problem in a draft is fine; publishing content with problems is not)."""
    cache = request.__dict__.get("_curriculum_before", {})
    found: list[Finding] = []
    for course_id in course_ids:
        if course_id is not None:
            found += new_findings(cache.get(course_id, []), blocking_findings(course_id))
    if found:
        raise Rejected(found)


def _findings(request: HttpRequest) -> list[Finding]:
    return getattr(request, "_curriculum_findings", [])


class CheckedFormSet(forms.BaseInlineFormSet):
    """Mixed into an inline's formset: its rows show the validator's problems about them (`findings`)."""

    findings: list[Finding] = []

    def clean(self):
        super().clean()
        left = list(self.findings)
        for form in self.forms:
            # _should_delete_form is a private BaseFormSet helper that django-stubs leave out.
            if not hasattr(form, "cleaned_data") or (
                self.can_delete and self._should_delete_form(form)  # type: ignore[attr-defined]
            ):
                continue
            ident = identity(form.instance)
            for finding in [f for f in left if f.identity == ident]:
                if finding.field in form.fields:
                    form.add_error(finding.field, finding.message)
                else:
                    form.add_error(None, finding.text)
                left.remove(finding)
        if left:
            raise ValidationError([f.text for f in left])


class ValidatedInline(InlineModelAdmin):
    """An inline whose rows show the validator's problems about them (on the second, re-rendering pass).
    Listed before TabularInline/StackedInline in an inline's bases."""

    formfield_overrides = SMALL_TEXT
    extra = 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        widget = markdown_widget(db_field, rows=4)
        if widget is not None:
            kwargs["widget"] = widget
        return with_format_help(db_field, super().formfield_for_dbfield(db_field, request, **kwargs))

    def get_formset(self, request, obj=None, **kwargs):
        formset_class = super().get_formset(request, obj, **kwargs)
        kind = {Choice: "choice", Category: "category", Meter: "meter", Node: "node", Option: "option"}.get(
            self.model
        )
        mine = [f for f in _findings(request) if kind and f.kind == kind]
        if not mine:
            return formset_class
        return type("CheckedFormSet", (CheckedFormSet, formset_class), {"findings": mine})


class CheckedForm(forms.ModelForm):
    """Mixed into an admin's form on the second pass of a rejected save: shows the problems (`findings`, of
    `problem_count` in all) this change would cause."""

    findings: list[Finding] = []
    problem_count = 0

    # _post_clean (after the instance is built from the form) is a private BaseModelForm hook that django-stubs
    # leave out; overriding it keeps the problems after the model's own validation errors.
    def _post_clean(self):
        super()._post_clean()  # type: ignore[misc]
        own = identity(self.instance)
        count = self.problem_count
        self.add_error(
            None,
            f"Not saved: the curriculum validator (the same one as load_curriculum) found "
            f"{count} problem{'s' if count != 1 else ''} this change would leave in published content. "
            f"Fix {'them' if count != 1 else 'it'}, or save as a draft (status “Draft”) to finish later.",
        )
        for finding in self.findings:
            if finding.identity == own and finding.field in self.fields:
                self.add_error(finding.field, finding.message)
            else:
                self.add_error(None, finding.text)


class LabelledRowForm(forms.ModelForm):
    """A changelist row's form: each input's accessible name is its column and its row's object ("Position of
    “Trust first”"), which the table shows sighted users by place only."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not field.widget.is_hidden:
                field.widget.attrs["aria-label"] = f"{field.label} of “{self.instance}”"


class ContentAdmin(admin.ModelAdmin):
    """Base of every content admin: loader-validated saves, deletes and bulk edits; readable columns."""

    formfield_overrides = SMALL_TEXT
    save_on_top = True
    # Each inline kind this admin shows claims the problems about its rows; the main form takes the rest.
    inline_kinds: tuple[str, ...] = ()

    # (field, kind): the Markdown field previewed as a learner sees it (training.views.authoring.PREVIEW_KINDS).
    preview: tuple[str, str] | None = None

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        widget = markdown_widget(db_field, rows=14)
        if widget is not None:
            if self.preview and db_field.name == self.preview[0]:
                # Refreshed by htmx as the author types (debounced); the Preview button does it without JS.
                widget.attrs.update(
                    {
                        "hx-post": reverse("markdown_preview", args=[self.preview[1]]),
                        "hx-trigger": "input changed delay:600ms, load",
                        "hx-target": "#markdown-preview",
                        "hx-include": "[name=csrfmiddlewaretoken]",
                        "aria-describedby": "markdown-preview-heading",
                    }
                )
            kwargs["widget"] = widget
        return with_format_help(db_field, super().formfield_for_dbfield(db_field, request, **kwargs))

    # The form: the second pass shows the problems of a rejected save.

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        self.limit_choices(form_class, obj)
        findings = [f for f in _findings(request) if f.kind not in self.inline_kinds]
        if not _findings(request):
            return form_class
        return type(
            "CheckedForm",
            (CheckedForm, form_class),
            {"findings": findings, "problem_count": len(_findings(request))},
        )

    def limit_choices(self, form_class, obj) -> None:
        """Offer only objects of the same course in relation fields (content never moves between courses)."""
        course_id = course_id_of(obj) if obj is not None else None
        if course_id is None:
            return
        for name, field in form_class.base_fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is None:
                continue
            model = queryset.model
            if model is Course:
                field.queryset = queryset.filter(pk=course_id)
            elif hasattr(model, "course_parent") or model in (Track, GlossaryTerm, Module, Question):
                field.queryset = queryset.filter(course_id=course_id)
            elif model is Node and name != "next_node":
                field.queryset = queryset.filter(simulation__course_id=course_id)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), **self.problems_context(request, object_id)}
        if self.preview:
            extra_context["preview_url"] = reverse("markdown_preview", args=[self.preview[1]])
            obj = self.get_object(request, object_id) if object_id else None
            course_id = course_id_of(obj) if obj is not None else None
            if course_id is not None:  # the [[term]] helper: the course's glossary terms, to link to
                extra_context["glossary_terms"] = (
                    GlossaryTerm.objects.active().filter(course_id=course_id).in_order()
                )
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Rejected as exc:
            # The admin's transaction has rolled back; render the same POST again, now with the problems.
            request._curriculum_findings = exc.findings
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_changeform_initial_data(self, request):
        """Draft first: new content starts as a draft (learners do not see it; problems are tolerated)."""
        initial = super().get_changeform_initial_data(request)
        if any(f.name == "status" for f in self.model._meta.fields):
            initial.setdefault("status", Status.DRAFT)
        return initial

    def problems_context(self, request, object_id) -> dict[str, Any]:
        """The object's problems (the loader's errors, the strict linter's warnings, about it or anything it
        contains) for its change page, with the course's readiness page."""
        from training.readiness import object_problems

        if object_id is None or request.method != "GET":
            return {}
        obj = self.get_object(request, object_id)
        course_id = course_id_of(obj) if obj is not None else None
        if obj is None or course_id is None:
            return {}
        course = Course.objects.get(pk=course_id)
        context: dict[str, Any] = {
            "object_problems": object_problems(obj, course),
            "readiness_url": reverse("instructor_readiness", args=[course.slug]),
        }
        simulation = obj if isinstance(obj, Simulation) else obj.simulation if isinstance(obj, Node) else None
        if simulation is not None:
            context["graph_url"] = reverse("simulation_graph", args=[simulation.slug])
        page = (
            obj
            if isinstance(obj, (Lesson, Quiz))
            else (obj.quiz or obj.lesson)
            if isinstance(obj, Question)
            else None
        )
        if page is not None:  # drafts included, as a learner will see the page (training.views.authoring)
            name = "instructor_lesson_preview" if isinstance(page, Lesson) else "instructor_quiz_preview"
            context["learner_preview_url"] = reverse(name, args=[page.slug])
        return context

    def save_model(self, request, obj, form, change):
        if change:
            _before(request, course_id_of(type(obj).objects.get(pk=obj.pk)))
        _before(request, course_id_of(obj))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _after(request, {course_id_of(form.instance)})

    def delete_model(self, request, obj):
        course_id = course_id_of(obj)
        _before(request, course_id)
        super().delete_model(request, obj)
        _after(request, {course_id})

    def delete_queryset(self, request, queryset):
        course_ids = {course_id_of(obj) for obj in queryset}
        for course_id in course_ids:
            _before(request, course_id)
        super().delete_queryset(request, queryset)
        bump_course_content(course_ids)  # in case the delete took a fast path that sends no signals
        _after(request, course_ids)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except Rejected as exc:
            self.report(request, exc.findings, "Not deleted")
            return HttpResponseRedirect(request.path)

    def get_changelist_form(self, request, **kwargs):
        # The list's editable cells (positions) are labelled for screen readers by their column and row.
        return type("LabelledRowForm", (LabelledRowForm, super().get_changelist_form(request, **kwargs)), {})

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except Rejected as exc:
            self.report(request, exc.findings, "Not saved")
            return HttpResponseRedirect(request.get_full_path())

    def report(self, request, findings: list[Finding], what: str) -> None:
        self.message_user(
            request,
            f"{what}: the curriculum validator found {len(findings)} problem(s) this change would cause.",
            messages.ERROR,
        )
        for finding in findings:
            self.message_user(request, finding.text, messages.ERROR)

    # Bulk actions (each one validated like a save).

    def _bulk(self, request, queryset, values: dict[str, Any], done: str) -> None:
        try:
            with transaction.atomic():
                course_ids = {course_id_of(obj) for obj in queryset}
                for course_id in course_ids:
                    _before(request, course_id)
                count = queryset.update(**values, updated_at=timezone.now())
                # update() sends no signals: the learner pages' caches learn of the change from the version.
                bump_course_content(course_ids)
                _after(request, course_ids)
        except Rejected as exc:
            self.report(request, exc.findings, "Nothing changed")
            return
        self.message_user(request, f"{count} {done}.", messages.SUCCESS)

    @admin.action(description="Publish selected (learners see them)", permissions=["change"])
    def publish(self, request, queryset):
        self._bulk(request, queryset, {"status": Status.PUBLISHED, "archived": False}, "published")

    @admin.action(description="Make selected draft (hidden from learners)", permissions=["change"])
    def make_draft(self, request, queryset):
        self._bulk(request, queryset, {"status": Status.DRAFT}, "made draft")

    @admin.action(description="Archive selected (kept for learner history)", permissions=["change"])
    def archive(self, request, queryset):
        self._bulk(request, queryset, {"status": Status.DRAFT, "archived": True}, "archived")

    @admin.action(description="Restore selected from the archive (as drafts)", permissions=["change"])
    def restore(self, request, queryset):
        self._bulk(request, queryset, {"archived": False}, "restored")

    actions = ["publish", "make_draft", "archive", "restore"]
