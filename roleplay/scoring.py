"""Scores of a role-play's outcomes: pure functions over a points table (no database).

A package is one option key per issue. A role's score for a package is the sum of its points for the chosen
options; without an agreement each role scores its walk-away value. The Pareto frontier is the set of
packages no other package beats for one role without costing another; the joint-gain maximum is the package
(or packages) with the largest sum of scores. See docs/roleplay.md.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

Package = tuple[tuple[str, str], ...]  # ((issue slug, option key), ...) in issue order


@dataclass(frozen=True)
class Table:
    """What scoring needs of a role-play: roles in order, issues with their option keys in order, every
    role's points for every option and every role's walk-away value."""

    roles: tuple[str, ...]
    issues: tuple[tuple[str, tuple[str, ...]], ...]
    points: Mapping[tuple[str, str], Mapping[str, int]]  # (issue, key) → role → points
    walk_away: Mapping[str, int] = field(default_factory=dict)

    def package(self, choices: Mapping[str, str]) -> Package:
        """A package from an issue → key mapping, in issue order; KeyError if an issue is missing."""
        return tuple((issue, choices[issue]) for issue, _keys in self.issues)

    def is_package(self, choices: Mapping[str, str]) -> bool:
        """Whether `choices` names exactly one known option of every issue."""
        known = dict(self.issues)
        return set(choices) == set(known) and all(choices[i] in known[i] for i in known)


def score(table: Table, package: Package | None) -> dict[str, int]:
    """Each role's score: its points for the package's options, or its walk-away value (None: no agreement)."""
    if package is None:
        return {role: table.walk_away.get(role, 0) for role in table.roles}
    totals = dict.fromkeys(table.roles, 0)
    for issue_key in package:
        for role, points in table.points.get(issue_key, {}).items():
            if role in totals:
                totals[role] += points
    return totals


def packages(table: Table) -> Iterable[Package]:
    """Every package, in issue and option order."""
    choices = [[(issue, key) for key in keys] for issue, keys in table.issues]
    return (tuple(combo) for combo in itertools.product(*choices))


@dataclass(frozen=True)
class Outcome:
    package: Package
    scores: tuple[int, ...]  # in the table's role order

    @property
    def joint(self) -> int:
        return sum(self.scores)


def outcomes(table: Table, roles: tuple[str, ...] | None = None) -> list[Outcome]:
    """Every package with the scores of `roles` (default: all roles)."""
    roles = roles or table.roles
    result = []
    for package in packages(table):
        scores = score(table, package)
        result.append(Outcome(package, tuple(scores[r] for r in roles)))
    return result


def dominates(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """a is at least as good as b for everyone and better for someone."""
    return a != b and all(map(operator.ge, a, b))


def pareto_frontier(table: Table, roles: tuple[str, ...] | None = None) -> list[Outcome]:
    """The packages no other package dominates (for `roles`, default all), by joint gain, best first.

    Sorted by joint gain, a package can only be dominated by one earlier in the order (domination raises the
    sum), and whatever dominates it is itself dominated by a frontier package or on the frontier: comparing
    with the frontier found so far is enough (3,125 packages at most)."""
    ranked = sorted(outcomes(table, roles), key=lambda o: (-o.joint, o.package))
    if ranked and len(ranked[0].scores) == 2:
        return _frontier_2d(ranked)
    frontier: list[Outcome] = []
    vectors: set[tuple[int, ...]] = set()
    for outcome in ranked:
        # Packages with the same scores as a frontier package are on it too (neither dominates the other).
        if outcome.scores in vectors or not any(dominates(best, outcome.scores) for best in vectors):
            frontier.append(outcome)
            vectors.add(outcome.scores)
    return frontier


def _frontier_2d(ranked: list[Outcome]) -> list[Outcome]:
    """Two roles: sweep by the first score (descending); a package is undominated when its second score is
    above every second score seen at a strictly higher first score, and not beaten at an equal one."""
    by_first = sorted(ranked, key=lambda o: (-o.scores[0], -o.scores[1]))
    keep: set[Package] = set()
    best_second = None  # the best second score among strictly higher first scores
    index = 0
    while index < len(by_first):
        first = by_first[index].scores[0]
        same = [o for o in by_first[index:] if o.scores[0] == first]
        top = same[0].scores[1]  # best second score at this first score
        if best_second is None or top > best_second:
            keep.update(o.package for o in same if o.scores[1] == top)
        best_second = top if best_second is None else max(best_second, top)
        index += len(same)
    return [o for o in ranked if o.package in keep]


def joint_gain_maximum(table: Table) -> list[Outcome]:
    """The package(s) with the largest sum of every role's scores."""
    every = outcomes(table)
    best = max(o.joint for o in every)
    return [o for o in every if o.joint == best]


def deals_beating_walk_away(table: Table, roles: Iterable[str]) -> list[Outcome]:
    """Packages that every role of `roles` strictly prefers to its walk-away (a deal is possible)."""
    wanted = tuple(roles)
    walk = tuple(table.walk_away.get(r, 0) for r in wanted)
    return [o for o in outcomes(table, wanted) if all(s > w for s, w in zip(o.scores, walk, strict=True))]
