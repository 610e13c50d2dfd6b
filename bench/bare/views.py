"""The bare page: one logged-in view rendering a 20-line template (and a health check for the bench runner)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

ITEMS = ["Foundations", "Track one", "Track two", "Bridging", "Integrating"]


@login_required
def page(request: HttpRequest) -> HttpResponse:
    return render(request, "bare/page.html", {"title": "Bare Django page", "items": ITEMS})


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
