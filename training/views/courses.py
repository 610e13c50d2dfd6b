"""Courses as places: the catalogue, a course's page (its path, tracks, glossary and the learner's progress),
its glossary and tracks, and the old site-wide URLs (/tracks/, /glossary/) that now lead into a course."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from training import courses as course_rules
from training import navigation, progress
from training.content_cache import cached, make_key
from training.markup import citation_label, render_markdown
from training.models import Course, GlossaryTerm, Track
from training.pathway import learning_path
from training.views.learn import citations_prefetch


def glossary_url(course: Course) -> str:
    return reverse("course_glossary", args=[course.slug])


def course_page_context(request: HttpRequest, course: Course, courses: list[Course]) -> dict:
    """What a course's page shows: its path with the learner's status, its tracks and its glossary."""
    if request.user.is_authenticated:
        # The content from the content cache, the learner's statuses from the cache under their versions.
        path = progress.learner_path(navigation.for_request(request), course)
    else:
        path = learning_path(None, content=progress.cached_course_content(course).path)[0]
    terms, tracks = cached(
        make_key("course-page", course.pk, course.content_version),
        lambda: (course_rules.course_glossary_terms(course), course_rules.course_tracks(course)),
    )
    glossary = {term.slug: term for term in terms}
    url = glossary_url(course)
    return {
        "course": course,
        "path": path,
        "summary_html": render_markdown(course.summary, glossary, heading_level=3, glossary_url=url),
        "modules": [
            (
                module_path,
                render_markdown(module_path.module.summary, glossary, heading_level=4, glossary_url=url),
            )
            for module_path in path.modules
        ],
        "tracks": tracks,
        "terms": terms,
        "several_courses": len(courses) > 1,
        "started": any(item.status != "todo" for item in path.items),
    }


@require_safe
def catalogue(request: HttpRequest) -> HttpResponse:
    courses = course_rules.visible_courses()
    return render(
        request, "training/course_list.html", {"entries": course_rules.catalogue(request.user, courses)}
    )


@require_safe
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    courses = course_rules.visible_courses()
    course = next((c for c in courses if c.slug == slug), None)
    if course is None:
        raise Http404("No such course.")
    return render(request, "training/course_detail.html", course_page_context(request, course, courses))


@require_safe
def course_glossary(request: HttpRequest, slug: str) -> HttpResponse:
    course = course_rules.get_course(slug)
    terms = course_rules.course_glossary(course)
    url = glossary_url(course)
    glossary = {term.slug: term for term in terms}
    entries = [
        (term, render_markdown(term.definition, glossary, glossary_url=url, id_prefix=f"g-{term.slug}"))
        for term in terms
    ]
    return render(request, "training/glossary.html", {"course": course, "entries": entries})


@require_safe
def course_tracks(request: HttpRequest, slug: str) -> HttpResponse:
    course = course_rules.get_course(slug)
    return render(
        request, "training/track_list.html", {"course": course, "tracks": course_rules.course_tracks(course)}
    )


@dataclass
class Comparison:
    course: Course
    tracks: list[Track]
    dimensions: list[str]

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        return [
            (
                dimension.replace("_", " ").capitalize(),
                [track.comparison.get(dimension, "") for track in self.tracks],
            )
            for dimension in self.dimensions
        ]


def comparison_of(course: Course, tracks: list[Track]) -> Comparison:
    """The tracks side by side, on the dimensions of the first track's comparison (then any others')."""
    dimensions: list[str] = []
    for track in tracks:
        dimensions += [key for key in (track.comparison or {}) if key not in dimensions]
    return Comparison(course=course, tracks=tracks, dimensions=dimensions)


@require_safe
def course_track_compare(request: HttpRequest, slug: str) -> HttpResponse:
    course = course_rules.get_course(slug)
    comparison = comparison_of(course, course_rules.course_tracks(course))
    return render(request, "training/track_compare.html", {"course": course, "comparison": comparison})


TRACK_QUESTIONS_SHOWN = 12


@require_safe
def course_track(request: HttpRequest, slug: str, track_slug: str) -> HttpResponse:
    course = course_rules.get_course(slug)
    track = get_object_or_404(
        Track.objects.visible().filter(course=course).prefetch_related(citations_prefetch()), slug=track_slug
    )
    track.course = course
    lessons = list(
        track.lessons.visible().select_related("module").order_by("module__position", "position", "pk")
    )
    questions = list(
        track.questions.visible()
        .select_related("quiz", "lesson")
        .order_by("quiz__module__position", "lesson__module__position", "position", "pk")
    )
    glossary = {term.slug: term for term in GlossaryTerm.objects.visible().filter(course=course)}
    url = glossary_url(course)
    others = [t for t in course_rules.course_tracks(course) if t.pk != track.pk]
    for other in others:
        other.course = course
    context = {
        "course": course,
        "track": track,
        "definition_html": render_markdown(track.definition, glossary, heading_level=3, glossary_url=url),
        "participants_html": render_markdown(track.participants, glossary, heading_level=3, glossary_url=url),
        "outputs_html": render_markdown(track.outputs, glossary, heading_level=3, glossary_url=url),
        "citations": [citation_label(c) for c in track.shown_citations],
        "lessons": lessons,
        # A course grows to a hundred questions and more: the page lists the first few by prompt and counts the
        # rest, so it stays within the page-weight budget (tests/test_page_weight.py) however big the course.
        "questions": questions[:TRACK_QUESTIONS_SHOWN],
        "questions_more": max(len(questions) - TRACK_QUESTIONS_SHOWN, 0),
        "other_tracks": others,
    }
    return render(request, "training/track_detail.html", context)


# --- The old site-wide URLs ---------------------------------------------------------------------------------


def _course_for_old_url(request: HttpRequest) -> Course | None:
    """The learner's current course, or the only course; None when there are several and none is started."""
    return course_rules.current_course(request.user, course_rules.visible_courses())


def _into_course(request: HttpRequest, name: str) -> HttpResponseRedirect:
    course = _course_for_old_url(request)
    if course is None:
        return redirect("course_list")
    return redirect(name, course.slug)


@require_safe
def track_list(request: HttpRequest) -> HttpResponse:
    return _into_course(request, "course_tracks")


@require_safe
def track_compare(request: HttpRequest) -> HttpResponse:
    return _into_course(request, "course_track_compare")


@require_safe
def glossary(request: HttpRequest) -> HttpResponse:
    return _into_course(request, "course_glossary")


@require_safe
def track_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """/tracks/<slug>/: the track of that slug in the current course, else in the first course that has
    one."""
    tracks = list(
        Track.objects.visible().filter(slug=slug).select_related("course").order_by("course__position")
    )
    if not tracks:
        raise Http404("No such track.")
    current = _course_for_old_url(request)
    track = next((t for t in tracks if current is not None and t.course_id == current.pk), tracks[0])
    return redirect("course_track", track.course.slug, track.slug)
