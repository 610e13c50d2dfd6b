"""The learning record store, as the worker talks to it: POST /statements with basic auth (xAPI 1.0.3)."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

XAPI_VERSION = "1.0.3"


class LrsUnreachable(Exception):
    """No answer from the LRS: refused, timed out, DNS, TLS."""


@dataclass(frozen=True)
class LrsAnswer:
    status: int
    body: str


def _headers() -> dict[str, str]:
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION}
    if settings.XAPI_LRS_USERNAME or settings.XAPI_LRS_PASSWORD:
        pair = f"{settings.XAPI_LRS_USERNAME}:{settings.XAPI_LRS_PASSWORD}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    return headers


def public_address() -> str:
    """XAPI_LRS_URL without any user name or password written into it (for pages and error messages)."""
    if not settings.XAPI_LRS_URL:
        return ""
    parts = urlsplit(settings.XAPI_LRS_URL)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


def statements_url() -> str:
    return f"{settings.XAPI_LRS_URL}/statements"


def post_statements(statements: list[dict[str, Any]]) -> LrsAnswer:
    """POST a batch (a list) of statements. Any HTTP answer is returned; no answer raises LrsUnreachable."""
    url = statements_url()
    if not url.startswith(("http://", "https://")):
        raise LrsUnreachable(f"XAPI_LRS_URL must be an http(s) URL, not {settings.XAPI_LRS_URL!r}")
    body = json.dumps(statements, separators=(",", ":")).encode()
    request = urllib.request.Request(url, data=body, headers=_headers(), method="POST")  # noqa: S310
    try:
        # The scheme is checked above (http or https only), which is what B310/S310 warn about.
        with urllib.request.urlopen(request, timeout=settings.XAPI_TIMEOUT_SECONDS) as answer:  # noqa: S310  # nosec B310
            return LrsAnswer(answer.status, answer.read(65536).decode("utf-8", "replace"))
    except urllib.error.HTTPError as error:
        return LrsAnswer(error.code, error.read(65536).decode("utf-8", "replace"))
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise LrsUnreachable(f"{public_address()}/statements: {reason}") from error
