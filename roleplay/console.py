"""The facilitator's pages: start a session for a cohort one teaches, the console (every group's status, the
phase clock, assignment and reassignment, injects, a message to a group, the end), any group's channels,
the debrief with every learner's answers, and the CSV export.

Every session is fetched through `Session.objects.run_by(user)`: an instructor who does not teach the
session's cohort gets a 404, a learner a 403 (instructor_required).
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.db.models import Count, Max
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from roleplay import sessions
from roleplay.forms import (
    ClockForm,
    FacilitatorMessageForm,
    InjectForm,
    MessageForm,
    ReassignForm,
    StartSessionForm,
)
from roleplay.models import (
    DebriefAnswer,
    Group,
    Message,
    Participant,
    Proposal,
    ProposalResponse,
    RolePlay,
    Session,
    remaining,
)
from roleplay.outcomes import debrief_of, group_outcomes
from roleplay.play import view_of
from roleplay.sessions import RolePlayError
from roleplay.views import render_live
from training.permissions import cohorts_taught_by, instructor_required
from training.views.base import AuthenticatedHttpRequest


def _session(request: AuthenticatedHttpRequest, session_id: int) -> Session:
    return get_object_or_404(
        Session.objects.run_by(request.user).select_related("roleplay", "cohort"), pk=session_id
    )


def _start_form(request: AuthenticatedHttpRequest, data=None) -> StartSessionForm:
    cohorts = cohorts_taught_by(request.user)
    roleplays = RolePlay.objects.visible().filter(course__in=cohorts.values("course")).in_order()
    return StartSessionForm(data, roleplays=roleplays, cohorts=cohorts)


@instructor_required
@require_safe
def run_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    sessions_run = Session.objects.run_by(request.user).select_related("roleplay", "cohort")[:50]
    return render(request, "roleplay/run_home.html", {"form": _start_form(request), "sessions": sessions_run})


@instructor_required
@require_POST
def start(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _start_form(request, request.POST)
    if not form.is_valid():
        sessions_run = Session.objects.run_by(request.user).select_related("roleplay", "cohort")[:50]
        return render(request, "roleplay/run_home.html", {"form": form, "sessions": sessions_run}, status=422)
    session = sessions.start_session(
        roleplay=form.cleaned_data["roleplay"], cohort=form.cleaned_data["cohort"], instructor=request.user
    )
    messages.success(request, f"Session started. Learners join with the code {session.code}.")
    return redirect("roleplay_console", session_id=session.pk)


# The console ----------------------------------------------------------------------------------------------


def _console_context(request: AuthenticatedHttpRequest, session: Session, **extra) -> dict:
    phases = session.roleplay.active_phases()
    groups = list(
        session.groups.annotate(
            message_count=Count("messages", distinct=True),
            proposal_count=Count("proposals", distinct=True),
            last_message_at=Max("messages__created_at"),
        ).order_by("number")
    )
    outcomes = {o.group.pk: o for o in group_outcomes(session)}
    seats = {
        group.pk: list(
            group.seats.select_related("role", "holder__user").order_by("role__position", "role__pk")
        )
        for group in groups
    }
    participants = list(session.participants.select_related("user", "group", "seat__role"))
    phase = sessions.current_phase(session, phases)
    context = {
        "session": session,
        "phases": phases,
        "phase": phase,
        "remaining": session_remaining(session, phase),
        "rows": [(group, seats[group.pk], outcomes.get(group.pk)) for group in groups],
        "waiting": [p for p in participants if p.group_id is None and p.left_at is None],
        "observers": [p for p in participants if p.is_observer],
        "left": [p for p in participants if p.left_at is not None],
        "participant_count": sum(1 for p in participants if p.left_at is None),
        "join_url": request.build_absolute_uri(reverse("roleplay_join_code", args=[session.code])),
        "clock_form": ClockForm(),
        "inject_form": InjectForm(roleplay=session.roleplay),
        "reassign_form": ReassignForm(session=session),
        "message_form": FacilitatorMessageForm(),
        "is_last_phase": session.phase_index + 1 >= len(phases),
    }
    context.update(extra)
    return context


def session_remaining(session: Session, phase) -> str:
    left = remaining(session, phase)
    if left is None:
        return ""
    seconds = int(left.total_seconds())
    minutes, rest = divmod(abs(seconds), 60)
    return f"{'over by ' if seconds < 0 else ''}{minutes} min {rest:02d} s"


@instructor_required
@require_safe
@vary_on_headers("HX-Request", "HX-Target")
def console(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    context = _console_context(request, session)
    if request.htmx and request.htmx.target == "rp-console":
        return render(request, "roleplay/console.html#rp-console", context)
    return render(request, "roleplay/console.html", context)


def _back(session: Session) -> HttpResponse:
    return redirect("roleplay_console", session_id=session.pk)


def _refused(
    request: AuthenticatedHttpRequest, session: Session, reason: str, status: int = 422
) -> HttpResponse:
    return render(
        request, "roleplay/console.html", _console_context(request, session, error=reason), status=status
    )


@instructor_required
@require_POST
def assign(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    try:
        groups = sessions.assign_roles(session=session)
    except RolePlayError as error:
        return _refused(request, session, str(error), 409)
    messages.success(request, f"Roles assigned in {len(groups)} group{'s' if len(groups) != 1 else ''}.")
    return _back(session)


@instructor_required
@require_POST
def clock(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    form = ClockForm(request.POST)
    if not form.is_valid():
        return _refused(request, session, "Choose start, pause, resume or next phase.")
    action = {
        "start": sessions.start_clock,
        "pause": sessions.pause_clock,
        "resume": sessions.resume_clock,
        "advance": sessions.advance_phase,
    }[form.cleaned_data["action"]]
    try:
        action(session=session)
    except RolePlayError as error:
        return _refused(request, session, str(error), 409)
    return _back(session)


@instructor_required
@require_POST
def release(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    form = InjectForm(request.POST, roleplay=session.roleplay)
    if not form.is_valid():
        return _refused(request, session, "Choose a news item of this role-play (and roles of it).")
    try:
        sessions.release_inject(
            session=session, inject=form.cleaned_data["inject"], roles=form.recipients(), by=request.user
        )
    except RolePlayError as error:
        return _refused(request, session, str(error), 409)
    messages.success(request, f"Released: {form.cleaned_data['inject'].title}.")
    return _back(session)


@instructor_required
@require_POST
def reassign(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    form = ReassignForm(request.POST, session=session)
    if not form.is_valid():
        return _refused(request, session, "Choose a role of this session and a learner who is in it.")
    try:
        sessions.reassign(
            session=session, seat=form.cleaned_data["seat"], participant=form.cleaned_data["participant"]
        )
    except RolePlayError as error:
        return _refused(request, session, str(error), 409)
    messages.success(request, "Role reassigned; its messages and proposals stay with it.")
    return _back(session)


@instructor_required
@require_POST
def message(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """The facilitator writes to a group's whole-group channel (or every group's, without `group`)."""
    session = _session(request, session_id)
    form = FacilitatorMessageForm(request.POST)
    if not form.is_valid():
        return _refused(request, session, "Write a message of at most 2000 characters.")
    groups = session.groups.all()
    if form.cleaned_data["group"]:
        groups = groups.filter(pk=form.cleaned_data["group"])
        if not groups:
            return _refused(request, session, "Choose a group of this session.")
    try:
        for group in groups:
            sessions.post_message(
                group=group, seat=None, author=request.user, channel="group", text=form.cleaned_data["text"]
            )
    except RolePlayError as error:
        return _refused(request, session, str(error), 409)
    messages.success(request, "Message sent.")
    next_group = request.POST.get("back_to_group")
    if next_group and next_group.isdigit() and groups.filter(pk=int(next_group)).exists():
        return redirect(
            reverse("roleplay_run_group", args=[session.pk, int(next_group)]) + "?channel=group#messages"
        )
    return _back(session)


@instructor_required
@require_POST
def end(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    sessions.end_session(session=session)
    messages.success(request, "Session ended. Groups without an agreement score their walk-away values.")
    return redirect("roleplay_run_debrief", session_id=session.pk)


@instructor_required
@require_safe
@vary_on_headers("HX-Request", "HX-Target")
def group_page(request: AuthenticatedHttpRequest, session_id: int, group_id: int) -> HttpResponse:
    """Any group of the session as the facilitator sees it: every channel, every role's brief."""
    session = _session(request, session_id)
    group = get_object_or_404(Group, session=session, pk=group_id)
    view = view_of(group, seat=None, facilitator=True, channel=request.GET.get("channel"))
    page = (
        reverse("roleplay_run_group", args=[session.pk, group.pk])
        + "?"
        + urlencode({"channel": view.channel.key})
    )
    context = {
        "view": view,
        "page_url": page,
        "fragment_url": page,
        "message_url": reverse("roleplay_run_message", args=[session.pk]),
        "message_form": MessageForm(initial={"channel": "group"}),
        "facilitator_group": group,
    }
    return render_live(request, context) or render(request, "roleplay/play.html", context)


# Debrief and export ---------------------------------------------------------------------------------------


@instructor_required
@require_safe
def debrief(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    groups = list(session.groups.order_by("number"))
    chosen = next(
        (g for g in groups if str(g.number) == request.GET.get("group", "")), groups[0] if groups else None
    )
    questions = list(session.roleplay.debrief_questions.active().in_order())
    answers = (
        DebriefAnswer.objects.filter(session=session)
        .select_related("user", "question")
        .order_by("user__username", "question__position")
    )
    by_learner: dict[str, dict[int, str]] = {}
    for answer in answers:
        by_learner.setdefault(answer.user.get_username(), {})[answer.question_id] = answer.text
    return render(
        request,
        "roleplay/debrief.html",
        {
            "debrief": debrief_of(session, replay_group=chosen, viewer_seat=None, facilitator=True),
            "groups": groups,
            "group": chosen,
            "facilitator": True,
            "questions": questions,
            "answers": [(name, [row.get(q.pk, "") for q in questions]) for name, row in by_learner.items()],
        },
    )


@instructor_required
@require_safe
def export_csv(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """One row per role per group (outcome and score), then every message, proposal and answer."""
    session = _session(request, session_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="roleplay-session-{session.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(["section", "group", "role", "learner", "time", "channel", "text", "score", "agreement"])
    holders = {
        p.seat_id: p.user.get_username()
        for p in Participant.objects.filter(session=session, seat__isnull=False).select_related("user")
    }
    for outcome in group_outcomes(session):
        seat_by_role = {seat.role_id: seat for seat in outcome.group.seats.all()}
        for role in outcome.roles:
            seat = seat_by_role.get(role.pk)
            writer.writerow(
                [
                    "outcome",
                    outcome.group.number,
                    role.title,
                    holders.get(seat.pk if seat else None, ""),
                    outcome.group.agreed_at.isoformat() if outcome.group.agreed_at else "",
                    "",
                    "; ".join(f"{issue.title}: {text}" for issue, text in outcome.package),
                    outcome.scores[role.slug],
                    "yes" if outcome.agreed else "no",
                ]
            )
    for item in Message.objects.filter(group__session=session).select_related(
        "group", "seat__role", "author"
    ):
        writer.writerow(
            [
                "message",
                item.group.number,
                item.seat.role.title if item.seat else "Facilitator",
                item.author.get_username() if item.author else "",
                item.created_at.isoformat(),
                item.channel,
                _safe(item.text),
                "",
                "",
            ]
        )
    for proposal in Proposal.objects.filter(group__session=session).select_related(
        "group", "seat__role", "author"
    ):
        writer.writerow(
            [
                "proposal",
                proposal.group.number,
                proposal.seat.role.title,
                proposal.author.get_username() if proposal.author else "",
                proposal.created_at.isoformat(),
                "",
                "; ".join(f"{issue}={key}" for issue, key in proposal.package.items()),
                "",
                "",
            ]
        )
    for answer in ProposalResponse.objects.filter(proposal__group__session=session).select_related(
        "proposal__group", "seat__role", "author"
    ):
        writer.writerow(
            [
                "response",
                answer.proposal.group.number,
                answer.seat.role.title,
                answer.author.get_username() if answer.author else "",
                answer.created_at.isoformat(),
                "",
                f"{'accepted' if answer.accepted else 'rejected'} proposal {answer.proposal_id}",
                "",
                "",
            ]
        )
    for debrief_answer in DebriefAnswer.objects.filter(session=session).select_related("user", "question"):
        writer.writerow(
            [
                "debrief",
                "",
                "",
                debrief_answer.user.get_username(),
                debrief_answer.updated_at.isoformat(),
                debrief_answer.question.slug,
                _safe(debrief_answer.text),
                "",
                "",
            ]
        )
    return response


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
