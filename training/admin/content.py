"""The curriculum in the admin: one admin per content model, with inlines for the rows edited in place.

Every save, delete, list edit and bulk action goes through `ContentAdmin` (validation.py): what
`load_curriculum` would reject cannot be saved. Courses come in through the YAML import page and go out
through "Export YAML" (yaml_io.py).
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.text import Truncator, slugify

from training.admin.forms import (
    CategoryForm,
    CategoryFormSet,
    ChoiceForm,
    ChoiceFormSet,
    CitationForm,
    MeterForm,
    PositionedFormSet,
    QuestionAdminForm,
    QuizForm,
)
from training.admin.validation import ContentAdmin, ValidatedInline, course_id_of
from training.admin.yaml_io import CourseYamlViews
from training.models import (
    Capstone,
    Case,
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


def _state(obj) -> str:
    if obj.archived:
        return "Archived"
    return obj.get_status_display()


@admin.display(description="State", ordering="status")
def state(obj) -> str:
    return _state(obj)


# Inlines ----------------------------------------------------------------------------------------------------


class ObjectiveInline(ValidatedInline, admin.TabularInline):
    model = LearningObjective
    formset = PositionedFormSet
    fields = ["position", "slug", "text", "archived"]
    readonly_fields = ["archived"]


class LessonInline(ValidatedInline, admin.TabularInline):
    model: type[Lesson | Quiz | Question] = Lesson  # the read-only row inlines below reuse it
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
    """A sort question's categories (saved before its choices, which name them by key)."""

    model = Category
    form = CategoryForm
    formset = CategoryFormSet
    fields = ["position", "key", "label"]
    extra = 0
    verbose_name_plural = "categories (sort questions only; keys are made from the labels when left empty)"


class ChoiceInline(ValidatedInline, admin.StackedInline):
    model = Choice
    form = ChoiceForm
    formset = ChoiceFormSet
    fields = [
        ("position", "key", "archived"),
        "text",
        ("correct", "correct_position", "category_key"),
        "feedback",
    ]
    readonly_fields = ["archived"]
    extra = 1

    def get_formset(self, request, obj=None, **kwargs):
        formset_class = super().get_formset(request, obj, **kwargs)
        form = type(
            "ChoiceForm", (formset_class.form,), {"known_categories": posted_categories(request, obj)}
        )
        return type("ChoiceFormSet", (formset_class,), {"form": form})


def posted_categories(request, question) -> dict[str, str]:
    """Key → label of the question's categories as this request leaves them: those saved, and those the
    posted category rows add or change (their keys made from labels as CategoryFormSet does)."""
    known = {c.key: c.label for c in Category.objects.filter(question=question)} if question else {}
    if request.method != "POST":
        return known
    prefix = "categories"
    try:
        total = int(request.POST.get(f"{prefix}-TOTAL_FORMS", 0))
    except ValueError:
        return known
    for index in range(min(total, 1000)):
        row = f"{prefix}-{index}-"
        label = request.POST.get(row + "label", "").strip()
        key = request.POST.get(row + "key", "").strip() or slugify(label)[:50]
        if request.POST.get(row + "DELETE"):
            known.pop(key, None)
        elif key:
            known[key] = label
    return known


class CitationInline(ValidatedInline, admin.TabularInline):
    model = Citation
    formset = PositionedFormSet
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
    formset = PositionedFormSet
    form = MeterForm
    fields = ["position", "key", "label", "min", "max", "start", "better"]


class NodeInline(ValidatedInline, admin.TabularInline):
    model = Node
    formset = PositionedFormSet
    fields = ["position", "key", "title", "is_ending", "outcome", "archived"]
    readonly_fields = ["archived"]
    show_change_link = True
    verbose_name_plural = "nodes (open a node to edit its situation, debrief and options)"


class OptionInline(ValidatedInline, admin.StackedInline):
    model = Option
    formset = PositionedFormSet
    fk_name = "node"
    fields = [
        ("position", "key", "recommended", "archived"),
        "text",
        ("next_node", "effects"),
        ("guard", "unavailable", "reason"),
        "feedback",
        ("sets", "clears"),
        ("follows", "breaks"),
        ("later", "branches"),
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
    formset = PositionedFormSet
    fields = ["position", "heading", "paragraphs"]


# Content admins ---------------------------------------------------------------------------------------------


@admin.register(Course)
class CourseAdmin(CourseYamlViews, ContentAdmin):
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
    preview = ("body", "lesson")
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
    list_filter = ["course", "module", "mode", "results", "status", "archived"]
    search_fields = ["title", "slug"]
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(ContentAdmin):
    preview = ("scenario", "question")
    form = QuestionAdminForm
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
        ("variant_of", "ties"),
        "hints",
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
        "portrait",
        "situation",
        "start_node",
        "tracks",
        "objectives",
        "flags",
        "principles",
        "events",
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
    preview = ("situation", "node")
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


@admin.register(Case)
class CaseAdmin(ContentAdmin):
    """A case library page (curriculum `cases:`): actors and documents are JSON lists, as in the YAML."""

    list_display = ["title", "slug", "period", state, "course"]
    list_filter = ["course", "status", "archived"]
    search_fields = ["title", "slug", "summary"]


@admin.register(Capstone)
class CapstoneAdmin(ContentAdmin):
    """A capstone and its rubric (curriculum `capstones:`): the rubric is a JSON list, as in the YAML."""

    list_display = ["title", "slug", "pass_mark", state, "course"]
    list_filter = ["course", "status", "archived"]
    search_fields = ["title", "slug"]
