"""The debrief of a finished run replayed: the meters after every decision (a server-rendered SVG chart and
the same numbers in a table), the flags each decision raised, what a different choice at the run's two most
consequential decisions would have led to, and the learner's reflection (docs/analytics.md).

"What a different choice would have led to" replays the run with training.simulation_rules (pure, nothing
written): the state before every decision is rebuilt from the start with the options the run took, then
each other option open in that state is played and everything reachable from there explored (breadth-first
over node and state, bounded). A decision is *consequential* by how far apart its options' best reachable
outcomes lie (success 2, mixed 1, failure 0), then how far apart their worst reachable outcomes lie, then how
many endings one option can reach and the others cannot; ties go to the earlier decision. The two decisions
ranked highest (with at least one other open option) are shown, each alternative with the ending the
authors' recommended continuation reaches (when there is one) and every ending it can still reach. A
finished run never changes, so the result is cached per run and content version.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from training import content_cache, versions
from training import simulation as sim
from training import simulation_rules as rules
from training.models import (
    Course,
    Meter,
    Node,
    Option,
    SimulationReflection,
    SimulationRun,
    SimulationStep,
)
from training.svg_chart import PlotArea

OUTCOME_RANK = {"failure": 0, "mixed": 1, "success": 2}
STATES_PER_OPTION = 2_000  # states explored after one option before the answer is marked incomplete
STATES_PER_RUN = 20_000  # all explorations of one run together
CONTINUATION_DEPTH = 60  # decisions the recommended continuation may take
REFLECTION_MAX = 4_000  # characters


# Timeline -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelinePoint:
    number: int  # 0 = the start, then the decision after which the values hold
    label: str  # the option chosen ("Start" for the start)
    node_title: str
    values: tuple[int, ...]  # in meter order
    deltas: tuple[int, ...]
    raised: tuple[str, ...] = ()  # labels of flags set by this decision (and what fell due with it)
    cleared: tuple[str, ...] = ()
    event_title: str = ""

    @property
    def cells(self) -> list[tuple[int, str]]:
        """(value, signed change or "") per meter, for the table."""
        return [(v, f"{d:+d}" if d else "") for v, d in zip(self.values, self.deltas, strict=True)]


def timeline(
    meters: Sequence[Meter], steps: Sequence[SimulationStep], *, flag_labels: dict[str, str], event_titles
) -> list[TimelinePoint]:
    """The start and the meters after each decision; `event_titles`: event key → the title of its node."""
    start = sim.meter_values(list(meters), steps[0].meters_before if steps else {})
    points = [TimelinePoint(0, "Start", "", tuple(start[m.key] for m in meters), tuple(0 for _ in meters))]
    previous_values, previous_flags = start, set[str]()
    for step in steps:
        values = sim.meter_values(list(meters), step.meters_after)
        flags = {str(f) for f in step.flags_after} if isinstance(step.flags_after, list) else set()
        points.append(
            TimelinePoint(
                number=step.number,
                label=step.option.text.strip(),
                node_title=step.node.title,
                values=tuple(values[m.key] for m in meters),
                deltas=tuple(values[m.key] - previous_values[m.key] for m in meters),
                raised=tuple(flag_labels.get(f, f) for f in sorted(flags - previous_flags)),
                cleared=tuple(flag_labels.get(f, f) for f in sorted(previous_flags - flags)),
                event_title=event_titles.get(step.event, step.event) if step.event else "",
            )
        )
        previous_values, previous_flags = values, flags
    return points


# The chart (server-rendered SVG) ------------------------------------------------------------------------------

LINE_STYLES = 6  # CSS classes timeline-line-0 … -5: a colour and a dash pattern each, so lines differ in grey


@dataclass(frozen=True)
class ChartLine:
    index: int
    label: str
    points: str  # "x,y x,y …"
    marks: tuple[tuple[str, str, int], ...]  # (x, y, value) for each point

    @property
    def style(self) -> int:
        return self.index % LINE_STYLES


@dataclass(frozen=True)
class TimelineChart(PlotArea):
    lines: tuple[ChartLine, ...]
    y_ticks: tuple[tuple[str, str], ...]  # (y, label)
    x_ticks: tuple[tuple[str, str], ...]  # (x, label)
    scale: str  # what the y axis measures, in words
    summary: str


def chart_for(
    meters: Sequence[Meter], points: Sequence[TimelinePoint], *, width: int = 640, height: int = 280
) -> TimelineChart:
    """One line per meter over the decisions (x = 0 for the start). Meters sharing one range are drawn on it;
    meters with different ranges are drawn as a percentage of their own range (the table has the values)."""
    left, right, top, bottom = 56, width - 16, 16, height - 40
    ranges = {(m.min, m.max) for m in meters}
    shared = len(ranges) == 1
    low, high = next(iter(ranges)) if shared else (0, 100)

    def y_of(meter: Meter, value: int) -> float:
        span = (meter.max - meter.min) or 1
        share = (value - meter.min) / span
        return bottom - (bottom - top) * share

    n = len(points)

    def x_of(index: int) -> float:
        return left + (right - left) * index / (n - 1) if n > 1 else (left + right) / 2

    lines = []
    for index, meter in enumerate(meters):
        coords = [(x_of(i), y_of(meter, p.values[index]), p.values[index]) for i, p in enumerate(points)]
        lines.append(
            ChartLine(
                index=index,
                label=meter.label,
                points=" ".join(f"{x:.1f},{y:.1f}" for x, y, _ in coords),
                marks=tuple((f"{x:.1f}", f"{y:.1f}", v) for x, y, v in coords),
            )
        )
    step = 1 if n <= 12 else 2 if n <= 24 else 5
    x_ticks = tuple(
        (f"{x_of(i):.1f}", "Start" if i == 0 else str(p.number))
        for i, p in enumerate(points)
        if i == 0 or i == n - 1 or i % step == 0
    )
    fractions = (0, 0.25, 0.5, 0.75, 1)
    y_ticks = tuple(
        (
            f"{bottom - (bottom - top) * f:.1f}",
            str(round(low + (high - low) * f)) if shared else f"{round(100 * f)}%",
        )
        for f in fractions
    )
    scale = f"from {low} to {high}" if shared else "as a percentage of each meter's range"
    finals = ", ".join(f"{m.label} {points[-1].values[i]}" for i, m in enumerate(meters)) if points else ""
    decisions = max(n - 1, 0)
    summary = (
        f"The meters from the start through {decisions} decision{'s' if decisions != 1 else ''}, {scale}. "
        f"At the end: {finals}."
    )
    return TimelineChart(
        width, height, left, right, top, bottom, tuple(lines), y_ticks, x_ticks, scale, summary
    )


# What a different choice would have led to ----------------------------------------------------------------------


@dataclass(frozen=True)
class EndingRef:
    key: str
    title: str
    outcome: str  # success | mixed | failure

    @property
    def outcome_label(self) -> str:
        return Node.Outcome(self.outcome).label if self.outcome in Node.Outcome.values else self.outcome


@dataclass(frozen=True)
class Alternative:
    option_key: str
    text: str
    continuation: EndingRef | None  # where the authors' recommended continuation ends, if it does
    continuation_values: tuple[int, ...]  # the meters there, in meter order
    reachable: tuple[EndingRef, ...]  # every ending still reachable, best outcome first
    complete: bool  # False when the exploration hit its bound (the list may miss endings)


@dataclass(frozen=True)
class WhatIf:
    number: int
    node_title: str
    chosen_text: str
    chosen_reachable: tuple[EndingRef, ...]
    alternatives: tuple[Alternative, ...]
    score: tuple[int, int, int]  # (best-outcome spread, worst-outcome spread, endings that differ)


@dataclass
class _Budget:
    left: int = STATES_PER_RUN


@dataclass
class _Engine:
    """The simulation's current content as the step rules read it."""

    meters: list[rules.MeterRange]
    events: list[rules.EventRule]
    nodes: dict[str, Node]  # by key
    options: dict[str, list[tuple[Option, rules.OptionRule]]] = field(default_factory=dict)  # by node key

    @classmethod
    def build(cls, meters, events, nodes: dict[int, Node], options: dict[int, list[Option]]) -> _Engine:
        engine = cls(
            sim.meter_ranges(list(meters)), sim.event_rules(events), {n.key: n for n in nodes.values()}
        )
        for node_pk, node_options in options.items():
            node = nodes.get(node_pk)
            if node is None:
                continue
            engine.options[node.key] = [(o, engine.rule(o, nodes)) for o in node_options]
        return engine

    @staticmethod
    def rule(option: Option, nodes: dict[int, Node]) -> rules.OptionRule:
        target = nodes.get(option.next_node_id) if option.next_node_id is not None else None
        return sim.option_rule(option, target.key if target is not None else "")

    def open_options(self, node: Node, state: rules.RunState):
        return [
            (option, rule)
            for option, rule in self.options.get(node.key, [])
            if rules.condition_holds(rule.guard, state.values, state.flags)
        ]

    def move(self, state: rules.RunState, rule: rules.OptionRule, number: int):
        result = rules.step(
            meters=self.meters,
            events=self.events,
            state=state,
            option=rule,
            number=number,
            is_ending=lambda key: key in self.nodes and self.nodes[key].is_ending,
        )
        return self.nodes.get(result.destination), result.state

    def reachable(self, node: Node | None, state: rules.RunState, number: int, budget: _Budget):
        """The endings reachable from `node` entered with `state` after decision `number`; complete?"""
        if node is None:
            return set(), True
        endings: set[str] = set()
        seen = {(node.key, state.key(number))}
        queue = deque([(node, state, number)])
        explored = 0
        while queue:
            here, now, done = queue.popleft()
            if here.is_ending:
                endings.add(here.key)
                continue
            explored += 1
            budget.left -= 1
            if explored > STATES_PER_OPTION or budget.left < 0:
                return endings, False
            for _, rule in self.open_options(here, now):
                target, after = self.move(now, rule, done + 1)
                if target is None:
                    continue
                key = (target.key, after.key(done + 1))
                if key not in seen:
                    seen.add(key)
                    queue.append((target, after, done + 1))
        return endings, True

    def continuation(self, node: Node | None, state: rules.RunState, number: int):
        """Follow the authors' recommended option from `node` to an ending: (ending, state) or (None, state)."""
        for _ in range(CONTINUATION_DEPTH):
            if node is None or node.is_ending:
                return node, state
            chosen = next(
                (rule for option, rule in self.open_options(node, state) if option.recommended), None
            )
            if chosen is None:
                return None, state
            number += 1
            node, state = self.move(state, chosen, number)
        return None, state


def _ref(node: Node) -> EndingRef:
    return EndingRef(node.key, node.title, node.outcome)


def _refs(engine: _Engine, keys) -> tuple[EndingRef, ...]:
    found = [_ref(engine.nodes[k]) for k in keys if k in engine.nodes]
    found.sort(key=lambda e: (-OUTCOME_RANK.get(e.outcome, 0), engine.nodes[e.key].position, e.key))
    return tuple(found)


def _score(sets: list[set[str]], chosen: set[str], others: set[str], outcome_of) -> tuple[int, int, int]:
    best = [max((outcome_of(k) for k in s), default=-1) for s in sets if s]
    worst = [min((outcome_of(k) for k in s), default=-1) for s in sets if s]
    spread_best = max(best) - min(best) if best else 0
    spread_worst = max(worst) - min(worst) if worst else 0
    return (spread_best, spread_worst, len(chosen ^ others))


def what_if(
    meters: Sequence[Meter],
    events,
    nodes: dict[int, Node],
    options: dict[int, list[Option]],
    steps: Sequence[SimulationStep],
    *,
    shown: int = 2,
) -> list[WhatIf]:
    """The run's `shown` most consequential decisions (see the module's docstring), in decision order."""
    engine = _Engine.build(meters, events, nodes, options)
    budget = _Budget()

    def outcome_of(key: str) -> int:
        return OUTCOME_RANK.get(engine.nodes[key].outcome, 0)

    state = rules.RunState.initial(engine.meters)
    candidates: list[WhatIf] = []
    for step in steps:
        before = state
        _, state = engine.move(before, engine.rule(step.option, nodes), step.number)
        node = nodes.get(step.node_id)
        if node is None:  # archived since: its options are no longer played
            continue
        others = [(o, r) for o, r in engine.open_options(node, before) if o.pk != step.option_id]
        if not others:
            continue
        target, after = engine.move(before, engine.rule(step.option, nodes), step.number)
        chosen, _ = engine.reachable(target, after, step.number, budget)
        alternatives, sets, union = [], [chosen], set[str]()
        for option, rule in others:
            target, after = engine.move(before, rule, step.number)
            reach, complete = engine.reachable(target, after, step.number, budget)
            ending, final = engine.continuation(target, after, step.number)
            sets.append(reach)
            union |= reach
            alternatives.append(
                Alternative(
                    option_key=option.key,
                    text=option.text.strip(),
                    continuation=_ref(ending) if ending is not None else None,
                    continuation_values=tuple(value for _, value in final.meters),
                    reachable=_refs(engine, reach),
                    complete=complete,
                )
            )
        candidates.append(
            WhatIf(
                number=step.number,
                node_title=node.title,
                chosen_text=step.option.text.strip(),
                chosen_reachable=_refs(engine, chosen),
                alternatives=tuple(alternatives),
                score=_score(sets, chosen, union, outcome_of),
            )
        )
    top = sorted(candidates, key=lambda w: (tuple(-s for s in w.score), w.number))[:shown]
    return sorted(top, key=lambda w: w.number)


def cached_what_if(run: SimulationRun, meters, nodes, options, steps) -> list[WhatIf]:
    """what_if() for a finished run, cached per run and the course's content version."""
    version = Course.objects.filter(pk=run.simulation.course_id).values_list("content_version", flat=True)
    key = content_cache.make_key("sim-what-if", run.pk, run.finished_at, list(version))
    return content_cache.cached(key, lambda: what_if(meters, run.simulation.events, nodes, options, steps))


# Reflection ---------------------------------------------------------------------------------------------------


def reflection_of(run: SimulationRun) -> SimulationReflection | None:
    return SimulationReflection.objects.filter(run=run).first()


@transaction.atomic
def save_reflection(*, user, run_id: int, text: str) -> SimulationReflection:
    """Store (or replace) the learner's reflection on their finished run `run_id`.

    Raises SimulationRun.DoesNotExist for a run that is not the user's or not finished."""
    run = SimulationRun.objects.for_user(user).select_for_update().get(pk=run_id, finished_at__isnull=False)
    reflection, _ = SimulationReflection.objects.update_or_create(
        run=run, defaults={"text": text, "saved_at": timezone.now()}
    )
    versions.bump_learner(user.pk)
    return reflection
