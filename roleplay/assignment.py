"""Placing learners in role-play groups: pure functions over ids and role slugs (roleplay/sessions.py applies
them to the database).

- `plan_groups`: as many parallel groups as there are learners for every required role (at least one), the
  learners spread so that group sizes differ by one at most; in each group the required roles are filled
  first, then the optional roles in their order while learners remain; whoever is left observes that group.
- `place_late_joiner`: a learner who joins after the assignment takes a required role left open (by a leaver,
  or because there were too few learners) in the group with the fewest members; otherwise they observe the
  group with the fewest members. Optional roles are not filled mid-game: they would change who must agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RoleSpec:
    slug: str
    optional: bool = False


@dataclass
class GroupPlan:
    seats: dict[str, int | None] = field(default_factory=dict)  # role slug → learner id (None: open)
    observers: list[int] = field(default_factory=list)

    @property
    def members(self) -> int:
        return sum(1 for holder in self.seats.values() if holder is not None) + len(self.observers)


def group_count(learners: int, roles: Sequence[RoleSpec]) -> int:
    required = sum(1 for role in roles if not role.optional)
    return max(1, learners // max(1, required))


def plan_groups(learners: Sequence[int], roles: Sequence[RoleSpec]) -> list[GroupPlan]:
    count = group_count(len(learners), roles)
    base, extra = divmod(len(learners), count)
    required = [role.slug for role in roles if not role.optional]
    optional = [role.slug for role in roles if role.optional]
    plans = []
    start = 0
    for index in range(count):
        size = base + (1 if index < extra else 0)
        members = list(learners[start : start + size])
        start += size
        plan = GroupPlan()
        for slug in required:
            plan.seats[slug] = members.pop(0) if members else None
        for slug in optional:
            if members:
                plan.seats[slug] = members.pop(0)
        plan.observers = members
        plans.append(plan)
    return plans


@dataclass(frozen=True)
class GroupState:
    """A group as the late-joiner rule sees it: its open required roles and how many members it has."""

    open_required: tuple[str, ...]
    members: int


def place_late_joiner(groups: Sequence[GroupState]) -> tuple[int, str | None] | None:
    """(group index, role slug or None for observing), or None when there are no groups yet."""
    if not groups:
        return None
    order = sorted(range(len(groups)), key=lambda i: (groups[i].members, i))
    for index in order:
        if groups[index].open_required:
            return index, groups[index].open_required[0]
    return order[0], None
