"""Deep Linking (LTI-DL 2.0): the signed content items returned to the platform for the instructor's picks.

Each item is an `ltiResourceLink` to our launch URL with the custom parameter `resource=kind:slug`; a quiz or a
course also asks the platform for a gradebook line item (score maximum 100, resourceId `kind:slug`) when the
platform's AGS claim lets the tool post scores. The JWT is signed with the tool's active key (pylti1p3).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from lti_tool.models import LtiLaunch
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from lms.catalogue import Item
from lms.launching import RESOURCE_PARAMETER
from lms.models import origin_of

__all__ = ["origin_of", "response_jwt", "settings_of"]

SCORE_MAXIMUM = 100

DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


def settings_of(launch: LtiLaunch) -> dict:
    return launch.get_claim(DEEP_LINKING_SETTINGS) or {}


def resource_for(request: HttpRequest, item: Item) -> DeepLinkResource:
    resource = (
        DeepLinkResource()
        .set_url(request.build_absolute_uri(reverse("lms:launch")))
        .set_title(item.title)
        .set_custom_params({RESOURCE_PARAMETER: item.key})
    )
    if item.gradable:
        resource.set_lineitem(
            LineItem().set_score_maximum(SCORE_MAXIMUM).set_label(item.title).set_resource_id(item.key)
        )
    return resource


def response_jwt(request: HttpRequest, launch: LtiLaunch, items: list[Item]) -> str:
    deep_link = launch.get_message_launch().get_deep_link()
    return deep_link.get_response_jwt([resource_for(request, item) for item in items])
