"""A simulation drawn as a graph for its authors: every node and option, laid out in layers, with the problems
the loader and the linter find placed on the node (and option) they concern.

The layout is networkx's `multipartite_layout`: a node's layer is its distance in decisions from the start
(nodes that events insert sit one layer below the earliest node they return to; nodes nothing links to sit in
a last row of their own), and the order inside a layer follows the parents' order, which keeps edges from
crossing more than they need to. The page draws it as server-rendered SVG (no script, nothing fetched).

Edges are the options' own fields: each `branches` entry (labelled with its `when`) and `next`; an option
without `next` on an event node resumes the story (drawn to where it returned in play, per the path
analysis). Problems come from `training.curriculum.checkup` — the loader's validation and the linter, in
their words — so the graph never claims a problem `lint_curriculum` would not report, nor misses one.
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx  # type: ignore[import-untyped]

from training.curriculum.checkup import ProblemPlace, check_course, simulation_problem_places
from training.models import Node, Simulation
from training.simulation_paths import MapEdge, PathAnalysis, analyse_paths

__all__ = ["GraphEdge", "GraphNode", "SimulationGraph", "draw_simulation"]

NODE_WIDTH = 190
NODE_HEIGHT = 70
COLUMN_GAP = 44
ROW_GAP = 124
MARGIN = 24
LABEL_CHARS = 22  # characters per line of a node's title


@dataclass
class GraphNode:
    node: Node
    kind: str  # decision | success | mixed | failure
    layer: int
    x: float = 0
    y: float = 0
    is_start: bool = False
    event: str = ""  # the event that inserts this node, if any
    reachable: bool = True  # reached in play (path analysis)
    problems: list[ProblemPlace] = field(default_factory=list)

    @property
    def title_lines(self) -> list[str]:
        lines = textwrap.wrap(self.node.title, LABEL_CHARS) or [self.node.key]
        if len(lines) > 2:
            lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), LABEL_CHARS, placeholder="…")]
        return lines

    @property
    def kind_label(self) -> str:
        return "Decision" if self.kind == "decision" else f"Ending: {self.kind}"

    @property
    def centre_x(self) -> float:
        return self.x + NODE_WIDTH / 2


@dataclass
class GraphEdge:
    source: GraphNode
    target: GraphNode
    option_key: str
    option_text: str
    condition: str  # a branch's `when`, "otherwise" for `next` after branches, "" for a plain `next`
    guard: str  # the option's guard, if any
    kind: str  # next | branch | resume
    draft: bool = False  # the option is not published (learners do not see it)
    taken: int = 0  # reachable states that took it (path analysis; 0 = never in play)
    problems: list[ProblemPlace] = field(default_factory=list)
    path: str = ""  # the SVG path
    label_x: float = 0
    label_y: float = 0

    @property
    def label(self) -> str:
        """The option's key on the drawing (its text is in the edge's tooltip and in the list below)."""
        return textwrap.shorten(self.option_key, 18, placeholder="…")

    @property
    def condition_label(self) -> str:
        parts = []
        if self.guard:
            parts.append(f"if {self.guard}")
        if self.condition and self.condition != "otherwise":
            parts.append(f"when {self.condition}")
        elif self.condition == "otherwise":
            parts.append("otherwise")
        return textwrap.shorten("; ".join(parts), 26, placeholder="…") if parts else ""


@dataclass
class SimulationGraph:
    simulation: Simulation
    analysis: PathAnalysis
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    problems: list[ProblemPlace]  # every problem of the simulation, in the linter's order
    general_problems: list[ProblemPlace]  # those on the simulation itself (meters, flags, start…)
    width: int
    height: int
    unlinked_row: int | None  # the layer holding nodes nothing links to, if any

    @property
    def option_problems(self) -> list[tuple[GraphNode, ProblemPlace]]:
        """The problems of options that have an edge to carry them, once each (an option with branches has
        several edges)."""
        seen: set[int] = set()
        found = []
        for edge in self.edges:
            for place in edge.problems:
                if id(place) not in seen:
                    seen.add(id(place))
                    found.append((edge.source, place))
        return found


def _kind(node: Node) -> str:
    if node.is_ending:
        return node.outcome if node.outcome in ("success", "mixed", "failure") else "failure"
    return "decision"


def _layers(
    nodes: dict[str, Node], start: str, edges: dict[str, list[str]], event_nodes: set[str]
) -> tuple[dict[str, int], int | None]:
    """Each node's layer: its distance from the start; event nodes just below the earliest node they return
    to; nodes nothing reaches in a last layer of their own (returned as the second value)."""
    layer: dict[str, int] = {}

    def spread(frontier: list[str]) -> None:
        while frontier:
            following = []
            for key in frontier:
                for target in edges.get(key, []):
                    if target not in layer:
                        layer[target] = layer[key] + 1
                        following.append(target)
            frontier = following

    if start in nodes:
        layer[start] = 0
        spread([start])
    for key in sorted(event_nodes - set(layer)):
        returns = [layer[t] for t in edges.get(key, []) if t in layer]
        layer[key] = max(min(returns) - 1, 1) if returns else 1
        spread([key])
    rest = [key for key in nodes if key not in layer]
    unlinked = None
    if rest:
        unlinked = max(layer.values(), default=-1) + 1
        for key in rest:
            layer[key] = unlinked
    return layer, unlinked


def _drawn(edges: list[MapEdge]) -> list[MapEdge]:
    """The edges an option's own fields make (branches, next) and, on an event node, where it resumes; the
    events that may interrupt a way are shown on their node, not as edges from every option they follow."""
    return [edge for edge in edges if edge.kind in ("branch", "next", "resume")]


def _bezier(points: list[tuple[float, float]], t: float) -> tuple[float, float]:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
    a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
    return a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3


def _edge_path(source: GraphNode, target: GraphNode, lane: float, spot: float) -> tuple[str, float, float]:
    """A cubic curve from the bottom of `source` to the top of `target` (or around, going back up), and
    where its label goes: at `spot` (0–1) along the curve, so labels of one node's edges do not stack."""
    x1, y1 = source.centre_x + lane * 14, source.y + NODE_HEIGHT
    x2, y2 = target.centre_x + lane * 6, target.y
    if y2 > y1:
        bend = (y2 - y1) / 2
        points = [(x1, y1), (x1, y1 + bend), (x2, y2 - bend), (x2, y2)]
        path = "M{:.0f},{:.0f} C{:.0f},{:.0f} {:.0f},{:.0f} {:.0f},{:.0f}".format(
            *[v for p in points for v in p]
        )
        x, y = _bezier(points, spot)
        return path, x + 4, y
    # Back up (a cycle) or sideways: leave from the right side, loop outside, enter from above.
    x1, y1 = source.x + NODE_WIDTH, source.y + NODE_HEIGHT / 2 + lane * 6
    out = max(source.x, target.x) + NODE_WIDTH + 30 + abs(lane) * 10
    path = (
        f"M{x1:.0f},{y1:.0f} C{out:.0f},{y1:.0f} {out:.0f},{y2 - 40:.0f} {x2:.0f},{y2 - 40:.0f}"
        f" L{x2:.0f},{y2:.0f}"
    )
    return path, out - 10, (y1 + y2 - 40) / 2


def draw_simulation(simulation: Simulation) -> SimulationGraph:
    """The simulation's graph with its layout and problems (the path analysis plus the course check)."""
    analysis = analyse_paths(simulation)
    places = simulation_problem_places(check_course(simulation.module.course), simulation.slug)

    nodes = {item.node.key: item.node for item in analysis.nodes}
    start_key = simulation.start_node.key if simulation.start_node else ""
    event_nodes = {event.node.key for event in analysis.events if event.node is not None}
    targets: dict[str, list[str]] = defaultdict(list)
    for item in analysis.nodes:
        for option in item.options:
            for edge in _drawn(option.edges):
                if edge.target is not None and edge.target.key not in targets[item.node.key]:
                    targets[item.node.key].append(edge.target.key)
    layer, unlinked = _layers(nodes, start_key, targets, event_nodes)

    graph = nx.DiGraph()
    order = sorted(nodes, key=lambda key: layer[key])
    placed: dict[str, float] = {}
    by_layer: dict[int, list[str]] = defaultdict(list)
    for key in order:
        by_layer[layer[key]].append(key)
    for number in sorted(by_layer):
        # Barycentre ordering: a node sits under the average position of the nodes that lead to it.
        def position(key: str) -> float:
            parents = [placed[p] for p, ts in targets.items() if key in ts and p in placed]
            return sum(parents) / len(parents) if parents else float("inf")

        row = sorted(by_layer[number], key=lambda key: (position(key), list(nodes).index(key)))
        for index, key in enumerate(row):
            placed[key] = index
            graph.add_node(key, layer=number)
    for source, keys in targets.items():
        for key in keys:
            graph.add_edge(source, key)
    positions = nx.multipartite_layout(graph, subset_key="layer", align="horizontal") if graph else {}

    widest = max((len(row) for row in by_layer.values()), default=1)
    width = MARGIN * 2 + widest * NODE_WIDTH + (widest - 1) * COLUMN_GAP + 60
    rows = max(by_layer, default=0) + 1
    height = MARGIN * 2 + rows * NODE_HEIGHT + (rows - 1) * ROW_GAP
    # multipartite_layout spreads each layer evenly and centres it; turn its coordinates into pixels.
    xs = sorted({round(float(p[0]), 6) for p in positions.values()}) if positions else [0.0]
    span = (max(xs) - min(xs)) or 1.0
    drawn: dict[str, GraphNode] = {}
    for item in analysis.nodes:
        key = item.node.key
        x, _ = positions.get(key, (0.0, 0.0))
        row = by_layer[layer[key]]
        if len(row) == 1 and widest > 1:
            left = (width - 60 - NODE_WIDTH) / 2
        else:
            fraction = (float(x) - min(xs)) / span if widest > 1 else 0.5
            left = MARGIN + fraction * (width - 60 - 2 * MARGIN - NODE_WIDTH)
        drawn[key] = GraphNode(
            node=item.node,
            kind=_kind(item.node),
            layer=layer[key],
            x=round(left, 1),
            y=MARGIN + layer[key] * (NODE_HEIGHT + ROW_GAP),
            is_start=key == start_key,
            event=item.event.key if item.event else "",
            reachable=item.reachable,
            problems=[p for p in places if p.node_key == key and not p.option_key],
        )

    edges: list[GraphEdge] = []
    lanes: dict[str, int] = defaultdict(int)
    for item in analysis.nodes:
        origin = drawn[item.node.key]
        count = sum(len(_drawn(o.edges)) for o in item.options)
        for option in item.options:
            for edge in _drawn(option.edges):
                if edge.target is None or edge.target.key not in drawn:
                    continue
                lane = lanes[origin.node.key]
                lanes[origin.node.key] += 1
                spot = 0.2 + 0.6 * (lane / (count - 1)) if count > 1 else 0.5
                target = drawn[edge.target.key]
                path, label_x, label_y = _edge_path(origin, target, lane - (count - 1) / 2, spot)
                edges.append(
                    GraphEdge(
                        source=origin,
                        target=target,
                        option_key=option.option.key,
                        option_text=option.option.text,
                        condition=edge.condition,
                        guard=option.option.guard.strip(),
                        kind=edge.kind,
                        draft=not option.learner_visible,
                        taken=edge.taken,
                        problems=[
                            p
                            for p in places
                            if p.node_key == origin.node.key and p.option_key == option.option.key
                        ],
                        path=path,
                        label_x=round(label_x, 1),
                        label_y=round(label_y, 1),
                    )
                )
    # An option whose problem has no edge to carry it (it leads nowhere) is listed on its node.
    on_edges = {id(p) for edge in edges for p in edge.problems}
    for place in places:
        if place.option_key and id(place) not in on_edges and place.node_key in drawn:
            drawn[place.node_key].problems.append(place)
    general = [p for p in places if not p.node_key or p.node_key not in drawn]
    return SimulationGraph(
        simulation=simulation,
        analysis=analysis,
        nodes=[drawn[item.node.key] for item in analysis.nodes],
        edges=edges,
        problems=places,
        general_problems=general,
        width=int(width),
        height=int(height),
        unlinked_row=unlinked,
    )
