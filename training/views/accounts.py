from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.views import PasswordResetView
from django.db import IntegrityError, transaction
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from training.forms import ChoosePasswordForm, SignupForm, signup_link
from training.redirects import safe_next
from training.throttling import over_limit


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/throttled.html", status=429)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(safe_next(request))
    form = SignupForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        if over_limit(request, kind="signup", email=form.cleaned_data["email"]):
            return too_many_requests(request)
        # The next page is the same whether the address was new or already had an account (see SignupForm).
        # The link carries where to go afterwards, checked now (safe_next) and signed with the rest.
        form.send(request, next_url=safe_next(request))
        return redirect("signup_sent")
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@require_safe
def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/signup_sent.html")


@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    pending = signup_link(token)
    if pending is None:
        return render(request, "registration/signup_confirm.html", {"validlink": False})
    user = get_user_model()(username=pending["username"], email=pending["email"])
    form = ChoosePasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
        except IntegrityError:  # the same link followed twice at once: the username is taken now
            return render(request, "registration/signup_confirm.html", {"validlink": False})
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}! Your account is ready.")
        return redirect(pending["next"])
    return render(
        request,
        "registration/signup_confirm.html",
        {"validlink": True, "form": form, "username": pending["username"]},
    )


class ThrottledPasswordResetView(PasswordResetView):
    """Django's reset view, refusing (429, no email) past the per-address and per-email limits.

    Its email names the site by settings.SITE_NAME (Django's own `site_name` is the request's domain here).
    """

    def form_valid(self, form: Form) -> HttpResponse:
        if over_limit(self.request, kind="password_reset", email=form.cleaned_data["email"]):
            return too_many_requests(self.request)
        # Read per request, not at import, so override_settings applies too.
        self.extra_email_context = {"site_name": settings.SITE_NAME}
        return super().form_valid(form)
