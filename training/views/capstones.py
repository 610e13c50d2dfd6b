"""The capstone: the learner's page (brief, rubric, draft, submit, grade and feedback) and the instructor's
list and grading page for a cohort."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from training import capstones
from training.markup import render_markdown
from training.models import Capstone, CapstoneSubmission, Cohort
from training.permissions import cohorts_taught_by, instructor_required
from training.views.base import AuthenticatedHttpRequest


def _rubric(capstone: Capstone, scores: dict | None = None) -> list[dict]:
    scores = scores or {}
    return [
        {
            "criterion": criterion,
            "given": scores.get(criterion["key"]),
            "best": max((level["points"] for level in criterion.get("levels", [])), default=0),
        }
        for criterion in capstone.rubric
    ]


@login_required
@require_http_methods(["GET", "POST"])
def capstone_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    capstone = get_object_or_404(Capstone.objects.visible(), slug=slug)
    submission = CapstoneSubmission.objects.for_user(request.user).filter(capstone=capstone).first()
    status = 200
    if request.method == "POST":
        form = capstones.CapstoneForm(request.POST, capstone=capstone)
        if form.is_valid():
            submit = form.cleaned_data["action"] == "submit"
            try:
                capstones.save(request.user, capstone, form.cleaned_data["text"], submit=submit)
            except capstones.CapstoneError as exc:
                messages.error(request, str(exc))
                return redirect(capstone)
            messages.success(
                request,
                "Submitted: your instructor will grade it against the rubric below."
                if submit
                else "Draft saved.",
            )
            return redirect(capstone)
        status = 422
    else:
        form = capstones.CapstoneForm(
            capstone=capstone, initial={"text": submission.text if submission else ""}
        )
    return render(
        request,
        "training/capstone_detail.html",
        {
            "capstone": capstone,
            "brief_html": render_markdown(capstone.brief, heading_level=3),
            "submission": submission,
            "editable": submission is None or submission.state == CapstoneSubmission.State.DRAFT,
            "form": form,
            "rubric": _rubric(capstone, submission.scores if submission else None),
            "words": capstones.word_count(submission.text) if submission else 0,
            "feedback_html": render_markdown(submission.feedback)
            if submission and submission.feedback
            else "",
        },
        status=status,
    )


def _cohort(request: AuthenticatedHttpRequest, pk: int) -> Cohort:
    return get_object_or_404(cohorts_taught_by(request.user).select_related("course"), pk=pk)


@instructor_required
@require_safe
def instructor_capstones(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    submissions = (
        CapstoneSubmission.objects.filter(
            capstone__course=cohort.course, user__cohort_memberships__cohort=cohort
        )
        .exclude(state=CapstoneSubmission.State.DRAFT)
        .select_related("user", "capstone", "graded_by")
        .order_by("state", "submitted_at")
    )
    return render(
        request, "training/instructor_capstones.html", {"cohort": cohort, "submissions": submissions}
    )


@instructor_required
@require_http_methods(["GET", "POST"])
def instructor_capstone_grade(request: AuthenticatedHttpRequest, pk: int, submission_id: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    submission = get_object_or_404(
        CapstoneSubmission.objects.select_related("user", "capstone").exclude(
            state=CapstoneSubmission.State.DRAFT
        ),
        pk=submission_id,
        capstone__course=cohort.course,
        user__cohort_memberships__cohort=cohort,
    )
    capstone = submission.capstone
    status = 200
    if request.method == "POST":
        form = capstones.GradeForm(request.POST, capstone=capstone)
        if form.is_valid():
            capstones.grade(
                submission, grader=request.user, scores=form.scores(), feedback=form.cleaned_data["feedback"]
            )
            messages.success(
                request,
                f"Graded: {submission.total} of {capstone.max_points} points,"
                f" {'a pass' if submission.passed else 'not a pass'}. The learner sees it now.",
            )
            return redirect("instructor_capstones", pk=cohort.pk)
        status = 422
    else:
        initial = {f"criterion-{key}": points for key, points in (submission.scores or {}).items()}
        form = capstones.GradeForm(capstone=capstone, initial={**initial, "feedback": submission.feedback})
    return render(
        request,
        "training/instructor_capstone_grade.html",
        {
            "cohort": cohort,
            "submission": submission,
            "capstone": capstone,
            "form": form,
            "words": capstones.word_count(submission.text),
        },
        status=status,
    )
