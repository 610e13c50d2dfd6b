"""Learner data in the admin: visible to instructors, editable by nobody."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse

from training.models import (
    Certificate,
    CheckAnswer,
    Cohort,
    CohortMembership,
    LessonProgress,
    QuizAttempt,
    Response,
    ReviewCard,
    ReviewLog,
    SimulationRun,
    SimulationStep,
)


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
