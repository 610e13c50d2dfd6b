"""Certificates: the learner's claim (what is missing, the form, the printable certificate) and verification."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from training import certificates
from training.models import Course


def _course_or_404(slug: str) -> Course:
    return get_object_or_404(Course.objects.visible(), slug=slug)


@require_http_methods(["GET", "POST"])
@login_required
def certificate_claim(request: HttpRequest, course_slug: str) -> HttpResponse:
    """The learner's certificate for a course: what is missing, the claim form, or the printable certificate."""
    course = _course_or_404(course_slug)
    certificate = certificates.certificate_for(request.user, course)
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        if certificate is None and not name:
            return _claim_page(request, course, error="Enter your name as it should appear.", status=400)
        if len(name) > 300:
            return _claim_page(request, course, error="Use at most 300 characters for the name.", status=400)
        try:
            certificate = certificates.issue_certificate(user=request.user, course=course, name=name)
        except certificates.NotEligible as error:
            return _claim_page(request, course, error=str(error), status=409)
        messages.success(request, "Your certificate has been issued.")
        return redirect("certificate_claim", course_slug=course.slug)
    if certificate is not None:
        return render(
            request,
            "training/certificate_print.html",
            {"certificate": certificate, "course": course, "verify_url": _verify_url(request, certificate)},
        )
    return _claim_page(request, course)


def _claim_page(request: HttpRequest, course: Course, *, error: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "training/certificate_claim.html",
        {
            "course": course,
            "eligibility": certificates.eligibility(request.user, course),
            "default_name": request.POST.get("name") or certificates.default_name(request.user),
            "error": error,
        },
        status=status,
    )


def _verify_url(request: HttpRequest, certificate) -> str:
    return request.build_absolute_uri(reverse("certificate_detail", args=[certificate.code]))


@require_safe
def certificate_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Public verification: the name, course and date of a valid certificate, and nothing else."""
    certificate = certificates.find_certificate(code)
    if certificate is None:
        return render(request, "training/certificate_detail.html", {"code": code[:40]}, status=404)
    if certificate.code != code:
        return redirect("certificate_detail", code=certificate.code)
    return render(request, "training/certificate_detail.html", {"certificate": certificate})


@require_safe
def certificate_verify(request: HttpRequest) -> HttpResponse:
    """A form to type a code; a well-formed code goes to its verification page."""
    typed = request.GET.get("code", "")
    error = ""
    if typed:
        canonical = certificates.normalise_code(typed)
        if canonical:
            return redirect("certificate_detail", code=canonical)
        error = "A certificate code has 16 letters and digits, for example ABCD-EFGH-JKLM-NPQR."
    return render(
        request,
        "training/certificate_verify.html",
        {"code": typed[:40], "error": error},
        status=400 if error else 200,
    )
