"""Real Chromium, JavaScript on and off: a learner plays a factory-built simulation to an ending, reads the
timeline chart and its table on the debrief, writes a reflection; their instructor's map shows path counts
that match the database and the reflection. axe on every page."""

from __future__ import annotations

from collections import Counter

import pytest
from playwright.sync_api import Page, expect

from tests.axe import assert_accessible
from tests.factories import make_course, make_module, make_sim_graph
from tests.learner_data import PASSWORD, make_cohort, make_user
from training import simulation as sim
from training.models import SimulationReflection, SimulationRun

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db):
    module = make_module(make_course())
    simulation = make_sim_graph(
        module,
        slug="quiet-channel",
        title="Quiet channel",
        meters=[("trust", 0, 100, 50), ("risk", 0, 100, 10)],
        flags=[{"key": "press", "label": "The press knows"}],
        nodes={
            "start": {
                "title": "First contact",
                "options": [
                    {"key": "quiet", "text": "Keep it quiet.", "effects": {"trust": 20}, "next": "mid"},
                    {
                        "key": "leak",
                        "text": "Tell a journalist.",
                        "effects": {"trust": -20, "risk": 30},
                        "sets": ["press"],
                        "next": "mid",
                    },
                ],
            },
            "mid": {
                "title": "At the table",
                "options": [
                    {
                        "key": "sign",
                        "text": "Sign the text.",
                        "recommended": True,
                        "branches": [{"when": "trust >= 60", "next": "win"}],
                        "next": "draw",
                    },
                    {"key": "walk", "text": "Walk out.", "next": "lose"},
                ],
            },
            "win": {"ending": "success", "title": "A signed text"},
            "draw": {"ending": "mixed", "title": "A thin text"},
            "lose": {"ending": "failure", "title": "Talks collapse"},
        },
    )
    lena = make_user("lena")
    bo = make_user("bo")
    tess = make_user("tess", instructor=True)
    cohort = make_cohort(simulation.course, instructors=[tess], learners=[lena, bo])
    run = sim.start_run(user=bo, simulation=simulation)
    for key in ("quiet", "sign"):
        run.refresh_from_db()
        sim.choose(user=bo, run_id=run.pk, node_id=run.current_node_id, option_key=key)
    return {"simulation": simulation, "cohort": cohort}


def _log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(f"{base}/accounts/login/")


def _edges_in_database(cohort, simulation) -> Counter:
    """(from, to) → runs that made the move, straight from the runs and steps tables."""
    counts: Counter = Counter()
    for run in SimulationRun.objects.filter(simulation=simulation, user__cohort_memberships__cohort=cohort):
        keys = [step.node.key for step in run.steps.select_related("node").order_by("number")]
        keys.append(run.current_node.key)
        for move in set(zip(keys, keys[1:], strict=False)):
            counts[move] += 1
    return counts


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_debrief_replay_reflection_and_the_instructor_map(
    browser, live_server, world, axe_scanner, javascript
):
    base = live_server.url
    context = browser.new_context(java_script_enabled=javascript, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    scanner = None if javascript else axe_scanner
    slug = world["simulation"].slug

    _log_in(page, base, "lena")
    page.goto(f"{base}/simulations/{slug}/")
    page.get_by_role("button", name="Start the simulation").click()
    for key in ("leak", "sign"):
        page.locator(f'button[name="option"][value="{key}"]').click()
        if key == "leak":
            expect(page.get_by_role("heading", name="At the table")).to_be_visible()
    expect(page.get_by_role("heading", name="A thin text", level=2)).to_be_visible()
    if javascript:  # the ending arrived as a fragment: load the page itself, as a learner coming back would
        page.reload()

    # The chart: one line per meter, three points each; named by its title and described.
    chart = page.get_by_role("img", name="The meters after each decision")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline")).to_have_count(2)
    expect(chart.locator("circle")).to_have_count(6)
    expect(chart.locator("desc")).to_contain_text("At the end: Trust 30, Risk 40.")
    # Its table, the accessible equivalent, has the same numbers and the flag raised at decision 1.
    table = page.get_by_role("table", name="The meters after each decision (the chart's data)")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator("td.num")).to_have_text(["–", "50", "10"])
    expect(rows.nth(1).locator("td.num")).to_have_text(["1", "30 (-20)", "40 (+30)"])
    expect(rows.nth(1)).to_contain_text("The press knows")
    expect(rows.nth(2).locator("td.num")).to_have_text(["2", "30", "40"])
    # What a different choice would have led to.
    what_if = page.locator(
        "section", has=page.get_by_role("heading", name="What a different choice would have led to")
    )
    expect(what_if).to_contain_text("Decision 1: First contact")
    expect(what_if).to_contain_text("Instead: Keep it quiet.")
    expect(what_if).to_contain_text("A signed text (Success)")
    assert_accessible(page, f"debrief ({'js' if javascript else 'no-js'})", scanner=scanner)

    # The reflection: saved, shown again.
    page.get_by_label("Your reflection").fill("I would keep the press out until the text is signed.")
    page.get_by_role("button", name="Save reflection").click()
    expect(page.get_by_text("Your reflection is saved.")).to_be_visible()
    expect(page.get_by_label("Your reflection")).to_have_value(
        "I would keep the press out until the text is signed."
    )
    run = SimulationRun.objects.get(user__username="lena", simulation=world["simulation"])
    assert SimulationReflection.objects.get(run=run).text.startswith("I would keep the press out")
    # An empty reflection is refused with the reason next to the field.
    page.get_by_label("Your reflection").fill("")
    page.get_by_role("button", name="Save reflection").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    expect(page.get_by_label("Your reflection")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "debrief with an error", scanner=scanner)
    context.close()

    # The instructor's map: every drawn move carries the number of runs the database says made it.
    context = browser.new_context(java_script_enabled=javascript, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    _log_in(page, base, "tess")
    page.goto(f"{base}/instructor/cohorts/{world['cohort'].pk}/simulations/{slug}/")
    expect(page.get_by_role("img", name="Quiet channel: the cohort's runs on the map")).to_be_visible()
    expected = _edges_in_database(world["cohort"], world["simulation"])
    assert expected == {("start", "mid"): 2, ("mid", "win"): 1, ("mid", "draw"): 1}
    drawn = {
        (edge.get_attribute("data-from"), edge.get_attribute("data-to")): int(edge.get_attribute("data-runs"))
        for edge in page.locator("path.map-edge").all()
    }
    assert {move: n for move, n in drawn.items() if n} == dict(expected)
    moves = page.get_by_role("table", name="Moves from node to node")
    expect(moves.locator("tr", has_text="First contact").filter(has_text="At the table")).to_contain_text(
        "100 %"
    )
    runs = page.locator("table.map-runs")
    expect(runs).to_contain_text("start:leak > mid:sign > draw")
    expect(runs).to_contain_text("start:quiet > mid:sign > win")
    expect(page.locator("section", has=page.get_by_role("heading", name="Reflections"))).to_contain_text(
        "I would keep the press out until the text is signed."
    )
    assert_accessible(page, "instructor map", scanner=scanner)
    context.close()
