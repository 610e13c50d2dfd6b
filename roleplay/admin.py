"""Role-play scenarios in the admin, edited like the rest of the curriculum: every save is checked by the
curriculum loader's validator (training/admin/validation.py ContentAdmin), so what `load_curriculum` would reject
cannot be saved. Sessions are run from the facilitator console, not here."""

from __future__ import annotations

from django.contrib import admin

from roleplay.models import DebriefQuestion, Inject, Issue, IssueOption, Phase, Role, RolePlay
from training.admin.content import state
from training.admin.validation import ContentAdmin, ValidatedInline


class RoleInline(ValidatedInline, admin.StackedInline):
    model = Role
    fields = [
        "position",
        "slug",
        "title",
        "portrait",
        "side",
        "optional",
        "walk_away",
        "public_brief",
        "confidential_brief",
        "objectives",
    ]


class IssueInline(ValidatedInline, admin.TabularInline):
    model = Issue
    fields = ["position", "slug", "title", "description"]
    show_change_link = True


class PhaseInline(ValidatedInline, admin.TabularInline):
    model = Phase
    fields = ["position", "slug", "title", "kind", "minutes", "instructions"]


class InjectInline(ValidatedInline, admin.TabularInline):
    model = Inject
    fields = ["position", "slug", "title", "text", "to", "phase"]


class DebriefQuestionInline(ValidatedInline, admin.TabularInline):
    model = DebriefQuestion
    fields = ["position", "slug", "prompt"]


class OptionInline(ValidatedInline, admin.TabularInline):
    model = IssueOption
    fields = ["position", "key", "text", "points"]


@admin.register(RolePlay)
class RolePlayAdmin(ContentAdmin):
    list_display = ["title", "slug", "module", "position", state]
    list_display_links = ["title"]
    list_editable = ["position"]
    list_filter = ["course", "module", "status", "archived"]
    search_fields = ["title", "slug", "summary", "background"]
    fields = [
        "course",
        "module",
        "title",
        "slug",
        "position",
        "status",
        "summary",
        "minutes",
        "background",
        "objectives",
        "references",
        "debrief_guide",
    ]
    inlines = [RoleInline, IssueInline, PhaseInline, InjectInline, DebriefQuestionInline]


@admin.register(Issue)
class IssueAdmin(ContentAdmin):
    list_display = ["title", "slug", "roleplay", "position", state]
    list_filter = ["roleplay"]
    search_fields = ["title", "slug"]
    fields = ["roleplay", "title", "slug", "position", "status", "description"]
    inlines = [OptionInline]
