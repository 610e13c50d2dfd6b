"""Real Chromium, phone first: every learner, instructor and visitor page of the shipped course, with a learner
part-way through it (tests/site_tour.py), fits the screen at 320, 390 and 1,280 px (nothing scrolls sideways),
and the signed-in header fits on one line at 1,280 px. Screenshots of the main screens at 390 px are saved under
test-results/ (CI keeps that folder as its artifacts)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Browser

from tests.site_tour import build_tour, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (320, 390, 1280)
SHOTS = Path(settings.BASE_DIR) / "test-results" / "screens-390"
# Screens saved at 390 px (learner pages by their tour name).
SCREENSHOTS = {
    "home",
    "lesson",
    "feedback single",
    "feedback multiple",
    "feedback order",
    "feedback sort",
    "quiz question",
    "quiz results",
    "simulation decision",
    "simulation debrief",
    "progress",
    "review",
    "forbidden",
    "courses",
    "course",
}

# What makes the page wide, for the failure message: descend from <body> into every child whose removal
# (display: none) narrows the page, and report the deepest such elements with the width the page would have
# without them. Unlike a search for boxes past the right edge, this also finds text that does not wrap inside
# a box that clips it, and content that escapes a scrolling box.
OVERFLOW_JS = """() => {
  const full = document.documentElement.scrollWidth;
  const found = [];
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const walk = (root, path) => {
    let deeper = false;
    for (const el of root.children) {
      const old = el.style.display;
      el.style.display = 'none';
      const without = document.documentElement.scrollWidth;
      el.style.display = old;
      if (without < full) { deeper = true; walk(el, path.concat(describe(el) + ' (' + without + 'px without it)')); }
    }
    if (!deeper && path.length) found.push(path.slice(-3).join(' > '));
  };
  walk(document.body, []);
  return found.slice(0, 4);
}"""


def test_every_page_fits_phone_and_desktop_screens(browser: Browser, live_server):
    started = time.monotonic()
    call_command("load_curriculum", "fixtures/diplomacy-tracks", verbosity=0)
    tour = build_tour()
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    too_wide: list[str] = []
    visited = 0
    for who, user, pages in (
        ("learner", tour.learner, tour.learner_pages),
        ("instructor", tour.instructor, tour.instructor_pages),
        ("visitor", None, tour.visitor_pages),
    ):
        context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
        if user is not None:
            context.add_cookies([session_cookie(user, base)])
        page = context.new_page()
        page.set_default_timeout(15_000)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            for name, path in pages.items():
                response = page.goto(base + path)
                assert response is not None and response.status < 500, (
                    f"{who} {name} {path}: {response and response.status}"
                )
                visited += 1
                scroll_width, inner_width = page.evaluate(
                    "() => [document.documentElement.scrollWidth, window.innerWidth]"
                )
                if scroll_width > inner_width:
                    culprits = page.evaluate(OVERFLOW_JS)
                    too_wide.append(f"{who} {name} ({path}) at {width}px: {scroll_width}px wide; {culprits}")
                if width == 1280 and user is not None:
                    # The signed-in header is one line: the brand, the main menu and the account menu share a row.
                    tops = page.evaluate(
                        "() => ['.brand', '.main-nav', '.account-menu > summary'].map(s => document.querySelector(s))"
                        ".filter(Boolean).map(el => Math.round(el.getBoundingClientRect().top))"
                    )
                    heights = page.evaluate(
                        "() => (document.querySelector('.site-header') || {getBoundingClientRect: () => ({height: 0})})"
                        ".getBoundingClientRect().height"
                    )
                    if len(tops) < 3 or not 0 < heights <= 80:
                        too_wide.append(f"{who} {name}: the header is {heights}px high at 1280px ({tops})")
                if width == 390 and who == "learner" and name in SCREENSHOTS:
                    page.screenshot(path=str(SHOTS / f"{name.replace(' ', '-')}.png"), full_page=True)
        context.close()
    print(f"layout: {visited} page views in {time.monotonic() - started:.1f}s")
    assert not too_wide, "Pages wider than the screen:\n" + "\n".join(too_wide)
