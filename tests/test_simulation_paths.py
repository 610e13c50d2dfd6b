"""Path analysis for the instructor map, and the per-node distribution of options chosen."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_course, make_module, make_sim_graph, make_simulation
from training import simulation as sim
from training.models import Option, Simulation
from training.simulation_paths import analyse_paths, decision_distribution

pytestmark = pytest.mark.django_db


@pytest.fixture
def module():
    return make_module(make_course())


def _routes(analysis):
    return [([o.key for _, o in path.steps], path.ending.key) for path in analysis.paths]


def test_every_simple_path_is_listed_with_its_ending(module):
    simulation = make_sim_graph(
        module,
        nodes={
            "start": {"options": [{"key": "a", "next": "mid"}, {"key": "b", "next": "bad"}]},
            "mid": {"options": [{"key": "c", "next": "good"}, {"key": "d", "next": "bad"}]},
            "good": {"ending": "success"},
            "bad": {"ending": "failure"},
        },
    )
    analysis = analyse_paths(simulation)
    assert _routes(analysis) == [(["a", "c"], "good"), (["a", "d"], "bad"), (["b"], "bad")]
    assert analysis.all_endings_reachable
    assert {s.ending.key: (s.paths, s.shortest) for s in analysis.endings} == {"good": (1, 2), "bad": (2, 1)}
    assert not analysis.truncated and analysis.cycles_cut == 0
    assert {n.node.key: n.paths_through for n in analysis.nodes} == {
        "start": 3,
        "mid": 2,
        "good": 1,
        "bad": 2,
    }


def test_meter_ranges_are_the_lowest_and_highest_values_along_each_path_clamped(module):
    simulation = make_sim_graph(
        module,
        meters=[("trust", 0, 100, 50), ("risk", 0, 10, 5)],
        nodes={
            "start": {
                "options": [
                    {"key": "up", "next": "mid", "effects": {"trust": 40}},
                    {"key": "down", "next": "mid", "effects": {"trust": -30, "risk": 20}},
                ]
            },
            "mid": {"options": [{"key": "drop", "next": "end", "effects": {"trust": -80}}]},
            "end": {"ending": "mixed"},
        },
    )
    paths = analyse_paths(simulation).paths
    up, down = paths
    assert up.ranges == {"trust": (10, 90), "risk": (5, 5)}
    assert up.final == {"trust": 10, "risk": 5}
    assert down.ranges == {"trust": (0, 50), "risk": (5, 10)}  # risk clamped at 10, trust at 0
    assert down.final == {"trust": 0, "risk": 10}
    (ending,) = analyse_paths(simulation).endings
    assert ending.final_ranges == {"trust": (0, 10), "risk": (5, 10)}


def test_guards_are_evaluated_along_the_way(module):
    # make_simulation: option b needs trust >= 50 but trust starts at 40 → its ending is unreachable.
    simulation = make_simulation(module)
    analysis = analyse_paths(simulation)
    assert _routes(analysis) == [(["a"], "success")]
    assert [node.key for node in analysis.unreachable_endings] == ["failure"]
    assert not analysis.all_endings_reachable
    guarded = next(item for n in analysis.nodes for item in n.options if item.option.key == "b")
    assert (guarded.visits, guarded.open_on) == (1, 0)
    assert guarded.guard_words == "Not enough trust yet."


def test_a_guard_opened_by_an_earlier_choice_makes_its_ending_reachable(module):
    simulation = make_sim_graph(
        module,
        meters=[("trust", 0, 100, 40)],
        nodes={
            "start": {
                "options": [
                    {"key": "build", "next": "ask", "effects": {"trust": 20}},
                    {"key": "rush", "next": "ask"},
                ]
            },
            "ask": {
                "options": [
                    {"key": "deal", "next": "win", "guard": "trust >= 50"},
                    {"key": "leave", "next": "lose"},
                ]
            },
            "win": {"ending": "success"},
            "lose": {"ending": "failure"},
        },
    )
    analysis = analyse_paths(simulation)
    assert _routes(analysis) == [
        (["build", "deal"], "win"),
        (["build", "leave"], "lose"),
        (["rush", "leave"], "lose"),
    ]


def test_cycles_are_cut_and_reported_so_the_enumeration_ends(module):
    simulation = make_sim_graph(
        module,
        nodes={
            "start": {"options": [{"key": "go", "next": "loop"}]},
            "loop": {
                "options": [
                    {"key": "self", "next": "loop"},
                    {"key": "back", "next": "start"},
                    {"key": "out", "next": "end"},
                ]
            },
            "end": {"ending": "success"},
        },
    )
    analysis = analyse_paths(simulation)
    assert _routes(analysis) == [(["go", "out"], "end")]
    assert analysis.cycles_cut == 2
    assert sorted((node.key, option.key, target.key) for node, option, target in analysis.cycles) == [
        ("loop", "back", "start"),
        ("loop", "self", "loop"),
    ]
    assert analysis.all_endings_reachable and not analysis.truncated


def test_dead_ends_and_archived_options_are_handled(module):
    simulation = make_sim_graph(
        module,
        meters=[("trust", 0, 100, 10)],
        nodes={
            "start": {
                "options": [{"key": "a", "next": "stuck"}, {"key": "b", "next": "end", "archived": True}]
            },
            "stuck": {"options": [{"key": "c", "next": "end", "guard": "trust > 50"}]},
            "end": {"ending": "success"},
        },
    )
    analysis = analyse_paths(simulation)
    assert analysis.paths == []
    assert [(node.key, count) for node, count in analysis.dead_ends] == [("stuck", 1)]
    start = next(n for n in analysis.nodes if n.node.key == "start")
    assert [item.option.key for item in start.options] == ["a"]  # archived options are not on the map


def test_the_number_of_paths_is_bounded_and_says_so(module):
    # 2^6 = 64 paths through a ladder of six two-way decisions; a bound of 10 stops early.
    nodes = {
        f"n{i}": {"options": [{"key": "l", "next": f"n{i + 1}"}, {"key": "r", "next": f"n{i + 1}"}]}
        for i in range(6)
    }
    nodes["n6"] = {"ending": "success"}
    simulation = make_sim_graph(module, nodes=nodes)
    assert len(analyse_paths(simulation).paths) == 64
    bounded = analyse_paths(simulation, max_paths=10)
    assert len(bounded.paths) == 10 and bounded.truncated
    shallow = analyse_paths(simulation, max_depth=3)
    assert shallow.paths == [] and shallow.truncated


def test_every_ending_of_the_shipped_simulations_is_reachable():
    call_command("load_curriculum", "fixtures/diplomacy-tracks", verbosity=0)
    for slug in ("lakeside-channel", "harbour-standoff"):
        analysis = analyse_paths(Simulation.objects.get(slug=slug))
        assert analysis.all_endings_reachable, (slug, analysis.unreachable_endings)
        assert not analysis.truncated
        assert analysis.cycles_cut == 0
        for path in analysis.paths:
            for key, (low, high) in path.ranges.items():
                assert low <= path.final[key] <= high


def test_decision_distribution_counts_options_chosen_across_runs_in_one_query(module):
    simulation = make_sim_graph(
        module,
        nodes={
            "start": {
                "options": [
                    {"key": "a", "next": "end"},
                    {"key": "b", "next": "end"},
                    {"key": "c", "next": "end"},
                    {"key": "gone", "next": "end", "archived": True},
                ]
            },
            "end": {"ending": "success"},
        },
    )
    users = [get_user_model().objects.create_user(f"u{i}") for i in range(4)]
    for user, key in zip(users, ["a", "a", "b", "a"], strict=True):
        run = sim.start_run(user=user, simulation=simulation)
        sim.choose(user=user, run_id=run.pk, node_id=simulation.start_node_id, option_key=key)
    with CaptureQueriesContext(connection) as queries:
        (start,) = decision_distribution(simulation)
    assert len(queries) == 1
    assert start.node_key == "start" and start.total == 4
    assert [(o.key, o.count) for o in start.options] == [("a", 3), ("b", 1), ("c", 0)]
    assert start.share(start.options[0]) == 0.75
    # An option archived after learners chose it keeps its count.
    Option.objects.filter(key="b").update(archived=True)
    (start,) = decision_distribution(simulation)
    assert [(o.key, o.count, o.archived) for o in start.options] == [
        ("a", 3, False),
        ("b", 1, True),
        ("c", 0, False),
    ]


# Branches, events and resumes ---------------------------------------------------------------------------------


def _consequences_sim(module):
    """trust 50: build (+20) / leak (-20, sets press-knows: the story-leaks event interrupts, its node's
    option resumes to `ask`) / wait, then at `ask` decide by branches (trust >= 60 → win, press-knows → lose,
    otherwise mixed) or walk out (lose)."""
    simulation = make_sim_graph(
        module,
        flags=[{"key": "press-knows", "label": "The press knows"}],
        events=[{"key": "story-leaks", "when": "press-knows and trust < 40", "node": "leak-node"}],
        nodes={
            "open": {
                "options": [
                    {"key": "build", "next": "ask", "effects": {"trust": 20}},
                    {"key": "leak", "next": "ask", "effects": {"trust": -20}, "sets": ["press-knows"]},
                    {"key": "wait", "next": "ask"},
                ]
            },
            "ask": {
                "options": [
                    {
                        "key": "decide",
                        "next": "mixed",
                        "branches": [
                            {"when": "trust >= 60", "next": "win"},
                            {"when": "press-knows", "next": "lose"},
                        ],
                    },
                    {"key": "walk", "next": "lose"},
                ]
            },
            "leak-node": {"options": [{"key": "deny", "next": "ask", "effects": {"trust": 5}}]},
            "win": {"ending": "success"},
            "lose": {"ending": "failure"},
            "mixed": {"ending": "mixed"},
        },
    )
    Option.objects.filter(node__simulation=simulation, key="deny").update(next_node=None)  # resumes
    return simulation


def _edges(analysis, node_key, option_key):
    item = next(
        o for n in analysis.nodes if n.node.key == node_key for o in n.options if o.option.key == option_key
    )
    return [(e.kind, e.target.key if e.target else None, e.condition, e.taken) for e in item.edges]


def test_the_map_shows_every_branch_the_event_and_the_resume_with_their_conditions(module):
    analysis = analyse_paths(_consequences_sim(module))
    assert _edges(analysis, "ask", "decide") == [
        ("branch", "win", "trust >= 60", 1),
        ("branch", "lose", "press-knows", 1),
        ("next", "mixed", "otherwise", 1),
    ]
    assert _edges(analysis, "open", "leak") == [
        ("next", "ask", "", 1),
        ("event", "leak-node", "press-knows and trust < 40", 1),
    ]
    assert _edges(analysis, "leak-node", "deny") == [("resume", "ask", "", 1)]
    leak_node = next(n for n in analysis.nodes if n.node.key == "leak-node")
    assert leak_node.reachable and leak_node.event is not None and leak_node.event.key == "story-leaks"
    (event,) = analysis.events
    assert (event.key, event.node.key, event.fired) == ("story-leaks", "leak-node", 1)
    assert analysis.exact and analysis.all_endings_reachable and not analysis.dead_ends


def test_path_counts_and_meter_ranges_per_ending_follow_branches_and_events(module):
    analysis = analyse_paths(_consequences_sim(module))
    assert {s.ending.key: (s.paths, s.shortest, s.final_ranges) for s in analysis.endings} == {
        "win": (1, 2, {"trust": (70, 70)}),
        "lose": (4, 2, {"trust": (35, 70)}),
        "mixed": (1, 2, {"trust": (50, 50)}),
    }
    assert analysis.path_count == len(analysis.paths) == 6
    assert _routes(analysis) == [
        (["build", "decide"], "win"),
        (["build", "walk"], "lose"),
        (["leak", "deny", "decide"], "lose"),
        (["leak", "deny", "walk"], "lose"),
        (["wait", "decide"], "mixed"),
        (["wait", "walk"], "lose"),
    ]
    leaked = analysis.paths[2]
    assert leaked.events == ["story-leaks"] and leaked.ranges == {"trust": (30, 50)}
    assert {n.node.key: n.paths_through for n in analysis.nodes} == {
        "open": 6,
        "ask": 6,
        "leak-node": 2,
        "win": 1,
        "lose": 4,
        "mixed": 1,
    }


def test_counts_stay_exact_when_the_listing_is_cut_short(module):
    analysis = analyse_paths(_consequences_sim(module), max_paths=2)
    assert analysis.truncated and len(analysis.paths) == 2
    assert analysis.path_count == 6
    lose = next(s for s in analysis.endings if s.ending.key == "lose")
    assert (lose.paths, len(lose.routes), lose.unlisted) == (4, 1, 3)


def test_the_map_page_shows_branch_guards_event_and_resume(module, instructor):
    from django.test import Client
    from django.urls import reverse

    simulation = _consequences_sim(module)
    client = Client()
    client.force_login(instructor)
    html = client.get(reverse("simulation_map", args=[simulation.slug])).content.decode()
    assert "6 nodes, 3 endings, 6 distinct paths" in html
    assert "<strong>Exact:</strong> all 10 reachable states explored." in html
    assert 'If <code>trust &gt;= 60</code>:\n                      <a href="#node-win">' in html
    assert 'If <code>press-knows</code>:\n                      <a href="#node-lose">' in html
    assert 'Otherwise:\n                      <a href="#node-mixed">' in html
    assert "Event story-leaks (when <code>press-knows and trust &lt; 40</code>) interrupts:" in html
    assert 'Back to the story:\n                      <a href="#node-ask">' in html
    assert "Inserted by event story-leaks when <code>press-knows and trust &lt; 40</code>." in html
    assert "Failure): 4 paths" in html
    assert "Events: story-leaks" in html


def test_path_counts_of_the_shipped_simulations_match_a_full_enumeration():
    # tests/test_shipped_simulations.py enumerates every path one by one with the same step rules.
    from tests.test_shipped_simulations import SLUGS, all_paths

    call_command("load_curriculum", "fixtures/diplomacy-tracks", verbosity=0)
    assert len(SLUGS) >= 3
    for slug in SLUGS:
        analysis = analyse_paths(Simulation.objects.get(slug=slug))
        enumerated = all_paths(slug)
        expected: dict[str, int] = {}
        for path in enumerated:
            expected[path.ending] = expected.get(path.ending, 0) + 1
        assert analysis.exact and analysis.path_count == len(enumerated) == len(analysis.paths)
        assert {s.ending.key: s.paths for s in analysis.endings if s.paths} == expected
        # Every event and every branch taken on some path shows on the map.
        assert {e.key for e in analysis.events if e.fired} == {e for p in enumerated for e in p.events}
        leads = {
            (n.node.key, e.target.key) for n in analysis.nodes for o in n.options for e in o.edges if e.taken
        }
        assert {(node, destination) for p in enumerated for node, _, destination in p.steps} <= leads


def test_a_sampled_exploration_is_said_so_on_the_map(module, instructor, rf):
    from django.template.loader import render_to_string

    simulation = _consequences_sim(module)
    sampled = analyse_paths(simulation, max_states=3)
    assert not sampled.exact
    assert {s.ending.key for s in sampled.endings if s.paths} == {"win", "lose", "mixed"}  # 2,000 samples
    assert analyse_paths(simulation).exact
    request = rf.get("/")
    request.user = instructor
    nodes = [{"item": item, "situation_html": "", "distribution": None} for item in sampled.nodes]
    context = {"simulation": simulation, "analysis": sampled, "nodes": nodes}
    html = render_to_string("training/simulation_map.html", context, request=request)
    assert "<strong>Sampled:</strong> the states are too many to explore" in html
    assert "<strong>Exact:</strong>" not in html
