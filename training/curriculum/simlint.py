"""Design warnings on a valid simulation, from exploring every state a learner can reach.

The exploration plays the simulation with training.simulation_rules (what learners play): from the start,
every option whose guard holds, through branches, flags, delayed effects and events. A state is the node,
the meters, the flags, what is scheduled, the events fired and the principles broken so far, so the check
"a success ending is reachable while breaking a principle" is exact, not a guess from the graph. When the
states exceed `MAX_STATES` the exploration falls back to `SAMPLES` seeded random play-throughs and says so.

Warnings: endings (and nodes) no choices reach; dead ends (no option open, or nowhere to go); meters nothing
reads or nothing changes; flags never set or never read; guards, branch conditions and events that never
hold in any reachable state; a success ending reachable while breaking a principle.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field

from training import simulation_rules as rules
from training.curriculum import schema as s
from training.curriculum import simtext
from training.curriculum.guards import GuardError, parse_guard

MAX_STATES = 50_000
SAMPLES = 2_000
MAX_DEPTH = 200


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


def explore(sim: s.Simulation, *, max_states: int = MAX_STATES, samples: int = SAMPLES) -> Exploration:
    meters, events, nodes, options = _rules(sim)
    found = Exploration()

    def successors(node_key: str, state: rules.RunState, number: int):
        """(option key, next node, next state) for each option open here; records what it sees."""
        node = nodes[node_key]
        found.reached.add(node_key)
        if node.ending:
            return []
        values = state.values
        moves = []
        for option in node.options:
            rule = options[(node_key, option.key)]
            if not rules.condition_holds(rule.guard, values, state.flags):
                continue
            found.held.add(("guard", node_key, option.key))
            result = rules.step(meters=meters, events=events, state=state, option=rule, number=number)
            after = dict(result.state.meters)
            for index, branch in enumerate(rule.branches):
                # The branch taken is the first that holds; a later branch "holds" only when it is taken.
                if rules.condition_holds(branch.when, after, result.state.flags):
                    found.held.add(("branch", node_key, option.key, index))
                    break
            if result.event:
                found.fired.add(result.event)
            if result.destination not in nodes:
                found.dead_ends.setdefault(
                    node_key, f"option `{option.key}` has nowhere to go (nothing to resume)"
                )
                continue
            moves.append((option.key, result.destination, result.state))
        if not moves and node_key not in found.dead_ends:
            found.dead_ends[node_key] = "no option is open"
        return moves

    start = rules.RunState.initial(meters)
    if sim.start not in nodes:
        return found
    # Breadth-first over (node, state, principles broken so far); `paths` keeps one route to each state.
    first: tuple = (sim.start, start.key(0), frozenset())
    queue: deque[tuple[str, rules.RunState, int, frozenset[str], tuple[str, ...]]] = deque(
        [(sim.start, start, 0, frozenset(), ())]
    )
    seen = {first}

    def ended(node_key: str, broken: frozenset[str], route: tuple[str, ...]) -> bool:
        """Record an ending reached (and a success reached while breaking a principle); False elsewhere."""
        node = nodes[node_key]
        if not node.ending:
            return False
        found.reached.add(node_key)
        if node.outcome == "success":
            for principle in broken:
                found.broken_success.setdefault((node_key, principle), list(route))
        return True

    while queue:
        if len(seen) > max_states:
            found.exact = False
            break
        node_key, state, number, broken, route = queue.popleft()
        if ended(node_key, broken, route):
            continue
        for option_key, target, after in successors(node_key, state, number + 1):
            now_broken = broken | frozenset(options[(node_key, option_key)].breaks)
            key = (target, after.key(number + 1), now_broken)
            if key in seen:
                continue
            seen.add(key)
            queue.append((target, after, number + 1, now_broken, (*route, f"{node_key}:{option_key}")))
    found.states = len(seen)
    if found.exact:
        return found

    # Seeded, so every lint run gives the same warnings; not used for anything secret.
    picker = random.Random(0)  # nosec B311
    for _ in range(samples):
        node_key, state, number, broken = sim.start, start, 0, frozenset[str]()
        route = ()
        while number < MAX_DEPTH:
            if ended(node_key, broken, route):
                break
            moves = successors(node_key, state, number + 1)
            if not moves:
                break
            option_key, target, after = picker.choice(moves)
            broken = broken | frozenset(options[(node_key, option_key)].breaks)
            route = (*route, f"{node_key}:{option_key}")
            node_key, state, number = target, after, number + 1
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
