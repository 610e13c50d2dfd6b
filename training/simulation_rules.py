"""The rules of a simulation step, on plain data: one implementation for the runtime, the staff map and the
linter, so what the linter proves about a simulation is what learners play.

A step, in order (docs/curriculum-format.md, "Consequences"):

1. the option's `effects` apply (each meter clamped to its range), then its `sets` and `clears` flags;
2. its `later` items are scheduled `after` decisions ahead;
3. earlier `later` items that fall due at this decision apply (effects clamped, flags), in the order they
   were scheduled; an item naming an `event` makes that event due;
4. the destination is the first `branches` entry whose `when` holds on the state after 1–3, else `next`; an
   option without `next` (allowed on event nodes only) resumes where the event interrupted the story;
5. an event interrupts the way to that destination: a due scheduled event first, else the first event (in
   authored order) not yet fired whose `when` holds. At most one event fires per step and each fires once.

Guards, branch conditions and event conditions are guards (training.curriculum.guards): meters and flags.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from training.curriculum.guards import Guard, GuardError, parse_guard

__all__ = [
    "Branch",
    "EventRule",
    "Later",
    "MeterRange",
    "OptionRule",
    "RunState",
    "StepResult",
    "condition_holds",
    "clamp_effects",
    "step",
]


@lru_cache(maxsize=4096)
def _parsed(text: str) -> Guard | None:
    try:
        return parse_guard(text)
    except GuardError:
        return None


def condition_holds(text: str, meters: Mapping[str, int], flags: Iterable[str]) -> bool:
    """Whether a guard holds; an empty guard always holds, a broken one (or one naming a removed meter)
    never does."""
    if not text or not text.strip():
        return True
    guard = _parsed(text)
    if guard is None:
        return False
    try:
        return guard.evaluate(dict(meters), frozenset(flags))
    except GuardError:
        return False


@dataclass(frozen=True)
class MeterRange:
    key: str
    min: int
    max: int
    start: int

    def clamp(self, value: int) -> int:
        return max(self.min, min(self.max, value))


@dataclass(frozen=True)
class Branch:
    when: str
    next: str


@dataclass(frozen=True)
class Later:
    after: int
    effects: tuple[tuple[str, int], ...] = ()
    sets: tuple[str, ...] = ()
    clears: tuple[str, ...] = ()
    event: str = ""

    @classmethod
    def from_data(cls, data: Mapping) -> Later:
        effects = data.get("effects") or {}
        return cls(
            after=int(data.get("after") or 1),
            effects=tuple((k, v) for k, v in effects.items() if type(v) is int),
            sets=tuple(data.get("sets") or ()),
            clears=tuple(data.get("clears") or ()),
            event=data.get("event") or "",
        )


@dataclass(frozen=True)
class OptionRule:
    key: str
    guard: str = ""
    effects: tuple[tuple[str, int], ...] = ()
    sets: tuple[str, ...] = ()
    clears: tuple[str, ...] = ()
    later: tuple[Later, ...] = ()
    branches: tuple[Branch, ...] = ()
    next: str = ""  # "" resumes the interrupted story (event nodes only)
    follows: tuple[str, ...] = ()
    breaks: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, key: str, data: Mapping, *, next_key: str) -> OptionRule:
        """From an option's stored fields (training.models.Option) or the schema's (the same names)."""
        effects = data.get("effects") or {}
        return cls(
            key=key,
            guard=data.get("guard") or "",
            effects=tuple((k, v) for k, v in effects.items() if type(v) is int),
            sets=tuple(data.get("sets") or ()),
            clears=tuple(data.get("clears") or ()),
            later=tuple(Later.from_data(item) for item in data.get("later") or ()),
            branches=tuple(Branch(b.get("when", ""), b.get("next", "")) for b in data.get("branches") or ()),
            next=next_key,
            follows=tuple(data.get("follows") or ()),
            breaks=tuple(data.get("breaks") or ()),
        )


@dataclass(frozen=True)
class EventRule:
    key: str
    node: str
    when: str = ""  # "" fires only when a `later` item schedules it


@dataclass(frozen=True)
class Pending:
    due: int  # the decision number after which it applies
    item: Later


@dataclass(frozen=True)
class RunState:
    """What a run carries between decisions besides its node: meters, flags, scheduled items, fired events,
    and the node an event interrupted (where an option without `next` resumes)."""

    meters: tuple[tuple[str, int], ...]
    flags: frozenset[str] = frozenset()
    pending: tuple[Pending, ...] = ()
    fired: frozenset[str] = frozenset()
    resume: str = ""

    @property
    def values(self) -> dict[str, int]:
        return dict(self.meters)

    @classmethod
    def initial(cls, meters: Sequence[MeterRange]) -> RunState:
        return cls(meters=tuple((m.key, m.start) for m in meters))

    def key(self, decisions: int) -> tuple:
        """A hashable key for path analysis: pending items by how many decisions remain."""
        pending = tuple((p.due - decisions, p.item) for p in self.pending)
        return (self.meters, self.flags, pending, self.fired, self.resume)


@dataclass
class StepResult:
    state: RunState
    destination: str  # the node the run moves to ("" when nothing resolves: an authoring error)
    event: str = ""  # the event that fired, if any
    applied: list[Later] = field(default_factory=list)  # the scheduled items that fell due
    intended: dict[str, int] = field(default_factory=dict)  # all changes before clamping, per meter


def clamp_effects(
    meters: Sequence[MeterRange], values: dict[str, int], effects: Iterable[tuple[str, int]]
) -> dict[str, int]:
    after = dict(values)
    ranges = {m.key: m for m in meters}
    for key, change in effects:
        meter = ranges.get(key)
        if meter is not None:
            after[key] = meter.clamp(after.get(key, meter.start) + change)
    return after


def step(
    *,
    meters: Sequence[MeterRange],
    events: Sequence[EventRule],
    state: RunState,
    option: OptionRule,
    number: int,
    is_ending=lambda key: False,
) -> StepResult:
    """The state after choosing `option` at decision `number` (1 for the first), and where the run goes."""
    intended: dict[str, int] = {}
    values = clamp_effects(meters, state.values, option.effects)
    for key, change in option.effects:
        intended[key] = intended.get(key, 0) + change
    flags = (set(state.flags) | set(option.sets)) - set(option.clears)
    pending = list(state.pending) + [Pending(number + item.after, item) for item in option.later]
    applied = [p.item for p in pending if p.due == number]
    pending = [p for p in pending if p.due > number]
    due_events: list[str] = []
    for item in applied:
        values = clamp_effects(meters, values, item.effects)
        for key, change in item.effects:
            intended[key] = intended.get(key, 0) + change
        flags = (flags | set(item.sets)) - set(item.clears)
        if item.event:
            due_events.append(item.event)

    destination = next((b.next for b in option.branches if condition_holds(b.when, values, flags)), "")
    destination = destination or option.next
    resume = state.resume
    if not destination:  # an event node's option without `next`: back to where the event interrupted
        destination, resume = state.resume, ""

    fired = set(state.fired)
    event = ""
    by_key = {e.key: e for e in events}
    for key in due_events:
        if key in by_key and key not in fired:
            event = key
            break
    if not event:
        for rule in events:
            if rule.key not in fired and rule.when and condition_holds(rule.when, values, flags):
                event = rule.key
                break
    if event:
        fired.add(event)
        resume = destination
        destination = by_key[event].node
    ordered = tuple((m.key, values.get(m.key, m.start)) for m in meters)
    new_state = replace(
        state,
        meters=ordered,
        flags=frozenset(flags),
        pending=tuple(pending),
        fired=frozenset(fired),
        resume=resume if not is_ending(destination) else "",
    )
    return StepResult(new_state, destination, event, applied, intended)


def state_to_json(state: RunState) -> dict:
    """The parts of the state a run stores besides its meters (SimulationRun.flags, pending, fired, resume)."""
    return {
        "flags": sorted(state.flags),
        "pending": [
            {
                "due": p.due,
                "after": p.item.after,
                "effects": dict(p.item.effects),
                "sets": list(p.item.sets),
                "clears": list(p.item.clears),
                "event": p.item.event,
            }
            for p in state.pending
        ],
        "fired": sorted(state.fired),
        "resume": state.resume,
    }


def state_from_run(meters: Sequence[MeterRange], values: Mapping[str, int], stored: Mapping) -> RunState:
    def listed(name: str) -> list:
        value = stored.get(name)
        return value if isinstance(value, list) else []

    flags, fired, pending_raw = listed("flags"), listed("fired"), listed("pending")
    pending = tuple(
        Pending(int(p.get("due", 0)), Later.from_data(p)) for p in pending_raw if isinstance(p, dict)
    )
    return RunState(
        meters=tuple((m.key, values.get(m.key, m.start)) for m in meters),
        flags=frozenset(str(f) for f in flags),
        pending=pending,
        fired=frozenset(str(f) for f in fired),
        resume=str(stored.get("resume") or ""),
    )
