"""Playing a branching simulation: start, resume and replay runs, record choices, explain the path afterwards.

A run keeps the learner's current node and meter values; each choice is one SimulationStep. `choose()` locks
the run and checks that the post was made on the run's current node (and, when given, at the expected step
number), so a double click, a second tab or a replayed form records at most one step and never skips a node.
Guards are parsed with training.curriculum.guards (no eval) and evaluated on the run's current meters and
flags. What a choice does (effects, flags, delayed effects, branches, events) is training.simulation_rules,
the same rules the staff map and the linter explore.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch
from django.utils import timezone

from training import content_cache, versions
from training import simulation_rules as rules
from training.curriculum.guards import GuardError, parse_guard
from training.models import Lesson, Meter, Node, Option, Simulation, SimulationRun, SimulationStep
from xapi import record

__all__ = [
    "ChoiceResult",
    "InvalidChoice",
    "MeterChange",
    "OptionView",
    "RunOutcome",
    "StaleChoice",
    "apply_effects",
    "available_options",
    "choose",
    "meter_values",
    "outcomes_for",
    "recommended_path",
    "start_run",
]


class InvalidChoice(ValueError):
    """The post names no option the learner could choose here (unknown, archived or its guard is unmet)."""


class StaleChoice(Exception):
    """The post was made on a page that is no longer current (double click, old tab, finished run)."""


# Meters -------------------------------------------------------------------------------------------------------


def meter_values(meters: list[Meter], stored: dict) -> dict[str, int]:
    """The run's value of every meter; a meter added after the run started counts from its start value."""
    values = {}
    for meter in meters:
        raw = stored.get(meter.key, meter.start) if isinstance(stored, dict) else meter.start
        values[meter.key] = meter.clamp(raw if isinstance(raw, int) else meter.start)
    return values


def apply_effects(meters: list[Meter], values: dict[str, int], effects: dict) -> dict[str, int]:
    """New meter values after an option's effects, each clamped to its meter's range.

    Effects naming a meter the simulation does not have are ignored (the loader rejects them anyway)."""
    after = dict(values)
    for meter in meters:
        change = effects.get(meter.key, 0) if isinstance(effects, dict) else 0
        if isinstance(change, bool) or not isinstance(change, int):
            change = 0
        after[meter.key] = meter.clamp(values.get(meter.key, meter.start) + change)
    return after


@dataclass(frozen=True)
class MeterChange:
    key: str
    label: str
    before: int
    after: int
    intended: int  # the option's effect before clamping
    min: int
    max: int

    @property
    def delta(self) -> int:
        return self.after - self.before

    @property
    def clamped(self) -> bool:
        return self.delta != self.intended

    @property
    def signed(self) -> str:
        return f"{self.delta:+d}" if self.delta else "±0"

    def announce(self) -> str:
        return f"{self.label} {self.signed} (now {self.after})"


def meter_changes(meters: list[Meter], before: dict, after: dict, effects: dict) -> list[MeterChange]:
    effects = effects if isinstance(effects, dict) else {}
    return [
        MeterChange(
            key=m.key,
            label=m.label,
            before=before.get(m.key, m.start),
            after=after.get(m.key, m.start),
            intended=effects.get(m.key, 0) if isinstance(effects.get(m.key, 0), int) else 0,
            min=m.min,
            max=m.max,
        )
        for m in meters
    ]


# Options ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionView:
    """One option as the learner sees it on a decision page: available, or unavailable with the reason."""

    option: Option
    available: bool
    reason: str = ""


def guard_met(option: Option, values: dict[str, int], flags=()) -> bool:
    if not option.guard.strip():
        return True
    try:
        return parse_guard(option.guard).evaluate(values, frozenset(flags))
    except GuardError:
        # A guard the loader would reject (or that names a removed meter) never opens an option.
        return False


def unavailable_reason(option: Option) -> str:
    if option.reason.strip():
        return option.reason.strip()
    try:
        return f"Available when {parse_guard(option.guard).describe()}."
    except GuardError:
        return "Not available now."


def available_options(options: list[Option], values: dict[str, int], flags=()) -> list[OptionView]:
    """Options to show at a node, in order: archived and draft ones never, hidden-when-unavailable ones only
    when their guard is met, show-when-unavailable ones always (marked unavailable with the reason)."""
    shown = []
    for option in options:
        if not option.is_published:  # the row rule: the node's simulation is visible
            continue
        if guard_met(option, values, flags):
            shown.append(OptionView(option, True))
        elif option.unavailable == Option.Unavailable.SHOW:
            shown.append(OptionView(option, False, unavailable_reason(option)))
    return shown


def learner_options(node_id: int):
    return Option.objects.visible().filter(node_id=node_id).in_order()


def learner_meters(simulation_id: int) -> list[Meter]:
    return list(Meter.objects.visible().filter(simulation_id=simulation_id).in_order())


def meter_ranges(meters: list[Meter]) -> list[rules.MeterRange]:
    return [rules.MeterRange(m.key, m.min, m.max, m.start) for m in meters]


def option_rule(option: Option, next_key: str) -> rules.OptionRule:
    """The option as the step rules read it (`next_key`: its next node's key, "" for none)."""
    fields = {
        name: getattr(option, name)
        for name in ("guard", "effects", "sets", "clears", "later", "branches", "follows", "breaks")
    }
    return rules.OptionRule.from_data(option.key, fields, next_key=next_key)


def event_rules(events) -> list[rules.EventRule]:
    """Simulation.events (a JSON list) as rules; malformed entries (the loader rejects them) are skipped."""
    found = []
    for item in events if isinstance(events, list) else []:
        if isinstance(item, dict) and item.get("key") and item.get("node"):
            found.append(rules.EventRule(str(item["key"]), str(item["node"]), str(item.get("when") or "")))
    return found


def run_state(run: SimulationRun, meters: list[Meter]) -> rules.RunState:
    stored = {"flags": run.flags, "pending": run.pending, "fired": run.fired, "resume": run.resume_key}
    return rules.state_from_run(meter_ranges(meters), meter_values(meters, run.meters), stored)


# Runs ---------------------------------------------------------------------------------------------------------


def open_run(*, user, simulation: Simulation) -> SimulationRun | None:
    return (
        SimulationRun.objects.for_user(user).filter(simulation=simulation, finished_at__isnull=True).first()
    )


def start_run(*, user, simulation: Simulation, restart: int | None = None) -> SimulationRun:
    """The learner's unfinished run of this simulation, or a new one at the start node.

    `restart` names the unfinished run the learner chose to start over: it is closed (kept, with no ending, so
    its steps stay in the history) and a new one starts. Starting over is idempotent: when the unfinished run
    is no longer the one named (a double click or a second tab already started over), or it has no decision
    yet, the current run is returned and nothing is closed. A double click on Start or Play again lands on the
    same run: the partial unique constraint allows one unfinished run per learner and simulation, and the
    loser of a race reads the winner's.
    """
    if simulation.start_node_id is None:
        raise InvalidChoice("This simulation has no starting point yet.")
    meters = learner_meters(simulation.pk)
    with transaction.atomic():
        current = (
            SimulationRun.objects.for_user(user)
            .select_for_update()
            .filter(simulation=simulation, finished_at__isnull=True)
            .first()
        )
        if current is not None and (current.pk != restart or not current.steps.exists()):
            return current
        if current is not None:
            current.finished_at = timezone.now()
            current.save(update_fields=["finished_at"])
            versions.bump_learner(user.pk)
        try:
            with transaction.atomic():
                run = SimulationRun.objects.create(
                    user=user,
                    simulation=simulation,
                    current_node_id=simulation.start_node_id,
                    meters={m.key: m.start for m in meters},
                    started_at=timezone.now(),
                )
                versions.bump_learner(user.pk)
                return run
        except IntegrityError:
            # Another request opened the run between our read and our write: use that one.
            existing = open_run(user=user, simulation=simulation)
            if existing is None:
                raise
            return existing


@dataclass
class ChoiceResult:
    run: SimulationRun
    step: SimulationStep
    changes: list[MeterChange]
    event_title: str = ""  # the node an event inserted, if one did

    @property
    def announcement(self) -> str:
        moved = [c.announce() for c in self.changes if c.delta or c.intended]
        text = "; ".join(moved) if moved else "No meter changed."
        if self.event_title:
            text += f". Meanwhile: {self.event_title}"
        return text


def choose(
    *, user, run_id: int, node_id: int, option_key: str, step_number: int | None = None
) -> ChoiceResult:
    """Record the learner's choice of `option_key` on `node_id` in their run `run_id` and move on.

    Raises SimulationRun.DoesNotExist for a run that is not the user's, StaleChoice when the post was made on
    a node (or step) that is no longer current or the run is over — the caller shows the current state — and
    InvalidChoice for an option the learner could not choose here. Nothing is written unless all is well.
    """
    with transaction.atomic():
        # Lock only the run row (no joins: PostgreSQL cannot lock the nullable side of an outer join).
        run = SimulationRun.objects.for_user(user).select_for_update().get(pk=run_id)
        if run.finished_at is not None:
            raise StaleChoice("This run has already ended.")
        last_number = run.steps.aggregate(last=Max("number"))["last"] or 0
        if run.current_node_id != node_id or (step_number is not None and step_number != last_number + 1):
            raise StaleChoice("That choice was already recorded. Here is where the run stands now.")
        option = (
            learner_options(node_id)
            .filter(key=option_key)
            .select_related("next_node", "node__simulation")
            .first()
        )
        if option is None:
            raise InvalidChoice("That option is not one of the choices here.")
        meters = learner_meters(run.simulation_id)
        state = run_state(run, meters)
        before = state.values
        if not guard_met(option, before, state.flags):
            raise InvalidChoice(f"That option is not available now: {unavailable_reason(option)}")
        next_key = option.next_node.key if option.next_node is not None else ""
        events = Simulation.objects.filter(pk=run.simulation_id).values_list("events", flat=True).first()
        result = rules.step(
            meters=meter_ranges(meters),
            events=event_rules(events),
            state=state,
            option=option_rule(option, next_key),
            number=last_number + 1,
        )
        next_node = (
            Node.objects.active().filter(simulation_id=run.simulation_id, key=result.destination).first()
            if result.destination
            else None
        )
        if next_node is None:
            raise InvalidChoice("That option leads nowhere; the simulation needs fixing by its authors.")
        after = result.state.values
        stored = rules.state_to_json(result.state)
        now = timezone.now()
        step = SimulationStep.objects.create(
            run=run,
            number=last_number + 1,
            node_id=node_id,
            option=option,
            meters_before=before,
            meters_after=after,
            flags_after=stored["flags"],
            delayed=[
                {"effects": dict(item.effects), "sets": list(item.sets), "clears": list(item.clears)}
                for item in result.applied
            ],
            event=result.event,
            created_at=now,
        )
        run.current_node = next_node
        run.meters = after
        run.flags, run.pending, run.fired = stored["flags"], stored["pending"], stored["fired"]
        run.resume_key = "" if next_node.is_ending else stored["resume"]
        fields = ["current_node", "meters", "flags", "pending", "fired", "resume_key"]
        if next_node.is_ending:
            run.finished_at = now
            run.ending = next_node
            fields += ["finished_at", "ending"]
        run.save(update_fields=fields)
        versions.bump_learner(user.pk)
        simulation = option.node.simulation
        record.simulation_decision(
            user=user, run=run, step=step, simulation=simulation, node=option.node, option=option
        )
        if next_node.is_ending:
            record.simulation_ended(user=user, run=run, simulation=simulation, ending=next_node)
    changes = meter_changes(meters, before, after, result.intended)
    return ChoiceResult(
        run=run, step=step, changes=changes, event_title=next_node.title if result.event else ""
    )


# Debrief ------------------------------------------------------------------------------------------------------


@dataclass
class PathStep:
    node: Node
    option: Option | None


def simulation_graph(simulation: Simulation) -> tuple[dict[int, Node], dict[int, list[Option]]]:
    """All current nodes (with their published related lessons) and their learner-visible options: 3 queries."""
    nodes = {
        node.pk: node
        for node in Node.objects.active()
        .filter(simulation=simulation)
        .prefetch_related(
            Prefetch("related_lessons", queryset=Lesson.objects.visible().in_order(), to_attr="lessons_shown")
        )
    }
    options: dict[int, list[Option]] = {}
    for option in Option.objects.visible().filter(node__simulation=simulation).in_order():
        options.setdefault(option.node_id, []).append(option)
    return nodes, options


def decisions_to_end(simulation_id: int) -> dict[int, tuple[int, int]]:
    """Node id → (fewest, most) decisions from it to an ending, over the authored moves (each visible option's
    `next` and its branches' targets; cycles are not followed round): what "Decision 3 of about 6" estimates
    from. Two queries."""
    nodes = {
        pk: (key, ending)
        for pk, key, ending in Node.objects.active()
        .filter(simulation_id=simulation_id)
        .values_list("pk", "key", "is_ending")
    }
    by_key = {key: pk for pk, (key, _) in nodes.items()}
    targets: dict[int, set[int]] = {}
    moves = (
        Option.objects.visible()
        .filter(node__simulation_id=simulation_id)
        .values_list("node_id", "next_node_id", "branches")
    )
    for node_id, next_id, branches in moves:
        found = {next_id} | {by_key.get(b.get("next")) for b in branches or [] if isinstance(b, dict)}
        targets.setdefault(node_id, set()).update(t for t in found if t is not None and t in nodes)
    result: dict[int, tuple[int, int]] = {}

    def walk(node_id: int, on_path: frozenset[int]) -> tuple[int, int] | None:
        if node_id in result:
            return result[node_id]
        if nodes[node_id][1]:
            return (0, 0)
        found = [walk(t, on_path | {node_id}) for t in targets.get(node_id, ()) if t not in on_path]
        spans = [span for span in found if span is not None]
        if not spans:
            return None
        return (1 + min(a for a, _ in spans), 1 + max(b for _, b in spans))

    for node_id in nodes:
        span = walk(node_id, frozenset())
        if span is not None:
            result[node_id] = span
    return result


def estimated_decisions(simulation: Simulation, node_id: int, decisions_made: int) -> int | None:
    """About how many decisions the whole run takes, seen from this node after `decisions_made`: those made
    plus the middle of the fewest and most left (None when no ending can be reached from here). Cached per
    course content version (load the simulation with its course to spare a query)."""
    key = content_cache.make_key("sim-decisions-to-end", simulation.pk, simulation.course.content_version)
    span = content_cache.cached(key, lambda: decisions_to_end(simulation.pk)).get(node_id)
    if span is None:
        return None
    fewest, most = span
    return decisions_made + round((fewest + most) / 2)


def recommended_option(options: list[Option]) -> Option | None:
    return next((o for o in options if o.recommended), None)


def recommended_path(
    simulation: Simulation, nodes: dict[int, Node], options: dict[int, list[Option]]
) -> list[PathStep]:
    """The authors' path: from the start, follow each node's recommended option until an ending (or a node
    with no recommendation, or a node already on the path)."""
    path: list[PathStep] = []
    seen: set[int] = set()
    node = nodes.get(simulation.start_node_id) if simulation.start_node_id is not None else None
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        choice = None if node.is_ending else recommended_option(options.get(node.pk, []))
        path.append(PathStep(node, choice))
        if choice is None:
            break
        node = nodes.get(choice.next_node_id) if choice.next_node_id is not None else None
    return path


# Progress data ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunOutcome:
    run_id: int
    simulation_slug: str
    simulation_title: str
    ending_title: str
    outcome: str  # success | mixed | failure
    outcome_label: str
    finished_at: datetime
    url: str = field(default="")


def outcomes_for(user, *, limit: int = 50) -> list[RunOutcome]:
    """The learner's finished runs that reached an ending, newest first — one query, for the progress page.

    Runs closed by "Start over" have no ending and are left out. Each item links to the run's debrief."""
    from django.urls import reverse

    runs = (
        SimulationRun.objects.for_user(user)
        .filter(Simulation.objects.visible_q("simulation__"), finished_at__isnull=False, ending__isnull=False)
        .select_related("simulation", "ending")
        .order_by("-finished_at", "-pk")[:limit]
    )
    return [
        RunOutcome(
            run_id=run.pk,
            simulation_slug=run.simulation.slug,
            simulation_title=run.simulation.title,
            ending_title=run.ending.title,
            outcome=run.ending.outcome,
            outcome_label=run.ending.get_outcome_display(),
            finished_at=run.finished_at,
            url=reverse("simulation_run", args=[run.simulation.slug, run.pk]),
        )
        for run in runs
    ]
