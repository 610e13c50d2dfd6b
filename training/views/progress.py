"""Progress pages: the dashboard (its learner part cached as HTML) and the small progress bar on its own."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from training import courses as course_rules
from training import motivation, navigation, progress, quizzes, standing, versions
from training.content_cache import make_key
from training.models import Course, QuizAttempt
from training.motivation import WeeklyGoalForm
from training.views.base import AuthenticatedHttpRequest, HtmxHttpRequest

logger = logging.getLogger(__name__)


_DASH_PARTS = ("intro", "continue", "stats", "body")
_GOAL = "goal"  # the learner's weekly goal, cached beside the HTML parts
_DASH_TIMEOUT = 60 * 60  # a learner's entries of earlier states simply age out


def _dashboard_parts(
    request: AuthenticatedHttpRequest, course: Course, courses: list[Course], learner_version: str
) -> dict[str, str]:
    """The learner's part of the page as HTML, from the cache when nothing they did has changed since.

    Keyed by the learner, the content versions of the courses shown and the learner's state version (one
    query: every workflow that writes their state replaces it, so nothing is ever invalidated); the date
    too, so nothing shown can go stale overnight. The review queue (due now, next due) depends on the time
    and is not part of it."""
    user = request.user
    key = make_key(
        "dashboard-html",
        user.pk,
        user.date_joined,  # an id reused after an account is deleted is another learner
        versions.courses_version(courses),
        course.pk,
        learner_version,
        timezone.now().date(),
    )
    try:
        parts = cache.get(key)
    except Exception:
        logger.warning("dashboard cache unavailable", exc_info=True)
        parts = None
    if parts is not None:
        return {
            name: html if name == _GOAL else mark_safe(html)  # noqa: S308  # nosec B308 B703
            for name, html in parts.items()
        }
    content = progress.cached_course_content(course)
    data = progress.dashboard(user, course, content=content, with_queue=False)
    context = {
        "dash": data,
        "explanations": standing.EXPLANATIONS,
        "courses": [{"slug": c.slug, "title": c.title} for c in courses],
    }
    # No request: these parts use no context processor, so what is cached is the same for every request.
    parts = {
        name: render_to_string(f"training/progress_dashboard.html#dash-{name}", context)
        for name in _DASH_PARTS
    }
    # The weekly goal the form shows selected (a number, not HTML): kept with the parts, so a warm page
    # reads it from the cache too (setting it bumps the learner's state version, the key's last part).
    parts[_GOAL] = str(data.motivation.goal or "") if data.motivation else ""
    try:
        cache.set(key, parts, _DASH_TIMEOUT)
    except Exception:
        logger.warning("dashboard cache unavailable", exc_info=True)
    return parts


@require_safe
@login_required
def progress_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _dashboard_page(request)


def _dashboard_page(
    request: AuthenticatedHttpRequest, goal_form: WeeklyGoalForm | None = None, status: int = 200
) -> HttpResponse:
    courses = progress.published_courses()
    slug = request.GET.get("course") or None
    course = progress.current_course(slug, courses=courses)
    if slug is None and len(courses) > 1:
        # Without ?course=, the course the learner last worked in (training.courses), else the first.
        course = course_rules.current_course(request.user, courses) or course
    if course is None and slug:
        raise Http404("No such course.")
    # Timed attempts past their deadline are submitted before anything is read (docs/scoring.md).
    quizzes.submit_expired(QuizAttempt.objects.for_user(request.user))
    # The learner's versions (one query, after the writes above), the key of the cached parts and of the
    # review queue's figures, which the navigation shows too.
    figures = navigation.for_request(request)
    parts = _dashboard_parts(request, course, courses, figures.state_version) if course is not None else {}
    queue = figures.queue_state() if course is not None else None
    if goal_form is None:
        goal = int(parts.get(_GOAL) or 0) if parts else motivation.goal_of(request.user)
        goal_form = WeeklyGoalForm(initial={"days": goal or motivation.DEFAULT_SUGGESTION})
    return render(
        request,
        "training/progress_dashboard.html",
        {
            "course": course,
            "parts": parts,
            "review_due": queue.due if queue else 0,
            "next_review": queue.next_due if queue else None,
            # The navigation's review badge (training.context_processors) shows the same count: reuse it.
            "review_due_count": queue.due if queue else 0,
            "is_instructor": figures.instructor,
            "goal_form": goal_form,
        },
        status=status,
    )


@require_safe
@login_required
def progress_mastery(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every objective of the course with the learner's mastery, weakest first (the dashboard shows the
    weakest ten, so its page stays small however large the course grows)."""
    courses = progress.published_courses()
    slug = request.GET.get("course") or None
    course = progress.current_course(slug, courses=courses)
    if slug is None and len(courses) > 1:
        course = course_rules.current_course(request.user, courses) or course
    if course is None:
        raise Http404("No such course.")
    data = progress.dashboard(
        request.user, course, content=progress.cached_course_content(course), with_queue=False
    )
    return render(request, "training/progress_mastery.html", {"course": course, "dash": data})


@require_POST
@login_required
def progress_goal(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set the learner's weekly goal (1–7 days); a bad value shows the dashboard again with the reason (422)."""
    form = WeeklyGoalForm(request.POST)
    if not form.is_valid():
        return _dashboard_page(request, goal_form=form, status=422)
    days = form.cleaned_data["days"]
    motivation.set_goal(user=request.user, days=days)
    messages.success(request, f"Your weekly goal is now {days} day{'s' if days != 1 else ''} of study.")
    return redirect(f"{reverse('progress')}#goal")


@require_safe
@vary_on_headers("HX-Request")
def progress_summary(request: HtmxHttpRequest) -> HttpResponse:
    """The small progress bar (training/includes/_progress_bar.html) on its own, for htmx refreshes."""
    course = progress.current_course(request.GET.get("course") or None)
    return render(request, "training/progress_summary.html", {"course": course})
