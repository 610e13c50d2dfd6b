"""A module's reflection: the learner's page (prompt, answer) and the instructor's list for a cohort."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from training.markup import render_markdown
from training.models import Module, ModuleReflection
from training.permissions import cohorts_taught_by, instructor_required
from training.reflections import ModuleReflectionForm, save_module_reflection
from training.views.base import AuthenticatedHttpRequest


@login_required
@require_http_methods(["GET", "POST"])
def module_reflection(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    module = get_object_or_404(Module.objects.visible().exclude(reflection=""), slug=slug)
    mine = ModuleReflection.objects.for_user(request.user).filter(module=module).first()
    status = 200
    if request.method == "POST":
        form = ModuleReflectionForm(request.POST)
        if form.is_valid():
            save_module_reflection(user=request.user, module=module, text=form.cleaned_data["text"])
            messages.success(request, "Your reflection is saved.")
            return redirect(reverse("module_reflection", args=[module.slug]))
        status = 422
    else:
        form = ModuleReflectionForm(initial={"text": mine.text if mine else ""})
    return render(
        request,
        "training/module_reflection.html",
        {
            "module": module,
            "prompt_html": render_markdown(module.reflection, heading_level=3),
            "reflection": mine,
            "form": form,
        },
        status=status,
    )


@instructor_required
@require_safe
def instructor_reflections(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = get_object_or_404(cohorts_taught_by(request.user).select_related("course"), pk=pk)
    reflections = (
        ModuleReflection.objects.filter(module__course=cohort.course, user__cohort_memberships__cohort=cohort)
        .select_related("user", "module")
        .order_by("module__position", "module__pk", "user__username")
    )
    return render(
        request, "training/instructor_reflections.html", {"cohort": cohort, "reflections": reflections}
    )
