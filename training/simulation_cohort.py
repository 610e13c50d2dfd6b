"""A cohort's runs of one simulation on its map (the instructor's simulation page, docs/analytics.md).

Counted runs (SimulationRun.objects.counted(): not those started over before their first decision) of the
cohort's learners, each read as its path: the node of every decision in order, then where the run stands
(its ending, the node it was left at when the learner started over, or the node it waits at). From the paths:

- edges: each move from one node to the next actually made (branch targets and event nodes included, since
  the path records where the run went), with the share of runs that made it at least once;
- endings: how many runs reached each; quits: runs closed by "Start over" after some decisions, by the node
  they were left at; runs still open, by the node they wait at;
- loops: runs that came back to a node already on their path, by node;
- spread: at each decision node, how evenly the choices made there divide among its options — normalised
  entropy (1 = every option chosen equally, 0 = always the same one), over nodes with at least
  `SPREAD_MIN_DECISIONS` decisions; the widest first.

Five queries, whatever the cohort's size. The map is laid out in columns by distance from the start node
(over the authored moves: `next`, branches, events, and any move a run made) and drawn as SVG, with the same
numbers in a table.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime

from training.analytics import members
from training.models import (
    Cohort,
    Node,
    Option,
    Simulation,
    SimulationReflection,
    SimulationRun,
    SimulationStep,
)

SPREAD_MIN_DECISIONS = 2
SPREAD_SHOWN = 3


@dataclass
class RunPath:
    run_id: int
    learner: str
    started_at: datetime
    finished_at: datetime | None
    ending: Node | None
    stands_at: Node | None  # the ending, the node left at, or the node waited at
    steps: list[tuple[Node, Option]] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.ending is not None:
            return "ended"
        return "quit" if self.finished_at is not None else "open"

    @property
    def nodes(self) -> list[Node]:
        return [node for node, _ in self.steps] + ([self.stands_at] if self.stands_at is not None else [])

    @property
    def loops(self) -> list[Node]:
        seen: set[int] = set()
        again: list[Node] = []
        for node in self.nodes:
            if node.pk in seen and node not in again:
                again.append(node)
            seen.add(node.pk)
        return again

    @property
    def path_text(self) -> str:
        parts = [f"{node.key}:{option.key}" for node, option in self.steps]
        if self.stands_at is not None:
            parts.append(self.stands_at.key)
        return " > ".join(parts)


@dataclass
class Edge:
    source: Node
    target: Node
    runs: int = 0  # runs that made this move at least once
    times: int = 0  # moves made, loops counted each time
    share: float | None = None  # percent of counted runs
    authored: bool = False
    # drawing
    path: str = ""
    label_x: str = ""
    label_y: str = ""
    width: str = "1"


@dataclass
class MapBox:
    node: Node
    x: int
    y: int
    runs: int  # runs that reached the node
    label: str

    @property
    def text_x(self) -> int:
        return self.x + 8

    @property
    def kind(self) -> str:
        return f"ending outcome-{self.node.outcome}" if self.node.is_ending else "decision"


@dataclass
class Spread:
    node: Node
    decisions: int
    entropy: float  # 0–1
    top_option: Option
    top_share: float  # percent


@dataclass
class CohortMap:
    simulation: Simulation
    runs: list[RunPath]
    edges: list[Edge]
    boxes: list[MapBox]
    endings: list[tuple[Node, int, float | None]]  # (ending, runs, percent of counted runs)
    quits: list[tuple[Node, int]]
    open_at: list[tuple[Node, int]]
    loops: list[tuple[Node, int]]
    spread: list[Spread]
    reflections: list[SimulationReflection]
    width: int = 0
    height: int = 0

    @property
    def counted(self) -> int:
        return len(self.runs)

    @property
    def runs_with_loops(self) -> int:
        return sum(1 for run in self.runs if run.loops)

    @property
    def quit_total(self) -> int:
        return sum(n for _, n in self.quits)


BOX_W, BOX_H, COL_GAP, ROW_GAP, MARGIN = 160, 46, 70, 26, 16


def _percent(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def cohort_map(cohort: Cohort, simulation: Simulation) -> CohortMap:
    runs_qs = SimulationRun.objects.counted().filter(simulation=simulation, user_id__in=members(cohort))
    nodes = {n.pk: n for n in Node.objects.filter(simulation=simulation).order_by("position", "pk")}
    options = {o.pk: o for o in Option.objects.filter(node__simulation=simulation).order_by("position", "pk")}
    runs: dict[int, RunPath] = {}
    for row in runs_qs.values(
        "pk", "user__username", "started_at", "finished_at", "ending_id", "current_node_id"
    ).order_by("started_at", "pk"):
        runs[row["pk"]] = RunPath(
            run_id=row["pk"],
            learner=row["user__username"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            ending=nodes.get(row["ending_id"]),
            stands_at=nodes.get(row["current_node_id"]),
        )
    for run_id, node_id, option_id in (
        SimulationStep.objects.filter(run__in=runs_qs)
        .order_by("run_id", "number")
        .values_list("run_id", "node_id", "option_id")
    ):
        if run_id in runs and node_id in nodes and option_id in options:
            runs[run_id].steps.append((nodes[node_id], options[option_id]))
    reflections = list(
        SimulationReflection.objects.filter(run__in=runs_qs)
        .select_related("run__user", "run__ending")
        .order_by("-saved_at", "-pk")
    )
    paths = list(runs.values())
    total = len(paths)

    edges: dict[tuple[int, int], Edge] = {}
    by_key = {n.key: n for n in nodes.values()}
    for option in options.values():
        if option.archived or option.node_id not in nodes or nodes[option.node_id].archived:
            continue
        targets = [nodes.get(option.next_node_id)] + [
            by_key.get(b.get("next", "")) for b in option.branches or [] if isinstance(b, dict)
        ]
        for target in targets:
            if target is not None and not target.archived:
                edges.setdefault(
                    (option.node_id, target.pk), Edge(nodes[option.node_id], target, authored=True)
                )
    for path in paths:
        sequence = path.nodes
        made = Counter(zip([n.pk for n in sequence], [n.pk for n in sequence[1:]], strict=False))
        for (a, b), times in made.items():
            edge = edges.setdefault((a, b), Edge(nodes[a], nodes[b]))
            edge.runs += 1
            edge.times += times
    for edge in edges.values():
        edge.share = _percent(edge.runs, total)

    ended = Counter(path.ending.pk for path in paths if path.ending is not None)
    quits = Counter(path.stands_at.pk for path in paths if path.status == "quit" and path.stands_at)
    waiting = Counter(path.stands_at.pk for path in paths if path.status == "open" and path.stands_at)
    looped = Counter(node.pk for path in paths for node in path.loops)

    chosen: dict[int, Counter] = defaultdict(Counter)
    for path in paths:
        for node, option in path.steps:
            chosen[node.pk][option.pk] += 1
    spread = []
    for node_pk, counts in chosen.items():
        decided = sum(counts.values())
        offered = [o for o in options.values() if o.node_id == node_pk and not o.archived]
        k = max(len(offered), len(counts))
        if decided < SPREAD_MIN_DECISIONS or k < 2:
            continue
        entropy = -sum((c / decided) * math.log(c / decided) for c in counts.values() if c) / math.log(k)
        top, top_count = counts.most_common(1)[0]
        spread.append(
            Spread(nodes[node_pk], decided, round(entropy, 2), options[top], 100.0 * top_count / decided)
        )
    spread.sort(key=lambda s: (-s.entropy, -s.decisions, s.node.position, s.node.pk))

    result = CohortMap(
        simulation=simulation,
        runs=paths,
        edges=sorted(edges.values(), key=lambda e: (e.source.position, e.source.pk, e.target.position)),
        boxes=[],
        endings=[
            (n, ended.get(n.pk, 0), _percent(ended.get(n.pk, 0), total))
            for n in nodes.values()
            if n.is_ending and (not n.archived or ended.get(n.pk))
        ],
        quits=[(nodes[pk], n) for pk, n in quits.most_common()],
        open_at=[(nodes[pk], n) for pk, n in waiting.most_common()],
        loops=[(nodes[pk], n) for pk, n in looped.most_common()],
        spread=spread[:SPREAD_SHOWN],
        reflections=reflections,
    )
    _lay_out(result, nodes, simulation, paths)
    return result


def _lay_out(result: CohortMap, nodes: dict[int, Node], simulation: Simulation, paths: list[RunPath]) -> None:
    """Columns by distance from the start over the edges (and event nodes one column after the node that
    may raise them is unknown, so they follow their own edges); unreachable nodes in a last column."""
    shown = {pk: n for pk, n in nodes.items() if not n.archived} | {
        n.pk: n for path in paths for n in path.nodes
    }
    outgoing: dict[int, list[int]] = defaultdict(list)
    for edge in result.edges:
        outgoing[edge.source.pk].append(edge.target.pk)
    column: dict[int, int] = {}
    if simulation.start_node_id in shown:
        column[simulation.start_node_id] = 0
        queue = deque([simulation.start_node_id])
        while queue:
            here = queue.popleft()
            for there in outgoing[here]:
                if there not in column:
                    column[there] = column[here] + 1
                    queue.append(there)
    last = max(column.values(), default=-1) + 1
    for pk in shown:
        column.setdefault(pk, last)
    rows: dict[int, int] = defaultdict(int)
    reached = Counter(n.pk for path in paths for n in {m.pk: m for m in path.nodes}.values())
    boxes: dict[int, MapBox] = {}
    for pk, node in sorted(shown.items(), key=lambda item: (column[item[0]], item[1].position, item[0])):
        col = column[pk]
        x = MARGIN + col * (BOX_W + COL_GAP)
        y = MARGIN + rows[col] * (BOX_H + ROW_GAP)
        rows[col] += 1
        label = node.title if len(node.title) <= 22 else node.title[:21] + "…"
        boxes[pk] = MapBox(node, x, y, reached.get(pk, 0), label)
    result.boxes = list(boxes.values())
    result.width = MARGIN * 2 + (max(column.values(), default=0) + 1) * (BOX_W + COL_GAP) - COL_GAP
    result.height = MARGIN * 2 + max(rows.values(), default=1) * (BOX_H + ROW_GAP) - ROW_GAP + 20
    for edge in result.edges:
        a, b = boxes.get(edge.source.pk), boxes.get(edge.target.pk)
        if a is None or b is None:
            continue
        x1: float = a.x + BOX_W
        y1: float = a.y + BOX_H / 2
        x2: float = b.x
        y2: float = b.y + BOX_H / 2
        if b.x > a.x:
            mid = (x1 + x2) / 2
            edge.path = f"M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
            edge.label_x, edge.label_y = f"{mid:.0f}", f"{(y1 + y2) / 2 - 4:.0f}"
        else:  # back (a loop) or within a column: a curve below both boxes
            x1, y1 = a.x + BOX_W / 2, a.y + BOX_H
            x2, y2 = b.x + BOX_W / 2, b.y + BOX_H
            low = max(y1, y2) + 18
            edge.path = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{low:.0f} {x2:.0f},{low:.0f} {x2:.0f},{y2:.0f}"
            edge.label_x, edge.label_y = f"{(x1 + x2) / 2:.0f}", f"{low:.0f}"
        edge.width = f"{1 + 9 * (edge.share or 0) / 100:.1f}"
