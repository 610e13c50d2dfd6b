"""Pure rules of role-play sessions: who goes to which group and role (roleplay/assignment.py) and who may
speak where and propose when (roleplay/rules.py)."""

from __future__ import annotations

import pytest

from roleplay import rules
from roleplay.assignment import GroupState, RoleSpec, group_count, place_late_joiner, plan_groups

TWO = [RoleSpec("north"), RoleSpec("south")]
WITH_MEDIATOR = [RoleSpec("north"), RoleSpec("south"), RoleSpec("mediator", optional=True)]


def test_an_even_number_makes_full_pairs():
    plans = plan_groups([1, 2, 3, 4], TWO)
    assert [p.seats for p in plans] == [{"north": 1, "south": 2}, {"north": 3, "south": 4}]
    assert all(p.observers == [] for p in plans)


def test_an_odd_learner_observes_a_group():
    plans = plan_groups([1, 2, 3, 4, 5], TWO)
    assert len(plans) == 2
    assert plans[0].seats == {"north": 1, "south": 2} and plans[0].observers == [3]
    assert plans[1].seats == {"north": 4, "south": 5} and plans[1].observers == []


def test_groups_are_balanced_within_one():
    for learners in range(1, 30):
        for roles in (TWO, WITH_MEDIATOR, [RoleSpec("a"), RoleSpec("b"), RoleSpec("c")]):
            plans = plan_groups(list(range(learners)), roles)
            sizes = [p.members for p in plans]
            assert max(sizes) - min(sizes) <= 1, (learners, sizes)
            assert sum(sizes) == learners
            placed = [h for p in plans for h in p.seats.values() if h is not None] + [
                o for p in plans for o in p.observers
            ]
            assert sorted(placed) == list(range(learners))  # everyone once


def test_optional_roles_only_with_enough_learners():
    plans = plan_groups([1, 2, 3], WITH_MEDIATOR)
    assert plans == plan_groups([1, 2, 3], WITH_MEDIATOR)
    assert len(plans) == 1 and plans[0].seats == {"north": 1, "south": 2, "mediator": 3}
    plans = plan_groups([1, 2, 3, 4, 5], WITH_MEDIATOR)
    assert [sorted(p.seats) for p in plans] == [["mediator", "north", "south"], ["north", "south"]]
    assert "mediator" not in plans[1].seats  # a pair without a mediator: the optional seat is not created


def test_too_few_learners_leave_required_roles_open():
    plans = plan_groups([1], TWO)
    assert len(plans) == 1 and plans[0].seats == {"north": 1, "south": None}
    assert group_count(0, TWO) == 1


def test_a_late_joiner_takes_an_open_required_role_first():
    groups = [GroupState((), 3), GroupState(("south",), 1), GroupState((), 2)]
    assert place_late_joiner(groups) == (1, "south")


def test_a_late_joiner_observes_the_smallest_group_when_no_role_is_open():
    assert place_late_joiner([GroupState((), 3), GroupState((), 2), GroupState((), 2)]) == (1, None)
    assert place_late_joiner([]) is None


NORTH = rules.Seat("north", "North", "north")
SOUTH = rules.Seat("south", "South", "south")
ALLY = rules.Seat("north-ally", "North ally", "north")
SEATS = [NORTH, SOUTH, ALLY]


def keys(channels) -> set[str]:
    return {c.key for c in channels}


@pytest.mark.parametrize(
    "kind, expected, proposals",
    [
        ("preparation", {"caucus:north"}, False),
        ("caucus", {"caucus:north"}, False),
        ("private", {"pair:north+south", "pair:north+north-ally", "caucus:north"}, True),
        ("plenary", {"group", "caucus:north"}, True),
    ],
)
def test_who_may_speak_where_in_each_phase(kind, expected, proposals):
    assert keys(rules.writable(kind, NORTH, SEATS)) == expected
    assert rules.proposals_allowed(kind) is proposals
    for channel in ("group", "caucus:north", "caucus:south", "pair:north+south", "pair:north-ally+south"):
        assert rules.may_post(kind, NORTH, SEATS, channel) is (channel in expected)


def test_roles_of_one_side_share_a_caucus_and_read_only_their_own_channels():
    assert keys(rules.readable(ALLY, SEATS)) == {
        "group",
        "caucus:north",
        "pair:north+north-ally",
        "pair:north-ally+south",
    }
    assert not rules.may_read(SOUTH, SEATS, "caucus:north")
    assert not rules.may_read(SOUTH, SEATS, "pair:north+north-ally")


def test_observers_read_the_whole_group_only_and_write_nowhere():
    assert keys(rules.readable(None, SEATS)) == {"group"}
    for kind in ("preparation", "private", "caucus", "plenary"):
        assert rules.writable(kind, None, SEATS) == []


def test_the_facilitator_reads_every_channel_and_writes_to_the_group_in_every_phase():
    everything = keys(rules.readable(None, SEATS, facilitator=True))
    assert everything == {
        "group",
        "caucus:north",
        "caucus:south",
        "pair:north+south",
        "pair:north+north-ally",
        "pair:north-ally+south",
    }
    for kind in ("preparation", "private", "caucus", "plenary"):
        assert keys(rules.writable(kind, None, SEATS, facilitator=True)) == {"group"}


def test_pair_keys_do_not_depend_on_order():
    assert rules.pair_key("south", "north") == rules.pair_key("north", "south") == "pair:north+south"
