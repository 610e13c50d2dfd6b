"""Issue 18, acceptance 1 with JavaScript on: the two-party role-play live in real Chromium, three browser
contexts (the facilitator tess, the learners lena and omar) on an ASGI server (uvicorn in a thread,
tests/asgi_live.py) that serves the pages and the WebSockets.

Nobody's page is reloaded while it waits: phase changes, a message, a proposal, its acceptance, the agreement
and an inject reach the pages that show them through the socket's "changed" ping and htmx re-fetching the
fragments. A message reaches the other learner within 2 s. axe is clean at 390 and 1280 px.
(The JavaScript-off variant, forms and refresh, is the engine's tests/test_browser_roleplay.py.)
"""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.axe import assert_accessible

pytestmark = [pytest.mark.browser]

LIVE = 2_000  # ms: how soon a change made by one person must show on another's page


def context_for(browser: Browser, server, user) -> BrowserContext:
    """A browser context logged in as `user` (the session cookie of a real log-in)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        base_url=server.url, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}]
    )
    context.set_default_timeout(15_000)
    return context


def stays(page: Page) -> None:
    """Mark the document, so `not_reloaded` can tell that the page was never loaded again."""
    page.evaluate("() => { window.stayedHere = true; }")


def not_reloaded(page: Page) -> bool:
    return page.evaluate("() => window.stayedHere === true")


def live(page: Page) -> None:
    """Wait until the page's socket is open: roleplay-live.js then says so (and fetches the page's fragments
    once, to catch up with anything said before it opened)."""
    expect(page.locator("[data-roleplay-status]")).to_have_text("Live")


def accessible_at_both_widths(page: Page, where: str) -> None:
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        assert_accessible(page, f"{where} at {width} px")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_three_people_play_live_with_javascript(
    browser: Browser, asgi_live_server, instructor, learner, other_learner
):
    from roleplay import sessions
    from roleplay.models import Group, InjectRelease, Seat
    from tests.roleplay_helpers import load_scenario, make_cohort_with

    server = asgi_live_server
    session = sessions.start_session(
        roleplay=load_scenario(),
        cohort=make_cohort_with(instructor, learner, other_learner),
        instructor=instructor,
    )

    tess = context_for(browser, server, instructor).new_page()
    lena = context_for(browser, server, learner).new_page()
    omar = context_for(browser, server, other_learner).new_page()
    tess.goto(f"/roleplays/run/sessions/{session.pk}/")
    live(tess)

    # Lena follows the join link, omar types the code; both wait for their roles while the console counts
    # them live.
    lena.goto(f"/roleplays/code/{session.code}/")
    lena.get_by_role("button", name="Join the session").click()
    expect(lena.get_by_role("heading", name="Waiting for your role")).to_be_visible()
    expect(tess.locator("#rp-console")).to_contain_text("1 learner in the session", timeout=LIVE)
    omar.goto("/roleplays/")
    omar.get_by_label("Session code").fill(session.code.lower())
    omar.get_by_role("button", name="Join session", exact=True).click()
    expect(omar.get_by_role("heading", name="Waiting for your role")).to_be_visible()
    expect(tess.locator("#rp-console")).to_contain_text("2 learners in the session", timeout=LIVE)
    for page in (lena, omar):
        live(page)
    accessible_at_both_widths(lena, "waiting room")

    # The facilitator assigns the roles: both waiting rooms take their learner to the group by themselves.
    tess.get_by_role("button", name=re.compile(r"^Assign roles")).click()
    expect(tess.locator("#rp-console")).to_contain_text("Group 1")
    group = Group.objects.get(session=session)
    for page in (lena, omar):
        # Within 2 s the browser is on its way to the group's page (loading it may take longer here).
        page.wait_for_url(re.compile(rf"/roleplays/groups/{group.pk}/"), timeout=LIVE, wait_until="commit")
    play = f"/roleplays/groups/{group.pk}/?channel=group"
    for page in (lena, omar):
        page.goto(play)
        expect(page.locator("#rp-status h2")).to_contain_text("Preparation")
        stays(page)
        live(page)
    live(tess)

    # The facilitator starts the clock and moves on twice: both learners' pages follow, unreloaded.
    tess.get_by_role("button", name="Start the clock").click()
    for page in (lena, omar):
        expect(page.locator("#rp-status")).to_contain_text("Time left", timeout=LIVE)
    tess.get_by_role("button", name="Next phase").click()
    for page in (lena, omar):
        expect(page.locator("#rp-status h2")).to_contain_text("Private talks", timeout=LIVE)
    tess.get_by_role("button", name="Next phase").click()
    for page in (lena, omar):
        expect(page.locator("#rp-status h2")).to_contain_text("Plenary", timeout=LIVE)
        assert not_reloaded(page)

    # The whole-group form appeared on both pages with the plenary. Lena writes; omar's page shows the
    # message within 2 s.
    text = "Lena: what if a joint commission watched the dam?"
    lena.get_by_role("textbox", name="Message").fill(text)
    sent = time.monotonic()
    lena.get_by_role("button", name="Send to Whole group").click()
    expect(omar.locator("#rp-messages")).to_contain_text(text, timeout=LIVE)
    assert time.monotonic() - sent < LIVE / 1000 + 0.5
    expect(lena.locator("#rp-messages")).to_contain_text(text)
    assert omar.locator("#rp-messages").get_by_text(text).count() == 1  # once
    assert not_reloaded(omar) and not_reloaded(lena)

    # Omar's form appeared with the plenary, without a reload: he answers, and his reply arrives after
    # lena's, in order.
    reply = "Omar: only if it shares the dry-season water too."
    omar.get_by_role("textbox", name="Message").fill(reply)
    omar.get_by_role("button", name="Send to Whole group").click()
    expect(lena.locator("#rp-messages")).to_contain_text(reply, timeout=LIVE)
    items = lena.locator("#rp-messages li").all_inner_texts()
    assert [i for i, item in enumerate(items) if text in item] < [
        i for i, item in enumerate(items) if reply in item
    ]
    assert_accessible(lena, "play page, plenary, 1280 px")

    # Lena proposes the joint-gain package; omar sees it appear, accepts, and the agreement shows live on the
    # facilitator's console and on lena's page.
    stays(tess)
    lena.get_by_label("Dry-season water").select_option("b")
    lena.get_by_label("Monitoring").select_option("b")
    lena.get_by_role("button", name="Put this package on the table").click()
    proposal = omar.locator("#rp-proposals .rp-proposal")
    expect(proposal).to_have_count(1, timeout=LIVE)
    expect(tess.locator("#rp-console")).to_contain_text("Not yet")
    stays(lena)
    live(lena)
    proposal.get_by_role("button", name="Accept proposal").click()
    expect(tess.locator("#rp-console tbody tr").first).to_contain_text("Yes", timeout=LIVE)
    expect(tess.locator("#rp-console")).to_contain_text("Shared by season")
    expect(lena.locator("#rp-status")).to_contain_text("Agreement reached", timeout=LIVE)
    group = Group.objects.get(pk=group.pk)
    assert group.agreed_package == {"water": "b", "monitoring": "b"}
    # The right scores: water b + monitoring b = north 15 + 12, south 18 + 25 (tests/roleplay_helpers.py).
    lena_role = Seat.objects.get(group=group, holder__user=learner).role.slug
    expect(lena.locator("#rp-status")).to_contain_text(f"Your score: {27 if lena_role == 'north' else 43}")
    assert not_reloaded(tess) and not_reloaded(lena)

    # The facilitator releases news to everyone: it reaches both learners' pages live.
    tess.get_by_label("News item").select_option(label="Press leak")
    tess.get_by_role("button", name="Release to every group").click()
    for page in (lena, omar):
        expect(page.locator("#rp-injects")).to_contain_text("The press has heard of the talks", timeout=LIVE)
    assert InjectRelease.objects.filter(session=session).count() == 1
    assert not_reloaded(lena)

    accessible_at_both_widths(lena, "play page after the agreement")
    accessible_at_both_widths(tess, "facilitator console")
    for page in (tess, lena, omar):
        page.context.close()
