"""Learner data in the admin: visible to instructors, editable by nobody.

An instructor sees only the rows of the learners of the cohorts they teach, and only those cohorts: every
admin here filters its queryset through the rule in training/permissions.py (`learner_rows_for`,
`cohorts_taught_by`), the same one the instructor area uses. The changelist, the change page and the
history page all read `get_queryset`, so another cohort's row is not listed and its URL gets Django's
"doesn't exist" redirect to the admin index. A superuser sees everything.

Users and groups (django.contrib.auth's admins) need `view_user`/`view_group`, which the Instructors group
does not have (migrations 0003 and 0005 grant only training permissions): they stay with superusers.
"""

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
from training.permissions import cohorts_taught_by, learner_rows_for


class ReadOnly:
    """History is written by learners' own actions only; the admin shows it and changes nothing."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    pass


class LearnerDataAdmin(ReadOnlyAdmin):
    """Rows of one learner each, reached from a row by the lookup path `learner`."""

    learner = "user"

    def get_queryset(self, request):
        return learner_rows_for(request.user, super().get_queryset(request), learner=self.learner)


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False


class ResponseInline(ReadOnlyInline):
    model = Response
    fields = ["question", "score", "correct", "answered_at"]


class StepInline(ReadOnlyInline):
    model = SimulationStep
    fields = ["number", "node", "option", "created_at"]


@admin.register(LessonProgress)
class LessonProgressAdmin(LearnerDataAdmin):
    list_display = ["user", "lesson", "viewed_at", "completed_at"]
    list_filter = ["lesson__module"]
    search_fields = ["user__username", "lesson__title"]
    list_select_related = ["user", "lesson"]


@admin.register(CheckAnswer)
class CheckAnswerAdmin(LearnerDataAdmin):
    list_display = ["user", "question", "correct", "answered_at"]
    search_fields = ["user__username", "question__slug"]
    list_select_related = ["user", "question"]


@admin.register(QuizAttempt)
class QuizAttemptAdmin(LearnerDataAdmin):
    list_display = ["user", "quiz", "number", "started_at", "submitted_at", "percent", "passed"]
    list_filter = ["quiz", "passed"]
    search_fields = ["user__username", "quiz__title"]
    list_select_related = ["user", "quiz"]
    inlines = [ResponseInline]


@admin.register(Response)
class ResponseAdmin(LearnerDataAdmin):
    learner = "attempt__user"
    list_display = ["attempt", "question", "score", "correct", "answered_at"]
    list_filter = ["correct", "attempt__quiz"]
    search_fields = ["attempt__user__username", "question__slug"]
    list_select_related = ["attempt__user", "attempt__quiz", "question"]


@admin.register(SimulationRun)
class SimulationRunAdmin(LearnerDataAdmin):
    list_display = ["user", "simulation", "started_at", "finished_at", "ending"]
    list_filter = ["simulation"]
    search_fields = ["user__username"]
    list_select_related = ["user", "simulation", "ending"]
    inlines = [StepInline]


@admin.register(SimulationStep)
class SimulationStepAdmin(LearnerDataAdmin):
    learner = "run__user"
    list_display = ["run", "number", "node", "option", "created_at"]
    list_select_related = ["run__user", "run__simulation", "node", "option"]


@admin.register(ReviewCard)
class ReviewCardAdmin(LearnerDataAdmin):
    list_display = ["user", "question", "due", "created_at"]
    search_fields = ["user__username", "question__slug"]
    list_select_related = ["user", "question"]


@admin.register(ReviewLog)
class ReviewLogAdmin(LearnerDataAdmin):
    learner = "card__user"
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

    def get_queryset(self, request):
        # Only the cohorts the instructor teaches: the others' join codes would let anyone in.
        return super().get_queryset(request).filter(pk__in=cohorts_taught_by(request.user).values("pk"))

    def view_on_site(self, obj):
        return reverse("instructor_cohort", args=[obj.pk])


@admin.register(CohortMembership)
class CohortMembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "cohort", "joined_at"]
    # Only the cohorts listed: the plain filter would name every cohort.
    list_filter = [("cohort", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "cohort__name"]

    def get_queryset(self, request):
        # The memberships of the cohorts taught, not every cohort of their learners (that would name others).
        return super().get_queryset(request).filter(cohort__in=cohorts_taught_by(request.user).values("pk"))


@admin.register(Certificate)
class CertificateAdmin(LearnerDataAdmin):
    list_display = ["name", "user", "course", "code", "issued_at"]
    search_fields = ["name", "user__username", "code"]
