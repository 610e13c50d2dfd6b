"""The instructor area: cohorts, their learners' progress, quiz/question/simulation statistics and CSV files.

Only instructors (the Instructors group, or a superuser) get in; everyone else gets 403. An instructor sees
only the cohorts they teach: every cohort is fetched through `cohorts_taught_by(user)`, so another cohort's
id is a 404. All figures come from training/analytics.py.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from training import analytics, quizzes, standing
from training.cohorts import create_cohort
from training.models import Accommodation, Cohort, Course, Question, Quiz, QuizAttempt, Simulation
from training.permissions import cohorts_taught_by, instructor_required, learners_of
from training.plain_text import refuse_control_characters
from training.simulation_cohort import cohort_map
from training.views.base import AuthenticatedHttpRequest, HtmxHttpRequest


def _cohort(request: HttpRequest, pk: int) -> Cohort:
    cohort = get_object_or_404(cohorts_taught_by(request.user), pk=pk)
    # Every figure below counts timed attempts past their deadline as submitted (docs/scoring.md).
    quizzes.submit_expired(QuizAttempt.objects.filter(quiz__course=cohort.course_id))
    return cohort


def _quiz(cohort: Cohort, slug: str) -> Quiz:
    return get_object_or_404(Quiz.objects.select_related("module"), course=cohort.course, slug=slug)


def _simulation(cohort: Cohort, slug: str) -> Simulation:
    return get_object_or_404(Simulation, course=cohort.course, slug=slug)


def _quizzes(cohort: Cohort):
    return Quiz.objects.active().filter(course=cohort.course).order_by("module__position", "position", "pk")


def _simulations(cohort: Cohort):
    return (
        Simulation.objects.active()
        .filter(course=cohort.course)
        .order_by("module__position", "position", "pk")
    )


class CohortForm(forms.Form):
    name = forms.CharField(
        label="Cohort name",
        max_length=200,
        help_text="For example “Spring 2026, group B”.",
        validators=[refuse_control_characters],
    )
    course = forms.ModelChoiceField(
        label="Course", queryset=Course.objects.active().order_by("title"), empty_label=None
    )


# Pages ------------------------------------------------------------------------------------------------------


@instructor_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return _home(request, CohortForm())


def _home(request: HttpRequest, form: CohortForm, status: int = 200) -> HttpResponse:
    cohorts = cohorts_taught_by(request.user).annotate(learners=Count("memberships")).order_by("-created_at")
    courses = Course.objects.filter(archived=False).order_by("title")
    return render(
        request,
        "training/instructor_home.html",
        {"cohorts": cohorts, "form": form, "courses": courses},
        status=status,
    )


@instructor_required
@require_POST
def cohort_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CohortForm(request.POST)
    if not form.is_valid():
        return _home(request, form, status=400)
    cohort = create_cohort(
        name=form.cleaned_data["name"], course=form.cleaned_data["course"], instructor=request.user
    )
    messages.success(request, f"Cohort {cohort.name} created. Learners join with the code {cohort.code}.")
    return redirect("instructor_cohort", pk=cohort.pk)


def _learner_params(request: HttpRequest) -> dict[str, str]:
    sort = request.GET.get("sort", "name")
    if sort.lstrip("-") not in analytics.SORTS:
        sort = "name"
    status = request.GET.get("status", "")
    if status not in analytics.STATUSES:
        status = ""
    return {"sort": sort, "status": status, "q": request.GET.get("q", "").strip()[:100]}


LEARNERS_PER_PAGE = 50

COLUMNS = [
    ("name", "Learner"),
    ("progress", "Progress"),
    ("lessons", "Lessons completed"),
    ("quizzes", "Quizzes passed"),
    ("attempts", "Quiz attempts"),
    ("simulations", "Simulations finished"),
    ("mastery", "Mastery"),
    ("active", "Last active"),
]


class ExtraTimeForm(forms.Form):
    """An instructor's accommodation: extra time on the course's timed quizzes for one learner of the cohort.
    The learner is named by username (a text field: a cohort of thousands would make a list of thousands)."""

    learner = forms.ModelChoiceField(
        label="Learner’s username",
        queryset=get_user_model().objects.none(),
        to_field_name="username",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}
        ),
        error_messages={"invalid_choice": "No learner of this cohort has that username."},
    )
    extra_percent = forms.IntegerField(
        label="Extra time (%)",
        min_value=0,
        max_value=400,
        help_text="In percent of each time limit: 25 gives a 20-minute quiz 25 minutes. 0 removes it.",
    )

    def __init__(self, *args: Any, cohort: Cohort, instructor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only this cohort's learners, and only those the instructor may see (permissions.learners_of).
        field = self.fields["learner"]
        assert isinstance(field, forms.ModelChoiceField)  # nosec B101 - narrows the type for mypy
        field.queryset = (
            learners_of(instructor).filter(cohort_memberships__cohort=cohort).order_by("username").distinct()
        )


def _extra_time_rows(cohort: Cohort) -> list[Accommodation]:
    members = cohort.memberships.values("user_id")
    return list(
        Accommodation.objects.filter(course=cohort.course_id, user__in=members)
        .select_related("user")
        .order_by("user__username")
    )


@instructor_required
@require_POST
def extra_time(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    form = ExtraTimeForm(request.POST, cohort=cohort, instructor=request.user)
    if not form.is_valid():
        return _cohort_page(request, cohort, extra_form=form, status=400)
    learner, percent = form.cleaned_data["learner"], form.cleaned_data["extra_percent"]
    quizzes.set_extra_time(user=learner, course=cohort.course, extra_percent=percent, set_by=request.user)
    name = learner.get_username()
    messages.success(
        request,
        f"{name} now has {percent}% extra time on timed quizzes."
        if percent
        else f"{name} has no extra time.",
    )
    return redirect(reverse("instructor_cohort", args=[cohort.pk]) + "#extra-time-heading")


@instructor_required
@require_safe
@vary_on_headers("HX-Request")
def cohort_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _cohort_page(request, _cohort(request, pk))


def _cohort_page(
    request: HttpRequest, cohort: Cohort, extra_form: ExtraTimeForm | None = None, status: int = 200
) -> HttpResponse:
    params = _learner_params(request)
    rows = analytics.learner_rows(cohort, search=params["q"], status=params["status"], sort=params["sort"])
    page = Paginator(rows, LEARNERS_PER_PAGE).get_page(request.GET.get("page"))
    current = params["sort"].lstrip("-")
    descending = params["sort"].startswith("-")
    columns = []
    for key, label in COLUMNS:
        next_sort = f"-{key}" if key == current and not descending else key
        query = {"sort": next_sort, "status": params["status"], "q": params["q"]}
        columns.append(
            {
                "key": key,
                "label": label,
                "query": urlencode({k: v for k, v in query.items() if v}),
                "aria_sort": ("descending" if descending else "ascending") if key == current else None,
            }
        )
    keep = {k: v for k, v in params.items() if v}
    context = {
        "cohort": cohort,
        "rows": page.object_list,
        "page": page,
        "matching": len(rows),
        "previous_query": urlencode({**keep, "page": page.previous_page_number()})
        if page.has_previous()
        else "",
        "next_query": urlencode({**keep, "page": page.next_page_number()}) if page.has_next() else "",
        "columns": columns,
        "params": params,
        "sort_label": dict(COLUMNS)[current],
        "statuses": analytics.STATUSES,
        "explanations": standing.EXPLANATIONS,
        "status_label": analytics.STATUSES.get(params["status"], ""),
        "join_url": request.build_absolute_uri(reverse("cohort_join_code", args=[cohort.code])),
    }
    if getattr(request, "htmx", False) and request.method == "GET":
        return render(request, "training/instructor_cohort.html#learners", context)
    quiz_list = list(_quizzes(cohort))
    context.update(
        quizzes=analytics.quiz_summaries(cohort, quiz_list),
        simulations=analytics.simulation_summaries(cohort, _simulations(cohort)),
        misconceptions=analytics.misconceptions(cohort, limit=5),
        learner_count=cohort.memberships.count(),
        timed=any(quiz.time_limit for quiz in quiz_list),
        extra_form=extra_form or ExtraTimeForm(cohort=cohort, instructor=request.user),
        extra_rows=_extra_time_rows(cohort),
    )
    return render(request, "training/instructor_cohort.html", context, status=status)


@instructor_required
@require_safe
def objectives(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    context = {"cohort": cohort, "objectives": analytics.objective_mastery(cohort)}
    return render(request, "training/instructor_objectives.html", context)


@instructor_required
@require_safe
def quiz_stats(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    cohort = _cohort(request, pk)
    quiz = _quiz(cohort, slug)
    (summary,) = analytics.quiz_summaries(cohort, [quiz])
    questions = analytics.question_stats(cohort, analytics.quiz_questions(quiz))
    context = {
        "cohort": cohort,
        "quiz": quiz,
        "summary": summary,
        "questions": questions,
        "analytics": analytics,
    }
    return render(request, "training/instructor_quiz.html", context)


@instructor_required
@require_safe
def question_stats(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    cohort = _cohort(request, pk)
    question = get_object_or_404(
        Question.objects.select_related("quiz"), course=cohort.course, quiz__isnull=False, slug=slug
    )
    (stats,) = analytics.question_stats(cohort, Question.objects.filter(pk=question.pk))
    return render(
        request,
        "training/instructor_question.html",
        {"cohort": cohort, "stats": stats, "quiz": question.quiz},
    )


@instructor_required
@require_safe
def simulation_stats(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    cohort = _cohort(request, pk)
    simulation = _simulation(cohort, slug)
    stats = analytics.simulation_stats(cohort, simulation)
    return render(
        request,
        "training/instructor_simulation.html",
        {"cohort": cohort, "stats": stats, "map": cohort_map(cohort, simulation)},
    )


# CSV ----------------------------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """Numbers as plain figures; text that a spreadsheet would run as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _csv(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return response


def _csv_table(
    filename: str, columns: Sequence[tuple[str, Callable[[Any], Any]]], items: Iterable[Any]
) -> HttpResponse:
    """A CSV whose columns are (header, value of an item) pairs, so a header and its value cannot drift."""
    return _csv(
        filename, [name for name, _ in columns], ([value(item) for _, value in columns] for item in items)
    )


def _name(cohort: Cohort, *parts: str) -> str:
    return "-".join(["cohort", cohort.code.lower(), *parts]) + ".csv"


@instructor_required
@require_safe
def learners_csv(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    params = _learner_params(request)
    rows = analytics.learner_rows(cohort, search=params["q"], status=params["status"], sort=params["sort"])
    return _csv_table(
        _name(cohort, "learners"),
        [
            ("learner", lambda r: r.username),
            ("status", lambda r: r.status_label),
            ("progress_percent", lambda r: r.progress),
            ("lessons_completed", lambda r: r.lessons_done),
            ("lessons_total", lambda r: r.totals["lessons"]),
            ("quizzes_passed", lambda r: r.quizzes_passed),
            ("quizzes_total", lambda r: r.totals["quizzes"]),
            ("quiz_attempts", lambda r: r.attempts),
            ("simulations_finished", lambda r: r.simulations_finished),
            ("simulations_total", lambda r: r.totals["simulations"]),
            ("mastery_percent", lambda r: r.mastery),
            ("objectives_total", lambda r: r.totals["objectives"]),
            ("joined_at", lambda r: r.joined_at),
            ("last_active", lambda r: r.last_active),
        ],
        rows,
    )


@instructor_required
@require_safe
def quizzes_csv(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    summaries = analytics.quiz_summaries(cohort, _quizzes(cohort))
    return _csv_table(
        _name(cohort, "quizzes"),
        [
            ("quiz", lambda s: s.quiz.slug),
            ("title", lambda s: s.quiz.title),
            ("attempts", lambda s: s.attempts),
            ("learners", lambda s: s.learners),
            ("first_attempts", lambda s: s.first_attempts),
            ("mean_percent", lambda s: s.mean),
            ("median_percent", lambda s: s.median),
            ("pass_rate_percent", lambda s: s.pass_rate),
        ],
        summaries,
    )


@instructor_required
@require_safe
def objectives_csv(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    return _csv(
        _name(cohort, "objectives"),
        ["objective", "module", "text", "answers", "correct", "percent_correct"],
        (
            [o.slug, o.module.slug, o.text, n, right, pct]
            for o, n, right, pct in analytics.objective_mastery(cohort)
        ),
    )


@instructor_required
@require_safe
def distribution_csv(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    cohort = _cohort(request, pk)
    (summary,) = analytics.quiz_summaries(cohort, [_quiz(cohort, slug)])
    return _csv(
        _name(cohort, slug, "distribution"),
        ["score_range", "attempts"],
        ([label, count] for label, count, _share in summary.buckets),
    )


def _question_rows(stats: list[analytics.QuestionStats]):
    for s in stats:
        misconception = s.misconception
        yield [
            s.question.slug,
            s.question.get_kind_display(),
            s.question.prompt,
            s.responses,
            s.facility,
            s.sd,
            s.discrimination,
            misconception.choice.key if misconception else "",
            misconception.rate if misconception else None,
            "; ".join(s.flags),
        ]


@instructor_required
@require_safe
def questions_csv(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    cohort = _cohort(request, pk)
    stats = analytics.question_stats(cohort, analytics.quiz_questions(_quiz(cohort, slug)))
    return _csv(
        _name(cohort, slug, "questions"),
        [
            "question",
            "kind",
            "prompt",
            "first_attempt_responses",
            "facility_percent",
            "sd_percent",
            "discrimination_index",
            "likely_misconception_option",
            "misconception_pick_percent",
            "flags",
        ],
        _question_rows(stats),
    )


@instructor_required
@require_safe
def options_csv(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    cohort = _cohort(request, pk)
    stats = analytics.question_stats(cohort, analytics.quiz_questions(_quiz(cohort, slug)))
    return _csv(
        _name(cohort, slug, "options"),
        ["question", "option", "text", "correct", "picks", "pick_percent", "likely_misconception"],
        (
            [
                s.question.slug,
                c.choice.key,
                c.choice.text,
                "yes" if c.choice.correct else "no",
                c.picks,
                c.rate,
                "yes" if c.misconception else "",
            ]
            for s in stats
            if s.picks_apply
            for c in s.choices
        ),
    )


@instructor_required
@require_safe
def simulations_csv(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    return _csv(
        _name(cohort, "simulations"),
        ["simulation", "title", "runs", "finished", "learners"],
        (
            [s.simulation.slug, s.simulation.title, s.runs, s.finished, s.learners]
            for s in analytics.simulation_summaries(cohort, _simulations(cohort))
        ),
    )


@instructor_required
@require_safe
def endings_csv(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    cohort = _cohort(request, pk)
    stats = analytics.simulation_stats(cohort, _simulation(cohort, slug))
    return _csv(
        _name(cohort, slug, "endings"),
        ["ending", "title", "outcome", "runs", "percent_of_finished_runs"],
        ([e.node.key, e.node.title, e.node.get_outcome_display(), e.runs, e.rate] for e in stats.endings),
    )


@instructor_required
@require_safe
def decisions_csv(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    cohort = _cohort(request, pk)
    stats = analytics.simulation_stats(cohort, _simulation(cohort, slug))
    return _csv(
        _name(cohort, slug, "decisions"),
        [
            "node",
            "node_title",
            "option",
            "option_text",
            "recommended",
            "picks",
            "percent_of_decisions_at_node",
        ],
        (
            [
                d.node.key,
                d.node.title,
                o.option.key,
                o.option.text,
                "yes" if o.option.recommended else "no",
                o.picks,
                o.rate,
            ]
            for d in stats.decisions
            for o in d.options
        ),
    )


@instructor_required
@require_safe
def runs_csv(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """Each counted run of the cohort with its path (training.simulation_cohort)."""
    cohort = _cohort(request, pk)
    found = cohort_map(cohort, _simulation(cohort, slug))
    return _csv_table(
        _name(cohort, slug, "runs"),
        [
            ("run", lambda r: r.run_id),
            ("learner", lambda r: r.learner),
            ("started_at", lambda r: r.started_at),
            ("finished_at", lambda r: r.finished_at),
            ("status", lambda r: r.status),
            ("ending", lambda r: r.ending.key if r.ending else ""),
            ("outcome", lambda r: r.ending.outcome if r.ending else ""),
            ("stands_at", lambda r: r.stands_at.key if r.stands_at else ""),
            ("decisions", lambda r: len(r.steps)),
            ("revisited_nodes", lambda r: " ".join(n.key for n in r.loops)),
            ("path", lambda r: r.path_text),
        ],
        found.runs,
    )
