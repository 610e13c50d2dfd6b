"""What every view module shares: the request type that carries htmx, the event that refreshes the progress
bar, and the links (or htmx redirect) that ask a visitor to log in and come back."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """The request of a view behind login_required (or instructor_required): its user is a User, never
    AnonymousUser."""

    user: User


# Sent (HX-Trigger) after a write that changes the learner's progress; includes/_progress_bar.html listens.
PROGRESS_CHANGED = "progress-changed"


def login_url_for(path: str) -> str:
    """The log-in link that brings the visitor back to `path` afterwards."""
    return f"{reverse('login')}?{urlencode({'next': path})}"


def signup_url_for(path: str) -> str:
    return f"{reverse('signup')}?{urlencode({'next': path})}"


def ask_to_log_in(request: HtmxHttpRequest, back_to: str) -> HttpResponse:
    if request.htmx:
        return HttpResponseClientRedirect(login_url_for(back_to))
    return redirect_to_login(back_to)
