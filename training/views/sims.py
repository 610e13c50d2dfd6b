"""Simulation pages: intro, decision/ending page of a run, choices (htmx or plain POST), instructor map."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.views.decorators.http import require_POST, require_safe

from training import debrief
from training import simulation as sim
from training.curriculum import simtext
from training.markup import render_inline, render_markdown
from training.models import Lesson, Simulation, SimulationRun, SimulationStep
from training.permissions import is_instructor
from training.plain_text import refuse_control_characters
from training.simulation_paths import analyse_paths, decision_distribution
from training.views.base import HtmxHttpRequest


def _md(text: str) -> str:
    """Author Markdown → sanitised HTML; its headings sit below the page's own h2 sections."""
    return render_markdown(text or "", heading_level=3)


def _lesson_url(lesson: Lesson) -> str:
    try:
        return lesson.get_absolute_url()
    except NoReverseMatch:  # the lesson pages are another area's; until they exist, show the title alone
        return ""


def _visible_simulation(slug: str) -> Simulation:
    return get_object_or_404(Simulation.objects.visible().select_related("start_node", "module"), slug=slug)


def _user_run(request: HtmxHttpRequest, slug: str, run_id: int) -> SimulationRun:
    """The learner's own run of this (visible) simulation; anyone else's is a 404."""
    return get_object_or_404(
        SimulationRun.objects.for_user(request.user)
        .filter(Simulation.objects.visible_q("simulation__"))
        .select_related("simulation", "simulation__course", "current_node", "ending"),
        pk=run_id,
        simulation__slug=slug,
    )


def _flag_labels(simulation: Simulation, keys) -> list[str]:
    """The labels of the flags set, in the simulation's order."""
    keys = set(keys if isinstance(keys, list) else [])
    flags = simulation.flags if isinstance(simulation.flags, list) else []
    return [
        str(f.get("label") or f.get("key")) for f in flags if isinstance(f, dict) and f.get("key") in keys
    ]


def _state_md(text: str, values: dict[str, int], flags) -> str:
    """Node text with the run's state filled in (integers and the author's own sentences only), then
    rendered as sanitised Markdown like any author text."""
    return _md(simtext.render(text or "", values, flags if isinstance(flags, list) else []))


def _principles(run: SimulationRun, steps: list[SimulationStep]) -> list[dict]:
    """Each principle of the simulation the path followed or broke, with the lessons of its objective."""
    authored = [p for p in run.simulation.principles if isinstance(p, dict) and p.get("key")]
    if not authored:
        return []
    followed: dict[str, list[int]] = {}
    broken: dict[str, list[int]] = {}
    for step in steps:
        for key in step.option.follows or []:
            followed.setdefault(key, []).append(step.number)
        for key in step.option.breaks or []:
            broken.setdefault(key, []).append(step.number)
    objectives = {p.get("objective") for p in authored if p.get("objective")}
    lessons: dict[str, list[dict]] = {}
    for lesson in (
        Lesson.objects.visible()
        .filter(objectives__slug__in=objectives, course_id=run.simulation.course_id)
        .prefetch_related("objectives")
        .in_order()
        .distinct()
    ):
        for objective in lesson.objectives.all():
            lessons.setdefault(objective.slug, []).append({"lesson": lesson, "url": _lesson_url(lesson)})
    return [
        {
            "label": p.get("label") or p["key"],
            "followed": followed.get(p["key"], []),
            "broken": broken.get(p["key"], []),
            "lessons": lessons.get(p.get("objective") or "", []),
        }
        for p in authored
        if p["key"] in followed or p["key"] in broken
    ]


def _events_met(simulation: Simulation, nodes: dict, steps: list[SimulationStep]) -> list[dict]:
    """The events the run met: after which decision, and the node each inserted."""
    where = {e.get("key"): e.get("node") for e in simulation.events if isinstance(e, dict)}
    titles = {node.key: node.title for node in nodes.values()}
    return [
        {"number": step.number, "title": titles.get(where.get(step.event, ""), step.event)}
        for step in steps
        if step.event
    ]


def _meter_rows(meters, values: dict[str, int], changes=None) -> list[dict]:
    """Each meter with its value, the last change and which way that change went for the learner (a risk
    that rises got worse), and the <meter> thresholds that colour it by its direction."""
    by_key = {c.key: c for c in changes or []}
    rows = []
    for m in meters:
        change = by_key.get(m.key)
        delta = change.delta if change else 0
        lower_is_better = m.better == "lower"
        third = (m.max - m.min) / 3
        rows.append(
            {
                "meter": m,
                "value": values.get(m.key, m.start),
                "change": change,
                "lower_is_better": lower_is_better,
                "verdict": "" if not delta else ("better" if (delta < 0) == lower_is_better else "worse"),
                "low": round(m.min + third),
                "high": round(m.max - third),
                "optimum": m.min if lower_is_better else m.max,
            }
        )
    return rows


def _role_line(role: str) -> str:
    """The first sentence of the role, as plain text, for the header of a decision."""
    text = strip_tags(render_inline(role.strip().split("\n\n")[0]))
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return Truncator(sentence).words(30)


# Intro --------------------------------------------------------------------------------------------------------


@require_safe
def simulation_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    simulation = _visible_simulation(slug)
    meters = sim.learner_meters(simulation.pk)
    current = None
    past: list[SimulationRun] = []
    if request.user.is_authenticated:
        runs = list(
            SimulationRun.objects.for_user(request.user)
            .filter(simulation=simulation)
            .select_related("ending")
            .order_by("-started_at", "-pk")[:21]
        )
        current = next((run for run in runs if run.finished_at is None), None)
        past = [run for run in runs if run.finished_at is not None and run.ending_id is not None][:20]
    return render(
        request,
        "training/simulation_detail.html",
        {
            "simulation": simulation,
            "role_html": _md(simulation.role),
            "situation_html": _md(simulation.situation),
            "meters": meters,
            "current_run": current,
            "past_runs": past,
            "login_next": request.get_full_path(),
        },
    )


class StartRunForm(forms.Form):
    restart = forms.IntegerField(required=False, min_value=1)  # the run being started over, if any


@require_POST
@login_required
def simulation_start(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Start (or resume) a run; with `restart`, close the unfinished run and begin again."""
    simulation = _visible_simulation(slug)
    form = StartRunForm(request.POST)
    if not form.is_valid():
        raise BadRequest("That request to start over names no run. Go back to the simulation and try again.")
    try:
        run = sim.start_run(user=request.user, simulation=simulation, restart=form.cleaned_data["restart"])
    except sim.InvalidChoice as error:
        messages.error(request, str(error))
        return redirect("simulation_detail", slug=slug)
    return redirect("simulation_run", slug=slug, run_id=run.pk)


# A run: decision page or ending with debrief ------------------------------------------------------------------


def _decision_context(run: SimulationRun, *, announcement: str = "", changes=None, error: str = "") -> dict:
    meters = sim.learner_meters(run.simulation_id)
    values = sim.meter_values(meters, run.meters)
    last_step = SimulationStep.objects.filter(run=run).select_related("option").order_by("-number").first()
    if last_step is not None and not announcement and changes is None:
        # Without JavaScript the choice arrives here after a redirect: say again what it did.
        changes = sim.meter_changes(
            meters, last_step.meters_before, last_step.meters_after, last_step.option.effects
        )
        moved = [c.announce() for c in changes if c.delta or c.intended]
        announcement = f"Your last choice: {last_step.option.text.strip()} — " + (
            "; ".join(moved) if moved else "No meter changed."
        )
    options = sim.available_options(list(sim.learner_options(run.current_node_id)), values, run.flags)
    return {
        "run": run,
        "simulation": run.simulation,
        "node": run.current_node,
        "situation_html": _state_md(run.current_node.situation, values, run.flags),
        "flags_set": _flag_labels(run.simulation, run.flags),
        "meters": _meter_rows(meters, values, changes),
        "options": options,
        "any_available": any(view.available for view in options),
        "step_number": (last_step.number if last_step else 0) + 1,
        "decisions_estimate": max(
            (last_step.number if last_step else 0) + 1,
            sim.estimated_decisions(run.simulation, run.current_node_id, last_step.number if last_step else 0)
            or 0,
        ),
        "role_line": _role_line(run.simulation.role),
        "last_step": last_step,
        "announcement": announcement,
        "error": error,
    }


class ReflectionForm(forms.Form):
    text = forms.CharField(
        label="Your reflection",
        max_length=debrief.REFLECTION_MAX,
        strip=True,
        validators=[refuse_control_characters],
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What would you do differently, and why? Your instructors can read this.",
    )


def _debrief_context(
    run: SimulationRun, *, announcement: str = "", reflection_form: ReflectionForm | None = None
) -> dict:
    simulation = run.simulation
    reflection = debrief.reflection_of(run)
    meters = sim.learner_meters(simulation.pk)
    nodes, options = sim.simulation_graph(simulation)
    steps = list(SimulationStep.objects.filter(run=run).select_related("node", "option").order_by("number"))
    recommended = sim.recommended_path(simulation, nodes, options)
    taken: list[dict[str, Any]] = []
    for step in steps:
        node = nodes.get(step.node_id, step.node)
        suggestion = sim.recommended_option(options.get(step.node_id, []))
        taken.append(
            {
                "step": step,
                "node": node,
                "changes": sim.meter_changes(
                    meters, step.meters_before, step.meters_after, step.option.effects
                ),
                "feedback_html": _md(step.option.feedback),
                "recommended": suggestion,
                "followed": suggestion is not None and suggestion.pk == step.option_id,
                "lessons": [
                    {"lesson": lesson, "url": _lesson_url(lesson)}
                    for lesson in getattr(node, "lessons_shown", [])
                ],
            }
        )
    # The ending as loaded with the graph (with the lessons it shows), else as the run holds it.
    ending = (nodes.get(run.ending_id) or run.ending) if run.ending_id else None
    if not announcement and taken and ending is not None:
        # Without JavaScript the last choice arrives here after a redirect: say what it did, and where it led.
        last = taken[-1]
        moved = [c.announce() for c in last["changes"] if c.delta or c.intended]
        announcement = (
            f"Your last choice: {last['step'].option.text.strip()} — "
            + ("; ".join(moved) if moved else "No meter changed.")
            + f". The simulation has ended: {ending.title}."
        )
    final = sim.meter_values(meters, run.meters)
    flag_labels = {
        str(f["key"]): str(f.get("label") or f["key"])
        for f in (simulation.flags if isinstance(simulation.flags, list) else [])
        if isinstance(f, dict) and f.get("key")
    }
    event_titles = {
        str(e.get("key")): node.title
        for e in (simulation.events if isinstance(simulation.events, list) else [])
        if isinstance(e, dict)
        for node in nodes.values()
        if node.key == e.get("node")
    }
    points = debrief.timeline(meters, steps, flag_labels=flag_labels, event_titles=event_titles)
    return {
        "timeline": points,
        "timeline_chart": debrief.chart_for(meters, points) if meters else None,
        "what_if": debrief.cached_what_if(run, meters, nodes, options, steps) if ending is not None else [],
        "reflection": reflection,
        "reflection_form": reflection_form
        or ReflectionForm(initial={"text": reflection.text if reflection else ""}),
        "run": run,
        "simulation": simulation,
        "ending": ending,
        "ending_situation_html": _state_md(ending.situation, final, run.flags) if ending is not None else "",
        "debrief_html": _state_md(ending.debrief, final, run.flags) if ending is not None else "",
        "flags_set": _flag_labels(simulation, run.flags),
        "principles": _principles(run, steps),
        "events": _events_met(simulation, nodes, steps),
        "any_recommended": any(o.recommended for opts in options.values() for o in opts),
        "ending_lessons": [
            {"lesson": lesson, "url": _lesson_url(lesson)} for lesson in getattr(ending, "lessons_shown", [])
        ],
        "meters": _meter_rows(meters, final),
        "meter_list": meters,
        "taken": taken,
        "recommended_path": recommended,
        "followed_all": bool(taken) and all(item["followed"] for item in taken),
        "announcement": announcement,
    }


def _render_run(
    request: HtmxHttpRequest, run: SimulationRun, *, fragment: bool, status: int = 200, **extra
) -> HttpResponse:
    if run.finished_at is not None:
        context = _debrief_context(
            run, announcement=extra.get("announcement", ""), reflection_form=extra.get("reflection_form")
        )
        template = "training/simulation_run.html"
    else:
        context = _decision_context(run, **extra)
        template = "training/simulation_run.html"
    context["finished"] = run.finished_at is not None
    return render(request, template + ("#run-panel" if fragment else ""), context, status=status)


@require_safe
@login_required
def simulation_run(request: HtmxHttpRequest, slug: str, run_id: int) -> HttpResponse:
    run = _user_run(request, slug, run_id)
    return _render_run(request, run, fragment=False)


@require_POST
@login_required
def simulation_choose(request: HtmxHttpRequest, slug: str, run_id: int) -> HttpResponse:
    run = _user_run(request, slug, run_id)  # 404 before anything is read from the form
    htmx = bool(request.htmx)
    try:
        node_id = int(request.POST.get("node", ""))
        step_raw = request.POST.get("step", "")
        step_number = int(step_raw) if step_raw else None
    except ValueError:
        return _bad_choice(request, run, "The choice was not understood: please choose one of the options.")
    option_key = request.POST.get("option", "").strip()
    if not option_key:
        return _bad_choice(request, run, "Please choose one of the options.")
    try:
        result = sim.choose(
            user=request.user, run_id=run.pk, node_id=node_id, option_key=option_key, step_number=step_number
        )
    except SimulationRun.DoesNotExist as missing:  # pragma: no cover — _user_run already checked
        raise Http404 from missing
    except sim.StaleChoice as stale:
        run.refresh_from_db()
        if htmx:
            return _render_run(request, run, fragment=True, announcement=str(stale))
        messages.info(request, str(stale))
        return redirect("simulation_run", slug=slug, run_id=run.pk)
    except sim.InvalidChoice as error:
        return _bad_choice(request, run, str(error))
    if htmx:
        run = _user_run(request, slug, run_id)
        announcement = f"You chose: {result.step.option.text.strip()} — {result.announcement}"
        if run.ending is not None:  # loaded with the run (select_related)
            announcement += f". The simulation has ended: {run.ending.title}."
        extra: dict[str, Any] = {"announcement": announcement}
        if not run.finished_at:
            extra["changes"] = result.changes
        return _render_run(request, run, fragment=True, **extra)
    return redirect("simulation_run", slug=slug, run_id=run.pk)


@require_POST
@login_required
def simulation_reflect(request: HtmxHttpRequest, slug: str, run_id: int) -> HttpResponse:
    """Save the learner's reflection on their finished run (a plain form on the debrief)."""
    run = _user_run(request, slug, run_id)  # 404 before anything is read from the form
    if run.finished_at is None:
        messages.info(request, "You can write a reflection once the run has ended.")
        return redirect("simulation_run", slug=slug, run_id=run.pk)
    form = ReflectionForm(request.POST)
    if not form.is_valid():
        return _render_run(request, run, fragment=False, status=422, reflection_form=form)
    debrief.save_reflection(user=request.user, run_id=run.pk, text=form.cleaned_data["text"])
    messages.success(request, "Your reflection is saved.")
    return redirect(reverse("simulation_run", args=[slug, run.pk]) + "#reflection-heading")


def _bad_choice(request: HtmxHttpRequest, run: SimulationRun, message: str) -> HttpResponse:
    """A malformed or impossible choice: 422 with the current state and the message, nothing written.

    422 rather than 400 so htmx swaps the message in (base.html's htmx-config swaps 422 responses)."""
    run.refresh_from_db()
    if run.finished_at is not None:
        return _render_run(request, run, fragment=bool(request.htmx), status=422, announcement=message)
    return _render_run(request, run, fragment=bool(request.htmx), status=422, error=message)


# Instructor preview -------------------------------------------------------------------------------------------


@require_safe
@login_required
def simulation_map(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Staff only: the simulation as a map, all paths to each ending, and the options learners choose."""
    if not is_instructor(request.user):
        raise Http404("No simulation map here.")
    simulation = get_object_or_404(
        Simulation.objects.active().select_related("start_node", "module"), slug=slug
    )
    analysis = analyse_paths(simulation)
    distribution = {item.node_id: item for item in decision_distribution(simulation)}
    nodes = [
        {
            "item": item,
            "situation_html": _md(item.node.situation),
            "distribution": distribution.get(item.node.pk),
        }
        for item in analysis.nodes
    ]
    return render(
        request,
        "training/simulation_map.html",
        {"simulation": simulation, "analysis": analysis, "nodes": nodes},
    )
