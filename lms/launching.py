"""What a validated launch does: sign the LMS user in as their linked account, record the placement (which page
the link opens and its gradebook line item), and say where to land."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from lti_tool.lti_core.constants import AgsScope
from lti_tool.models import Key, LtiLaunch

from lms import catalogue, sessions
from lms.accounts import account_for
from lms.models import Placement, PlacementLearner

RESOURCE_PARAMETER = "resource"  # the custom parameter naming what a link opens: "quiz:slug"


def ensure_key() -> Key:
    """The tool's active signing key, generated on first need when there is none (`manage.py lti_keys`
    generates or imports one ahead of time; `manage.py rotate_keys` rotates)."""
    with transaction.atomic():
        key = Key.objects.active().order_by("-datetime_created").first()
        return key if key is not None else Key.objects.generate()


def sign_in(request: HttpRequest, launch: LtiLaunch, *, return_to: str) -> None:
    user = account_for(launch.user)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    sessions.remember(request, launch, return_to=return_to)


def placement_for(launch: LtiLaunch) -> Placement | None:
    """The placement of a resource link launch, created or updated from its `resource` custom parameter and its
    AGS claim; None when neither the launch nor an earlier one named something we have."""
    link = launch.resource_link
    named = catalogue.parse(launch.get_custom_claim(RESOURCE_PARAMETER) or "")
    item = catalogue.find(*named) if named else None
    ags = launch.ags_claim or {}
    scopes = ags.get("scope") or []
    values = {
        "lineitem_url": str(ags.get("lineitem") or "")[:500],
        "can_publish_scores": AgsScope.PUBLISH_SCORES.value in scopes,
    }
    if item is not None:
        placement, _ = Placement.objects.update_or_create(
            resource_link=link, defaults={"kind": item.kind, "slug": item.slug, **values}
        )
        return placement
    existing = Placement.objects.filter(resource_link=link).first()
    if existing is not None:
        Placement.objects.filter(pk=existing.pk).update(**values)
    return existing


def land(request: HttpRequest, launch: LtiLaunch) -> str:
    """Handle a resource link launch; the URL to send the browser to."""
    placement = placement_for(launch)
    if placement is None or catalogue.find(placement.kind, placement.slug) is None:
        target = reverse("home")
    elif sessions.teaches(launch):
        target = reverse("lms:course")
    else:
        target = catalogue.page_url(placement.kind, placement.slug)
    sign_in(request, launch, return_to=target)
    if placement is not None and placement.grades and not sessions.teaches(launch):
        PlacementLearner.objects.get_or_create(placement=placement, lti_user=launch.user)
    return target


def tool_urls(request: HttpRequest | None = None) -> dict[str, str]:
    """The URLs an LMS administrator enters (docs/integrations.md), absolute when a request or
    LTI_TOOL_BASE_URL gives the host."""
    base = getattr(settings, "LTI_TOOL_BASE_URL", "") or (
        f"{request.scheme}://{request.get_host()}" if request is not None else ""
    )
    return {
        "launch": base + reverse("lms:launch"),
        "deep_linking": base + reverse("lms:launch"),
        "jwks": base + reverse("lms:jwks"),
        "login": base
        + reverse("lms:login", args=["00000000-0000-0000-0000-000000000000"]).replace(
            "00000000-0000-0000-0000-000000000000/", "<registration uuid>/"
        ),
    }
