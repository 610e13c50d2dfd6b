"""Request logging with a request id, and refusing control characters in requests.

Every request gets an id: the incoming X-Request-ID when a proxy in front already set a sane one (so one id
follows a request through the proxy's log and ours), otherwise a fresh random one. The id goes back on the
response's X-Request-ID header and into one log line per request on the `training.requests` logger:

    request_id=3f2a… method=GET path=/lessons/x/ status=200 duration_ms=12.4 user=17

Only the path is logged, never the query string (it may carry tokens) nor anything from the body.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from training.plain_text import has_control_characters

logger = logging.getLogger("training.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and a few separators, 8–200 characters: enough for UUIDs and the ids proxies generate,
# nothing that could forge a log line (no spaces, quotes or newlines) or blow up the log.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@+=/-]{8,200}")


def request_id_from(request: HttpRequest) -> str:
    """The incoming X-Request-ID if it is a sane token, else a new random id."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Tag each request with an id, echo it in X-Request-ID and log one line when the response is ready."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = request_id_from(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        duration_ms = (time.perf_counter() - started) * 1000
        user = getattr(request, "user", None)
        # Almost every view has loaded the user already; for a visitor without a session this costs nothing.
        user_id = user.pk if user is not None and user.is_authenticated else "-"
        # Percent-encode the (decoded) path again so a %0A in a URL cannot start a forged log line.
        path = quote(request.path, safe="/:@!$&'()*+,;=-._~")
        logger.info(
            "request_id=%s method=%s path=%s status=%s duration_ms=%.1f user=%s",
            request_id,
            request.method,
            path,
            response.status_code,
            duration_ms,
            user_id,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": path,
                "status_code": response.status_code,
                "duration_ms": round(duration_ms, 1),
                "user_id": user_id,
            },
        )
        return response


class ControlCharactersMiddleware:
    """Answer 400 with a readable page when the path or any GET/POST parameter (name or value) holds a control
    character other than tab, CR and LF (training.plain_text). One check at the door instead of one in every
    view: a NUL reaching a PostgreSQL query is a 500, and no view has a use for any of them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_control_characters(request):
            return render(
                request,
                "400.html",
                {
                    "reason": "The request contained control characters (such as a NUL byte) that no page "
                    "here accepts. Check what you typed or pasted and try again."
                },
                status=400,
            )
        return self.get_response(request)

    @staticmethod
    def _has_control_characters(request: HttpRequest) -> bool:
        if has_control_characters(request.path_info):
            return True
        # request.POST is read (and parsed) only for a POST; the CSRF check would read it next anyway.
        params = (request.GET, request.POST) if request.method == "POST" else (request.GET,)
        return any(
            has_control_characters(name) or any(has_control_characters(value) for value in values)
            for query in params
            for name, values in query.lists()
        )
