"""Admin: platform registrations (django-lti's LtiRegistration with its deployments, plus the frame origins and
the tool's URLs to give the LMS), placements, the score outbox and roster-filled cohorts."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from lti_tool.admin import LtiRegistrationAdmin
from lti_tool.models import LtiRegistration

from lms.launching import tool_urls
from lms.models import CohortLink, FrameOrigins, Placement, ScoreOutbox


class FrameOriginsInline(admin.StackedInline):
    model = FrameOrigins
    can_delete = False
    extra = 0
    max_num = 1


admin.site.unregister(LtiRegistration)


@admin.register(LtiRegistration)
class RegistrationAdmin(LtiRegistrationAdmin):
    """django-lti's registration form (issuer, client id, the platform's auth, token and JWKS URLs, deployments
    to activate) with the URLs the LMS administrator enters on their side."""

    readonly_fields = ["tool_configuration"]
    inlines = [*LtiRegistrationAdmin.inlines, FrameOriginsInline]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        return [("Give these to the LMS", {"fields": ["tool_configuration"]}), *fieldsets]

    @admin.display(description="Tool URLs")
    def tool_configuration(self, obj: LtiRegistration | None) -> str:
        urls = tool_urls(getattr(self, "_request", None))
        login = (
            urls["login"].replace("<registration uuid>", str(obj.uuid))
            if obj and obj.pk
            else "shown once the registration is saved"
        )
        rows = [
            ("OIDC login initiation URL", login),
            ("Target link / redirect URI (launch)", urls["launch"]),
            ("Deep Linking URL", urls["deep_linking"]),
            ("Public keyset (JWKS) URL", urls["jwks"]),
        ]
        return format_html("<dl>{}</dl>", format_html_join("", "<dt>{}</dt><dd><code>{}</code></dd>", rows))

    def get_form(self, request, obj=None, change=False, **kwargs):
        self._request = request
        return super().get_form(request, obj, change, **kwargs)


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin):
    list_display = ["resource_link", "kind", "slug", "lineitem_url", "can_publish_scores", "updated_at"]
    list_filter = ["kind", "can_publish_scores"]
    search_fields = ["slug", "resource_link__title", "resource_link__id_on_platform"]
    readonly_fields = ["resource_link", "lineitem_url", "can_publish_scores", "created_at", "updated_at"]


@admin.register(ScoreOutbox)
class ScoreOutboxAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "what",
        "lti_user",
        "score_given",
        "score_maximum",
        "status",
        "tries",
        "next_try_at",
        "sent_at",
    ]
    list_filter = ["status"]
    readonly_fields = [field.name for field in ScoreOutbox._meta.fields]
    actions = ["retry_now"]

    @admin.display(description="score of")
    def what(self, row: ScoreOutbox) -> str:
        return f"attempt {row.attempt_id}" if row.attempt_id else f"course {row.course_id}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Send again at the next worker run (refused or waiting rows)")
    def retry_now(self, request: HttpRequest, queryset: QuerySet[ScoreOutbox]) -> None:
        count = queryset.exclude(status=ScoreOutbox.Status.SENT).update(
            status=ScoreOutbox.Status.PENDING, next_try_at=timezone.now()
        )
        self.message_user(
            request, f"{count} score(s) will be sent at the next run of send_lti_scores.", messages.SUCCESS
        )


@admin.register(CohortLink)
class CohortLinkAdmin(admin.ModelAdmin):
    list_display = ["context", "cohort_link", "synced_at", "synced_by"]
    readonly_fields = ["context", "cohort", "synced_at", "synced_by"]

    @admin.display(description="cohort")
    def cohort_link(self, link: CohortLink) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("instructor_cohort", args=[link.cohort_id]), link.cohort
        )
