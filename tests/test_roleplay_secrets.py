"""Acceptance 4 of issue 18: a learner never receives another role's confidential brief, objectives, walk-away
or points, and another learner's session, group or channel is a 404.

As the quiz secrecy test does, every confidential field carries a marker: the briefs and objectives carry
text markers (NORTH-SECRET…, SOUTH-SECRET…, MEDIATOR-SECRET…, the facilitator's FACILITATOR-ONLY guide), and
south's walk-away and points are numbers (61–97) that nothing else on north's pages can show (north's own
scores stay under 60, clocks under 60). Every page and htmx fragment a learner can be served in every phase
is scanned. After the end, the debrief reveals each role's score and walk-away (that is its purpose); the
briefs, objectives and other roles' per-option points still never appear.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from roleplay import rules, sessions
from roleplay.models import Group, Participant
from tests.learner_data import make_user
from tests.roleplay_helpers import SCENARIO, load_scenario, make_cohort_with

pytestmark = pytest.mark.django_db

SOUTH_NUMBERS = {"61", "71", "73", "79", "83", "89", "97"}
SECRET_TEXT = {
    "north": ("NORTH-SECRET",),
    "south": ("SOUTH-SECRET",),
    "mediator": ("MEDIATOR-SECRET",),
}


def secret_scenario() -> str:
    """The test scenario with south's walk-away and points set to the marker numbers."""
    text = SCENARIO
    south = iter(["71", "73", "79", "83", "89", "97"])
    for old in (
        "{north: 30, south: 0,",
        "{north: 15, south: 18,",
        "{north: 0, south: 30,",
        "{north: 20, south: 5,",
        "{north: 12, south: 25,",
        "{north: 0, south: 10,",
    ):
        assert old in text
        text = text.replace(old, old.split("south:")[0] + f"south: {next(south)},")
    marker = "SOUTH-SECRET-BRIEF you cannot go home without a share.\n        objectives:\n"
    assert marker in text
    head, tail = text.split(marker)
    tail = tail.replace("walk_away: 20", "walk_away: 61", 1)
    return head + marker + tail


def normalise(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


def leaks(html: str, role: str) -> list[str]:
    """Confidential things of roles other than `role` found in a page (role None: an observer)."""
    html = normalise(html)
    found = [m for other, markers in SECRET_TEXT.items() if other != role for m in markers if m in html]
    found += ["FACILITATOR-ONLY"] if "FACILITATOR-ONLY" in html else []
    if role != "south":
        found += [n for n in SOUTH_NUMBERS if re.search(rf"(?<![\w.:-]){n}(?![\w.:-])", html)]
    return found


class Browser:
    def __init__(self, user):
        self.client = Client()
        self.client.force_login(user)
        self.pages: dict[str, str] = {}

    def get(self, name: str, url: str, **headers) -> None:
        response = self.client.get(url, headers=headers)
        assert response.status_code in (200, 302), (name, response.status_code)
        if response.status_code == 302:
            response = self.client.get(response["Location"])
        self.pages[name] = response.content.decode()

    def post(self, name: str, url: str, data: dict, **headers) -> None:
        response = self.client.post(url, data, headers=headers)
        assert response.status_code < 500, (name, response.status_code)
        if response.status_code == 302:
            response = self.client.get(response["Location"])
        self.pages[name] = response.content.decode()


def crawl(browser: Browser, group: Group, seat_slug: str | None, label: str) -> None:
    """Every page and fragment of the group this learner can reach now, and refused actions."""
    base = reverse("roleplay_play", args=[group.pk])
    seats = [rules.Seat(s.role.slug, s.role.title, s.role.caucus) for s in group.seats.select_related("role")]
    me = next((s for s in seats if s.slug == seat_slug), None)
    channels = [c.key for c in rules.readable(me, seats)] + ["caucus:south", "pair:mediator+south", "bogus"]
    for channel in channels:
        url = f"{base}?{urlencode({'channel': channel})}"
        browser.get(f"{label} play {channel}", url)
        for target in ("rp-status", "rp-messages", "rp-proposals", "rp-injects"):
            browser.get(f"{label} {target} {channel}", url, HX_Request="true", HX_Target=target)
    browser.post(
        f"{label} refused message",
        reverse("roleplay_message", args=[group.pk]),
        {"channel": "caucus:south", "text": "x"},
    )
    browser.post(
        f"{label} refused htmx",
        reverse("roleplay_message", args=[group.pk]),
        {"channel": "", "text": ""},
        HX_Request="true",
    )
    browser.post(f"{label} proposal", reverse("roleplay_propose", args=[group.pk]), {"issue-water": "a"})
    browser.get(f"{label} join", reverse("roleplay_join"))
    browser.get(f"{label} session", reverse("roleplay_session", args=[group.session_id]))
    browser.get(f"{label} debrief", reverse("roleplay_debrief", args=[group.pk]))
    browser.get(f"{label} home", "/")


def test_no_page_or_fragment_leaks_another_roles_confidential_parts(learner, other_learner, instructor):
    roleplay = load_scenario(secret_scenario())
    observer_user = make_user("olga")
    cohort = make_cohort_with(instructor, learner, other_learner, observer_user)
    session = sessions.start_session(roleplay=roleplay, cohort=cohort, instructor=instructor)
    # Two required roles, three learners: the third would be the mediator (optional); make her observe by
    # assigning with two, then joining late.
    for user in (learner, other_learner):
        sessions.join_session(session=session, user=user)
    (group,) = sessions.assign_roles(session=session)
    sessions.join_session(session=session, user=observer_user)
    assert Participant.objects.get(user=observer_user).is_observer

    north, south, observer = Browser(learner), Browser(other_learner), Browser(observer_user)
    south_seat = Participant.objects.get(user=other_learner).seat
    for phase in range(3):
        if phase:
            sessions.advance_phase(session=session)
        # South talks in every channel it may use, proposes and gets news only it should read.
        for channel in rules.writable(
            roleplay.active_phases()[phase].kind,
            rules.Seat("south", "Southern delegation", "south"),
            [
                rules.Seat("north", "Northern delegation", "north"),
                rules.Seat("south", "Southern delegation", "south"),
            ],
        ):
            sessions.post_message(
                group=group,
                seat=south_seat,
                author=other_learner,
                channel=channel.key,
                text=f"south in {channel.key}",
            )
        if phase:
            sessions.propose(
                group=group, seat=south_seat, author=other_learner, choices={"water": "c", "monitoring": "b"}
            )
        sessions.release_inject(
            session=session,
            inject=roleplay.injects.get(slug="drought-report"),
            roles=["south"],
            by=instructor,
        )
        crawl(north, group, "north", f"north phase {phase}")
        crawl(observer, group, None, f"observer phase {phase}")
        crawl(south, group, "south", f"south phase {phase}")

    # North's own secrets are on its page (the scan would find them if they were elsewhere).
    assert "NORTH-SECRET-BRIEF" in north.pages["north phase 0 play bogus"]
    assert "SOUTH-SECRET-BRIEF" in south.pages["south phase 0 play bogus"]
    assert re.search(r">\s*73\s*<", south.pages["south phase 0 play bogus"])  # south's own points table
    # South's message in its caucus reached no one else; the drought news reached south only.
    assert "south in caucus:south" in south.pages["south phase 0 play caucus:south"]
    assert "INJECT-TO-SOUTH" in south.pages["south phase 1 play bogus"]

    problems = []
    for browser, role in ((north, "north"), (observer, None), (south, "south")):
        for name, html in browser.pages.items():
            found = leaks(html, role)
            if "south in caucus:south" in html and role != "south":
                found.append("south's caucus message")
            if "INJECT-TO-SOUTH" in html and role != "south":
                found.append("south's news")
            if found:
                problems.append(f"{name}: {found}")
    assert not problems, "\n".join(problems)

    # After the end: the debrief shows scores and walk-aways, never briefs, objectives or the guide.
    sessions.end_session(session=session)
    for browser, label in ((north, "north"), (observer, "observer")):
        browser.get(f"{label} debrief after", reverse("roleplay_debrief", args=[group.pk]))
        html = normalise(browser.pages[f"{label} debrief after"])
        assert "Outcomes" in html
        for marker in (
            "SOUTH-SECRET",
            "MEDIATOR-SECRET",
            "FACILITATOR-ONLY",
            "south in caucus:south",
            "INJECT-TO-SOUTH",
        ):
            assert marker not in html, (label, marker)


def test_another_learners_session_group_channel_and_brief_are_404(learner, other_learner, instructor):
    roleplay = load_scenario()
    cohort = make_cohort_with(instructor, learner, other_learner)
    outsider = make_user("otis")
    other_cohort = make_cohort_with(instructor, outsider)
    session = sessions.start_session(roleplay=roleplay, cohort=cohort, instructor=instructor)
    for user in (learner, other_learner):
        sessions.join_session(session=session, user=user)
    (group,) = sessions.assign_roles(session=session)
    other_session = sessions.start_session(roleplay=roleplay, cohort=other_cohort, instructor=instructor)
    sessions.join_session(session=other_session, user=outsider)
    (other_group,) = sessions.assign_roles(session=other_session)
    proposal_group = group
    sessions.advance_phase(session=session)
    proposal = sessions.propose(
        group=proposal_group,
        seat=Participant.objects.get(user=learner).seat,
        author=learner,
        choices={"water": "a", "monitoring": "a"},
    )
    client = Client()
    client.force_login(outsider)
    for url in (
        reverse("roleplay_play", args=[group.pk]),
        reverse("roleplay_play", args=[group.pk]) + "?channel=caucus:north",
        reverse("roleplay_session", args=[session.pk]),
        reverse("roleplay_debrief", args=[group.pk]),
        reverse("roleplay_join_code", args=[session.code]),
    ):
        assert client.get(url).status_code == 404, url
    for url, data in (
        (reverse("roleplay_message", args=[group.pk]), {"channel": "group", "text": "hi"}),
        (reverse("roleplay_propose", args=[group.pk]), {"issue-water": "a", "issue-monitoring": "a"}),
        (reverse("roleplay_respond", args=[group.pk, proposal.pk]), {"answer": "accept"}),
        (reverse("roleplay_respond", args=[other_group.pk, proposal.pk]), {"answer": "accept"}),
        (reverse("roleplay_leave", args=[session.pk]), {}),
    ):
        assert client.post(url, data).status_code == 404, url
    assert proposal.responses.count() == 1
    # A role-holder cannot read another pair's channel by naming it: the page falls back to its own.
    lena = Client()
    lena.force_login(learner)
    sessions.post_message(
        group=group,
        seat=Participant.objects.get(user=other_learner).seat,
        author=other_learner,
        channel="caucus:south",
        text="south only",
    )
    page = lena.get(reverse("roleplay_play", args=[group.pk]) + "?" + urlencode({"channel": "caucus:south"}))
    assert "south only" not in page.content.decode()
