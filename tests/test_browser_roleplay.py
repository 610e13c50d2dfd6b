"""Acceptance 1 of issue 18 with JavaScript off: three browsers (the facilitator tess and two learners) run a
small two-party role-play with plain forms and the Refresh link — join by code and by link, roles assigned, a
private message from one appears for the other after a refresh, news released to one role, a proposal accepted
by both records the agreement with the right scores, phases advanced, the session ended and the debrief
replaying the log. axe on every page at 390 and 1280 px. (The JavaScript-on variant with live updates is the
realtime tests'.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from roleplay.models import Group, Message, Proposal, Session
from tests.axe import assert_accessible
from tests.learner_data import make_user
from tests.roleplay_helpers import (
    clock,
    join_with_code,
    join_with_link,
    load_scenario,
    log_in,
    make_cohort_with,
    open_channel,
    send_message,
    start_session,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene(transactional_db):
    load_scenario()
    tess = make_user("tess", instructor=True)
    lena, omar = make_user("lena"), make_user("omar")
    make_cohort_with(tess, lena, omar)


def no_js(browser: Browser) -> Page:
    context = browser.new_context(
        java_script_enabled=False, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def scan(page: Page, scanner: Page, where: str) -> None:
    for width in (390, 1280):
        scanner.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page, f"{where} at {width}px", scanner=scanner)


def refresh(page: Page) -> None:
    page.get_by_role("link", name="Refresh").first.click()


def test_two_party_role_play_without_javascript(browser: Browser, axe_scanner: Page, live_server, scene):
    base = live_server.url
    tess, lena, omar = no_js(browser), no_js(browser), no_js(browser)
    for page, name in ((tess, "tess"), (lena, "lena"), (omar, "omar")):
        log_in(page, base, name)

    code = start_session(tess, base, roleplay_title="River talks", cohort_name="Workshop cohort")
    expect(tess.get_by_role("heading", level=1)).to_contain_text("River talks")
    scan(tess, axe_scanner, "console before assignment")

    join_with_code(lena, base, code.lower())
    expect(lena.get_by_role("heading", name="Waiting for your role")).to_be_visible()
    scan(lena, axe_scanner, "waiting room")
    join_with_link(omar, base, code)

    tess.reload()
    tess.get_by_role("button", name="Assign roles to the 2 learners who joined").click()
    expect(tess.get_by_role("row", name="Group 1")).to_contain_text("lena")
    group = Group.objects.get()

    lena.get_by_role("link", name="Refresh").click()
    expect(lena.get_by_text("You play Northern delegation")).to_be_visible()
    expect(lena.get_by_text("NORTH-SECRET-BRIEF")).to_be_visible()
    assert "SOUTH-SECRET" not in lena.content()
    omar.goto(f"{base}/roleplays/sessions/{group.session_id}/")
    expect(omar.get_by_text("You play Southern delegation")).to_be_visible()
    scan(lena, axe_scanner, "play page (preparation)")

    # Preparation: the caucus only. Then the facilitator starts the clock and opens private talks.
    send_message(lena, "Your side's caucus (your own notes)", "We need the joint commission.")
    expect(lena.locator("#rp-messages")).to_contain_text("We need the joint commission.")
    clock(tess, "Start the clock")
    expect(tess.locator("#rp-console")).to_contain_text("running")
    clock(tess, "Pause")
    expect(tess.locator("#rp-console")).to_contain_text("paused")
    clock(tess, "Resume")
    clock(tess, "Next phase")
    expect(tess.get_by_role("heading", name="Phase 2 of 3: Private talks")).to_be_visible()

    refresh(lena)
    expect(lena.get_by_role("heading", name="Phase 2 of 3: Private talks")).to_be_visible()
    send_message(lena, "Private with Southern delegation", "Could we share the water by season?")
    refresh(omar)
    open_channel(omar, "Private with Northern delegation")
    expect(omar.locator("#rp-messages")).to_contain_text("Could we share the water by season?")
    assert Message.objects.filter(channel="pair:north+south").count() == 1

    # News to the south only.
    tess.get_by_label("News item").select_option(label="Drought report")
    tess.get_by_role("button", name="Release to every group").click()
    refresh(omar)
    expect(omar.get_by_role("heading", name="Drought report")).to_be_visible()
    refresh(lena)
    expect(lena.get_by_role("heading", name="Drought report")).to_have_count(0)

    clock(tess, "Next phase")
    refresh(lena)
    expect(lena.get_by_role("heading", name="Phase 3 of 3: Plenary")).to_be_visible()
    lena.get_by_label("Dry-season water").select_option("b")
    lena.get_by_label("Monitoring").select_option("b")
    lena.get_by_role("button", name="Put this package on the table").click()
    expect(lena.get_by_text("Your proposal is on the table.")).to_be_visible()
    proposal = Proposal.objects.get()
    refresh(omar)
    expect(omar.get_by_text("Your score for this package: 43")).to_be_visible()
    scan(omar, axe_scanner, "play page (plenary, a proposal open)")
    omar.get_by_role("button", name=f"Accept proposal {proposal.pk}").click()
    expect(omar.get_by_text("Agreement reached: every party accepted the same package.")).to_be_visible()
    refresh(lena)
    expect(lena.locator("#rp-status")).to_contain_text("Your score: 27")
    group.refresh_from_db()
    assert group.agreed_package == {"water": "b", "monitoring": "b"}

    tess.reload()
    expect(tess.get_by_role("row", name="Group 1")).to_contain_text("Yes")
    scan(tess, axe_scanner, "console during play")
    tess.get_by_role("button", name="End the session").click()
    expect(tess.get_by_role("heading", name="Debrief: River talks")).to_be_visible()
    expect(tess.locator(".rp-timeline")).to_contain_text("News: Drought report")
    scan(tess, axe_scanner, "facilitator debrief")
    assert Session.objects.get().ended_at is not None

    refresh(lena)
    lena.get_by_role("link", name="Go to the debrief").click()
    outcome = lena.get_by_role("table", name="Scores in group 1")
    expect(outcome.get_by_role("row", name="Northern delegation")).to_contain_text("27")
    expect(outcome.get_by_role("row", name="Southern delegation")).to_contain_text("43")
    timeline = lena.locator(".rp-timeline")
    for text in (
        "Phase started: Preparation",
        "We need the joint commission.",
        "Could we share the water by season?",
        "Next phase: Plenary",
        "Northern delegation proposed",
        "Southern delegation accepted proposal",
        "Agreement reached",
        "Session ended",
    ):
        expect(timeline).to_contain_text(text)
    expect(timeline).not_to_contain_text("Drought report")  # it did not reach the north
    lena.get_by_label("Which of the other side's interests did you learn in private?").fill(
        "Monitoring mattered."
    )
    lena.get_by_role("button", name="Save my answers").click()
    expect(lena.get_by_text("Saved 1 answer.")).to_be_visible()
    scan(lena, axe_scanner, "learner debrief")
    tess.reload()
    expect(tess.get_by_role("table", name="Debrief answers by learner")).to_contain_text(
        "Monitoring mattered."
    )
