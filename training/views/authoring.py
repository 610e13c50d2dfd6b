"""Authoring pages for staff: a course's readiness (every problem, linked to the field that fixes it), a
simulation's graph (with its problems and a one-step "option to a new node" form), playing a simulation
from any node with chosen meter values without recording a run, and a lesson or quiz page previewed as a
learner will see it, drafts included."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from training import simulation_tryout as tryout
from training.markup import check_markdown, render_markdown
from training.models import Course, Lesson, Question, Quiz, Simulation
from training.permissions import instructor_required, is_instructor
from training.readiness import course_readiness
from training.simulation_editing import AddOptionForm, add_option_to_new_node
from training.simulation_graph import draw_simulation
from training.views.base import HtmxHttpRequest
from training.views.learn import CheckView, check_form, lesson_preview_context


@instructor_required
@require_safe
def course_readiness_page(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    course = get_object_or_404(Course, slug=slug)
    return render(request, "training/course_readiness.html", {"readiness": course_readiness(course)})


def _staff_simulation(request: HtmxHttpRequest, slug: str) -> Simulation:
    """Drafts included; a 404 for anyone who is not an instructor, as for the map."""
    if not is_instructor(request.user):
        raise Http404("No simulation here.")
    return get_object_or_404(
        Simulation.objects.active().select_related("start_node", "module__course"), slug=slug
    )


def _may_grow(request: HtmxHttpRequest) -> bool:
    return request.user.has_perms(["training.add_option", "training.add_node"])


def _graph_page(request: HtmxHttpRequest, simulation: Simulation, form: AddOptionForm, status: int = 200):
    graph = draw_simulation(simulation)
    return render(
        request,
        "training/simulation_graph.html",
        {"simulation": simulation, "graph": graph, "form": form if _may_grow(request) else None},
        status=status,
    )


@require_safe
@login_required
def simulation_graph(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    simulation = _staff_simulation(request, slug)
    # "Add an option from here" on a node's card: that node chosen in the form (an unknown key is ignored).
    form = AddOptionForm(simulation=simulation, initial={"node": request.GET.get("from", "")[:50]})
    return _graph_page(request, simulation, form)


@require_POST
@login_required
def simulation_graph_add(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    simulation = _staff_simulation(request, slug)
    if not _may_grow(request):
        raise PermissionDenied("You may not add options and nodes.")
    form = AddOptionForm(request.POST, simulation=simulation)
    if not form.is_valid():
        return _graph_page(request, simulation, form, status=422)
    option, node = add_option_to_new_node(simulation, form)
    messages.success(
        request,
        f"Added option {option.key} at “{option.node.title}” leading to the new node “{node.title}”,"
        " both as drafts. Write the node's situation and its options or ending next.",
    )
    return redirect(reverse("simulation_graph", args=[simulation.slug]) + f"#node-{node.key}")


@require_safe
@login_required
def simulation_try(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The start form; with `state` and `option` in the query, the step after that choice."""
    simulation = _staff_simulation(request, slug)
    context: dict = {"simulation": simulation}
    status = 200
    if "state" in request.GET:
        choice = tryout.TryoutChoiceForm(request.GET, simulation=simulation)
        if not choice.is_valid():
            context["error"] = " ".join(str(e) for errors in choice.errors.values() for e in errors)
            context["form"] = tryout.TryoutStartForm(simulation=simulation)
            return render(request, "training/simulation_try.html", context, status=400)
        try_state = choice.cleaned_data["state"]
        try:
            step = tryout.choose(simulation, try_state, choice.cleaned_data["option"])
        except tryout.TryoutError as exc:
            context["error"] = str(exc)
            status = 422
        else:
            context["step"] = step
            try_state = step.after
        start = tryout.TryoutStartForm(simulation=simulation)
    elif "node" in request.GET:
        start = tryout.TryoutStartForm(request.GET, simulation=simulation)
        if not start.is_valid():
            context["form"] = start
            return render(request, "training/simulation_try.html", context, status=400)
        try_state = start.try_state()
    else:
        context["form"] = tryout.TryoutStartForm(simulation=simulation, start=request.GET.get("start"))
        return render(request, "training/simulation_try.html", context)
    node = try_state.node
    context.update(
        form=start,
        node=node,
        try_state=try_state,
        token=try_state.token(simulation),
        situation_html=render_markdown(node.situation or "", heading_level=3),
        debrief_html=render_markdown(node.debrief or "", heading_level=3) if node.is_ending else "",
        meters=list(zip(tryout.meters_of(simulation), try_state.state.values.values(), strict=True)),
        flags=sorted(try_state.state.flags),
        options=tryout.options_at(try_state) if not node.is_ending else [],
    )
    return render(request, "training/simulation_try.html", context, status=status)


# A lesson or quiz page as a learner will see it, drafts included (learners never see drafts) ---------------


def _preview_context(obj: Lesson | Quiz, visible: bool) -> dict:
    model_name = obj._meta.model_name
    return {
        "learner_visible": visible,
        "admin_url": reverse(f"admin:training_{model_name}_change", args=[obj.pk]),
        "readiness_url": reverse("instructor_readiness", args=[obj.module.course.slug]),
    }


@require_safe
@login_required
def lesson_preview(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The lesson page with its draft parts, for instructors (a 404 for anyone else, like the learner page of
    a draft); its checks' fields are shown disabled and nothing is recorded."""
    if not is_instructor(request.user):
        raise Http404("No lesson here.")
    lesson = get_object_or_404(Lesson.objects.active().select_related("module__course"), slug=slug)
    visible = Lesson.objects.visible().filter(pk=lesson.pk).exists()
    context = {**lesson_preview_context(lesson), **_preview_context(lesson, visible)}
    return render(request, "training/lesson_detail.html", context)


@require_safe
@login_required
def quiz_preview(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The quiz's introduction and every question of it (drafts included and marked) as a learner answers
    them, fields disabled, for instructors; a 404 for anyone else."""
    if not is_instructor(request.user):
        raise Http404("No quiz here.")
    quiz = get_object_or_404(Quiz.objects.active().select_related("module__course"), slug=slug)
    visible = Quiz.objects.visible().filter(pk=quiz.pk).exists()
    questions = Question.objects.active().filter(quiz=quiz).in_order().as_shown()
    context = {
        "quiz": quiz,
        "questions": [
            CheckView(question=question, form=check_form(question, disabled=True)) for question in questions
        ],
        **_preview_context(quiz, visible),
    }
    return render(request, "training/quiz_preview.html", context)


# Live preview of a Markdown field in the admin (htmx as the author types; a Preview button without JS) -----

# kind → (the admin form's field, the heading level the learner page gives the text, what the text is)
PREVIEW_KINDS: dict[str, tuple[str, int, str]] = {
    "lesson": ("body", 2, "lesson body"),
    "question": ("scenario", 3, "question scenario"),
    "node": ("situation", 3, "node situation"),
}


@instructor_required
@require_POST
def markdown_preview(request: HtmxHttpRequest, kind: str) -> HttpResponse:
    """The field's text as a learner will see it, rendered by the app's own Markdown pipeline, with the
    loader's Markdown problems (an unknown `[[term]]`, raw HTML…)."""
    if kind not in PREVIEW_KINDS:
        raise Http404("No preview of that kind.")
    field, heading_level, label = PREVIEW_KINDS[kind]
    text = request.POST.get(field, "")[:100_000]
    context = {
        "label": label,
        "html": render_markdown(text, heading_level=heading_level, id_prefix="preview"),
        "problems": check_markdown(text),
        "empty": not text.strip(),
    }
    template = "training/markdown_preview.html" + ("#preview" if request.htmx else "")
    return render(request, template, context)
