"""Scoring of role-play outcomes (roleplay/scoring.py): scores, every package, the Pareto frontier and the
joint-gain maximum, checked against a brute-force definition and hand-computed tables."""

from __future__ import annotations

import itertools
import random

import pytest

from roleplay.scoring import (
    Table,
    deals_beating_walk_away,
    dominates,
    joint_gain_maximum,
    outcomes,
    packages,
    pareto_frontier,
    score,
)

# Two roles, two issues of three options (the test scenario's north/south table).
TABLE = Table(
    roles=("north", "south"),
    issues=(("water", ("a", "b", "c")), ("monitoring", ("a", "b", "c"))),
    points={
        ("water", "a"): {"north": 30, "south": 0},
        ("water", "b"): {"north": 15, "south": 18},
        ("water", "c"): {"north": 0, "south": 30},
        ("monitoring", "a"): {"north": 20, "south": 5},
        ("monitoring", "b"): {"north": 12, "south": 25},
        ("monitoring", "c"): {"north": 0, "south": 10},
    },
    walk_away={"north": 20, "south": 20},
)


def test_score_of_a_package_sums_each_roles_points():
    package = TABLE.package({"water": "b", "monitoring": "b"})
    assert package == (("water", "b"), ("monitoring", "b"))
    assert score(TABLE, package) == {"north": 27, "south": 43}
    assert score(TABLE, TABLE.package({"water": "a", "monitoring": "a"})) == {"north": 50, "south": 5}


def test_no_agreement_scores_each_walk_away():
    assert score(TABLE, None) == {"north": 20, "south": 20}


def test_every_package_once():
    every = list(packages(TABLE))
    assert len(every) == 9 and len(set(every)) == 9
    assert every[0] == (("water", "a"), ("monitoring", "a"))


def test_is_package_needs_one_known_option_per_issue():
    assert TABLE.is_package({"water": "a", "monitoring": "c"})
    assert not TABLE.is_package({"water": "a"})
    assert not TABLE.is_package({"water": "a", "monitoring": "z"})
    assert not TABLE.is_package({"water": "a", "monitoring": "a", "extra": "a"})


def test_pareto_frontier_of_the_two_party_table():
    frontier = {(o.package, o.scores) for o in pareto_frontier(TABLE)}
    # By hand: (a,a) 50/5, (a,b) 42/25, (b,a) 35/23 is dominated by (a,b)… the undominated ones are:
    assert frontier == {
        ((("water", "a"), ("monitoring", "a")), (50, 5)),
        ((("water", "a"), ("monitoring", "b")), (42, 25)),
        ((("water", "b"), ("monitoring", "b")), (27, 43)),
        ((("water", "c"), ("monitoring", "b")), (12, 55)),
    }


def test_joint_gain_maximum_is_unique_here():
    best = joint_gain_maximum(TABLE)
    assert [(o.package, o.scores, o.joint) for o in best] == [
        ((("water", "b"), ("monitoring", "b")), (27, 43), 70)
    ]


def test_deals_better_than_every_walk_away():
    deals = {o.package for o in deals_beating_walk_away(TABLE, ["north", "south"])}
    assert (("water", "b"), ("monitoring", "b")) in deals
    assert (("water", "a"), ("monitoring", "a")) not in deals  # south 5 < 20
    strict = Table(TABLE.roles, TABLE.issues, TABLE.points, {"north": 60, "south": 60})
    assert deals_beating_walk_away(strict, ["north", "south"]) == []


def brute_force_frontier(table: Table) -> set:
    every = outcomes(table)
    return {o.package for o in every if not any(dominates(other.scores, o.scores) for other in every)}


@pytest.mark.parametrize("seed", range(8))
def test_frontier_matches_brute_force_on_random_tables(seed):
    rng = random.Random(seed)
    roles = tuple(f"r{n}" for n in range(2 if seed < 3 else rng.randint(2, 5)))
    issues = tuple((f"i{n}", tuple("abcde"[: rng.randint(2, 5)])) for n in range(rng.randint(1, 4)))
    points = {
        (issue, key): {role: rng.randint(-20, 40) for role in roles} for issue, keys in issues for key in keys
    }
    table = Table(roles, issues, points, dict.fromkeys(roles, 0))
    assert {o.package for o in pareto_frontier(table)} == brute_force_frontier(table)
    best = max(sum(score(table, p).values()) for p in packages(table))
    assert {o.joint for o in joint_gain_maximum(table)} == {best}
    # Every joint-gain maximum is on the frontier.
    assert {o.package for o in joint_gain_maximum(table)} <= {o.package for o in pareto_frontier(table)}


def test_largest_table_is_fast_enough():
    roles = tuple(f"r{n}" for n in range(6))
    issues = tuple((f"i{n}", tuple("abcde")) for n in range(5))
    rng = random.Random(1)
    points = {(i, k): {r: rng.randint(-100, 100) for r in roles} for i, keys in issues for k in keys}
    table = Table(roles, issues, points, dict.fromkeys(roles, 0))
    assert len(list(packages(table))) == 3125
    frontier = pareto_frontier(table)
    assert frontier and all(
        not dominates(a.scores, b.scores) for a, b in itertools.permutations(frontier[:50], 2)
    )


def test_scores_only_for_roles_in_the_table():
    two = Table(("north",), TABLE.issues, TABLE.points, {"north": 20})
    assert score(two, TABLE.package({"water": "c", "monitoring": "c"})) == {"north": 0}
