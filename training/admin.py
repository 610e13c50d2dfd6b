"""The Django admin: instructors edit the curriculum here; learner data is visible, never editable.

Every content edit (form, inline, list edit, action, delete) is checked by the curriculum loader's validator
(see admin_validation.py): what `load_curriculum` would reject cannot be saved, and the reasons are shown on
the form. Courses come in through the YAML import page (and go out through "Export YAML").
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from training import admin_import
from training.admin_validation import Finding, course_findings, course_id_of, identity, new_findings
from training.curriculum.exporter import export_course
from training.models import (
    Category,
    Certificate,
    CheckAnswer,
    Choice,
    Citation,
    Cohort,
    CohortMembership,
    Course,
    GlossaryTerm,
    LearningObjective,
    Lesson,
    LessonProgress,
    Meter,
    Module,
    Node,
    Option,
    Question,
    Quiz,
    QuizAttempt,
    Reference,
    Response,
    ReviewCard,
    ReviewLog,
    Simulation,
    SimulationRun,
    SimulationStep,
    Source,
    SourceSection,
    Status,
    Track,
)

admin.site.site_header = "Diplomacy Tracks administration"
admin.site.site_title = "Diplomacy Tracks admin"
admin.site.index_title = "Curriculum and learners"

SMALL_TEXT = {
    models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 48})},
    models.URLField: {"assume_scheme": "https"},
}


class Rejected(Exception):
    """The edit would make the curriculum invalid; the transaction it ran in must roll back."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("; ".join(str(f) for f in findings))


# Validation shared by every content admin ------------------------------------------------------------------


def _before(request: HttpRequest, course_id: int | None) -> None:
    """Remember the course's problems before this request changes anything (once per course)."""
    if course_id is None:
        return
    cache = request.__dict__.setdefault("_curriculum_before", {})
    if course_id not in cache:
        cache[course_id] = course_findings(course_id)


def _after(request: HttpRequest, course_ids) -> None:
    """Raise Rejected if the courses now have problems they did not have before."""
    cache = request.__dict__.get("_curriculum_before", {})
    found: list[Finding] = []
    for course_id in course_ids:
        if course_id is not None:
            found += new_findings(cache.get(course_id, []), course_findings(course_id))
    if found:
        raise Rejected(found)


def _findings(request: HttpRequest) -> list[Finding]:
    return getattr(request, "_curriculum_findings", [])


class ValidatedInline:
    """An inline whose rows show the validator's problems about them (on the second, re-rendering pass)."""

    formfield_overrides = SMALL_TEXT
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset_class = super().get_formset(request, obj, **kwargs)
        kind = {Choice: "choice", Category: "category", Meter: "meter", Node: "node", Option: "option"}.get(
            self.model
        )
        mine = [f for f in _findings(request) if kind and f.kind == kind]
        if not mine:
            return formset_class

        class CheckedFormSet(formset_class):
            def clean(self):
                super().clean()
                left = list(mine)
                for form in self.forms:
                    if not hasattr(form, "cleaned_data") or (
                        self.can_delete and self._should_delete_form(form)
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

        return CheckedFormSet


class ContentAdmin(admin.ModelAdmin):
    """Base of every content admin: loader-validated saves, deletes and bulk edits; readable columns."""

    formfield_overrides = SMALL_TEXT
    save_on_top = True
    # Each inline kind this admin shows claims the problems about its rows; the main form takes the rest.
    inline_kinds: tuple[str, ...] = ()

    # The form: the second pass shows the problems of a rejected save.

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        self.limit_choices(form_class, obj)
        findings = [f for f in _findings(request) if f.kind not in self.inline_kinds]
        if not _findings(request):
            return form_class

        class CheckedForm(form_class):
            def _post_clean(self):
                super()._post_clean()
                own = identity(self.instance)
                count = len(_findings(request))
                self.add_error(
                    None,
                    f"Not saved: the curriculum validator (the same one as load_curriculum) found "
                    f"{count} problem{'s' if count != 1 else ''} this change would cause.",
                )
                for finding in findings:
                    if finding.identity == own and finding.field in self.fields:
                        self.add_error(finding.field, finding.message)
                    else:
                        self.add_error(None, finding.text)

        return CheckedForm

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
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Rejected as exc:
            # The admin's transaction has rolled back; render the same POST again, now with the problems.
            request._curriculum_findings = exc.findings
            return super().changeform_view(request, object_id, form_url, extra_context)

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
        _after(request, course_ids)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except Rejected as exc:
            self.report(request, exc.findings, "Not deleted")
            return HttpResponseRedirect(request.path)

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


def _state(obj) -> str:
    if obj.archived:
        return "Archived"
    return obj.get_status_display()


@admin.display(description="State", ordering="status")
def state(obj) -> str:
    return _state(obj)


# Forms: database constraints explained in the loader's words (checked before the constraint is) ------------


class MeterForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        low, high, start = data.get("min"), data.get("max"), data.get("start")
        if None not in (low, high, start):
            if not low < high:
                self.add_error("max", f"`min` ({low}) must be below `max` ({high})")
            elif not low <= start <= high:
                self.add_error("start", f"`start` ({start}) must be between min ({low}) and max ({high})")
        return data


class QuizForm(forms.ModelForm):
    def clean_pass_mark(self):
        value = self.cleaned_data["pass_mark"]
        if value is not None and value > 100:
            raise ValidationError("The pass mark is a percentage: 0 to 100.", code="pass_mark")
        return value


class QuestionForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        if "quiz" in self.fields and bool(data.get("quiz")) == bool(data.get("lesson")):
            raise ValidationError(
                "Choose either a quiz, or a lesson for a knowledge check (exactly one of them).",
                code="parent",
            )
        return data


class CitationForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        by_source = data.get("section") is not None or data.get("paragraph") is not None
        if by_source == (data.get("reference") is not None) or (
            by_source and (data.get("section") is None or data.get("paragraph") is None)
        ):
            raise ValidationError(
                "A citation points either to a source section with a paragraph number, or to a reference "
                "(with an optional locator).",
                code="citation_form",
            )
        return data


# Inlines ----------------------------------------------------------------------------------------------------


class ObjectiveInline(ValidatedInline, admin.TabularInline):
    model = LearningObjective
    fields = ["position", "slug", "text", "archived"]
    readonly_fields = ["archived"]


class LessonInline(ValidatedInline, admin.TabularInline):
    model = Lesson
    fields = ["position", "title", "slug", "minutes", "status", "archived"]
    readonly_fields = ["title", "slug", "minutes", "status", "archived"]
    show_change_link = True
    can_delete = False
    verbose_name_plural = "lessons (edit a lesson on its own page; change the order here)"

    def has_add_permission(self, request, obj=None):
        return False


class QuizInline(LessonInline):
    model = Quiz
    fields = ["position", "title", "slug", "mode", "status", "archived"]
    readonly_fields = ["title", "slug", "mode", "status", "archived"]
    verbose_name_plural = "quizzes (edit a quiz on its own page; change the order here)"


class QuestionInline(LessonInline):
    model = Question
    fk_name = "quiz"
    fields = ["position", "prompt", "slug", "kind", "status", "archived"]
    readonly_fields = ["prompt", "slug", "kind", "status", "archived"]
    verbose_name_plural = "questions (edit a question and its choices on its own page; change the order here)"


class CheckInline(QuestionInline):
    fk_name = "lesson"
    verbose_name_plural = "knowledge checks (edit on the question's own page)"


class CategoryInline(ValidatedInline, admin.TabularInline):
    model = Category
    fields = ["position", "key", "label"]
    extra = 0


class ChoiceInline(ValidatedInline, admin.StackedInline):
    model = Choice
    fields = [
        ("position", "key", "archived"),
        "text",
        ("correct", "correct_position", "category"),
        "feedback",
    ]
    readonly_fields = ["archived"]
    extra = 1

    def get_formset(self, request, obj=None, **kwargs):
        formset_class = super().get_formset(request, obj, **kwargs)
        field = formset_class.form.base_fields.get("category")
        if field is not None:
            field.queryset = Category.objects.filter(question=obj) if obj else Category.objects.none()
        return formset_class


class CitationInline(ValidatedInline, admin.TabularInline):
    model = Citation
    form = CitationForm
    fields = ["position", "section", "paragraph", "reference", "locator"]
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset_class = super().get_formset(request, obj, **kwargs)
        course_id = course_id_of(obj) if obj is not None else None
        if course_id is not None:
            base = formset_class.form.base_fields
            base["section"].queryset = SourceSection.objects.filter(source__course_id=course_id)
            base["reference"].queryset = Reference.objects.filter(course_id=course_id)
        return formset_class


class MeterInline(ValidatedInline, admin.TabularInline):
    model = Meter
    form = MeterForm
    fields = ["position", "key", "label", "min", "max", "start"]


class NodeInline(ValidatedInline, admin.TabularInline):
    model = Node
    fields = ["position", "key", "title", "is_ending", "outcome", "archived"]
    readonly_fields = ["archived"]
    show_change_link = True
    verbose_name_plural = "nodes (open a node to edit its situation, debrief and options)"


class OptionInline(ValidatedInline, admin.StackedInline):
    model = Option
    fk_name = "node"
    fields = [
        ("position", "key", "recommended", "archived"),
        "text",
        ("next_node", "effects"),
        ("guard", "unavailable", "reason"),
        "feedback",
    ]
    readonly_fields = ["archived"]
    extra = 1

    def get_formset(self, request, obj=None, **kwargs):
        formset_class = super().get_formset(request, obj, **kwargs)
        field = formset_class.form.base_fields.get("next_node")
        if field is not None and obj is not None:
            field.queryset = Node.objects.filter(simulation_id=obj.simulation_id)
        return formset_class


class SectionInline(ValidatedInline, admin.TabularInline):
    model = SourceSection
    fields = ["position", "heading", "paragraphs"]


# Content admins ---------------------------------------------------------------------------------------------


@admin.register(Course)
class CourseAdmin(ContentAdmin):
    list_display = ["title", "slug", state, "final_quiz", "export_link"]
    list_filter = ["status", "archived"]
    search_fields = ["title", "slug"]
    readonly_fields = ["slug"]
    fields = ["title", "slug", "status", "summary", "final_quiz"]
    change_list_template = "admin/training/course/change_list.html"
    change_form_template = "admin/training/course/change_form.html"

    def changelist_view(self, request, extra_context=None):
        can_import = self.has_change_permission(request) and request.user.has_perm("training.add_course")
        return super().changelist_view(request, {**(extra_context or {}), "can_import": can_import})

    def has_add_permission(self, request):
        # A new course comes from its YAML (the import page): a course without modules is not valid.
        return False

    def view_on_site(self, obj):
        return reverse("home")

    @admin.display(description="YAML")
    def export_link(self, obj):
        url = reverse("admin:training_course_export", args=[obj.pk])
        return format_html(
            '<a href="{}">Export YAML<span class="visually-hidden"> of {}</span></a>', url, obj
        )

    def get_urls(self):
        urls = [
            path("import/", self.admin_site.admin_view(self.import_view), name="training_course_import"),
            path(
                "<int:pk>/export/",
                self.admin_site.admin_view(self.export_view),
                name="training_course_export",
            ),
        ]
        return urls + super().get_urls()

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "GET":
            return HttpResponse(status=405)
        if not self.has_view_permission(request):
            raise PermissionDenied
        course = get_object_or_404(Course, pk=pk)
        response = HttpResponse(export_course(course), content_type="application/yaml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{course.slug}.yaml"'
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_change_permission(request) and request.user.has_perm("training.add_course")):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import curriculum YAML",
            "max_mb": admin_import.MAX_UPLOAD_BYTES // (1024 * 1024),
        }
        stored = request.session.get(IMPORT_SESSION_KEY)
        if request.method == "POST" and "confirm" in request.POST:
            if not stored or request.POST.get("token") != stored.get("token"):
                messages.error(request, "That import is no longer waiting: upload the file again.")
                return HttpResponseRedirect(reverse("admin:training_course_import"))
            outcome = admin_import.run(stored["files"], dry_run=False)
            del request.session[IMPORT_SESSION_KEY]
            if not outcome.ok:
                # The database changed between preview and confirm (for example another course took a slug).
                context.update(form=ImportForm(), problems=outcome.problems, files=list(stored["files"]))
                return TemplateResponse(request, "admin/training/course/import.html", context, status=400)
            for report in outcome.reports:
                messages.success(
                    request,
                    f"Loaded course {report.course}: {report.total('created')} created, "
                    f"{report.total('updated')} updated, {report.total('archived')} archived, "
                    f"{report.total('unchanged')} unchanged.",
                )
            return HttpResponseRedirect(reverse("admin:training_course_changelist"))
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                files = form.cleaned_data["files"]
                outcome = admin_import.run(files, dry_run=True)
                context.update(form=ImportForm(), files=list(files))
                if not outcome.ok:
                    request.session.pop(IMPORT_SESSION_KEY, None)
                    context["problems"] = outcome.problems
                    return TemplateResponse(request, "admin/training/course/import.html", context, status=400)
                token = admin_import.fingerprint(files)
                # The text waits in the server-side session: "confirm" loads exactly what was previewed.
                request.session[IMPORT_SESSION_KEY] = {"token": token, "files": files}
                context.update(reports=outcome.reports, token=token)
                return TemplateResponse(request, "admin/training/course/import.html", context)
            context["form"] = form
            return TemplateResponse(request, "admin/training/course/import.html", context, status=400)
        context["form"] = ImportForm()
        return TemplateResponse(request, "admin/training/course/import.html", context)


IMPORT_SESSION_KEY = "curriculum_import"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".yaml,.yml"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ImportForm(forms.Form):
    files = MultipleFileField(
        label="Curriculum file(s)",
        help_text="One course: a single .yaml file, or all the .yaml files of a course folder.",
    )

    def clean_files(self) -> dict[str, str]:
        uploads = self.cleaned_data["files"]
        if sum(upload.size for upload in uploads) > admin_import.MAX_UPLOAD_BYTES:
            raise ValidationError("The upload is too large (5 MB at most).", code="too_large")
        files: dict[str, str] = {}
        for upload in uploads:
            name = admin_import.safe_name(upload.name)
            if not upload.name.lower().endswith((".yaml", ".yml")):
                raise ValidationError(f"{upload.name}: choose .yaml files.", code="not_yaml")
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise ValidationError(
                    f"{upload.name}: the file is not UTF-8 text.", code="not_utf8"
                ) from None
            if name in files:
                raise ValidationError(f"{upload.name}: two files have the same name.", code="duplicate")
            files[name] = text
        return files


@admin.register(Track)
class TrackAdmin(ContentAdmin):
    list_display = ["name", "short_name", "slug", "position", state, "course"]
    list_display_links = ["name"]
    list_editable = ["position"]
    list_filter = ["course", "status", "archived"]
    search_fields = ["name", "slug", "summary"]
    inlines = [CitationInline]


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(ContentAdmin):
    list_display = ["term", "slug", "position", state, "course"]
    list_display_links = ["term"]
    list_editable = ["position"]
    list_filter = ["course", "status", "archived", "tracks"]
    search_fields = ["term", "slug", "definition"]


@admin.register(Source)
class SourceAdmin(ContentAdmin):
    list_display = ["title", "slug", "author", "course"]
    list_filter = ["course", "archived"]
    search_fields = ["title", "slug", "author"]
    inlines = [SectionInline]
    actions = ["archive", "restore"]


@admin.register(SourceSection)
class SourceSectionAdmin(ContentAdmin):
    list_display = ["heading", "source", "position", "paragraphs"]
    list_filter = ["source"]
    search_fields = ["heading"]
    actions = []


@admin.register(Reference)
class ReferenceAdmin(ContentAdmin):
    list_display = ["title", "slug", "author", "year", "course"]
    list_filter = ["course", "archived"]
    search_fields = ["title", "slug", "author", "publisher"]
    actions = ["archive", "restore"]


@admin.register(Module)
class ModuleAdmin(ContentAdmin):
    list_display = ["title", "slug", "position", state, "course"]
    list_display_links = ["title"]
    list_editable = ["position"]
    list_filter = ["course", "status", "archived"]
    search_fields = ["title", "slug", "summary"]
    inlines = [ObjectiveInline, LessonInline, QuizInline]
    inline_kinds = ("objective",)

    def view_on_site(self, obj):
        return reverse("home")


@admin.register(LearningObjective)
class LearningObjectiveAdmin(ContentAdmin):
    list_display = ["text", "slug", "module", "position"]
    list_filter = ["course", "module", "archived"]
    search_fields = ["text", "slug"]
    actions = ["archive", "restore"]


@admin.register(Lesson)
class LessonAdmin(ContentAdmin):
    list_display = ["title", "slug", "module", "position", "minutes", state]
    list_display_links = ["title"]
    list_editable = ["position"]
    list_filter = ["course", "module", "status", "archived", "tracks"]
    search_fields = ["title", "slug", "body"]
    fields = [
        "module",
        "title",
        "slug",
        "position",
        "status",
        "minutes",
        "body",
        "tracks",
        "objectives",
        "key_terms",
    ]
    inlines = [CheckInline, CitationInline]


@admin.register(Quiz)
class QuizAdmin(ContentAdmin):
    form = QuizForm
    list_display = ["title", "slug", "module", "position", "mode", "pass_mark", state]
    list_display_links = ["title"]
    list_editable = ["position"]
    list_filter = ["course", "module", "mode", "status", "archived"]
    search_fields = ["title", "slug"]
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(ContentAdmin):
    form = QuestionForm
    list_display = ["short_prompt", "slug", "kind", "where", "position", state]
    list_display_links = ["short_prompt"]
    list_editable = ["position"]
    list_filter = ["course", "kind", "status", "archived", "quiz", "tracks"]
    search_fields = ["slug", "prompt", "scenario"]
    fields = [
        ("quiz", "lesson"),
        ("slug", "kind"),
        ("position", "status"),
        "scenario",
        "prompt",
        "explanation",
        "tracks",
        "objectives",
    ]
    inlines = [CategoryInline, ChoiceInline, CitationInline]
    inline_kinds = ("category", "choice")
    list_select_related = ["quiz", "lesson"]

    @admin.display(description="Prompt", ordering="prompt")
    def short_prompt(self, obj) -> str:
        return Truncator(obj.prompt).chars(70)

    @admin.display(description="In")
    def where(self, obj) -> str:
        return f"Quiz: {obj.quiz}" if obj.quiz_id else f"Lesson check: {obj.lesson}"

    def view_on_site(self, obj):
        parent = obj.quiz or obj.lesson
        return parent.get_absolute_url() if parent else None


@admin.register(Category)
class CategoryAdmin(ContentAdmin):
    list_display = ["label", "key", "question", "position"]
    search_fields = ["label", "key", "question__slug"]
    actions = []


@admin.register(Choice)
class ChoiceAdmin(ContentAdmin):
    list_display = ["__str__", "question", "position", "correct", "correct_position", "category", "archived"]
    list_filter = ["correct", "archived", "question__quiz"]
    search_fields = ["text", "feedback", "question__slug"]
    list_select_related = ["question", "category"]
    actions = ["archive", "restore"]


@admin.register(Simulation)
class SimulationAdmin(ContentAdmin):
    list_display = ["title", "slug", "module", "position", state]
    list_display_links = ["title"]
    list_editable = ["position"]
    list_filter = ["course", "module", "status", "archived"]
    search_fields = ["title", "slug", "role", "situation"]
    fields = [
        "module",
        "title",
        "slug",
        "position",
        "status",
        "role",
        "situation",
        "start_node",
        "tracks",
        "objectives",
    ]
    inlines = [MeterInline, NodeInline]
    inline_kinds = ("meter", "node")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        field = form_class.base_fields.get("start_node")
        if field is not None:
            field.queryset = Node.objects.filter(simulation=obj) if obj else Node.objects.none()
        return form_class


@admin.register(Meter)
class MeterAdmin(ContentAdmin):
    form = MeterForm
    list_display = ["label", "key", "simulation", "min", "start", "max"]
    list_filter = ["simulation"]
    search_fields = ["label", "key"]
    actions = []


@admin.register(Node)
class NodeAdmin(ContentAdmin):
    list_display = ["title", "key", "simulation", "position", "is_ending", "outcome", "archived"]
    list_display_links = ["title"]
    list_editable = ["position"]
    list_filter = ["simulation", "is_ending", "outcome", "archived"]
    search_fields = ["title", "key", "situation"]
    fields = [
        "simulation",
        ("key", "position"),
        "title",
        "situation",
        ("is_ending", "outcome"),
        "debrief",
        "related_lessons",
    ]
    inlines = [OptionInline, CitationInline]
    inline_kinds = ("option",)
    actions = ["archive", "restore"]

    def view_on_site(self, obj):
        return obj.simulation.get_absolute_url()


@admin.register(Option)
class OptionAdmin(ContentAdmin):
    list_display = ["__str__", "node", "position", "next_node", "recommended", "archived"]
    list_filter = ["node__simulation", "recommended", "archived"]
    search_fields = ["text", "key"]
    list_select_related = ["node", "next_node"]
    actions = ["archive", "restore"]


@admin.register(Citation)
class CitationAdmin(ContentAdmin):
    form = CitationForm
    list_display = ["__str__", "owner_label", "position"]
    list_filter = ["course"]
    list_select_related = ["section", "reference", "lesson", "question", "node", "track"]
    actions = []

    @admin.display(description="Cited by")
    def owner_label(self, obj) -> str:
        return str(obj.owner)


# Learner data: visible to instructors, editable by nobody -------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is written by learners' own actions only; the admin shows it and changes nothing."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ResponseInline(ReadOnlyInline):
    model = Response
    fields = ["question", "score", "correct", "answered_at"]


class StepInline(ReadOnlyInline):
    model = SimulationStep
    fields = ["number", "node", "option", "created_at"]


@admin.register(LessonProgress)
class LessonProgressAdmin(ReadOnlyAdmin):
    list_display = ["user", "lesson", "viewed_at", "completed_at"]
    list_filter = ["lesson__module"]
    search_fields = ["user__username", "lesson__title"]
    list_select_related = ["user", "lesson"]


@admin.register(CheckAnswer)
class CheckAnswerAdmin(ReadOnlyAdmin):
    list_display = ["user", "question", "correct", "answered_at"]
    search_fields = ["user__username", "question__slug"]
    list_select_related = ["user", "question"]


@admin.register(QuizAttempt)
class QuizAttemptAdmin(ReadOnlyAdmin):
    list_display = ["user", "quiz", "number", "started_at", "submitted_at", "percent", "passed"]
    list_filter = ["quiz", "passed"]
    search_fields = ["user__username", "quiz__title"]
    list_select_related = ["user", "quiz"]
    inlines = [ResponseInline]


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ["attempt", "question", "score", "correct", "answered_at"]
    list_filter = ["correct", "attempt__quiz"]
    search_fields = ["attempt__user__username", "question__slug"]
    list_select_related = ["attempt__user", "attempt__quiz", "question"]


@admin.register(SimulationRun)
class SimulationRunAdmin(ReadOnlyAdmin):
    list_display = ["user", "simulation", "started_at", "finished_at", "ending"]
    list_filter = ["simulation"]
    search_fields = ["user__username"]
    list_select_related = ["user", "simulation", "ending"]
    inlines = [StepInline]


@admin.register(SimulationStep)
class SimulationStepAdmin(ReadOnlyAdmin):
    list_display = ["run", "number", "node", "option", "created_at"]
    list_select_related = ["run__user", "run__simulation", "node", "option"]


@admin.register(ReviewCard)
class ReviewCardAdmin(ReadOnlyAdmin):
    list_display = ["user", "question", "due", "created_at"]
    search_fields = ["user__username", "question__slug"]
    list_select_related = ["user", "question"]


@admin.register(ReviewLog)
class ReviewLogAdmin(ReadOnlyAdmin):
    list_display = ["card", "rating", "correct", "source", "reviewed_at"]
    list_filter = ["source", "correct"]
    list_select_related = ["card__user", "card__question"]


class MembershipInline(ReadOnlyInline):
    model = CohortMembership
    fields = ["user", "joined_at"]
    readonly_fields = ["joined_at"]


@admin.register(Cohort)
class CohortAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "course", "created_at"]
    search_fields = ["name", "code"]
    inlines = [MembershipInline]

    def view_on_site(self, obj):
        return reverse("instructor_cohort", args=[obj.pk])


@admin.register(CohortMembership)
class CohortMembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "cohort", "joined_at"]
    list_filter = ["cohort"]
    search_fields = ["user__username", "cohort__name"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "course", "code", "issued_at"]
    search_fields = ["name", "user__username", "code"]
