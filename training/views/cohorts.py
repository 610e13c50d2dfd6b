"""Learners join a cohort with its code: a form at /cohorts/join/ and a link /cohorts/join/<code>/."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from training.cohorts import find_cohort, join_cohort, normalize_code
from training.views.base import AuthenticatedHttpRequest


class JoinForm(forms.Form):
    code = forms.CharField(
        label="Cohort code",
        max_length=30,
        help_text="Eight letters and digits, from your instructor.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data["code"])
        self.cohort = find_cohort(code)
        if self.cohort is None:
            raise forms.ValidationError(
                "No cohort has that code. Check it with your instructor (codes are 8 letters and digits).",
                code="unknown_code",
            )
        return code


def _joined(request: AuthenticatedHttpRequest, cohort) -> HttpResponse:
    if join_cohort(user=request.user, cohort=cohort):
        messages.success(request, f"You joined {cohort.name}. Your instructor can now follow your progress.")
    else:
        messages.info(request, f"You are already a member of {cohort.name}; nothing changed.")
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def join(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = JoinForm(request.POST)
        if form.is_valid():
            return _joined(request, form.cohort)
        return render(request, "training/cohort_join.html", {"form": form}, status=400)
    return render(request, "training/cohort_join.html", {"form": JoinForm()})


@login_required
@require_http_methods(["GET", "POST"])
def join_link(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """A join link from an instructor asks the learner to confirm (GET) before joining (POST)."""
    cohort = find_cohort(code)
    if cohort is None:
        context = {"form": JoinForm(initial={"code": code}), "unknown_code": code}
        return render(request, "training/cohort_join.html", context, status=404)
    if request.method == "POST":
        return _joined(request, cohort)
    member = cohort.memberships.filter(user=request.user).exists()
    return render(request, "training/cohort_confirm.html", {"cohort": cohort, "member": member})
