"""Role-play pages for learners: join, the waiting room, the play page (and its live fragments), messages,
proposals and answers, leaving, and the debrief. Every action is a plain form that redirects back (JavaScript
off); with htmx the live fragments are re-fetched from the same URL (`HX-Target` names the fragment).

A learner reaches a group only through `Group.objects.played_by(user)` and a session only through their own
participation or cohort: anything else is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from roleplay import sessions
from roleplay.forms import DebriefForm, JoinForm, MessageForm, ProposalForm, RespondForm
from roleplay.models import DebriefAnswer, Group, Participant, Proposal, Session
from roleplay.outcomes import debrief_of
from roleplay.play import GroupView, view_of
from roleplay.sessions import RolePlayError
from training.views.base import AuthenticatedHttpRequest

LIVE_FRAGMENTS = ("rp-status", "rp-messages", "rp-proposals", "rp-injects")


def render_live(request: AuthenticatedHttpRequest, context: dict) -> HttpResponse | None:
    """The htmx answer for a live part of a group page (HX-Target names it), or None for the full page.
    `rp-live` is the one request a ping makes: every live part at once, out of band."""
    target = request.htmx.target if request.htmx else None
    if target == "rp-live":
        context["state_changed"] = request.GET.get("state") != context["view"].state
        return render(request, "roleplay/play_live.html", context)
    if target in LIVE_FRAGMENTS:
        return render(request, f"roleplay/play.html#{target}", context)
    return None


def _played_group(request: AuthenticatedHttpRequest, group_id: int) -> tuple[Group, Participant]:
    group = get_object_or_404(Group.objects.played_by(request.user), pk=group_id)
    participant = Participant.objects.select_related("seat__role").get(
        group=group, user=request.user, left_at__isnull=True
    )
    return group, participant


def _context(view: GroupView, **extra) -> dict:
    """What the play page and its fragments need besides the view: their URLs, the forms."""
    page = reverse("roleplay_play", args=[view.group.pk])
    query = "?" + urlencode({"channel": view.channel.key})
    context = {
        "view": view,
        "page_url": page + query,
        "fragment_url": page + query,
        "message_url": reverse("roleplay_message", args=[view.group.pk]),
        "message_form": MessageForm(initial={"channel": view.channel.key}),
        "proposal_form": ProposalForm(issues=view.issues) if view.can_propose else None,
    }
    context.update(extra)
    return context


def _play_url(group: Group, channel: str = "", anchor: str = "") -> str:
    url = reverse("roleplay_play", args=[group.pk])
    if channel:
        url += "?" + urlencode({"channel": channel})
    return url + (f"#{anchor}" if anchor else "")


# Joining --------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def join(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Join with a code; also lists the open sessions of the learner's cohorts."""
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = Session.objects.joinable_by(request.user).filter(code=form.cleaned_data["code"]).first()
        if session is None:
            form.add_error(
                "code", "No open session of your cohorts has this code. Check it with your facilitator."
            )
        else:
            return _join(request, session)
    mine = Participant.objects.filter(user=request.user, left_at__isnull=True).values("session")
    joinable = (
        Session.objects.joinable_by(request.user).exclude(pk__in=mine).select_related("roleplay", "cohort")
    )
    playing = Session.objects.filter(pk__in=mine).select_related("roleplay", "cohort")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "roleplay/join.html",
        {"form": form, "joinable": joinable, "playing": playing},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def join_code(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """The join link: a page with one button (GET), joining (POST). Only the cohort's members find it."""
    session = get_object_or_404(
        Session.objects.joinable_by(request.user).select_related("roleplay", "cohort"),
        code=sessions.normalize_code(code),
    )
    if request.method == "POST":
        return _join(request, session)
    return render(request, "roleplay/join_confirm.html", {"session": session})


def _join(request: AuthenticatedHttpRequest, session: Session) -> HttpResponse:
    try:
        sessions.join_session(session=session, user=request.user)
    except RolePlayError as error:
        messages.error(request, str(error))
        return redirect("roleplay_join")
    return redirect("roleplay_session", session_id=session.pk)


@login_required
@require_safe
def session_page(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """The learner's place in a session: their group's page once roles are assigned, else the waiting room."""
    participant = get_object_or_404(
        Participant.objects.select_related("session__roleplay", "session__cohort", "group"),
        session_id=session_id,
        user=request.user,
        left_at__isnull=True,
    )
    if participant.group is not None:
        return redirect(_play_url(participant.group))
    return render(
        request,
        "roleplay/waiting.html",
        {"session": participant.session, "participant": participant},
    )


@login_required
@require_POST
def leave(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    participant = get_object_or_404(
        Participant.objects.select_related("session", "group"), session_id=session_id, user=request.user
    )
    sessions.leave_session(participant=participant)
    messages.success(request, "You left the session. Join again with the same code to come back.")
    return redirect("roleplay_join")


# Playing --------------------------------------------------------------------------------------------------


@login_required
@require_safe
@vary_on_headers("HX-Request", "HX-Target")
def play(request: AuthenticatedHttpRequest, group_id: int) -> HttpResponse:
    """The play page (role-holders and observers); with htmx, one live fragment named by HX-Target."""
    group, participant = _played_group(request, group_id)
    view = view_of(group, seat=participant.seat, channel=request.GET.get("channel"))
    context = _context(view)
    return render_live(request, context) or render(request, "roleplay/play.html", context)


@login_required
@require_POST
def post_message(request: AuthenticatedHttpRequest, group_id: int) -> HttpResponse:
    group, participant = _played_group(request, group_id)
    form = MessageForm(request.POST)
    channel = request.POST.get("channel", "")
    if not form.is_valid():
        return _refused(request, group, participant, "Write a message of at most 2000 characters.", channel)
    try:
        sessions.post_message(
            group=group,
            seat=participant.seat,
            author=request.user,
            channel=form.cleaned_data["channel"],
            text=form.cleaned_data["text"],
        )
    except RolePlayError as error:
        return _refused(request, group, participant, str(error), channel)
    if request.htmx:
        view = view_of(group, seat=participant.seat, channel=form.cleaned_data["channel"])
        return render(request, "roleplay/play.html#rp-talk", _context(view))
    return redirect(_play_url(group, form.cleaned_data["channel"], "messages"))


@login_required
@require_POST
def make_proposal(request: AuthenticatedHttpRequest, group_id: int) -> HttpResponse:
    group, participant = _played_group(request, group_id)
    if participant.seat is None:
        raise Http404("Observers do not make proposals.")
    issues = group.session.roleplay.active_issues()
    form = ProposalForm(request.POST, issues=issues)
    if not form.is_valid():
        return _refused(request, group, participant, "Choose one option for every issue.")
    try:
        sessions.propose(group=group, seat=participant.seat, author=request.user, choices=form.choices())
    except RolePlayError as error:
        return _refused(request, group, participant, str(error))
    messages.success(request, "Your proposal is on the table.")
    return redirect(_play_url(group, request.POST.get("channel", ""), "proposals"))


@login_required
@require_POST
def respond(request: AuthenticatedHttpRequest, group_id: int, proposal_id: int) -> HttpResponse:
    group, participant = _played_group(request, group_id)
    if participant.seat is None:
        raise Http404("Observers do not answer proposals.")
    proposal = get_object_or_404(Proposal, pk=proposal_id, group=group)
    form = RespondForm(request.POST)
    if not form.is_valid():
        return _refused(request, group, participant, "Accept or reject the proposal.")
    try:
        sessions.respond(
            proposal=proposal, seat=participant.seat, author=request.user, accepted=form.accepted
        )
    except RolePlayError as error:
        return _refused(request, group, participant, str(error))
    group.refresh_from_db()
    if group.agreed_at is not None:
        messages.success(request, "Agreement reached: every party accepted the same package.")
    else:
        messages.success(request, "Your answer is recorded.")
    return redirect(_play_url(group, request.POST.get("channel", ""), "proposals"))


def _refused(
    request: AuthenticatedHttpRequest, group: Group, participant: Participant, reason: str, channel: str = ""
) -> HttpResponse:
    """A refused action: the play page again with the reason, status 422 (409 once the session has ended)."""
    view = view_of(group, seat=participant.seat, channel=channel or request.GET.get("channel"))
    context = _context(view, error=reason)
    status = 409 if not view.session.is_open else 422
    if request.htmx:
        return render(request, "roleplay/play.html#rp-talk", context, status=status)
    return render(request, "roleplay/play.html", context, status=status)


# Debrief --------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def debrief(request: AuthenticatedHttpRequest, group_id: int) -> HttpResponse:
    """After the end: the outcome of every group, the chart, the replay of one's own group, the questions."""
    group, participant = _played_group(request, group_id)
    session = group.session
    if session.is_open:
        messages.info(request, "The debrief opens when the facilitator ends the session.")
        return redirect(_play_url(group))
    questions = list(session.roleplay.debrief_questions.active().in_order())
    mine = {a.question_id: a.text for a in DebriefAnswer.objects.filter(session=session, user=request.user)}
    form = DebriefForm(request.POST or None, questions=questions, answers=mine)
    if request.method == "POST" and form.is_valid():
        saved = sessions.answer_debrief(session=session, user=request.user, answers=form.answers())
        messages.success(request, f"Saved {saved} answer{'s' if saved != 1 else ''}.")
        return redirect("roleplay_debrief", group_id=group.pk)
    context = {
        "debrief": debrief_of(session, replay_group=group, viewer_seat=participant.seat),
        "group": group,
        "form": form,
        "answers": None,
    }
    return render(request, "roleplay/debrief.html", context, status=422 if request.method == "POST" else 200)
