"""Design warnings on a valid simulation, from exploring every state a learner can reach.

The exploration plays the simulation with training.simulation_rules (what learners play): from the start,
every option whose guard holds, through branches, flags, delayed effects and events. A state is the node,
the meters, the flags, what is scheduled, the events fired and the principles broken so far, so the check
"a success ending is reachable while breaking a principle" is exact, not a guess from the graph. When the
states exceed `MAX_STATES` the exploration falls back to `SAMPLES` seeded random play-throughs and says so.

`explore_states` builds that state graph from plain rules (`NodeRules`); the linter reads it here
(`explore`) and the staff map reads it for path counts (training.simulation_paths), so both see the states
learners can reach in the same way.

Warnings: endings (and nodes) no choices reach; dead ends (no option open, or nowhere to go); meters nothing
reads or nothing changes; flags never set or never read; guards, branch conditions and events that never
hold in any reachable state; a success ending reachable while breaking a principle.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from training import simulation_rules as rules
from training.curriculum import schema as s
from training.curriculum import simtext
from training.curriculum.guards import GuardError, parse_guard

MAX_STATES = 50_000
SAMPLES = 2_000
MAX_DEPTH = 200


@dataclass(frozen=True)
class NodeRules:
    """A node as the exploration reads it: its options (in order) as step rules."""

    key: str
    ending: bool = False
    outcome: str = ""
    options: tuple[rules.OptionRule, ...] = ()


@dataclass(frozen=True)
class Move:
    """An option open in a state and what choosing it does."""

    option: str
    target: str  # the node the run moves to (not a node of the simulation: nowhere to go)
    to: int | None  # the state reached (an index into StateGraph.states), None when nowhere
    branch: int | None = None  # the index of the branch taken; None: `next`, or a resume
    resumed: bool = False  # the option has no `next`: back to where the event interrupted the story
    way: str = ""  # where the story was going before an event interrupted it (the target otherwise)
    event: str = ""  # the event that interrupted


@dataclass
class StateNode:
    node: str
    state: rules.RunState
    broken: frozenset[str]
    number: int  # decisions taken on the first route found to this state
    parent: tuple[int, str] | None  # (state, option) of that first route
    moves: list[Move] | None = None  # None until the state is expanded
    closed: list[str] = field(default_factory=list)  # options whose guard does not hold here


@dataclass
class StateGraph:
    states: list[StateNode] = field(default_factory=list)
    expanded: list[int] = field(default_factory=list)  # states in the order they were expanded
    exact: bool = True
    explored: int = 0  # states found by the exhaustive exploration (all of them when exact)

    def route(self, index: int) -> list[tuple[str, str]]:
        """(node, option) of the first route found from the start to a state."""
        steps: list[tuple[str, str]] = []
        parent = self.states[index].parent
        while parent is not None:
            at, option = parent
            steps.append((self.states[at].node, option))
            parent = self.states[at].parent
        return steps[::-1]


def explore_states(
    *,
    start: str,
    nodes: Mapping[str, NodeRules],
    meters: Sequence[rules.MeterRange],
    events: Sequence[rules.EventRule],
    max_states: int = MAX_STATES,
    samples: int = SAMPLES,
) -> StateGraph:
    """Every state reachable from the start (breadth first), or beyond `max_states` what `samples` seeded
    play-throughs reach. State 0 is the start; states at endings are expanded with no moves."""
    graph = StateGraph()
    if start not in nodes:
        return graph
    initial = rules.RunState.initial(meters)
    index: dict[tuple, int] = {(start, initial.key(0), frozenset()): 0}
    graph.states.append(StateNode(start, initial, frozenset(), 0, None))

    def expand(at: int) -> list[Move]:
        here = graph.states[at]
        if here.moves is not None:
            return here.moves
        here.moves = []
        graph.expanded.append(at)
        node = nodes[here.node]
        if node.ending:
            return here.moves
        state, number = here.state, here.number + 1
        values = state.values
        for rule in node.options:
            if not rules.condition_holds(rule.guard, values, state.flags):
                here.closed.append(rule.key)
                continue
            result = rules.step(meters=meters, events=events, state=state, option=rule, number=number)
            after = dict(result.state.meters)
            # The branch taken is the first that holds on the state after the step.
            branch = next(
                (
                    i
                    for i, b in enumerate(rule.branches)
                    if rules.condition_holds(b.when, after, result.state.flags)
                ),
                None,
            )
            resumed = branch is None and not rule.next
            way = result.state.resume if result.event else result.destination
            to = None
            if result.destination in nodes:
                broken = here.broken | frozenset(rule.breaks)
                key = (result.destination, result.state.key(number), broken)
                to = index.get(key)
                if to is None:
                    to = index[key] = len(graph.states)
                    graph.states.append(
                        StateNode(result.destination, result.state, broken, number, (at, rule.key))
                    )
            here.moves.append(Move(rule.key, result.destination, to, branch, resumed, way, result.event))
        return here.moves

    # Breadth first: states are numbered as they are found, so expanding them in number order is the queue.
    at = 0
    while at < len(graph.states):
        if len(graph.states) > max_states:
            graph.exact = False
            break
        expand(at)
        at += 1
    graph.explored = len(graph.states)
    if graph.exact:
        return graph

    # Seeded, so every run gives the same answer; not used for anything secret.
    picker = random.Random(0)  # nosec B311
    for _ in range(samples):
        at, taken = 0, 0
        while taken < MAX_DEPTH:
            moves = [m for m in expand(at) if m.to is not None]
            if not moves:
                break
            at, taken = picker.choice(moves).to, taken + 1  # type: ignore[assignment]
    return graph


@dataclass
class Exploration:
    exact: bool = True
    states: int = 0
    reached: set[str] = field(default_factory=set)  # node keys
    dead_ends: dict[str, str] = field(default_factory=dict)  # node key → why
    held: set[tuple] = field(default_factory=set)  # ("guard", node, option) | ("branch", node, option, i)
    fired: set[str] = field(default_factory=set)
    broken_success: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (ending, principle)


def _rules(sim: s.Simulation):
    meters = [rules.MeterRange(m.key, m.min, m.max, m.start) for m in sim.meters]
    events = [rules.EventRule(e.key, e.node, e.when or "") for e in sim.events]
    nodes = {n.key: n for n in sim.nodes}
    options = {
        (n.key, o.key): rules.OptionRule.from_data(
            o.key,
            {
                "guard": o.guard,
                "effects": o.effects,
                "sets": o.sets,
                "clears": o.clears,
                "later": [item.model_dump() for item in o.later],
                "branches": [b.model_dump() for b in o.branches],
                "follows": o.follows,
                "breaks": o.breaks,
            },
            next_key=o.next or "",
        )
        for n in sim.nodes
        for o in n.options
    }
    return meters, events, nodes, options


def node_rules(sim: s.Simulation) -> dict[str, NodeRules]:
    _, _, nodes, options = _rules(sim)
    return {
        key: NodeRules(
            key, node.ending, node.outcome or "", tuple(options[(key, o.key)] for o in node.options)
        )
        for key, node in nodes.items()
    }


def explore(sim: s.Simulation, *, max_states: int = MAX_STATES, samples: int = SAMPLES) -> Exploration:
    meters, events, _, _ = _rules(sim)
    nodes = node_rules(sim)
    graph = explore_states(
        start=sim.start, nodes=nodes, meters=meters, events=events, max_states=max_states, samples=samples
    )
    found = Exploration(exact=graph.exact, states=graph.explored)
    for at in graph.expanded:
        here = graph.states[at]
        node = nodes[here.node]
        found.reached.add(here.node)
        if node.ending:
            if node.outcome == "success":
                route = [f"{key}:{option}" for key, option in graph.route(at)]
                for principle in here.broken:
                    found.broken_success.setdefault((here.node, principle), route)
            continue
        for move in here.moves or []:
            found.held.add(("guard", here.node, move.option))
            if move.branch is not None:
                found.held.add(("branch", here.node, move.option, move.branch))
            if move.event:
                found.fired.add(move.event)
            if move.to is None:
                found.dead_ends.setdefault(
                    here.node, f"option `{move.option}` has nowhere to go (nothing to resume)"
                )
        if not any(move.to is not None for move in here.moves or []) and here.node not in found.dead_ends:
            found.dead_ends[here.node] = "no option is open"
    return found


def _reads(sim: s.Simulation) -> tuple[set[str], set[str]]:
    """The meters and flags something reads: guards, branch and event conditions, text."""
    meters: set[str] = set()
    flags: set[str] = set()
    conditions = [e.when for e in sim.events if e.when]
    for node in sim.nodes:
        for text in (node.situation, node.debrief):
            used_meters, used_flags = simtext.names(text)
            meters |= used_meters
            flags |= used_flags
        for option in node.options:
            conditions += [option.guard or ""] + [b.when for b in option.branches]
    for text in conditions:
        if not text:
            continue
        try:
            guard = parse_guard(text)
        except GuardError:
            continue
        meters |= guard.meters
        flags |= guard.flags
    return meters, flags


def lint_simulation(sim: s.Simulation, warn, note) -> None:
    """Warn (warn(item, message, *subpath)) about the simulation's design; note() one line on the analysis."""
    read_meters, read_flags = _reads(sim)
    options = [o for n in sim.nodes for o in n.options]
    changed = {key for o in options for key, v in o.effects.items() if v}
    changed |= {key for o in options for item in o.later for key, v in item.effects.items() if v}
    set_flags = {f for o in options for f in [*o.sets, *(f for item in o.later for f in item.sets)]}
    for index, meter in enumerate(sim.meters):
        if meter.key not in read_meters:
            warn(
                sim,
                f"meter `{meter.key}` is never read (no guard, branch, event or text uses it)",
                "meters",
                index,
            )
        if meter.key not in changed:
            warn(sim, f"meter `{meter.key}` never changes (no option's effects move it)", "meters", index)
    for index, flag in enumerate(sim.flags):
        if flag.key not in set_flags:
            warn(sim, f"flag `{flag.key}` is never set by any option", "flags", index)
        if flag.key not in read_flags:
            warn(
                sim,
                f"flag `{flag.key}` is never read (no guard, branch, event or text uses it)",
                "flags",
                index,
            )

    found = explore(sim)
    how = "exact" if found.exact else f"sampled ({SAMPLES} play-throughs: more than {MAX_STATES} states)"
    note(f"simulation paths ({sim.slug}): {how}, {found.states} states explored")
    hedge = "" if found.exact else " in the sampled play-throughs"
    for node in sim.nodes:
        if node.key in found.reached:
            continue
        what = "ending" if node.ending else "node"
        warn(node, f"{what} `{node.key}` is never reached under any choices{hedge}")
    for node_key, why in found.dead_ends.items():
        node = next(n for n in sim.nodes if n.key == node_key)
        warn(node, f"dead end at node `{node_key}`: {why} in some reachable state{hedge}")
    for node in sim.nodes:
        if node.key not in found.reached:
            continue
        for option in node.options:
            if option.guard and ("guard", node.key, option.key) not in found.held:
                warn(
                    option,
                    f"the guard `{option.guard}` can never hold when node `{node.key}` is reached{hedge}",
                )
            elif ("guard", node.key, option.key) in found.held:
                for index, branch in enumerate(option.branches):
                    if ("branch", node.key, option.key, index) not in found.held:
                        warn(
                            branch,
                            f"branch `when: {branch.when}` is never taken (it never holds, or an earlier branch"
                            f" always does){hedge}",
                        )
    for event in sim.events:
        if event.key not in found.fired:
            warn(event, f"event `{event.key}` never happens under any choices{hedge}")
    labels = {p.key: p.label for p in sim.principles}
    for (ending, principle), route in sorted(found.broken_success.items()):
        node = next(n for n in sim.nodes if n.key == ending)
        warn(
            node,
            f"success ending `{ending}` is reachable while breaking principle `{principle}`"
            f" ({labels.get(principle, principle)}): {' → '.join(route)}",
        )
