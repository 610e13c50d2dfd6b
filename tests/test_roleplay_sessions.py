"""A role-play session through the pages: start, join, assignment, phases and channels, proposals and the
agreement, injects, late joiners, leavers and reassignment, the end and the debrief — each step checked in
the database and on the page a person sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from roleplay import sessions
from roleplay.models import (
    DebriefAnswer,
    Group,
    InjectRelease,
    Message,
    Participant,
    Proposal,
    ProposalResponse,
    Session,
    SessionEvent,
)
from tests.learner_data import make_user
from tests.roleplay_helpers import load_scenario, make_cohort_with

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def scene(learner, other_learner, instructor):
    roleplay = load_scenario()
    cohort = make_cohort_with(instructor, learner, other_learner)
    return roleplay, cohort


def start_via_console(instructor, roleplay, cohort) -> Session:
    response = client_for(instructor).post(
        reverse("roleplay_run_start"), {"roleplay": roleplay.pk, "cohort": cohort.pk}
    )
    session = Session.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "roleplay_console", args=[session.pk]
    )
    return session


def play_url(group, channel: str = "") -> str:
    url = reverse("roleplay_play", args=[group.pk])
    return url + ("?" + urlencode({"channel": channel}) if channel else "")


def seat_of(session, user):
    return Participant.objects.get(session=session, user=user).seat


def test_a_two_party_session_from_start_to_debrief(scene, learner, other_learner, instructor):
    roleplay, cohort = scene
    session = start_via_console(instructor, roleplay, cohort)
    assert session.started_by == instructor and len(session.code) == 6

    lena, omar, tess = client_for(learner), client_for(other_learner), client_for(instructor)
    # Join with the code (lena) and with the link (omar).
    response = lena.post(reverse("roleplay_join"), {"code": session.code.lower()})
    assert response["Location"] == reverse("roleplay_session", args=[session.pk])
    assert "Waiting for your role" in lena.get(response["Location"]).content.decode()
    assert omar.post(reverse("roleplay_join_code", args=[session.code])).status_code == 302
    assert Participant.objects.filter(session=session).count() == 2

    # Roles assigned: one group, north and south.
    assert tess.post(reverse("roleplay_run_assign", args=[session.pk])).status_code == 302
    group = Group.objects.get(session=session)
    assert seat_of(session, learner).role.slug == "north"
    assert seat_of(session, other_learner).role.slug == "south"
    response = lena.get(reverse("roleplay_session", args=[session.pk]))
    assert response["Location"] == reverse("roleplay_play", args=[group.pk])
    page = lena.get(reverse("roleplay_play", args=[group.pk])).content.decode()
    assert "You play <strong>Northern delegation</strong>" in page
    assert "NORTH-SECRET-BRIEF" in page and "SOUTH-SECRET-BRIEF" not in page
    assert f'data-roleplay-socket="/ws/roleplay/groups/{group.pk}/"' in page

    # Preparation: own caucus only; the whole group is refused with the reason and nothing written.
    refused = lena.post(
        reverse("roleplay_message", args=[group.pk]), {"channel": "group", "text": "Hello all"}
    )
    assert refused.status_code == 422
    assert "This phase does not allow messages in that channel." in refused.content.decode()
    assert not Message.objects.exists()
    ok = lena.post(
        reverse("roleplay_message", args=[group.pk]), {"channel": "caucus:north", "text": "Plan: monitoring"}
    )
    assert ok.status_code == 302
    assert Message.objects.get().channel == "caucus:north"
    # Omar (south) cannot read north's caucus.
    assert "Plan: monitoring" not in omar.get(play_url(group, "caucus:north")).content.decode()
    # No proposals in preparation.
    assert (
        lena.post(
            reverse("roleplay_propose", args=[group.pk]), {"issue-water": "b", "issue-monitoring": "b"}
        ).status_code
        == 422
    )
    assert not Proposal.objects.exists()

    # The facilitator starts the clock, pauses and advances: timestamps, not process memory.
    tess.post(reverse("roleplay_run_clock", args=[session.pk]), {"action": "start"})
    session.refresh_from_db()
    assert session.phase_started_at is not None and session.clock_state == "running"
    tess.post(reverse("roleplay_run_clock", args=[session.pk]), {"action": "pause"})
    session.refresh_from_db()
    assert session.clock_state == "paused"
    tess.post(reverse("roleplay_run_clock", args=[session.pk]), {"action": "resume"})
    tess.post(reverse("roleplay_run_clock", args=[session.pk]), {"action": "advance"})
    session.refresh_from_db()
    assert session.phase_index == 1 and session.paused_seconds == 0
    assert list(session.events.values_list("kind", flat=True)) == [
        "assign",
        "start",
        "pause",
        "resume",
        "advance",
    ]

    # Private talks: a pair message arrives for the other party (after a refresh).
    lena.post(
        reverse("roleplay_message", args=[group.pk]),
        {"channel": "pair:north+south", "text": "Can we talk water?"},
    )
    page = omar.get(play_url(group, "pair:north+south")).content.decode()
    assert "Can we talk water?" in page

    # An inject to the south only.
    drought = roleplay.injects.get(slug="drought-report")
    tess.post(reverse("roleplay_run_inject", args=[session.pk]), {"inject": drought.pk})
    assert InjectRelease.objects.get().roles == ["south"]
    assert "INJECT-TO-SOUTH" in omar.get(reverse("roleplay_play", args=[group.pk])).content.decode()
    assert "INJECT-TO-SOUTH" not in lena.get(reverse("roleplay_play", args=[group.pk])).content.decode()

    # A proposal accepted by both records the agreement and the scores.
    lena.post(reverse("roleplay_propose", args=[group.pk]), {"issue-water": "b", "issue-monitoring": "b"})
    proposal = Proposal.objects.get()
    assert proposal.package == {"water": "b", "monitoring": "b"} and proposal.author == learner
    page = omar.get(reverse("roleplay_play", args=[group.pk])).content.decode()
    assert "Your score for this package: <strong>43</strong>" in page
    response = omar.post(reverse("roleplay_respond", args=[group.pk, proposal.pk]), {"answer": "accept"})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.agreed_package == {"water": "b", "monitoring": "b"} and group.agreed_at is not None
    assert (
        "Your score: <strong>27</strong>"
        in lena.get(reverse("roleplay_play", args=[group.pk])).content.decode()
    )
    # No second agreement and no answer twice.
    again = omar.post(reverse("roleplay_respond", args=[group.pk, proposal.pk]), {"answer": "reject"})
    assert again.status_code == 422 and ProposalResponse.objects.count() == 2

    # End: the debrief with scores, the chart and the replay; answers stored per learner.
    assert tess.post(reverse("roleplay_run_end", args=[session.pk])).status_code == 302
    session.refresh_from_db()
    assert session.ended_at is not None
    debrief = lena.get(reverse("roleplay_debrief", args=[group.pk])).content.decode()
    assert "Group 1 (yours): agreement" in debrief
    assert "<svg" in debrief and "Pareto" in debrief
    assert "Can we talk water?" in debrief and "Plan: monitoring" in debrief
    assert "INJECT-TO-SOUTH" not in debrief  # the news that did not reach north stays out of north's replay
    assert "Northern delegation proposed" in debrief and "Southern delegation accepted proposal" in debrief
    response = lena.post(
        reverse("roleplay_debrief", args=[group.pk]), {"q-interests": "They needed monitoring."}
    )
    assert response.status_code == 302
    assert DebriefAnswer.objects.get().text == "They needed monitoring."
    facilitator = tess.get(reverse("roleplay_run_debrief", args=[session.pk])).content.decode()
    assert "They needed monitoring." in facilitator and "INJECT-TO-SOUTH" in facilitator

    # CSV for the instructor.
    csv_response = tess.get(reverse("roleplay_run_csv", args=[session.pk]))
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    text = csv_response.content.decode()
    assert "outcome,1,Northern delegation,lena," in text and ",27,yes" in text
    assert "outcome,1,Southern delegation,omar," in text and ",43,yes" in text
    assert "debrief,,,lena," in text


def test_without_agreement_each_role_scores_its_walk_away(scene, learner, other_learner, instructor):
    roleplay, cohort = scene
    session = sessions.start_session(roleplay=roleplay, cohort=cohort, instructor=instructor)
    for user in (learner, other_learner):
        sessions.join_session(session=session, user=user)
    (group,) = sessions.assign_roles(session=session)
    sessions.end_session(session=session)
    page = client_for(learner).get(reverse("roleplay_play", args=[group.pk])).content.decode()
    assert "No agreement: every role scores its walk-away value. Your score: <strong>20</strong>" in page
    assert (
        client_for(learner)
        .post(reverse("roleplay_message", args=[group.pk]), {"channel": "caucus:north", "text": "late"})
        .status_code
        == 409
    )


def test_another_cohorts_learner_cannot_join_or_see_anything(scene, learner, instructor):
    roleplay, cohort = scene
    session = sessions.start_session(roleplay=roleplay, cohort=cohort, instructor=instructor)
    sessions.join_session(session=session, user=learner)
    (group,) = sessions.assign_roles(session=session)
    stranger = client_for(make_user("stella"))
    assert stranger.get(reverse("roleplay_join_code", args=[session.code])).status_code == 404
    response = stranger.post(reverse("roleplay_join"), {"code": session.code})
    assert (
        response.status_code == 422
        and "No open session of your cohorts has this code" in response.content.decode()
    )
    for url in (
        reverse("roleplay_play", args=[group.pk]),
        reverse("roleplay_session", args=[session.pk]),
        reverse("roleplay_debrief", args=[group.pk]),
    ):
        assert stranger.get(url).status_code == 404
    assert not Participant.objects.filter(user__username="stella").exists()


def test_another_instructor_gets_404_for_the_console(scene, instructor, other_instructor):
    roleplay, cohort = scene
    session = sessions.start_session(roleplay=roleplay, cohort=cohort, instructor=instructor)
    other = client_for(other_instructor)
    assert other.get(reverse("roleplay_console", args=[session.pk])).status_code == 404
    assert other.post(reverse("roleplay_run_end", args=[session.pk])).status_code == 404
    session.refresh_from_db()
    assert session.ended_at is None
    assert client_for(instructor).get(reverse("roleplay_console", args=[session.pk])).status_code == 200


def test_late_joiner_leaver_and_reassignment_keep_the_roles_history(
    scene, learner, other_learner, instructor
):
    roleplay, cohort = scene
    late = make_user("lara")
    cohort.memberships.create(user=late)
    session = sessions.start_session(roleplay=roleplay, cohort=cohort, instructor=instructor)
    sessions.join_session(session=session, user=learner)
    (group,) = sessions.assign_roles(session=session)
    assert seat_of(session, learner).role.slug == "north"
    # A late joiner takes the open south seat.
    sessions.join_session(session=session, user=other_learner)
    assert seat_of(session, other_learner).role.slug == "south"
    south = seat_of(session, other_learner)
    sessions.post_message(
        group=group, seat=south, author=other_learner, channel="caucus:south", text="South plan"
    )
    # The south player leaves; the seat opens; the next late joiner takes it with its history.
    sessions.leave_session(participant=Participant.objects.get(session=session, user=other_learner))
    assert not Participant.objects.filter(seat=south).exists()
    sessions.join_session(session=session, user=late)
    assert seat_of(session, late) == south
    page = client_for(late).get(play_url(group, "caucus:south")).content.decode()
    assert "South plan" in page  # the role's history stays with the seat
    assert Message.objects.get().author == other_learner  # the author is recorded
    # The one who left comes back as an observer; the facilitator gives them the south role again.
    sessions.join_session(session=session, user=other_learner)
    back = Participant.objects.get(session=session, user=other_learner)
    assert back.is_observer
    response = client_for(instructor).post(
        reverse("roleplay_run_reassign", args=[session.pk]), {"seat": south.pk, "participant": back.pk}
    )
    assert response.status_code == 302
    assert (
        seat_of(session, other_learner) == south
        and Participant.objects.get(user=late, session=session).is_observer
    )
    assert SessionEvent.objects.filter(kind="reassign").count() == 1
    # The observer (late) now reads the whole group only and has no proposal form nor confidential brief.
    page = client_for(late).get(reverse("roleplay_play", args=[group.pk])).content.decode()
    assert "You observe this group." in page and "SECRET" not in page and "Make a proposal" not in page


def test_optional_role_filled_with_three_learners(scene, learner, other_learner, instructor):
    roleplay, cohort = scene
    third = make_user("mira")
    cohort.memberships.create(user=third)
    session = sessions.start_session(roleplay=roleplay, cohort=cohort, instructor=instructor)
    for user in (learner, other_learner, third):
        sessions.join_session(session=session, user=user)
    (group,) = sessions.assign_roles(session=session)
    assert sorted(group.seats.values_list("role__slug", flat=True)) == ["mediator", "north", "south"]
    # With a mediator seated, an agreement needs all three.
    sessions.advance_phase(session=session)
    north, south, mediator = (seat_of(session, u) for u in (learner, other_learner, third))
    proposal = sessions.propose(
        group=group, seat=north, author=learner, choices={"water": "b", "monitoring": "b"}
    )
    sessions.respond(proposal=proposal, seat=south, author=other_learner, accepted=True)
    group.refresh_from_db()
    assert group.agreed_at is None
    sessions.respond(proposal=proposal, seat=mediator, author=third, accepted=True)
    group.refresh_from_db()
    assert group.agreed_package == {"water": "b", "monitoring": "b"}


def test_remaining_time_is_computed_from_timestamps(scene, instructor):
    roleplay, cohort = scene
    session = sessions.start_session(roleplay=roleplay, cohort=cohort, instructor=instructor)
    phase = roleplay.active_phases()[0]  # 5 minutes
    now = timezone.now()
    session.phase_started_at = now - timedelta(minutes=3)
    session.paused_seconds = 60
    assert session.elapsed_seconds(now) == 120
    from roleplay.models import remaining

    assert remaining(session, phase, now) == timedelta(minutes=3)
    session.paused_at = now - timedelta(seconds=30)  # paused 30 s ago: the clock stopped then
    assert session.elapsed_seconds(now) == 90
    session.phase_started_at = now - timedelta(minutes=10)
    session.paused_at = None
    assert remaining(session, phase, now) == timedelta(minutes=-4)


def test_proposals_need_one_known_option_per_issue(scene, learner, other_learner, instructor):
    roleplay, cohort = scene
    session = sessions.start_session(roleplay=roleplay, cohort=cohort, instructor=instructor)
    for user in (learner, other_learner):
        sessions.join_session(session=session, user=user)
    (group,) = sessions.assign_roles(session=session)
    sessions.advance_phase(session=session)
    lena = client_for(learner)
    for body in ({"issue-water": "b"}, {"issue-water": "z", "issue-monitoring": "a"}, {}):
        response = lena.post(reverse("roleplay_propose", args=[group.pk]), body)
        assert response.status_code == 422, body
    assert not Proposal.objects.exists()


def test_one_live_request_returns_every_live_part_out_of_band(scene, learner, other_learner, instructor):
    roleplay, cohort = scene
    session = sessions.start_session(roleplay=roleplay, cohort=cohort, instructor=instructor)
    for user in (learner, other_learner):
        sessions.join_session(session=session, user=user)
    (group,) = sessions.assign_roles(session=session)
    lena = client_for(learner)
    page = lena.get(play_url(group)).content.decode()
    assert page.count('hx-trigger="roleplay-changed from:body, every 15s"') == 1  # one request per ping
    assert 'hx-vals=\'{"state": "0.0.1"}\'' in page
    live = {"HX-Request": "true", "HX-Target": "rp-live"}
    same = lena.get(play_url(group, "caucus:north") + "&state=0.0.1", headers=live).content.decode()
    for part in ("rp-live", "rp-status", "rp-messages", "rp-proposals", "rp-injects"):
        assert f'id="{part}"' in same and "<html" not in same
    assert same.count('hx-swap-oob="true"') == 5
    assert 'id="rp-talk"' not in same  # the form under a half-typed message is left alone
    # The facilitator opens private talks: the next live answer also replaces the talk and proposal forms.
    sessions.advance_phase(session=session)
    changed = lena.get(play_url(group, "caucus:north") + "&state=0.0.1", headers=live).content.decode()
    assert 'id="rp-talk"' in changed and 'id="rp-propose"' in changed and "Make a proposal" in changed
    # live, status, talk (with the messages inside, not out of band twice), propose, proposals, injects
    assert changed.count('id="rp-messages"') == 1 and changed.count('hx-swap-oob="true"') == 6
    assert 'hx-vals=\'{"state": "1.0.1"}\'' in changed
