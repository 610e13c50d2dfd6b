"""The simulation runtime: effects and clamping, guards on current meters, choices, runs, debrief data."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_course, make_module, make_sim_graph, make_simulation
from training import simulation as sim
from training.models import Meter, Option, SimulationRun, SimulationStep

pytestmark = pytest.mark.django_db


@pytest.fixture
def module():
    return make_module(make_course())


def _meters(**ranges):
    return [
        Meter(key=key, label=key.title(), min=low, max=high, start=start)
        for key, (low, high, start) in ranges.items()
    ]


# Effects and clamping -----------------------------------------------------------------------------------------


def test_effects_add_to_each_meter_and_leave_others_alone():
    meters = _meters(trust=(0, 100, 40), momentum=(0, 100, 20))
    assert sim.apply_effects(meters, {"trust": 40, "momentum": 20}, {"trust": 15}) == {
        "trust": 55,
        "momentum": 20,
    }


def test_effects_are_clamped_to_each_meters_own_range():
    meters = _meters(trust=(0, 100, 95), risk=(-10, 10, 0))
    after = sim.apply_effects(meters, {"trust": 95, "risk": -5}, {"trust": 20, "risk": -30})
    assert after == {"trust": 100, "risk": -10}


def test_effects_ignore_unknown_meters_and_non_integer_values():
    meters = _meters(trust=(0, 100, 50))
    after = sim.apply_effects(meters, {"trust": 50}, {"trust": "10", "nope": 5, "also": True})
    assert after == {"trust": 50}


def test_meter_values_fill_in_new_meters_and_clamp_stored_values():
    meters = _meters(trust=(0, 100, 50), momentum=(0, 100, 20))
    assert sim.meter_values(meters, {"trust": 140}) == {"trust": 100, "momentum": 20}


def test_meter_change_reports_the_clamped_delta_and_announces_it():
    meters = _meters(trust=(0, 100, 95))
    (change,) = sim.meter_changes(meters, {"trust": 95}, {"trust": 100}, {"trust": 20})
    assert (change.delta, change.intended, change.clamped) == (5, 20, True)
    assert change.announce() == "Trust +5 (now 100)"


# Guards in the runtime ----------------------------------------------------------------------------------------


def _options(module, **guards):
    simulation = make_sim_graph(
        module,
        meters=[("trust", 0, 100, 40)],
        nodes={
            "start": {
                "options": [
                    {"key": "open", "next": "end"},
                    {"key": "shown", "next": "end", "guard": "trust >= 50", "reason": "Build trust first."},
                    {"key": "nameless", "next": "end", "guard": "trust >= 50 and trust < 90"},
                    {"key": "hidden", "next": "end", "guard": "trust >= 50", "unavailable": "hide"},
                    {"key": "old", "next": "end", "archived": True},
                    {"key": "draft", "next": "end", "status": "draft"},
                ]
            },
            "end": {"ending": "success"},
        },
    )
    return list(Option.objects.filter(node=simulation.start_node).order_by("position"))


def test_guards_are_evaluated_on_current_meters(module):
    options = _options(module)
    views = sim.available_options(options, {"trust": 40})
    assert [(v.option.key, v.available) for v in views] == [
        ("open", True),
        ("shown", False),
        ("nameless", False),
    ]
    views = sim.available_options(options, {"trust": 60})
    assert [(v.option.key, v.available) for v in views] == [
        ("open", True),
        ("shown", True),
        ("nameless", True),
        ("hidden", True),
    ]


def test_unavailable_options_carry_the_authors_reason_or_the_guard_in_words(module):
    views = {v.option.key: v for v in sim.available_options(_options(module), {"trust": 40})}
    assert views["shown"].reason == "Build trust first."
    assert views["nameless"].reason == "Available when trust is at least 50 and trust is below 90."


def test_archived_and_draft_options_are_never_shown(module):
    keys = {v.option.key for v in sim.available_options(_options(module), {"trust": 100})}
    assert "old" not in keys and "draft" not in keys


def test_a_broken_guard_never_opens_an_option(module):
    option = Option(key="x", guard="missing_meter > 3")
    assert sim.guard_met(option, {"trust": 50}) is False


# Choices ------------------------------------------------------------------------------------------------------


def test_choose_records_a_step_applies_clamped_effects_and_moves_on(module, learner):
    simulation = make_sim_graph(
        module,
        meters=[("trust", 0, 100, 90), ("risk", 0, 10, 5)],
        nodes={
            "start": {"options": [{"key": "a", "next": "middle", "effects": {"trust": 25, "risk": -2}}]},
            "middle": {"options": [{"key": "b", "next": "end"}]},
            "end": {"ending": "mixed"},
        },
    )
    run = sim.start_run(user=learner, simulation=simulation)
    assert run.meters == {"trust": 90, "risk": 5}
    result = sim.choose(user=learner, run_id=run.pk, node_id=simulation.start_node_id, option_key="a")
    run.refresh_from_db()
    assert run.current_node.key == "middle"
    assert run.meters == {"trust": 100, "risk": 3}
    assert run.finished_at is None
    step = SimulationStep.objects.get(run=run)
    assert (step.number, step.node_id, step.option.key) == (1, simulation.start_node_id, "a")
    assert step.meters_before == {"trust": 90, "risk": 5}
    assert step.meters_after == {"trust": 100, "risk": 3}
    assert result.announcement == "Trust +10 (now 100); Risk -2 (now 3)"


def test_reaching_an_ending_finishes_the_run_with_that_ending(module, learner):
    simulation = make_simulation(module)
    run = sim.start_run(user=learner, simulation=simulation)
    sim.choose(user=learner, run_id=run.pk, node_id=simulation.start_node_id, option_key="a")
    run.refresh_from_db()
    assert run.finished_at is not None
    assert run.ending.key == "success" and run.current_node.key == "success"
    assert run.meters == {"trust": 60, "momentum": 20}


def test_an_option_whose_guard_is_unmet_cannot_be_chosen_and_nothing_is_written(module, learner):
    simulation = make_simulation(module)  # option b needs trust >= 50; trust starts at 40
    run = sim.start_run(user=learner, simulation=simulation)
    with pytest.raises(sim.InvalidChoice, match="Not enough trust yet"):
        sim.choose(user=learner, run_id=run.pk, node_id=simulation.start_node_id, option_key="b")
    run.refresh_from_db()
    assert run.steps.count() == 0 and run.current_node_id == simulation.start_node_id


def test_a_guard_met_by_earlier_choices_opens_the_option(module, learner):
    simulation = make_sim_graph(
        module,
        meters=[("trust", 0, 100, 40)],
        nodes={
            "start": {"options": [{"key": "build", "next": "ask", "effects": {"trust": 15}}]},
            "ask": {"options": [{"key": "deal", "next": "end", "guard": "trust >= 50"}]},
            "end": {"ending": "success"},
        },
    )
    run = sim.start_run(user=learner, simulation=simulation)
    sim.choose(user=learner, run_id=run.pk, node_id=simulation.start_node_id, option_key="build")
    run.refresh_from_db()
    sim.choose(user=learner, run_id=run.pk, node_id=run.current_node_id, option_key="deal")
    run.refresh_from_db()
    assert run.ending.key == "end"


@pytest.mark.parametrize("key", ["zzz", "old", "draft"])
def test_unknown_archived_or_draft_options_are_invalid(module, learner, key):
    _options(module)
    simulation = Option.objects.get(key="old").node.simulation
    run = sim.start_run(user=learner, simulation=simulation)
    with pytest.raises(sim.InvalidChoice):
        sim.choose(user=learner, run_id=run.pk, node_id=simulation.start_node_id, option_key=key)
    assert SimulationStep.objects.count() == 0


def test_a_second_post_on_the_same_node_is_stale_and_records_nothing(module, learner):
    simulation = make_sim_graph(
        module,
        nodes={
            "start": {"options": [{"key": "a", "next": "middle"}]},
            "middle": {"options": [{"key": "b", "next": "end"}]},
            "end": {"ending": "success"},
        },
    )
    run = sim.start_run(user=learner, simulation=simulation)
    sim.choose(user=learner, run_id=run.pk, node_id=simulation.start_node_id, option_key="a")
    with pytest.raises(sim.StaleChoice):
        sim.choose(user=learner, run_id=run.pk, node_id=simulation.start_node_id, option_key="a")
    run.refresh_from_db()
    assert run.steps.count() == 1 and run.current_node.key == "middle"


def test_the_step_number_guards_against_replays_on_a_node_that_loops_to_itself(module, learner):
    simulation = make_sim_graph(
        module,
        nodes={
            "loop": {"options": [{"key": "again", "next": "loop"}, {"key": "stop", "next": "end"}]},
            "end": {"ending": "success"},
        },
    )
    run = sim.start_run(user=learner, simulation=simulation)
    node = simulation.start_node_id
    sim.choose(user=learner, run_id=run.pk, node_id=node, option_key="again", step_number=1)
    with pytest.raises(sim.StaleChoice):
        sim.choose(user=learner, run_id=run.pk, node_id=node, option_key="again", step_number=1)
    sim.choose(user=learner, run_id=run.pk, node_id=node, option_key="again", step_number=2)
    assert list(run.steps.values_list("number", flat=True)) == [1, 2]


def test_a_finished_run_accepts_no_more_choices(module, learner):
    simulation = make_simulation(module)
    run = sim.start_run(user=learner, simulation=simulation)
    sim.choose(user=learner, run_id=run.pk, node_id=simulation.start_node_id, option_key="a")
    run.refresh_from_db()
    with pytest.raises(sim.StaleChoice, match="already ended"):
        sim.choose(user=learner, run_id=run.pk, node_id=run.current_node_id, option_key="a")


def test_another_learners_run_cannot_be_played(module, learner, other_learner):
    simulation = make_simulation(module)
    run = sim.start_run(user=learner, simulation=simulation)
    with pytest.raises(SimulationRun.DoesNotExist):
        sim.choose(user=other_learner, run_id=run.pk, node_id=simulation.start_node_id, option_key="a")
    assert run.steps.count() == 0


# Runs ---------------------------------------------------------------------------------------------------------


def test_starting_twice_resumes_the_same_unfinished_run(module, learner):
    simulation = make_simulation(module)
    first = sim.start_run(user=learner, simulation=simulation)
    assert sim.start_run(user=learner, simulation=simulation).pk == first.pk
    assert SimulationRun.objects.count() == 1


def test_restart_keeps_the_old_run_without_an_ending_and_starts_fresh(module, learner):
    simulation = make_simulation(module)
    first = sim.start_run(user=learner, simulation=simulation)
    SimulationStep.objects.create(  # a decision taken (the factory's options all end the run)
        run=first,
        number=1,
        node_id=first.current_node_id,
        option=Option.objects.filter(key="a").get(),
        meters_before={},
        meters_after={},
        created_at=first.started_at,
    )
    second = sim.start_run(user=learner, simulation=simulation, restart=first.pk)
    first.refresh_from_db()
    assert second.pk != first.pk
    assert first.finished_at is not None and first.ending is None
    assert second.current_node_id == simulation.start_node_id and second.finished_at is None
    # Starting over the same run again (a double click, a second tab) changes nothing.
    assert sim.start_run(user=learner, simulation=simulation, restart=first.pk).pk == second.pk
    assert SimulationRun.objects.count() == 2


def test_starting_over_a_run_with_no_decision_keeps_it(module, learner):
    simulation = make_simulation(module)
    first = sim.start_run(user=learner, simulation=simulation)
    assert sim.start_run(user=learner, simulation=simulation, restart=first.pk).pk == first.pk
    assert SimulationRun.objects.count() == 1 and SimulationRun.objects.get().finished_at is None


def test_replay_after_an_ending_opens_a_new_run(module, learner):
    simulation = make_simulation(module)
    run = sim.start_run(user=learner, simulation=simulation)
    sim.choose(user=learner, run_id=run.pk, node_id=simulation.start_node_id, option_key="a")
    again = sim.start_run(user=learner, simulation=simulation)
    assert again.pk != run.pk and again.meters == {"trust": 40, "momentum": 20}


def test_recommended_path_follows_recommended_options_from_the_start(module):
    simulation = make_sim_graph(
        module,
        nodes={
            "start": {
                "options": [{"key": "x", "next": "end-bad"}, {"key": "y", "next": "mid", "recommended": True}]
            },
            "mid": {"options": [{"key": "z", "next": "end-good", "recommended": True}]},
            "end-good": {"ending": "success"},
            "end-bad": {"ending": "failure"},
        },
    )
    nodes, options = sim.simulation_graph(simulation)
    path = sim.recommended_path(simulation, nodes, options)
    assert [(p.node.key, p.option.key if p.option else None) for p in path] == [
        ("start", "y"),
        ("mid", "z"),
        ("end-good", None),
    ]


def test_outcomes_for_lists_finished_runs_with_their_endings_in_one_query(module, learner, other_learner):
    simulation = make_simulation(module, title="Harbour")
    for _ in range(3):
        run = sim.start_run(user=learner, simulation=simulation)
        sim.choose(user=learner, run_id=run.pk, node_id=simulation.start_node_id, option_key="a")
    sim.start_run(user=learner, simulation=simulation)  # in progress: not an outcome
    other_run = sim.start_run(user=other_learner, simulation=simulation)
    sim.choose(user=other_learner, run_id=other_run.pk, node_id=simulation.start_node_id, option_key="a")
    with CaptureQueriesContext(connection) as queries:
        outcomes = sim.outcomes_for(learner)
    assert len(queries) == 1
    assert len(outcomes) == 3
    assert {(o.simulation_title, o.ending_title, o.outcome) for o in outcomes} == {
        ("Harbour", "Agreement", "success")
    }
    assert outcomes[0].url == f"/simulations/{simulation.slug}/runs/{outcomes[0].run_id}/"
