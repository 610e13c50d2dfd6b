"""Role-play scenarios in the admin (instructors edit them under the loader's validator) and the facilitator's
console pages: the live fragment, any group's channels, a message to a group, a refused clock action."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from roleplay import sessions
from roleplay.models import IssueOption, Message, Role, RolePlay
from tests.admin_forms import change_form_data, inline_index, inline_prefix
from tests.roleplay_helpers import load_scenario, make_cohort_with

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_instructor_edits_a_roles_walk_away_in_the_admin(instructor):
    roleplay = load_scenario()
    tess = client_for(instructor)
    url = reverse("admin:roleplay_roleplay_change", args=[roleplay.pk])
    page = tess.get(url)
    assert page.status_code == 200
    data = change_form_data(page)
    prefix = inline_prefix(page, "role")
    index = inline_index(page, "role", slug="north")
    data[f"{prefix}-{index}-walk_away"] = "25"
    response = tess.post(url, {**data, "_save": "Save"})
    assert response.status_code == 302
    assert Role.objects.get(roleplay=roleplay, slug="north").walk_away == 25


def test_an_edit_that_makes_every_deal_worse_than_walking_away_is_refused(instructor):
    roleplay = load_scenario()
    tess = client_for(instructor)
    url = reverse("admin:roleplay_roleplay_change", args=[roleplay.pk])
    page = tess.get(url)
    data = change_form_data(page)
    prefix = inline_prefix(page, "role")
    index = inline_index(page, "role", slug="north")
    data[f"{prefix}-{index}-walk_away"] = "90"
    response = tess.post(url, {**data, "_save": "Save"})
    assert response.status_code == 200
    assert "no package gives every required role more than its walk_away" in response.content.decode()
    assert Role.objects.get(roleplay=roleplay, slug="north").walk_away == 20


def test_points_for_an_unknown_role_are_refused_on_the_issue_page(instructor):
    roleplay = load_scenario()
    issue = roleplay.issues.get(slug="water")
    tess = client_for(instructor)
    url = reverse("admin:roleplay_issue_change", args=[issue.pk])
    page = tess.get(url)
    data = change_form_data(page)
    prefix = inline_prefix(page, "issueoption")
    index = inline_index(page, "issueoption", key="a")
    data[f"{prefix}-{index}-points"] = '{"north": 30, "south": 0, "mediator": 5, "east": 1}'
    response = tess.post(url, {**data, "_save": "Save"})
    assert response.status_code == 200
    assert "points for unknown role `east`" in response.content.decode()
    assert IssueOption.objects.get(issue=issue, key="a").points == {"north": 30, "south": 0, "mediator": 5}


def test_learners_cannot_open_the_roleplay_admin(learner):
    roleplay = load_scenario()
    response = client_for(learner).get(reverse("admin:roleplay_roleplay_change", args=[roleplay.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert RolePlay.objects.count() == 1


@pytest.fixture
def running(learner, other_learner, instructor):
    roleplay = load_scenario()
    cohort = make_cohort_with(instructor, learner, other_learner)
    session = sessions.start_session(roleplay=roleplay, cohort=cohort, instructor=instructor)
    for user in (learner, other_learner):
        sessions.join_session(session=session, user=user)
    (group,) = sessions.assign_roles(session=session)
    return session, group


def test_console_page_and_its_live_fragment(running, instructor):
    session, group = running
    tess = client_for(instructor)
    page = tess.get(reverse("roleplay_console", args=[session.pk])).content.decode()
    assert f'data-roleplay-socket="/ws/roleplay/sessions/{session.pk}/"' in page
    assert 'hx-trigger="roleplay-changed from:body, every 15s"' in page
    assert "Northern delegation: lena" in page and "Southern delegation: omar" in page
    fragment = tess.get(
        reverse("roleplay_console", args=[session.pk]),
        headers={"HX-Request": "true", "HX-Target": "rp-console"},
    )
    html = fragment.content.decode()
    assert html.lstrip().startswith('<div id="rp-console"') and "<html" not in html
    assert "HX-Target" in fragment["Vary"]


def test_facilitator_reads_every_channel_and_messages_a_group(running, instructor, learner, other_learner):
    session, group = running
    south = group.seats.get(role__slug="south")
    sessions.post_message(
        group=group, seat=south, author=other_learner, channel="caucus:south", text="South only"
    )
    tess = client_for(instructor)
    url = reverse("roleplay_run_group", args=[session.pk, group.pk])
    page = tess.get(url + "?channel=caucus%3Asouth").content.decode()
    assert "South only" in page and "NORTH-SECRET-BRIEF" in page and "SOUTH-SECRET-BRIEF" in page
    response = tess.post(
        reverse("roleplay_run_message", args=[session.pk]), {"group": group.pk, "text": "Five minutes left."}
    )
    assert response.status_code == 302
    message = Message.objects.get(text="Five minutes left.")
    assert message.channel == "group" and message.seat is None and message.author == instructor
    lena = (
        client_for(learner).get(reverse("roleplay_play", args=[group.pk]) + "?channel=group").content.decode()
    )
    assert "Facilitator" in lena and "Five minutes left." in lena


def test_refused_clock_actions_say_why_and_change_nothing(running, instructor):
    session, _group = running
    tess = client_for(instructor)
    response = tess.post(reverse("roleplay_run_clock", args=[session.pk]), {"action": "pause"})
    assert response.status_code == 409 and "The clock is not running." in response.content.decode()
    response = tess.post(reverse("roleplay_run_clock", args=[session.pk]), {"action": "rewind"})
    assert response.status_code == 422
    for _ in range(2):
        sessions.advance_phase(session=session)
    response = tess.post(reverse("roleplay_run_clock", args=[session.pk]), {"action": "advance"})
    assert response.status_code == 409 and "This is the last phase" in response.content.decode()
    session.refresh_from_db()
    assert session.phase_index == 2 and session.events.filter(kind="advance").count() == 2


def test_csv_cells_that_look_like_formulas_are_quoted(running, instructor, learner):
    session, group = running
    north = group.seats.get(role__slug="north")
    sessions.post_message(
        group=group, seat=north, author=learner, channel="caucus:north", text="=HYPERLINK(1)"
    )
    text = client_for(instructor).get(reverse("roleplay_run_csv", args=[session.pk])).content.decode()
    assert "'=HYPERLINK(1)" in text
