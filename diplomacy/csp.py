"""The Content-Security-Policy's one per-request part: this very host's WebSocket URL in connect-src.

`connect-src 'self'` allows same-origin fetches; whether it also allows a socket to ws:// or wss:// of the same
host depends on the browser (CSP Level 3 says yes, older engines say no). So every response names exactly the
socket origin of the host it was served from — `wss://<host>` over HTTPS, `ws://<host>` over plain HTTP, the
host being one Django already validated against ALLOWED_HOSTS — and nothing else: no scheme-wide `wss:`,
no other host.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase


def same_origin_socket(request: HttpRequest) -> str | None:
    """The WebSocket origin of the page's own host, or None when the host is not an allowed one."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"{'wss' if request.is_secure() else 'ws'}://{host}"


class SameOriginWebSocketMiddleware:
    """Adds the page's own socket origin to connect-src. Listed after django-csp's middleware, so the update
    is in place when that middleware writes the header on the way out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        origin = same_origin_socket(request)
        if origin is not None:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["connect-src"] = [*update.get("connect-src", []), origin]
            response._csp_update = update  # type: ignore[attr-defined]  # django-csp reads it from the response
        return response
