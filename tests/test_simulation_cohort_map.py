"""The cohort on the simulation map (instructor simulation page and runs CSV): edges with the share of runs
through them (branch targets and event nodes included), endings, quits, loops, the widest-spread decisions,
the runs table with each path, reflections; a fixed number of queries."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_course, make_module, make_sim_graph
from tests.learner_data import make_cohort, make_user
from training import simulation as sim
from training.simulation_cohort import cohort_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    module = make_module(make_course())
    simulation = make_sim_graph(
        module,
        slug="channel",
        title="Channel",
        meters=[("trust", 0, 100, 50)],
        flags=[{"key": "press", "label": "The press knows"}],
        events=[{"key": "storm", "when": "press", "node": "storm"}],
        nodes={
            "start": {
                "title": "Start",
                "options": [
                    {"key": "quiet", "effects": {"trust": 20}, "next": "mid"},
                    {"key": "leak", "sets": ["press"], "next": "mid"},
                ],
            },
            "storm": {"title": "Storm", "options": [{"key": "calm", "next": "mid"}]},
            "mid": {
                "title": "Table",
                "options": [
                    {"key": "sign", "branches": [{"when": "trust >= 60", "next": "win"}], "next": "draw"},
                    {"key": "back", "next": "start"},
                ],
            },
            "win": {"ending": "success", "title": "Signed"},
            "draw": {"ending": "mixed", "title": "Thin"},
        },
    )
    teacher = make_user("tess", instructor=True)
    learners = [make_user(name) for name in ("ana", "bo", "cy")]
    cohort = make_cohort(simulation.course, instructors=[teacher], learners=learners)
    outsider = make_user("zed")  # not in the cohort: never counted
    _play(outsider, simulation, ["quiet", "sign"])
    ana, bo, cy = learners
    _play(ana, simulation, ["quiet", "sign"])
    _play(bo, simulation, ["leak", "calm", "sign"])
    run = _play(cy, simulation, ["quiet", "back"])
    sim.start_run(user=cy, simulation=simulation, restart=run.pk)  # quits at start; a new run waits there
    return {"simulation": simulation, "cohort": cohort, "teacher": teacher, "module": module}


def _play(user, simulation, keys):
    run = sim.start_run(user=user, simulation=simulation)
    for key in keys:
        run.refresh_from_db()
        sim.choose(user=user, run_id=run.pk, node_id=run.current_node_id, option_key=key)
    run.refresh_from_db()
    return run


def _moves(found) -> dict[tuple[str, str], int]:
    return {(e.source.key, e.target.key): e.runs for e in found.edges}


def test_edges_count_the_runs_through_them_including_branches_and_events(world):
    found = cohort_map(world["cohort"], world["simulation"])
    assert found.counted == 4  # ana, bo, cy's quit run and cy's new run (the outsider is not counted)
    assert _moves(found) == {
        ("start", "mid"): 2,
        ("start", "storm"): 1,  # the event interrupted bo's way to the table
        ("storm", "mid"): 1,
        ("mid", "win"): 1,  # the branch
        ("mid", "draw"): 1,
        ("mid", "start"): 1,
    }
    shares = {(e.source.key, e.target.key): e.share for e in found.edges}
    assert shares[("start", "mid")] == 50.0
    # The authored moves are on the map even when no run made them; the event's move is not authored.
    authored = {(e.source.key, e.target.key) for e in found.edges if e.authored}
    assert ("mid", "win") in authored and ("start", "storm") not in authored


def test_endings_quits_open_runs_and_loops(world):
    found = cohort_map(world["cohort"], world["simulation"])
    assert [(n.key, runs) for n, runs, _ in found.endings] == [("win", 1), ("draw", 1)]
    assert [(n.key, runs) for n, runs in found.quits] == [("start", 1)]
    assert [(n.key, runs) for n, runs in found.open_at] == [("start", 1)]
    assert [(n.key, runs) for n, runs in found.loops] == [("start", 1)]
    assert found.runs_with_loops == 1


def test_the_widest_spread_decisions_come_first(world):
    found = cohort_map(world["cohort"], world["simulation"])
    # start: quiet twice, leak once; table: sign twice, back once; storm has one option (no spread).
    assert [(s.node.key, s.decisions, s.entropy) for s in found.spread] == [
        ("start", 3, 0.92),
        ("mid", 3, 0.92),
    ]
    assert found.spread[0].top_option.key == "quiet" and round(found.spread[0].top_share) == 67


def test_runs_have_their_paths(world):
    found = cohort_map(world["cohort"], world["simulation"])
    paths = {(r.learner, r.status): r.path_text for r in found.runs}
    assert paths == {
        ("ana", "ended"): "start:quiet > mid:sign > win",
        ("bo", "ended"): "start:leak > storm:calm > mid:sign > draw",
        ("cy", "quit"): "start:quiet > mid:back > start",
        ("cy", "open"): "start",
    }


def test_the_instructor_page_shows_the_map_table_and_runs(world):
    client = Client()
    client.force_login(world["teacher"])
    url = reverse("instructor_simulation", args=[world["cohort"].pk, "channel"])
    html = client.get(url).content.decode()
    assert '<svg class="cohort-map"' in html and '<title id="map-title">' in html
    assert 'data-from="start" data-to="mid" data-runs="2"' in html
    assert (
        '<tr><th scope="row">Start</th><td>Table</td><td class="num">2</td><td class="num">50 %</td>' in html
    )
    assert "start:leak &gt; storm:calm &gt; mid:sign &gt; draw" in html
    assert "Start: 1 run started over from here" in html
    assert "Start: visited again in 1 run" in html


def test_the_runs_csv_has_each_run_with_its_path(world):
    client = Client()
    client.force_login(world["teacher"])
    response = client.get(reverse("instructor_runs_csv", args=[world["cohort"].pk, "channel"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-channel-runs.csv"')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["learner"], r["status"], r["ending"], r["decisions"], r["path"]) for r in rows] == [
        ("ana", "ended", "win", "2", "start:quiet > mid:sign > win"),
        ("bo", "ended", "draw", "3", "start:leak > storm:calm > mid:sign > draw"),
        ("cy", "quit", "", "2", "start:quiet > mid:back > start"),
        ("cy", "open", "", "0", "start"),
    ]
    assert rows[2]["revisited_nodes"] == "start"


def test_another_instructor_gets_404_for_the_runs_csv(world):
    other = make_user("otto", instructor=True)
    client = Client()
    client.force_login(other)
    assert client.get(reverse("instructor_runs_csv", args=[world["cohort"].pk, "channel"])).status_code == 404


@pytest.mark.parametrize("name", ["instructor_simulation", "instructor_runs_csv"])
def test_the_map_runs_a_fixed_number_of_queries(world, name):
    client = Client()
    client.force_login(world["teacher"])
    url = reverse(name, args=[world["cohort"].pk, "channel"])

    def counted() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    counted()  # the navigation's figures are cached per account: the first page fills the cache
    small = counted()
    for i in range(8):
        user = make_user(f"extra{i}")
        world["cohort"].memberships.create(user=user)
        _play(
            user,
            world["simulation"],
            ["leak", "calm", "back", "quiet", "sign"] if i % 2 else ["quiet", "sign"],
        )
    assert counted() == small
