"""An LTI 1.3 platform (an LMS's side) built on the `lti1p3platform` package, for testing our tool against an
implementation that is not ours.

What is lti1p3platform's code: the platform registration and RSA signing of every message
(`Registration`, `LTI1P3PlatformConfAbstract`), OIDC login initiation (`OIDCLoginAbstract` via its Django
adapter), the launch and deep-linking request messages with their LTI, AGS and NRPS claims
(`LTIAdvantageMessageLaunchAbstract` via `DjangoLTI1P3MessageLaunch`), the OAuth2 token endpoint that checks
the tool's client assertion against the tool's JWKS fetched over HTTP (`get_access_token`), the check of the
tool's Deep Linking response (`validate_deeplinking_resp`), and the AGS and NRPS service endpoints with their
bearer-token checks (`AssignmentsGradesService.handle_*`, `NamesRoleProvisioningService.handle_get_members`).

What is written here, because the library leaves it to the LMS: where state lives (in memory: line items,
scores received, the roster), the pages that start a launch (`/course`, `/launch`), a check that the tool's
redirect_uri is the registered launch URL, a check of the score body (the library's handler has a TODO), and
the test controls under `/_…`.

Configuration (environment): LTI_PLATFORM_ISSUER (this server's origin), LTI_PLATFORM_CLIENT_ID,
LTI_PLATFORM_DEPLOYMENT_ID, LTI_TOOL_LOGIN_URL, LTI_TOOL_LAUNCH_URL, LTI_TOOL_JWKS_URL.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import typing as t
from html import escape

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from lti1p3platform.exceptions import (
    LineItemNotFoundException,
    LtiException,
    LtiServiceException,
    PreflightRequestValidationException,
)
from lti1p3platform.framework.django.message_launch import DjangoLTI1P3MessageLaunch
from lti1p3platform.framework.django.oidc_login import DjangoAPIOIDCLogin
from lti1p3platform.framework.django.request import DjangoRequest
from lti1p3platform.framework.django.response import wrap_json_resp
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.registration import Registration
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService

ISSUER = os.environ.get("LTI_PLATFORM_ISSUER", "http://127.0.0.1:8850")
CLIENT_ID = os.environ.get("LTI_PLATFORM_CLIENT_ID", "diplomacy-tracks")
DEPLOYMENT_ID = os.environ.get("LTI_PLATFORM_DEPLOYMENT_ID", "deployment-1")
TOOL_LOGIN_URL = os.environ.get("LTI_TOOL_LOGIN_URL", "")
TOOL_LAUNCH_URL = os.environ.get("LTI_TOOL_LAUNCH_URL", "")
TOOL_JWKS_URL = os.environ.get("LTI_TOOL_JWKS_URL", "")

CONTEXT = Context(id="course-101", label="DIPL101", title="Diplomacy 101")
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"

_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_KEY = _key.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
PUBLIC_KEY = (
    _key.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)

_lock = threading.Lock()
STATE: dict[str, t.Any] = {
    "pending": {},  # lti_message_hint → the launch the course page asked for
    "lineitems": {},  # id → line item
    "scores": [],  # every score POST accepted: {"lineitem": id, **score}
    "score_posts": 0,  # every score POST that reached the endpoint with a valid token
    "content_items": [],  # Deep Linking responses accepted
    "roster": [],
    "fail_scores": 0,  # answer the next N score POSTs with 503
}


class Platform(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: t.Any) -> None:
        self._registration = self.get_registration_by_params()

    def get_registration_by_params(self, **kwargs: t.Any) -> Registration:
        return (
            Registration()
            .set_iss(ISSUER)
            .set_client_id(CLIENT_ID)
            .set_deployment_id(DEPLOYMENT_ID)
            .set_launch_url(TOOL_LAUNCH_URL)
            .set_deeplink_launch_url(TOOL_LAUNCH_URL)
            .set_oidc_login_url(TOOL_LOGIN_URL)
            .set_tool_key_set_url(TOOL_JWKS_URL)
            .set_platform_public_key(PUBLIC_KEY)
            .set_platform_private_key(PRIVATE_KEY)
        )


class Login(DjangoAPIOIDCLogin):
    def set_lti_message_hint(self, **kwargs: t.Any) -> None:
        hint = secrets.token_urlsafe(16)
        with _lock:
            STATE["pending"][hint] = kwargs
        self._lti_message_hint = hint


class Launch(DjangoLTI1P3MessageLaunch):
    def prepare_launch(self, preflight_response: dict[str, t.Any]) -> None:
        with _lock:
            wanted = STATE["pending"].get(preflight_response.get("lti_message_hint", ""))
        if wanted is None or preflight_response.get("login_hint") != wanted["user"]:
            raise LtiException("unknown launch")
        roles = [INSTRUCTOR] if wanted["role"] == "instructor" else [LEARNER]
        self.set_user_data(wanted["user"], roles, full_name=wanted.get("name") or None)
        self.set_launch_context_claim(
            CONTEXT.id,
            ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
            CONTEXT.title,
            CONTEXT.label,
        )
        self.set_nrps(f"{ISSUER}/memberships")
        if wanted["kind"] == "deeplink":
            self.set_dl(f"{ISSUER}/deep-link-return", title="Add content", accept_types={"ltiResourceLink"})
            self.set_ags(f"{ISSUER}/lineitems", None, allow_creating_lineitems=True)
            return
        self.set_resource_link_claim(wanted["link"], title=wanted.get("title") or None)
        self.set_launch_presentation_claim(document_target="iframe", return_url=f"{ISSUER}/course")
        if wanted.get("resource"):
            self.set_custom_parameters_claim({"resource": wanted["resource"]})
        item_id = _lineitem_for_link(wanted["link"], wanted.get("resource", ""))
        self.set_ags(f"{ISSUER}/lineitems", f"{ISSUER}/lineitems/{item_id}", allow_creating_lineitems=True)


def _lineitem_for_link(link: str, resource: str) -> str:
    with _lock:
        for item in STATE["lineitems"].values():
            if item.get("resourceLinkId") == link:
                return item["id"].rsplit("/", 1)[-1]
        item_id = str(len(STATE["lineitems"]) + 1)
        STATE["lineitems"][item_id] = {
            "id": f"{ISSUER}/lineitems/{item_id}",
            "scoreMaximum": 100,
            "label": resource or link,
            "resourceId": resource,
            "resourceLinkId": link,
        }
        return item_id


# ---- Pages that start launches -----------------------------------------------------------------------------------


def course_page(request: HttpRequest) -> HttpResponse:
    """The LMS's course page with the tool in an iframe (the launch happens inside it)."""
    query = request.GET.urlencode()
    return HttpResponse(
        "<!doctype html><html lang='en'><head><title>Diplomacy 101 · Test LMS</title></head><body>"
        "<h1>Diplomacy 101</h1>"
        f"<iframe id='tool' title='Diplomacy Tracks' src='/launch?{escape(query)}' "
        "width='1200' height='900' allow='clipboard-write'></iframe></body></html>"
    )


def launch(request: HttpRequest) -> HttpResponse:
    """Start a launch: ?user=…&role=learner|instructor&kind=resource|deeplink&link=…&resource=kind:slug."""
    wanted = {
        "user": request.GET.get("user", "learner-1"),
        "name": request.GET.get("name", ""),
        "role": request.GET.get("role", "learner"),
        "kind": request.GET.get("kind", "resource"),
        "link": request.GET.get("link", "link-1"),
        "resource": request.GET.get("resource", ""),
        "title": request.GET.get("title", ""),
    }
    login = Login(request, Platform())
    login.set_lti_message_hint(**wanted)
    return login.initiate_login(wanted["user"])


@csrf_exempt
def authorize(request: HttpRequest) -> HttpResponse:
    """OIDC authorisation endpoint: the tool sent the browser here; answer with the signed launch form."""
    params = request.POST if request.method == "POST" else request.GET
    if params.get("redirect_uri") != TOOL_LAUNCH_URL:
        return HttpResponseBadRequest("redirect_uri is not the tool's registered launch URL")
    try:
        return Launch(DjangoRequest(request), Platform()).lti_launch()
    except (LtiException, PreflightRequestValidationException, AssertionError) as error:
        return HttpResponseBadRequest(f"launch refused: {error!r}")


@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    try:
        return JsonResponse(Platform().get_access_token(request.POST.dict()))
    except (LtiException, AssertionError) as error:
        return JsonResponse({"error": "invalid_client", "error_description": repr(error)}, status=400)
    except Exception as error:  # PyJWT's errors: a bad signature or an expired assertion
        return JsonResponse({"error": "invalid_client", "error_description": repr(error)}, status=401)


def jwks(request: HttpRequest) -> JsonResponse:
    platform = Platform()
    return JsonResponse(platform.get_jwks())


@csrf_exempt
def deep_link_return(request: HttpRequest) -> HttpResponse:
    """The tool's Deep Linking response: lti1p3platform checks its signature (tool JWKS over HTTP), type and
    content item types; each accepted item with a lineItem gets a line item, as an LMS would create."""
    platform = Platform().set_accepted_deeplinking_types(["ltiResourceLink"])
    try:
        items = platform.validate_deeplinking_resp({"JWT": request.POST.get("JWT", "")})
    except Exception as error:
        return HttpResponseBadRequest(f"deep linking response refused: {error!r}")
    with _lock:
        STATE["content_items"].append(items)
    titles = "".join(f"<li>{escape(str(item.get('title')))}</li>" for item in items)
    return HttpResponse(
        "<!doctype html><html lang='en'><head><title>Content added · Test LMS</title></head><body>"
        f"<h1>Content added</h1><ul id='added'>{titles}</ul></body></html>"
    )


# ---- Assignment and Grade Services -------------------------------------------------------------------------------


class Gradebook(AssignmentsGradesService):
    def find_lineitems(
        self, page=1, limit=None, line_item_id=None, resource_link_id=None, resource_id=None, tag=None, **kw
    ):
        with _lock:
            items = [
                item
                for item in STATE["lineitems"].values()
                if (not resource_link_id or item.get("resourceLinkId") == resource_link_id)
                and (not resource_id or item.get("resourceId") == resource_id)
                and (not tag or item.get("tag") == tag)
            ]
        return {"content": items, "has_next": False, "next": None}

    def find_lineitem(self, line_item_id):
        with _lock:
            if line_item_id not in STATE["lineitems"]:
                raise LineItemNotFoundException()
            return STATE["lineitems"][line_item_id]

    def create_lineitem(self, creation_data):
        with _lock:
            item_id = str(len(STATE["lineitems"]) + 1)
            item = {**creation_data, "id": f"{ISSUER}/lineitems/{item_id}"}
            STATE["lineitems"][item_id] = item
            return item

    def update_lineitem(self, update_data):
        raise LineItemNotFoundException()

    def delete_lineitem(self, line_item_id):
        raise LineItemNotFoundException()

    def update_score(self, line_item_id, score):
        with _lock:
            if line_item_id not in STATE["lineitems"]:
                raise LineItemNotFoundException()
            STATE["score_posts"] += 1
            if STATE["fail_scores"] > 0:
                STATE["fail_scores"] -= 1
                raise LtiServiceException("gradebook unavailable", 503)
            required = {
                "userId",
                "scoreGiven",
                "scoreMaximum",
                "timestamp",
                "activityProgress",
                "gradingProgress",
            }
            if not isinstance(score, dict) or not required <= score.keys():
                raise LtiServiceException("score lacks required fields", 400)
            if not 0 <= float(score["scoreGiven"]) <= float(score["scoreMaximum"]):
                raise LtiServiceException("scoreGiven out of range", 400)
            STATE["scores"].append({"lineitem": line_item_id, **score})
        return UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id, page=1, limit=None, user_id=None):
        return {"content": [], "has_next": False, "next": None}


def _gradebook(request: HttpRequest, item_id: str | None = None) -> Gradebook:
    return Gradebook(
        DjangoRequest(request),
        Platform(),
        f"{ISSUER}/lineitems",
        f"{ISSUER}/lineitems/{item_id}" if item_id else None,
    )


@csrf_exempt
def lineitems(request: HttpRequest) -> HttpResponse:
    service = _gradebook(request)
    handler = service.handle_create_lineitem if request.method == "POST" else service.handle_get_lineitems
    return wrap_json_resp(service.handle_resp(handler))


@csrf_exempt
def lineitem(request: HttpRequest, item_id: str) -> HttpResponse:
    service = _gradebook(request, item_id)
    return wrap_json_resp(service.handle_resp(service.handle_get_lineitem, line_item_id=item_id))


@csrf_exempt
def scores(request: HttpRequest, item_id: str) -> HttpResponse:
    service = _gradebook(request, item_id)
    return wrap_json_resp(service.handle_resp(service.handle_update_score, line_item_id=item_id))


# ---- Names and Role Provisioning ---------------------------------------------------------------------------------


class Roster(NamesRoleProvisioningService):
    def get_member_data_page(self, page=1, limit=None, role=None, since=None, **kw):
        with _lock:
            members = list(STATE["roster"])
        return {"content": members, "has_next": False, "next": None}

    def get_context_by_id(self) -> Context:
        return CONTEXT


def memberships(request: HttpRequest) -> HttpResponse:
    service = Roster(DjangoRequest(request), Platform(), f"{ISSUER}/memberships")
    return wrap_json_resp(service.handle_resp(service.handle_get_members))


# ---- Test controls -----------------------------------------------------------------------------------------------


def state(request: HttpRequest) -> JsonResponse:
    with _lock:
        return JsonResponse({key: value for key, value in STATE.items() if key != "pending"})


@csrf_exempt
def set_roster(request: HttpRequest) -> HttpResponse:
    with _lock:
        STATE["roster"] = json.loads(request.body)
    return HttpResponse(status=204)


@csrf_exempt
def fail_scores(request: HttpRequest) -> HttpResponse:
    with _lock:
        STATE["fail_scores"] = int(request.GET.get("n", "1"))
    return HttpResponse(status=204)


@csrf_exempt
def reset(request: HttpRequest) -> HttpResponse:
    with _lock:
        STATE.update(lineitems={}, scores=[], score_posts=0, content_items=[], roster=[], fail_scores=0)
    return HttpResponse(status=204)
