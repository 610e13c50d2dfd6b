"""The case library: a list of cases and a page per case (dates, actors by track, what moved between tracks,
outcome, primary documents, the lessons that use it)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from training.markup import render_markdown
from training.models import Case, Lesson, Reference, Track


@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    cases = (
        Case.objects.visible()
        .select_related("course")
        .in_order()
        .prefetch_related(Prefetch("tracks", Track.objects.visible().in_order()))
    )
    return render(request, "training/case_list.html", {"cases": cases})


@require_safe
def case_detail(request: HttpRequest, slug: str) -> HttpResponse:
    case = get_object_or_404(Case.objects.visible().select_related("course"), slug=slug)
    tracks = {
        t.slug: t for t in Track.objects.visible().filter(course=case.course_id).select_related("course")
    }
    actors = [
        {**actor, "track_object": tracks.get(str(actor.get("track")))}
        for actor in case.actors
        if isinstance(actor, dict)
    ]
    return render(
        request,
        "training/case_detail.html",
        {
            "case": case,
            "summary_html": render_markdown(case.summary, heading_level=3),
            "moved_html": render_markdown(case.moved, heading_level=3),
            "outcome_html": render_markdown(case.outcome, heading_level=3),
            "body_html": render_markdown(case.body, heading_level=3) if case.body else "",
            "actors": actors,
            "documents": [d for d in case.documents if isinstance(d, dict)],
            "lessons": Lesson.objects.visible().filter(cases=case).in_order(),
            "references": Reference.objects.filter(cases=case, archived=False).order_by("position", "pk"),
        },
    )
