"""Who may speak where, and when proposals may be made: the channel rules of a role-play, written once.

A channel is named by a string: `group` (the whole group), `caucus:<side>` (the roles of one side) or
`pair:<role>+<role>` (two roles, slugs in alphabetical order). What a phase allows (docs/roleplay.md):

    preparation   own caucus                       no proposals
    private       pairs with each other role, own caucus   proposals
    caucus        own caucus                       no proposals
    plenary       the whole group, own caucus      proposals

A role-holder reads every channel it belongs to, whatever the phase (the talks of earlier phases stay
readable); it writes only where the current phase allows. The facilitator reads every channel of a group and
writes to the whole group at any time. Observers read the whole group only and write nowhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

GROUP = "group"
PROPOSAL_KINDS = frozenset({"private", "plenary"})


@dataclass(frozen=True)
class Seat:
    """What the rules need of a role: its slug, title and caucus (its side, or its slug)."""

    slug: str
    title: str
    caucus: str


@dataclass(frozen=True)
class Channel:
    key: str
    label: str


def caucus_key(side: str) -> str:
    return f"caucus:{side}"


def pair_key(a: str, b: str) -> str:
    first, second = sorted((a, b))
    return f"pair:{first}+{second}"


def _caucus(seat: Seat, seats: Sequence[Seat]) -> Channel:
    partners = [other.title for other in seats if other.caucus == seat.caucus and other.slug != seat.slug]
    label = "Your side's caucus" + (f" (with {', '.join(partners)})" if partners else " (your own notes)")
    return Channel(caucus_key(seat.caucus), label)


def _pairs(seat: Seat, seats: Sequence[Seat]) -> list[Channel]:
    return [
        Channel(pair_key(seat.slug, other.slug), f"Private with {other.title}")
        for other in seats
        if other.slug != seat.slug
    ]


def readable(seat: Seat | None, seats: Sequence[Seat], *, facilitator: bool = False) -> list[Channel]:
    """Channels a seat reads (None and not facilitator: an observer): its own, in every phase."""
    if facilitator:
        channels = [Channel(GROUP, "Whole group")]
        sides = []
        for other in seats:
            if other.caucus not in sides:
                sides.append(other.caucus)
        channels += [Channel(caucus_key(side), f"Caucus: {_side_title(side, seats)}") for side in sides]
        titles = {other.slug: other.title for other in seats}
        for i, a in enumerate(seats):
            for b in seats[i + 1 :]:
                channels.append(
                    Channel(pair_key(a.slug, b.slug), f"Private: {titles[a.slug]} and {titles[b.slug]}")
                )
        return channels
    if seat is None:
        return [Channel(GROUP, "Whole group")]
    return [Channel(GROUP, "Whole group"), _caucus(seat, seats), *_pairs(seat, seats)]


def writable(
    kind: str, seat: Seat | None, seats: Sequence[Seat], *, facilitator: bool = False
) -> list[Channel]:
    """Channels a seat may post to in a phase of `kind` (the facilitator: the whole group, always)."""
    if facilitator:
        return [Channel(GROUP, "Whole group")]
    if seat is None:
        return []
    if kind in ("preparation", "caucus"):
        return [_caucus(seat, seats)]
    if kind == "private":
        return [*_pairs(seat, seats), _caucus(seat, seats)]
    if kind == "plenary":
        return [Channel(GROUP, "Whole group"), _caucus(seat, seats)]
    return []


def may_post(
    kind: str, seat: Seat | None, seats: Sequence[Seat], channel: str, *, facilitator: bool = False
) -> bool:
    return any(c.key == channel for c in writable(kind, seat, seats, facilitator=facilitator))


def may_read(seat: Seat | None, seats: Sequence[Seat], channel: str, *, facilitator: bool = False) -> bool:
    return any(c.key == channel for c in readable(seat, seats, facilitator=facilitator))


def proposals_allowed(kind: str) -> bool:
    return kind in PROPOSAL_KINDS


def _side_title(side: str, seats: Sequence[Seat]) -> str:
    titles = [seat.title for seat in seats if seat.caucus == side]
    return " and ".join(titles) if titles else side
