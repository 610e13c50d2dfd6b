from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm, SetPasswordMixin, UsernameField
from django.contrib.auth.models import BaseUserManager
from django.core import signing
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

SIGNUP_SALT = "training.signup"


class SignupForm(forms.ModelForm):
    """Step one of sign-up: a username and an email address, answered by an email either way.

    Whether the address already has an account is never shown to the requester: a new address gets a link to
    finish signing up (`signup_link`), a registered one gets a note to its owner, and both see the same page.
    Usernames are public, so a taken one is still reported here. Nothing is saved until the link is followed.
    """

    email = forms.EmailField(
        help_text="We send a link there to finish signing up; it is used only for that and password resets.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta:
        model = get_user_model()
        fields = ("username", "email")
        field_classes = {"username": UsernameField}
        widgets = {"username": forms.TextInput(attrs={"autocomplete": "username", "autofocus": True})}

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        # The model's unique check is case-sensitive; like Django's UserCreationForm, refuse "Amira" beside "amira".
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("A user with that username already exists.", code="unique")
        return username

    def clean_email(self) -> str:
        return BaseUserManager.normalize_email(self.cleaned_data["email"].strip())

    def send(self, request: HttpRequest, *, next_url: str) -> None:
        """Email the link to finish signing up, or, if the address has an account, a note to its owner."""
        email = self.cleaned_data["email"]
        owner = get_user_model().objects.filter(email__iexact=email).order_by("pk").first()
        if owner is not None:
            _send(request, "registration/signup_taken_email", owner.email, {"user": owner})
            return
        token = signing.dumps(
            {"username": self.cleaned_data["username"], "email": email, "next": next_url}, salt=SIGNUP_SALT
        )
        path = reverse("signup_confirm", args=[token])
        _send(request, "registration/signup_email", email, {"link": request.build_absolute_uri(path)})


def _send(request: HttpRequest, template: str, to: str, context: dict[str, Any]) -> None:
    context = {
        **context,
        "site_name": settings.SITE_NAME,
        "login_url": request.build_absolute_uri(reverse("login")),
        "reset_url": request.build_absolute_uri(reverse("password_reset")),
    }
    subject = render_to_string(f"{template}_subject.txt", context).strip()
    body = render_to_string(f"{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def signup_link(token: str) -> dict[str, str] | None:
    """The sign-up a link stands for, or None if it is forged, expired, or its name or address is now taken.

    Links last as long as password reset links (PASSWORD_RESET_TIMEOUT). Once the account exists its username
    is taken, so a link works once.
    """
    try:
        pending = signing.loads(token, salt=SIGNUP_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    users = get_user_model().objects
    if (
        users.filter(username__iexact=pending["username"]).exists()
        or users.filter(email__iexact=pending["email"]).exists()
    ):
        return None
    return pending


class ChoosePasswordForm(SetPasswordForm):
    """Step two of sign-up, on the emailed link: the password, checked against the coming account's details."""

    new_password1, new_password2 = SetPasswordMixin.create_password_fields()
