"""Real Chromium: an instructor reads a shipped simulation's graph, follows a node to its change page, plays
from a node with chosen meters, and grows the graph by one option and node; axe on each page at 390 and
1,280 px (issue 15)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.axe import assert_accessible
from tests.learner_data import PASSWORD, make_user
from training.models import Node, Option, SimulationRun

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shipped(transactional_db):
    call_command("load_curriculum", "fixtures/diplomacy-tracks", verbosity=0)
    make_user("tess", instructor=True)


def test_graph_try_and_grow(page: Page, live_server, shipped):
    base = live_server.url
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill("tess")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    graph_url = f"{base}/simulations/harbour-standoff/graph/"
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(graph_url)
        expect(page.get_by_role("heading", name="No problems")).to_be_visible()
        assert_accessible(page, f"graph at {width}px")
        # The graph scrolls inside its own box; the page itself never scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    start = Node.objects.get(simulation__slug="harbour-standoff", key="first-48-hours")
    node_link = page.locator("#graph-node-first-48-hours")
    expect(node_link).to_have_attribute("aria-label", "Edit node " + start.title + " (Decision)")
    node_link.click()
    expect(page).to_have_url(f"{base}/admin/training/node/{start.pk}/change/")

    # Play from a node two decisions in, with chosen meters; nothing is recorded.
    page.goto(graph_url)
    page.locator("#node-envoy-question").get_by_role("link", name="Play from here").click()
    expect(page.get_by_label("Start at node")).to_have_value("envoy-question")
    assert_accessible(page, "try: start form")
    page.get_by_role("button", name="Play from this node").click()
    expect(page.get_by_role("heading", name="State after 0 decisions")).to_be_visible()
    first = page.locator('button[name="option"]').first
    first.click()
    expect(page.locator(".try-step")).to_contain_text("You chose")
    expect(page.get_by_role("heading", name="State after 1 decision")).to_be_visible()
    assert_accessible(page, "try: after a choice")
    assert SimulationRun.objects.count() == 0

    # Grow the graph: an option at the start leading to a new draft node.
    page.goto(graph_url)
    page.get_by_label("At decision node").select_option("first-48-hours")
    page.get_by_label("Option text").fill("Phone the other admiral")
    page.get_by_label("New node's key").fill("admiral-call")
    page.get_by_label("New node's title").fill("The admiral's call")
    page.get_by_role("button", name="Add the option and the node").click()
    expect(page.get_by_text("both as drafts")).to_be_visible()
    expect(page.locator("#graph-node-admiral-call")).to_be_visible()
    expect(page.locator("#node-admiral-call")).to_contain_text("situation")
    assert Option.objects.get(next_node__key="admiral-call").status == "draft"
    assert_accessible(page, "graph with a draft node")
