"""Real Chromium plays each shipped simulation to two different endings, with and without JavaScript:
meters and the debrief checked on screen, axe on every page visited."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.axe import assert_accessible
from tests.learner_data import instructors_group
from training.models import Meter, Option, SimulationRun

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Chromium-simulation-passphrase-1"


def routes() -> dict[str, list[tuple[list[str], str]]]:
    """(option keys from the start, outcome) per shipped simulation: the shortest path to a success ending and
    the shortest to a failure ending, found by playing the engine's step function over every path (so the
    test follows the content instead of hard-coding option keys)."""
    from tests.test_shipped_simulations import all_paths, simulations

    found = {}
    for slug, sim in sorted(simulations().items()):
        outcomes = {n.key: n.outcome for n in sim.nodes if n.ending}
        found[slug] = []
        for outcome in ("success", "failure"):
            paths = [p for p in all_paths(slug) if outcomes[p.ending] == outcome]
            best = min(paths, key=lambda p: (len(p.steps), [s[1] for s in p.steps]))
            found[slug].append(([s[1] for s in best.steps], outcome))
    return found


ROUTES = routes()


@pytest.fixture
def course(transactional_db):
    call_command("load_curriculum", "fixtures/diplomacy-tracks", verbosity=0)
    return get_user_model().objects.create_user("player", password=PASSWORD)


def log_in_from_intro(page: Page, base: str, slug: str, scanner: Page | None) -> None:
    page.goto(f"{base}/simulations/{slug}/")
    expect(page.get_by_role("heading", name="Your role")).to_be_visible()
    assert_accessible(page, f"{slug} intro (visitor)", scanner=scanner)
    page.get_by_role("link", name="Log in to play").click()
    page.get_by_label("Username").fill("player")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base}/simulations/{slug}/")
    expect(page.get_by_role("button", name="Start the simulation")).to_be_visible()


def check_meters_on_screen(page: Page, slug: str, values: dict[str, int]) -> None:
    for meter in Meter.objects.filter(simulation__slug=slug):
        bar = page.get_by_role("meter", name=meter.label)
        expect(bar).to_have_attribute("value", str(values[meter.key]))
        line = page.locator("li", has=page.locator(f"#meter-{meter.key}"))
        expect(line.locator(".meter-value strong")).to_have_text(str(values[meter.key]))


def choose(page: Page, key: str, *, javascript: bool) -> None:
    """Pick the option with this key (its button's value) on the current decision page."""
    button = page.locator(f'button[name="option"][value="{key}"]')
    text = button.inner_text().strip()
    button.click()
    if javascript:
        announce = page.locator("#sim-announce")
        expect(announce).to_contain_text(f"You chose: {text}")
        expect(announce).to_be_focused()
    else:
        expect(page.locator("#sim-announce")).to_contain_text(f"Your last choice: {text}")


def play(
    page: Page, base: str, slug: str, keys: list[str], outcome: str, *, javascript: bool, scanner
) -> None:
    page.goto(f"{base}/simulations/{slug}/")
    start = page.get_by_role("button", name=re.compile("Start the simulation|Play again"))
    start.click()
    run = SimulationRun.objects.get(user__username="player", simulation__slug=slug, finished_at__isnull=True)
    check_meters_on_screen(page, slug, run.meters)
    for number, key in enumerate(keys, start=1):
        expect(page.locator(".sim-node .kind")).to_have_text(
            re.compile(rf"^Decision {number}( of about \d+)?$")
        )
        assert_accessible(page, f"{slug} decision {number}", scanner=scanner)
        choose(page, key, javascript=javascript)
        run.refresh_from_db()
        assert run.steps.count() == number
        check_meters_on_screen(page, slug, run.meters)
    assert run.finished_at is not None and run.ending.outcome == outcome
    # The debrief: ending, outcome, principles, the path, meter changes, feedback, lessons.
    expect(page.get_by_role("heading", name=run.ending.title, level=2)).to_be_visible()
    expect(page.get_by_text(f"Outcome: {run.ending.get_outcome_display()}")).to_be_visible()
    expect(page.get_by_role("heading", name="Debrief")).to_be_visible()
    # Without recommended options the debrief lists the path and measures it against the principles.
    if Option.objects.filter(node__simulation__slug=slug, recommended=True).exists():
        rows = page.get_by_role("table", name=re.compile("your choice and the authors")).locator("tbody tr")
        expect(rows).to_have_count(len(keys))
    else:
        expect(page.get_by_role("heading", name="How your path measured up")).to_be_visible()
        path_items = page.locator("section[aria-labelledby=paths-heading] ol > li")
        expect(path_items).to_have_count(len(keys))
    # The replay: the timeline chart (one line per meter) and its table (start, then each decision), whose
    # last row holds the run's final meter values.
    meters = list(Meter.objects.filter(simulation__slug=slug).order_by("position", "pk"))
    expect(page.locator("svg.timeline-chart polyline")).to_have_count(len(meters))
    timeline = page.get_by_role("table", name=re.compile("The meters after each decision")).locator(
        "tbody tr"
    )
    expect(timeline).to_have_count(len(keys) + 1)
    last = timeline.nth(len(keys)).locator("td.num")
    for index, meter in enumerate(meters, start=1):
        expect(last.nth(index)).to_contain_text(str(run.meters[meter.key]))
    feedback = page.locator(".sim-feedback > li")
    expect(feedback).to_have_count(len(keys))
    expect(page.get_by_text("Related lessons:").first).to_be_visible()
    assert_accessible(page, f"{slug} ending {run.ending.key}", scanner=scanner)


def journey(page: Page, base: str, *, javascript: bool, scanner: Page | None = None) -> None:
    for slug, pair in ROUTES.items():
        log_in_from_intro(page, base, slug, scanner)
        assert_accessible(page, f"{slug} intro (learner)", scanner=scanner)
        endings = set()
        for keys, outcome in pair:
            play(page, base, slug, keys, outcome, javascript=javascript, scanner=scanner)
            endings.add(SimulationRun.objects.filter(simulation__slug=slug).latest("finished_at").ending_id)
        assert len(endings) == 2
        # Both endings are listed on the intro afterwards.
        page.goto(f"{base}/simulations/{slug}/")
        expect(page.get_by_role("heading", name="Your endings")).to_be_visible()
        expect(page.locator(".path-items li")).to_have_count(2)
        assert_accessible(page, f"{slug} intro with endings", scanner=scanner)
        page.get_by_role("navigation", name="Account").get_by_text("Signed in as").click()  # the account menu
        page.get_by_role("button", name="Log out").click()


def test_play_shipped_simulations_with_javascript(page: Page, live_server, course):
    journey(page, live_server.url, javascript=True)


def test_play_shipped_simulations_without_javascript(
    no_js_page: Page, axe_scanner: Page, live_server, course
):
    journey(no_js_page, live_server.url, javascript=False, scanner=axe_scanner)


def test_instructor_map_of_each_shipped_simulation(page: Page, live_server, course):
    course.groups.add(instructors_group())
    page.goto(f"{live_server.url}/accounts/login/?next=/simulations/lakeside-channel/")
    page.get_by_label("Username").fill("player")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    for slug in ROUTES:
        page.goto(f"{live_server.url}/simulations/{slug}/")
        page.get_by_role("link", name="Instructor map of this simulation").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Map: ")
        expect(page.get_by_text("Every ending can be reached.")).to_be_visible()
        group = page.locator("details.sim-path-group").first
        group.locator("summary").click()
        expect(group.get_by_role("table").locator("tbody tr").first).to_be_visible()
        assert_accessible(page, f"{slug} map")
