"""Reading a simulation as a whole: the map of nodes and options, every path to every ending, and which
options learners actually choose.

`analyse_paths(simulation)` enumerates the simple paths from the start node: at each node it follows every
option a learner could choose there (published, not archived, guard met on the meters reached so far),
applying effects with clamping exactly as a run does. A path never visits a node twice: an option that leads
back to a node already on the path is a cycle, which is counted and reported rather than followed, so the
enumeration always ends. Paths are also bounded in number (`max_paths`) and length (`max_depth`); the
result says when either bound cut the enumeration short.

`decision_distribution(simulation)` counts, per decision node, how often each option was chosen across all
runs, in one aggregate query (for instructor analytics).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from training.models import Meter, Node, Option, Simulation
from training.simulation import apply_effects, guard_met, unavailable_reason

# One step of the depth-first walk: (node, meters, meter ranges so far, steps taken, nodes on the path).
_Frame = tuple[Node, dict[str, int], dict[str, tuple[int, int]], list[tuple[Node, Option]], frozenset[int]]

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_PATHS",
    "EndingSummary",
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
class MapOption:
    option: Option
    next_node: Node | None
    effects: list[tuple[str, str]]  # (meter key, "+10")
    guard_words: str  # the guard in words, or ""
    visits: int = 0  # how many enumerated arrivals at the node this option was open on
    open_on: int = 0

    @property
    def learner_visible(self) -> bool:
        return self.option.is_published


@dataclass
class MapNode:
    node: Node
    options: list[MapOption]
    arrivals: int = 0  # times the enumeration arrived here (shared path prefixes count once)
    paths_through: int = 0  # complete paths (start → ending) that pass through this node

    @property
    def reachable(self) -> bool:
        return self.arrivals > 0


@dataclass
class SimPath:
    steps: list[tuple[Node, Option]]
    ending: Node
    final: dict[str, int]
    ranges: dict[str, tuple[int, int]]  # meter key → (lowest, highest) along the path, start included

    @property
    def length(self) -> int:
        return len(self.steps)


@dataclass
class EndingSummary:
    ending: Node
    paths: int = 0
    final_ranges: dict[str, tuple[int, int]] = field(default_factory=dict)  # across the paths' final values
    shortest: int | None = None
    routes: list[SimPath] = field(default_factory=list)  # the paths that end here, in enumeration order

    @property
    def reachable(self) -> bool:
        return self.paths > 0


@dataclass
class PathAnalysis:
    simulation: Simulation
    meters: list[Meter]
    nodes: list[MapNode]
    paths: list[SimPath]
    endings: list[EndingSummary]
    cycles: list[tuple[Node, Option, Node]]  # (node, option, the node already on the path it leads back to)
    cycles_cut: int
    dead_ends: list[tuple[Node, int]]  # (non-ending node where no option was open, times reached)
    truncated: bool
    max_paths: int
    max_depth: int

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


def analyse_paths(
    simulation: Simulation, *, max_paths: int = DEFAULT_MAX_PATHS, max_depth: int = DEFAULT_MAX_DEPTH
) -> PathAnalysis:
    """The simulation's map and every simple path from its start to an ending (3 queries)."""
    meters = list(Meter.objects.visible().filter(simulation=simulation).in_order())
    order = {meter.key: index for index, meter in enumerate(meters)}
    nodes = {n.pk: n for n in Node.objects.active().filter(simulation=simulation).in_order()}
    map_nodes: dict[int, MapNode] = {pk: MapNode(node, []) for pk, node in nodes.items()}
    playable: dict[int, list[MapOption]] = {}
    for option in Option.objects.active().filter(node__simulation=simulation).in_order():
        if option.node_id not in map_nodes:
            continue
        item = MapOption(
            option=option,
            next_node=nodes.get(option.next_node_id),
            effects=_effects_in_words(option, order),
            guard_words=unavailable_reason(option) if option.guard.strip() else "",
        )
        map_nodes[option.node_id].options.append(item)
        if option.is_published:
            playable.setdefault(option.node_id, []).append(item)

    paths: list[SimPath] = []
    cycles: dict[tuple[int, int], tuple[Node, Option, Node]] = {}
    cycles_cut = 0
    dead_ends: dict[int, int] = {}
    truncated = False

    start = nodes.get(simulation.start_node_id)
    if start is not None:
        values = {m.key: m.start for m in meters}
        ranges = {m.key: (m.start, m.start) for m in meters}
        # An explicit stack of frames: no recursion limit to hit.
        stack: list[_Frame] = [(start, values, ranges, [], frozenset([start.pk]))]
        while stack:
            node, values, ranges, steps, on_path = stack.pop()
            map_nodes[node.pk].arrivals += 1
            if node.is_ending:
                if len(paths) >= max_paths:
                    truncated = True
                    break
                paths.append(SimPath(steps=steps, ending=node, final=values, ranges=ranges))
                continue
            if len(steps) >= max_depth:
                truncated = True
                continue
            followed: list[_Frame] = []
            for item in playable.get(node.pk, []):
                item.visits += 1
                if not guard_met(item.option, values):
                    continue
                item.open_on += 1
                target = item.next_node
                if target is None:
                    continue
                if target.pk in on_path:
                    cycles_cut += 1
                    cycles.setdefault((node.pk, item.option.pk), (node, item.option, target))
                    continue
                after = apply_effects(meters, values, item.option.effects)
                new_ranges = {
                    key: (min(low, after[key]), max(high, after[key])) for key, (low, high) in ranges.items()
                }
                followed.append(
                    (target, after, new_ranges, [*steps, (node, item.option)], on_path | {target.pk})
                )
            if not followed and not any(
                item.open_on and item.next_node is not None for item in playable.get(node.pk, [])
            ):
                dead_ends[node.pk] = dead_ends.get(node.pk, 0) + 1
            # Reverse so the first option is explored first and paths come out in authored order.
            stack.extend(reversed(followed))

    summaries = {pk: EndingSummary(node) for pk, node in nodes.items() if node.is_ending}
    for path in paths:
        for pk in {node.pk for node, _ in path.steps} | {path.ending.pk}:
            map_nodes[pk].paths_through += 1
        summary = summaries[path.ending.pk]
        summary.paths += 1
        summary.routes.append(path)
        summary.shortest = path.length if summary.shortest is None else min(summary.shortest, path.length)
        for key, value in path.final.items():
            low, high = summary.final_ranges.get(key, (value, value))
            summary.final_ranges[key] = (min(low, value), max(high, value))

    return PathAnalysis(
        simulation=simulation,
        meters=meters,
        nodes=list(map_nodes.values()),
        paths=paths,
        endings=list(summaries.values()),
        cycles=list(cycles.values()),
        cycles_cut=cycles_cut,
        dead_ends=[(nodes[pk], count) for pk, count in dead_ends.items()],
        truncated=truncated,
        max_paths=max_paths,
        max_depth=max_depth,
    )


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
