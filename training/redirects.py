from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str | None = None) -> str:
    """The `next` URL from the request if it stays on this site, else the fallback (or the home page)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site: redirect() would try to reverse anything else ("0", "home") as a view name.
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(fallback or settings.LOGIN_REDIRECT_URL)
