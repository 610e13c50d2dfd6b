"""Site-wide pages: home (the learning path) and the health endpoint."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from training import courses as course_rules
from training.views.courses import course_page_context


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The learner's current course (its path, with the next step first), or the catalogue when there are
    several courses and none is started (training.courses.current_course)."""
    courses = course_rules.visible_courses()
    course = course_rules.current_course(request.user, courses)
    if course is None:
        entries = course_rules.catalogue(request.user, courses)
        return render(request, "training/course_list.html", {"entries": entries, "is_home": True})
    return render(
        request,
        "training/course_detail.html",
        {**course_page_context(request, course, courses), "is_home": True},
    )


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except DatabaseError as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        # A shared cache that does not answer is an outage for every app server: check a real round trip.
        # A key of its own per probe, so health checks from several servers never read each other's value.
        probe = secrets.token_hex(8)
        key = f"healthz:{probe}"
        try:
            cache.set(key, probe, timeout=10)
            checks["cache"] = "ok" if cache.get(key) == probe else "error: value not read back"
            cache.delete(key)
        except Exception as exc:  # the redis client raises its own ConnectionError/TimeoutError classes
            checks["cache"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: the site's icon (cached a day)."""
    path = finders.find("img/favicon.svg")
    with open(str(path), "rb") as icon:
        return HttpResponse(icon.read(), content_type="image/svg+xml")
