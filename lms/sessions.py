"""An LTI-launched session: what a launch leaves in the Django session, and reading it back.

A launch stores django-lti's launch id (the validated launch message stays in the cache, pylti1p3's launch
data storage) and, beside it, the registration and LtiUser it came from. Those two mark the session as
launched from an LMS: its cookies are sent `SameSite=None; Secure` and its pages may be framed by that
platform only (lms/middleware.py).
"""

from __future__ import annotations

from django.http import HttpRequest
from lti_tool.constants import SESSION_KEY
from lti_tool.lti_core.constants import ContextRole
from lti_tool.lti_core.utils import normalize_role
from lti_tool.models import LtiLaunch, LtiUser
from lti_tool.utils import get_launch_from_request
from pylti1p3.exception import LtiException

REGISTRATION_KEY = "lms_registration"
LTI_USER_KEY = "lms_lti_user"
PLATFORM_NAME_KEY = "lms_platform"
RETURN_TO_KEY = "lms_return_to"

TEACHING_ROLES = {ContextRole.INSTRUCTOR, ContextRole.ADMINISTRATOR, ContextRole.CONTENT_DEVELOPER}


def remember(request: HttpRequest, launch: LtiLaunch, *, return_to: str) -> None:
    """Mark the (already signed-in) session as launched by `launch`; `return_to` is where it landed."""
    registration = launch.registration
    request.session[SESSION_KEY] = launch.get_launch_id()
    request.session[REGISTRATION_KEY] = registration.pk
    request.session[LTI_USER_KEY] = launch.user.pk
    request.session[PLATFORM_NAME_KEY] = registration.name
    request.session[RETURN_TO_KEY] = return_to


def restore(request: HttpRequest, saved: dict) -> None:
    """Put the launch keys back after a sign-in flushed the session (linking an account)."""
    for key, value in saved.items():
        request.session[key] = value


def saved_keys(request: HttpRequest) -> dict:
    keys = (SESSION_KEY, REGISTRATION_KEY, LTI_USER_KEY, PLATFORM_NAME_KEY, RETURN_TO_KEY)
    return {key: request.session[key] for key in keys if key in request.session}


def registration_id(request: HttpRequest) -> int | None:
    session = getattr(request, "session", None)
    if session is None:
        return None
    value = session.get(REGISTRATION_KEY)
    return value if isinstance(value, int) else None


def current_launch(request: HttpRequest) -> LtiLaunch | None:
    """The launch this session came from, while its data is still in the cache; else None."""
    launch_id = request.session.get(SESSION_KEY)
    if not isinstance(launch_id, str) or not launch_id:
        return None
    try:
        launch = get_launch_from_request(request, launch_id)
    except LtiException:
        return None
    return launch if launch.get_launch_data() else None


def lti_user(request: HttpRequest) -> LtiUser | None:
    pk = request.session.get(LTI_USER_KEY)
    if not isinstance(pk, int):
        return None
    return LtiUser.objects.select_related("registration", "auth_user").filter(pk=pk).first()


def teaches(launch: LtiLaunch) -> bool:
    """The launching user teaches in the launch's context (Instructor, Administrator or ContentDeveloper role,
    as the platform signed it)."""
    roles = {normalize_role(role) for role in (launch.roles_claim or []) if isinstance(role, str)}
    return bool(roles & {role.value for role in TEACHING_ROLES})
