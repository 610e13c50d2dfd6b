"""The two role-plays we ship (fixtures/diplomacy-tracks/08-roleplays.yaml) load, and their points tables have
the structure their debrief guides teach: a unique joint-gain package that beats every walk-away and is no
role's favourite, an even split of every issue that looks fair yet is Pareto-dominated, red lines that really
fall below the walk-away, and confidential briefs that differ from the public ones. Every package is
enumerated with the product's own scoring (roleplay.scoring), for all roles and for the required roles only
(a group plays without its optional roles when it is short of learners)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from roleplay import scoring
from roleplay.models import RolePlay
from training.curriculum.loader import load_curriculum

SHIPPED = Path(__file__).resolve().parent.parent / "fixtures" / "diplomacy-tracks"

# The module fixture loads the course once; the marker makes pytest-django create the test database.
pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Shipped:
    """What the tests need of one shipped role-play, read from the database after loading."""

    table: scoring.Table
    required: tuple[str, ...]
    briefs: dict[str, tuple[str, str]]  # role → (public, confidential)
    background: str
    guide: str


# What each role-play's debrief guide and top-of-file comment say about its points table.
EXPECTED = {
    "teveren-line-workshop": {
        "packages": 108,
        "joint": {"heavy-weapons": "a", "status-wording": "c", "crossings": "c", "the-paper": "b"},
        "joint_scores": {"korvian-delegation": 60, "delmari-delegation": 74},
        "fair": {"heavy-weapons": "b", "status-wording": "b", "crossings": "b", "the-paper": "b"},
        "fair_scores": {"korvian-delegation": 56, "delmari-delegation": 48},
        "frontier": 11,
        "beat_walk_away": 12,
        "red_lines": {
            "korvian-delegation": ("status-wording", "d"),
            "delmari-delegation": ("status-wording", "a"),
        },
    },
    "ilsa-delta-conference": {
        "packages": 768,
        "joint": {
            "security": "c",
            "district-status": "b",
            "revenue": "c",
            "return": "b",
            "implementation": "c",
        },
        "joint_scores": {
            "valdia-negotiator": 73,
            "ruthen-negotiator": 65,
            "delta-coalition": 94,
            "dialogue-convenor": 80,
            "mediator": 90,
        },
        "fair": {
            "security": "b",
            "district-status": "c",
            "revenue": "b",
            "return": "b",
            "implementation": "b",
        },
        "fair_scores": {
            "valdia-negotiator": 49,
            "ruthen-negotiator": 60,
            "delta-coalition": 43,
            "dialogue-convenor": 48,
            "mediator": 69,
        },
        "frontier": 114,
        "beat_walk_away": 125,
        "red_lines": {
            "valdia-negotiator": ("district-status", "d"),
            "ruthen-negotiator": ("security", "a"),
            "delta-coalition": ("return", "a"),
        },
    },
}


@pytest.fixture(scope="module")
def shipped(django_db_setup, django_db_blocker) -> dict[str, Shipped]:
    """Load the shipped course once, read the role-plays into plain data, and roll the database back."""
    from django.db import transaction

    found: dict[str, Shipped] = {}
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            load_curriculum([SHIPPED])
            for rp in RolePlay.objects.filter(course__slug="diplomacy-tracks"):
                roles = rp.active_roles()
                found[rp.slug] = Shipped(
                    table=rp.points_table(),
                    required=tuple(r.slug for r in roles if not r.optional),
                    briefs={r.slug: (r.public_brief, r.confidential_brief) for r in roles},
                    background=rp.background,
                    guide=rp.debrief_guide,
                )
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
    return found


def test_both_role_plays_load_with_the_roles_the_issue_asks_for(shipped):
    assert set(shipped) == set(EXPECTED)
    workshop, conference = shipped["teveren-line-workshop"], shipped["ilsa-delta-conference"]
    assert workshop.table.roles == workshop.required == ("korvian-delegation", "delmari-delegation")
    assert len(conference.table.roles) == 5 and len(conference.required) == 4  # four learners can play it
    assert "mediator" not in conference.required


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_joint_gain_package_is_unique_beats_every_walk_away_and_is_nobodys_favourite(shipped, slug):
    rp, expected = shipped[slug], EXPECTED[slug]
    table = rp.table
    assert sum(1 for _ in scoring.packages(table)) == expected["packages"]
    joint = table.package(expected["joint"])
    for roles in {table.roles, rp.required}:
        best = scoring.joint_gain_maximum(scoring.Table(roles, table.issues, table.points, table.walk_away))
        assert [o.package for o in best] == [joint], f"{slug}: the joint-gain maximum for {roles}"
        scores = scoring.score(table, joint)
        for role in roles:
            assert scores[role] > table.walk_away[role], f"{slug}: {role} would rather walk away"
            favourite = max(scoring.score(table, p)[role] for p in scoring.packages(table))
            assert scores[role] < favourite, f"{slug}: the joint-gain package is {role}'s favourite"
    assert {r: s for r, s in scoring.score(table, joint).items()} == expected["joint_scores"]
    assert str(sum(expected["joint_scores"].values())) in rp.guide


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_the_fair_looking_even_split_beats_the_walk_aways_but_is_dominated(shipped, slug):
    rp, expected = shipped[slug], EXPECTED[slug]
    table = rp.table
    fair, joint = table.package(expected["fair"]), table.package(expected["joint"])
    fair_scores = scoring.score(table, fair)
    assert fair_scores == expected["fair_scores"]
    assert all(fair_scores[r] > table.walk_away[r] for r in table.roles)  # a deal groups will happily sign
    order = table.roles
    assert scoring.dominates(
        tuple(scoring.score(table, joint)[r] for r in order), tuple(fair_scores[r] for r in order)
    )
    assert str(sum(expected["fair_scores"].values())) in rp.guide


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_frontier_and_possible_deals_match_the_debrief_guide(shipped, slug):
    rp, expected = shipped[slug], EXPECTED[slug]
    frontier = scoring.pareto_frontier(rp.table)
    assert len(frontier) == expected["frontier"]
    assert rp.table.package(expected["joint"]) in {o.package for o in frontier}
    assert len(scoring.deals_beating_walk_away(rp.table, rp.table.roles)) == expected["beat_walk_away"]
    assert f"{expected['beat_walk_away']} " in rp.guide


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_every_red_line_in_a_brief_scores_below_the_walk_away(shipped, slug):
    rp = shipped[slug]
    for role, (issue, key) in EXPECTED[slug]["red_lines"].items():
        assert "red line" in rp.briefs[role][1].lower()
        best = max(scoring.score(rp.table, p)[role] for p in scoring.packages(rp.table) if (issue, key) in p)
        assert best < rp.table.walk_away[role], (
            f"{slug}: {role}'s red line {issue} {key} can still beat walking away"
        )


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_every_confidential_brief_differs_from_the_public_one_and_stays_out_of_public_text(shipped, slug):
    rp = shipped[slug]
    public_text = rp.background + "".join(public for public, _ in rp.briefs.values())
    for role, (public, confidential) in rp.briefs.items():
        assert public.strip() and confidential.strip() and public.strip() != confidential.strip()
        first_line = confidential.strip().splitlines()[0]
        assert "only" in first_line.lower(), f"{role}: the confidential brief should say whom it is for"
        for paragraph in confidential.split("\n\n")[1:]:
            assert paragraph.strip() not in public_text, f"{role}: a confidential paragraph is also public"
