from django.http import HttpRequest

from lms import sessions


def lti(request: HttpRequest) -> dict:
    """`lti_platform`: the name of the LMS that launched this session (the launch bar in base.html), else ""."""
    session = getattr(request, "session", None)
    if session is None or sessions.registration_id(request) is None:
        return {"lti_platform": ""}
    return {"lti_platform": session.get(sessions.PLATFORM_NAME_KEY, "") or "your LMS"}
