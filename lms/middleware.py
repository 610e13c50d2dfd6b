"""Pages shown inside an LMS's iframe.

Only two kinds of response change; every other page keeps `frame-ancestors 'none'`, `X-Frame-Options: DENY`
and the default (Lax) cookies:

- the tool's own endpoints under /lti/ (login initiation, launch, JWKS, the launched pages);
- any page of a session a launch signed in (lms/sessions.py), such as the quiz the launch landed on.

For those, `LtiFramingMiddleware` replaces the CSP's frame-ancestors with the origins of the platform the
session came from (on /lti/ before a launch: of every active registration) and drops X-Frame-Options (it cannot
name an origin; browsers that know CSP use frame-ancestors), and `LtiCookiesMiddleware` sends the session, CSRF
messages and pylti1p3 state cookies `SameSite=None; Secure; Partitioned`: SameSite=None and Secure so a browser sends
them from inside a frame of another site at all, Partitioned (CHIPS) so one that blocks third-party cookies
(Chrome's incognito windows, for one) still keeps them for this LMS, in a jar of their own for it. A browser
that does not know Partitioned ignores it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from lti_tool.models import LtiRegistration

from lms import sessions
from lms.models import origin_of

LTI_PATH_PREFIX = "/lti/"
STATE_COOKIE_PREFIX = "lti1p3-"


def origins_of(registrations) -> list[str]:
    found: list[str] = []
    for registration in registrations:
        extra = getattr(registration, "frame_origins", None)
        for origin in [
            origin_of(registration.issuer),
            origin_of(registration.auth_url),
            *(extra.listed() if extra else []),
        ]:
            if origin and origin not in found:
                found.append(origin)
    return found


def frame_origins(request: HttpRequest) -> list[str] | None:
    """The origins that may frame this response; None when it is not an LTI response (nothing changes)."""
    registrations = LtiRegistration.objects.active().select_related("frame_origins")
    registration_id = sessions.registration_id(request)
    if registration_id is not None:
        return origins_of(registrations.filter(pk=registration_id))
    if request.path.startswith(LTI_PATH_PREFIX):
        return origins_of(registrations)
    return None


def is_lti_request(request: HttpRequest) -> bool:
    return request.path.startswith(LTI_PATH_PREFIX) or sessions.registration_id(request) is not None


class LtiFramingMiddleware:
    """Listed after csp's CSPMiddleware and Django's XFrameOptionsMiddleware, so it runs before them on the
    response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        origins = frame_origins(request)
        if origins is not None:
            response._csp_replace = {  # type: ignore[attr-defined]
                **getattr(response, "_csp_replace", {}),
                "frame-ancestors": origins or ["'none'"],
            }
            response.xframe_options_exempt = True
        return response


class LtiCookiesMiddleware:
    """Listed before SessionMiddleware, so it sees the cookies the session and CSRF middleware set."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_lti_request(request):
            return response
        names = {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, CookieStorage.cookie_name}
        for name, morsel in response.cookies.items():
            if name in names or name.startswith(STATE_COOKIE_PREFIX):
                # Python's cookie module (3.11) has no Partitioned attribute: it rides on SameSite's value.
                morsel["samesite"] = "None; Partitioned"
                morsel["secure"] = True
        return response
