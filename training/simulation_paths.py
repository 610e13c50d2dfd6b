"""Reading a simulation as a whole: the map of nodes and options, every path to every ending, and which
options learners actually choose.

`analyse_paths(simulation)` plays the simulation with the step rules learners play
(training.simulation_rules) through the linter's state exploration (training.curriculum.simlint
`explore_states`): from the start, every option a learner could choose (published, not archived, guard met
on the state reached so far), through effects (clamped), flags, delayed effects, branches, events and
resumes. A state is the node with the meters, flags, what is scheduled, the events fired and the principles
broken, so different ways to one node in different states are told apart.

Each option's edges on the map are its branches (with their `when`), its `next` (or, without one, the
nodes it resumes to) and the events that interrupted it, each with the number of states that took it.
Path counts are exact: the number of choice sequences from the start to each ending, counted over the
state graph (a state repeating on the way is a cycle: the option that repeats it is counted and reported,
not followed). Beyond simlint.MAX_STATES the exploration is sampled and the result says so (the counts are
then what the sampled states allow). The paths themselves are listed up to `max_paths`, each at most
`max_depth` decisions long; the result says when the listing is cut short (the counts are not).

`decision_distribution(simulation)` counts, per decision node, how often each option was chosen across all
runs, in one aggregate query (for instructor analytics).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from training import simulation as sim
from training.curriculum.simlint import MAX_STATES, NodeRules, StateGraph, explore_states
from training.models import Meter, Node, Option, Simulation
from training.simulation import unavailable_reason

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_PATHS",
    "EndingSummary",
    "MapEdge",
    "MapEvent",
    "MapNode",
    "MapOption",
    "NodeDistribution",
    "PathAnalysis",
    "SimPath",
    "analyse_paths",
    "decision_distribution",
]

DEFAULT_MAX_PATHS = 2000
DEFAULT_MAX_DEPTH = 100


@dataclass
class MapEdge:
    """One way an option can go: `branch` (condition: its `when`), `next` (the default), `resume` (an event
    node's option without `next`: back to where the story was going) or `event` (an event interrupted the
    way; condition: the event's `when`)."""

    kind: str
    target: Node | None  # None: a node that does not exist (or nothing to resume to)
    condition: str = ""
    taken: int = 0  # reachable states in which choosing the option took this edge
    index: int = -1  # the branch's position
    event: str = ""  # the event's key (kind `event`)


@dataclass
class MapOption:
    option: Option
    next_node: Node | None
    effects: list[tuple[str, str]]  # (meter key, "+10")
    guard_words: str  # the guard in words, or ""
    visits: int = 0  # reachable states at the node (this option published)
    open_on: int = 0  # of those, the states in which its guard holds
    edges: list[MapEdge] = field(default_factory=list)

    @property
    def learner_visible(self) -> bool:
        return self.option.is_published


@dataclass
class MapNode:
    node: Node
    options: list[MapOption]
    arrivals: int = 0  # reachable states at this node
    paths_through: int = 0  # complete paths (start → ending) that pass through this node
    event: MapEvent | None = None  # the event that inserts this node, if any

    @property
    def reachable(self) -> bool:
        return self.arrivals > 0


@dataclass
class MapEvent:
    key: str
    node: Node | None
    when: str  # "" when only a delayed effect schedules it
    scheduled_by: list[str]  # "node: option" whose `later` items name it
    fired: int = 0  # moves (state, option) in which it interrupted


@dataclass
class SimPath:
    steps: list[tuple[Node, Option]]
    ending: Node
    final: dict[str, int]
    ranges: dict[str, tuple[int, int]]  # meter key → (lowest, highest) along the path, start included
    events: list[str] = field(default_factory=list)  # the events met on the way, in order

    @property
    def length(self) -> int:
        return len(self.steps)


@dataclass
class EndingSummary:
    ending: Node
    paths: int = 0  # exact count of paths to this ending (all of them, listed or not)
    final_ranges: dict[str, tuple[int, int]] = field(default_factory=dict)  # across the paths' final values
    shortest: int | None = None
    routes: list[SimPath] = field(default_factory=list)  # the listed paths that end here, in order

    @property
    def reachable(self) -> bool:
        return self.paths > 0

    @property
    def unlisted(self) -> int:
        return self.paths - len(self.routes)


@dataclass
class PathAnalysis:
    simulation: Simulation
    meters: list[Meter]
    nodes: list[MapNode]
    paths: list[SimPath]  # the listed paths (up to max_paths)
    endings: list[EndingSummary]
    cycles: list[tuple[Node, Option, Node]]  # (node, option, the node of the state it leads back to)
    cycles_cut: int
    dead_ends: list[tuple[Node, int]]  # (non-ending node where no option can be taken, reachable states)
    truncated: bool  # the listing of paths was cut short (the counts are complete)
    max_paths: int
    max_depth: int
    exact: bool = True  # every reachable state explored (False: sampled play-throughs)
    states: int = 0
    path_count: int = 0  # all paths from the start to an ending
    events: list[MapEvent] = field(default_factory=list)

    @property
    def unreachable_endings(self) -> list[Node]:
        return [summary.ending for summary in self.endings if not summary.reachable]

    @property
    def all_endings_reachable(self) -> bool:
        return not self.unreachable_endings


def _effects_in_words(option: Option, order: dict[str, int]) -> list[tuple[str, str]]:
    """The option's non-zero effects in meter order (jsonb does not keep the authored key order)."""
    effects = option.effects if isinstance(option.effects, dict) else {}
    items = [
        (key, value)
        for key, value in effects.items()
        if isinstance(value, int) and not isinstance(value, bool) and value
    ]
    items.sort(key=lambda item: (order.get(item[0], len(order)), item[0]))
    return [(key, f"{value:+d}") for key, value in items]


def _static_edges(option: Option, next_node: Node | None, by_key: dict[str, Node]) -> list[MapEdge]:
    """The edges the option's fields name: its branches in order, then `next` (none: resumes, found by
    exploring)."""
    edges = [
        MapEdge("branch", by_key.get(str(b.get("next") or "")), str(b.get("when") or ""), index=i)
        for i, b in enumerate(option.branches if isinstance(option.branches, list) else [])
        if isinstance(b, dict)
    ]
    if option.next_node_id is not None:
        edges.append(MapEdge("next", next_node, "otherwise" if edges else ""))
    return edges


def _order(graph: StateGraph) -> tuple[list[int], list[tuple[int, int]]]:
    """The reachable states in topological order, and the moves (state, move index) that lead back to a
    state already on the way (cycles), found depth first from the start."""
    order: list[int] = []
    back: list[tuple[int, int]] = []
    if not graph.states:
        return order, back
    colour = {0: 1}  # 1 on the way, 2 done
    stack = [(0, 0)]
    while stack:
        at, next_move = stack[-1]
        moves = graph.states[at].moves or []
        if next_move < len(moves):
            stack[-1] = (at, next_move + 1)
            to = moves[next_move].to
            if to is None:
                continue
            if colour.get(to) == 1:
                back.append((at, next_move))
            elif to not in colour:
                colour[to] = 1
                stack.append((to, 0))
            continue
        colour[at] = 2
        order.append(at)
        stack.pop()
    order.reverse()
    return order, back


def analyse_paths(
    simulation: Simulation,
    *,
    max_paths: int = DEFAULT_MAX_PATHS,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_states: int = MAX_STATES,
) -> PathAnalysis:
    """The simulation's map, path counts per ending and the paths themselves (3 queries)."""
    meters = list(Meter.objects.visible().filter(simulation=simulation).in_order())
    order = {meter.key: index for index, meter in enumerate(meters)}
    nodes = {n.pk: n for n in Node.objects.active().filter(simulation=simulation).in_order()}
    by_key = {node.key: node for node in nodes.values()}
    map_nodes: dict[int, MapNode] = {pk: MapNode(node, []) for pk, node in nodes.items()}
    playable: dict[int, dict[str, MapOption]] = {}
    for option in Option.objects.active().filter(node__simulation=simulation).in_order():
        if option.node_id not in map_nodes:
            continue
        next_node = nodes.get(option.next_node_id) if option.next_node_id is not None else None
        item = MapOption(
            option=option,
            next_node=next_node,
            effects=_effects_in_words(option, order),
            guard_words=unavailable_reason(option) if option.guard.strip() else "",
            edges=_static_edges(option, next_node, by_key),
        )
        map_nodes[option.node_id].options.append(item)
        if option.is_published:
            playable.setdefault(option.node_id, {})[option.key] = item

    events = sim.event_rules(simulation.events)
    scheduled: dict[str, list[str]] = {}
    for node_pk, items in playable.items():
        for item in items.values():
            for later in item.option.later if isinstance(item.option.later, list) else []:
                if isinstance(later, dict) and later.get("event"):
                    scheduled.setdefault(str(later["event"]), []).append(
                        f"{nodes[node_pk].key}: {item.option.key}"
                    )
    map_events = {
        e.key: MapEvent(e.key, by_key.get(e.node), e.when, scheduled.get(e.key, [])) for e in events
    }
    for event in map_events.values():
        if event.node is not None:
            map_nodes[event.node.pk].event = event

    start = nodes.get(simulation.start_node_id)
    rules_by_key = {
        node.key: NodeRules(
            node.key,
            node.is_ending,
            node.outcome,
            tuple(
                sim.option_rule(item.option, item.next_node.key if item.next_node else "")
                for item in playable.get(pk, {}).values()
            ),
        )
        for pk, node in nodes.items()
    }
    graph = explore_states(
        start=start.key if start is not None else "",
        nodes=rules_by_key,
        meters=sim.meter_ranges(meters),
        events=events,
        max_states=max_states,
    )
    states = graph.states

    # What each reachable state does on the map: arrivals, guards open, edges taken, events, dead ends.
    dead_ends: dict[str, int] = {}
    topo, back = _order(graph)
    for at in topo:
        map_nodes[by_key[states[at].node].pk].arrivals += 1
    for at in graph.expanded:
        here = states[at]
        node = by_key[here.node]
        if node.is_ending:
            continue
        items = playable.get(node.pk, {})
        for item in items.values():
            item.visits += 1
        for move in here.moves or []:
            item = items[move.option]
            item.open_on += 1
            if move.event and move.event in map_events:
                event = map_events[move.event]
                event.fired += 1
                _count(item, "event", by_key.get(move.target), condition=event.when, event=event.key)
            if move.resumed:
                _count(item, "resume", by_key.get(move.way))
            elif move.branch is not None:
                item.edges[move.branch].taken += 1
            else:
                for edge in item.edges:
                    if edge.kind == "next":
                        edge.taken += 1
        if not any(move.to is not None for move in here.moves or []):
            dead_ends[here.node] = dead_ends.get(here.node, 0) + 1

    cut = set(back)
    cycles: dict[tuple[str, str], tuple[Node, Option, Node]] = {}
    for at, index in back:
        move = (states[at].moves or [])[index]
        node = by_key[states[at].node]
        cycles.setdefault(
            (node.key, move.option), (node, playable[node.pk][move.option].option, by_key[move.target])
        )

    def forward_counts(avoid: str = "") -> dict[int, int]:
        """Paths from the start to each state (none through states at node `avoid`)."""
        counts = {0: 1} if topo and states[0].node != avoid else {}
        for at in topo:
            here = counts.get(at, 0)
            if not here:
                continue
            for index, move in enumerate(states[at].moves or []):
                if move.to is None or (at, index) in cut or states[move.to].node == avoid:
                    continue
                counts[move.to] = counts.get(move.to, 0) + here
        return counts

    endings_at = [at for at in topo if by_key[states[at].node].is_ending]
    counts = forward_counts()
    total = sum(counts.get(at, 0) for at in endings_at)
    shortest: dict[int, int] = {0: 0} if topo else {}
    for at in topo:
        if at not in shortest:
            continue
        for index, move in enumerate(states[at].moves or []):
            if move.to is not None and (at, index) not in cut:
                shortest[move.to] = min(shortest.get(move.to, shortest[at] + 1), shortest[at] + 1)

    summaries = {node.key: EndingSummary(node) for node in nodes.values() if node.is_ending}
    for at in endings_at:
        found = counts.get(at, 0)
        if not found:
            continue
        summary = summaries[states[at].node]
        summary.paths += found
        length = shortest[at]
        summary.shortest = length if summary.shortest is None else min(summary.shortest, length)
        for key, value in states[at].state.meters:
            low, high = summary.final_ranges.get(key, (value, value))
            summary.final_ranges[key] = (min(low, value), max(high, value))
    for map_node in map_nodes.values():
        if not map_node.arrivals:
            continue
        if map_node.node.is_ending:
            map_node.paths_through = summaries[map_node.node.key].paths
            continue
        avoiding = forward_counts(map_node.node.key)
        map_node.paths_through = total - sum(avoiding.get(at, 0) for at in endings_at)

    paths, truncated = _list_paths(graph, topo, cut, by_key, playable, max_paths, max_depth)
    for path in paths:
        summaries[path.ending.key].routes.append(path)

    return PathAnalysis(
        simulation=simulation,
        meters=meters,
        nodes=list(map_nodes.values()),
        paths=paths,
        endings=list(summaries.values()),
        cycles=list(cycles.values()),
        cycles_cut=len(back),
        dead_ends=[(by_key[key], count) for key, count in dead_ends.items()],
        truncated=truncated,
        max_paths=max_paths,
        max_depth=max_depth,
        exact=graph.exact,
        states=len(graph.expanded),
        path_count=total,
        events=list(map_events.values()),
    )


def _count(item: MapOption, kind: str, target: Node | None, *, condition: str = "", event: str = "") -> None:
    """Count a move along an edge found by exploring (a resume, an event), adding the edge when new."""
    for edge in item.edges:
        if (edge.kind, edge.target, edge.event) == (kind, target, event):
            edge.taken += 1
            return
    item.edges.append(MapEdge(kind, target, condition, taken=1, event=event))


def _list_paths(
    graph: StateGraph,
    topo: list[int],
    cut: set[tuple[int, int]],
    by_key: dict[str, Node],
    playable: dict[int, dict[str, MapOption]],
    max_paths: int,
    max_depth: int,
) -> tuple[list[SimPath], bool]:
    """The paths from the start to an ending, depth first in authored order, up to the bounds."""
    states = graph.states
    if not topo:
        return [], False
    # States from which an ending can be reached (so the listing never walks into a dead end).
    leads: set[int] = set()
    for at in reversed(topo):
        moves = states[at].moves or []
        if by_key[states[at].node].is_ending or any(
            m.to in leads and (at, i) not in cut for i, m in enumerate(moves)
        ):
            leads.add(at)
    paths: list[SimPath] = []
    truncated = False
    first = states[0].state.values
    # (state, steps, ranges, events)
    stack: list[tuple[int, list[tuple[Node, Option]], dict[str, tuple[int, int]], list[str]]] = [
        (0, [], {key: (value, value) for key, value in first.items()}, [])
    ]
    while stack:
        at, steps, ranges, met = stack.pop()
        here = states[at]
        node = by_key[here.node]
        if node.is_ending:
            if len(paths) >= max_paths:
                truncated = True
                break
            paths.append(SimPath(steps, node, here.state.values, ranges, met))
            continue
        if len(steps) >= max_depth:
            truncated = True
            continue
        followed = []
        for index, move in enumerate(here.moves or []):
            if move.to is None or (at, index) in cut or move.to not in leads:
                continue
            after = states[move.to].state.values
            new_ranges = {
                key: (min(low, after[key]), max(high, after[key])) for key, (low, high) in ranges.items()
            }
            option = playable[node.pk][move.option].option
            followed.append(
                (move.to, [*steps, (node, option)], new_ranges, [*met, move.event] if move.event else met)
            )
        # Reverse so the first option is explored first and paths come out in authored order.
        stack.extend(reversed(followed))
    return paths, truncated


# Analytics ----------------------------------------------------------------------------------------------------


@dataclass
class OptionCount:
    option_id: int
    key: str
    text: str
    count: int
    archived: bool


@dataclass
class NodeDistribution:
    node_id: int
    node_key: str
    node_title: str
    options: list[OptionCount]

    @property
    def total(self) -> int:
        return sum(option.count for option in self.options)

    def share(self, option: OptionCount) -> float:
        """0.0–1.0 of this node's choices."""
        return option.count / self.total if self.total else 0.0


def decision_distribution(simulation: Simulation) -> list[NodeDistribution]:
    """Per decision node (in order), how many times each option was chosen across all runs of every learner,
    including options never chosen (0). One aggregate query (options LEFT JOIN steps, GROUP BY option).

    Archived options appear only when some run chose them before they were archived."""
    rows = (
        Option.objects.filter(node__simulation=simulation, node__is_ending=False)
        .values(
            "pk",
            "key",
            "text",
            "archived",
            "position",
            "node_id",
            "node__key",
            "node__title",
            "node__position",
            "node__archived",
        )
        .annotate(chosen=Count("steps"))
        .order_by("node__position", "node_id", "position", "pk")
    )
    result: dict[int, NodeDistribution] = {}
    for row in rows:
        if (row["archived"] or row["node__archived"]) and not row["chosen"]:
            continue
        distribution = result.get(row["node_id"])
        if distribution is None:
            distribution = result[row["node_id"]] = NodeDistribution(
                node_id=row["node_id"], node_key=row["node__key"], node_title=row["node__title"], options=[]
            )
        distribution.options.append(
            OptionCount(
                option_id=row["pk"],
                key=row["key"],
                text=row["text"],
                count=row["chosen"],
                archived=row["archived"],
            )
        )
    return list(result.values())
