"""Outcomes of a session for the debrief, the console and the CSV: each group's package and each role's score
(from the agreement, or walk-away values), the chart of every group's outcome against all packages with the
Pareto frontier and the joint-gain maximum (server-rendered SVG, training/svg_chart.py), and the replay of a
group's log on a timeline.

What a learner's replay contains is what they could read during the session (their own channels, the news that
reached them); the facilitator's holds every channel. Confidential briefs never appear here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F

from roleplay import rules
from roleplay.models import (
    Group,
    InjectRelease,
    Issue,
    Message,
    Proposal,
    ProposalResponse,
    Role,
    Seat,
    Session,
    SessionEvent,
)
from roleplay.scoring import Outcome, Table, joint_gain_maximum, outcomes, pareto_frontier, score
from training.svg_chart import PlotArea


@dataclass
class GroupOutcome:
    group: Group
    roles: list[Role]  # the roles seated in the group
    agreed: bool
    package: list[tuple[Issue, str]]  # (issue, "b. text") of the agreement
    scores: dict[str, int]  # role slug → score
    walk_away: dict[str, int]

    @property
    def joint(self) -> int:
        return sum(self.scores.values())

    def score_rows(self) -> list[tuple[Role, int, int]]:
        return [(role, self.scores[role.slug], self.walk_away[role.slug]) for role in self.roles]


def group_outcomes(session: Session, issues: list[Issue] | None = None) -> list[GroupOutcome]:
    roleplay = session.roleplay
    issues = roleplay.active_issues() if issues is None else issues
    options = {(i.slug, o.key): (i, f"{o.key}. {o.text}") for i in issues for o in i.shown_options}
    result = []
    for group in session.groups.prefetch_related("seats__role").order_by("number"):
        roles = sorted((seat.role for seat in group.seats.all()), key=lambda r: (r.position, r.pk))
        table = roleplay.points_table(roles=roles, issues=issues)
        package = tuple(group.agreed_package.items()) if group.agreed_package else None
        result.append(
            GroupOutcome(
                group=group,
                roles=roles,
                agreed=package is not None,
                package=[options[item] for item in package if item in options] if package else [],
                scores=score(table, package),
                walk_away={r.slug: r.walk_away for r in roles},
            )
        )
    return result


# The chart ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dot:
    x: str
    y: str
    label: str


@dataclass(frozen=True)
class OutcomeChart(PlotArea):
    x_role: str
    y_role: str
    packages: tuple[Dot, ...]
    frontier: str  # polyline points
    frontier_dots: tuple[Dot, ...]
    best: tuple[Dot, ...]
    walk_away: Dot
    groups: tuple[Dot, ...]
    x_ticks: tuple[tuple[str, int], ...]
    y_ticks: tuple[tuple[str, int], ...]
    summary: str

    @property
    def x_label_y(self) -> int:
        return self.bottom + 40

    @property
    def middle_x(self) -> str:
        return f"{(self.left + self.right) / 2:.1f}"

    @property
    def middle_y(self) -> str:
        return f"{(self.top + self.bottom) / 2:.1f}"


def _ticks(low: int, high: int) -> list[int]:
    span = max(1, high - low)
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500) if span / s <= 6)
    start = (low // step) * step
    return list(range(start, high + step, step))


def chart_for(
    table: Table,
    x_role: Role,
    y_role: Role,
    results: list[GroupOutcome],
    *,
    width: int = 640,
    height: int = 420,
) -> OutcomeChart:
    """Every package as a dot at (x role's score, y role's score); the frontier and the joint-gain maximum
    for these two roles' points; the no-agreement point (both walk-aways); each group's outcome."""
    pair = (x_role.slug, y_role.slug)
    every = outcomes(table, pair)
    frontier = pareto_frontier(table, pair)
    best = joint_gain_maximum(Table(pair, table.issues, table.points, table.walk_away))
    walk = (x_role.walk_away, y_role.walk_away)
    placed = [(g.scores.get(pair[0], 0), g.scores.get(pair[1], 0), g) for g in results if pair[0] in g.scores]
    xs = [o.scores[0] for o in every] + [walk[0]] + [p[0] for p in placed]
    ys = [o.scores[1] for o in every] + [walk[1]] + [p[1] for p in placed]
    x_ticks_v, y_ticks_v = _ticks(min(xs), max(xs)), _ticks(min(ys), max(ys))
    left, right, top, bottom = 56, width - 20, 20, height - 56
    x0, x1, y0, y1 = x_ticks_v[0], x_ticks_v[-1], y_ticks_v[0], y_ticks_v[-1]

    def px(v: float) -> str:
        return f"{left + (right - left) * (v - x0) / max(1, x1 - x0):.1f}"

    def py(v: float) -> str:
        return f"{bottom - (bottom - top) * (v - y0) / max(1, y1 - y0):.1f}"

    def dot(o: Outcome) -> Dot:
        return Dot(px(o.scores[0]), py(o.scores[1]), "; ".join(f"{i} {k}" for i, k in o.package))

    line = sorted(frontier, key=lambda o: (o.scores[0], -o.scores[1]))
    summary = (
        f"{len(every)} possible packages scored for {x_role.title} (across) and {y_role.title} (up). "
        f"The Pareto frontier has {len(frontier)} package{'s' if len(frontier) != 1 else ''}; the joint-gain "
        f"maximum gives {best[0].scores[0]} and {best[0].scores[1]}. Without agreement: {walk[0]} and {walk[1]}. "
        + " ".join(
            f"Group {outcome.group.number}: {x} and {y} ({'agreement' if outcome.agreed else 'no agreement'})."
            for x, y, outcome in placed
        )
    )
    return OutcomeChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        x_role=x_role.title,
        y_role=y_role.title,
        packages=tuple(dot(o) for o in every),
        frontier=" ".join(f"{px(o.scores[0])},{py(o.scores[1])}" for o in line),
        frontier_dots=tuple(dot(o) for o in line),
        best=tuple(dot(o) for o in best),
        walk_away=Dot(px(walk[0]), py(walk[1]), "No agreement (walk-away values)"),
        groups=tuple(Dot(px(x), py(y), f"G{outcome.group.number}") for x, y, outcome in placed),
        x_ticks=tuple((px(v), v) for v in x_ticks_v),
        y_ticks=tuple((py(v), v) for v in y_ticks_v),
        summary=summary,
    )


# The replay -----------------------------------------------------------------------------------------------


@dataclass
class Entry:
    at: datetime
    kind: str  # message | proposal | response | inject | phase | seat | end
    title: str
    text: str = ""
    channel: str = ""
    offset: str = ""  # "12:05" after the session's creation


def replay(group: Group, *, seat: Seat | None, facilitator: bool, phases_titles: list[str]) -> list[Entry]:
    """The group's log in time order, limited to what the viewer could read during the session."""
    session = group.session
    seats = list(group.seats.select_related("role"))
    rule_seats = [rules.Seat(s.role.slug, s.role.title, s.role.caucus) for s in seats]
    me = rules.Seat(seat.role.slug, seat.role.title, seat.role.caucus) if seat else None
    channels = {c.key: c.label for c in rules.readable(me, rule_seats, facilitator=facilitator)}
    entries: list[Entry] = []
    for message in Message.objects.filter(group=group, channel__in=list(channels)).select_related(
        "seat__role"
    ):
        who = message.seat.role.title if message.seat else "Facilitator"
        entries.append(Entry(message.created_at, "message", who, message.text, channels[message.channel]))
    if facilitator or seat is not None:
        titles = {
            (i.slug, o.key): f"{o.key}. {o.text}"
            for i in session.roleplay.active_issues()
            for o in i.shown_options
        }
        for proposal in Proposal.objects.filter(group=group).select_related("seat__role"):
            package = "; ".join(titles.get(item, f"{item[0]} {item[1]}") for item in proposal.package.items())
            entries.append(
                Entry(proposal.created_at, "proposal", f"{proposal.seat.role.title} proposed", package)
            )
        # The proposer's own acceptance is part of proposing: only the others' answers are entries.
        answers = ProposalResponse.objects.filter(proposal__group=group).exclude(seat=F("proposal__seat"))
        for response in answers.select_related("seat__role"):
            verb = "accepted" if response.accepted else "rejected"
            entries.append(
                Entry(
                    response.created_at,
                    "response",
                    f"{response.seat.role.title} {verb} proposal {response.proposal_id}",
                )
            )
    for release in InjectRelease.objects.filter(session=session).select_related("inject"):
        if facilitator or release.reaches(seat.role if seat else None):
            entries.append(
                Entry(release.released_at, "inject", f"News: {release.inject.title}", release.inject.text)
            )
    for event in SessionEvent.objects.filter(session=session).exclude(kind=SessionEvent.Kind.ASSIGN):
        if event.group_id not in (None, group.pk):
            continue
        title = event.get_kind_display()
        if event.kind in (SessionEvent.Kind.START, SessionEvent.Kind.ADVANCE) and event.phase_index < len(
            phases_titles
        ):
            title = f"{title}: {phases_titles[event.phase_index]}"
        entries.append(
            Entry(
                event.at, "phase" if event.kind != SessionEvent.Kind.REASSIGN else "seat", title, event.detail
            )
        )
    if group.agreed_at:
        entries.append(Entry(group.agreed_at, "agreement", "Agreement reached"))
    entries.sort(key=lambda e: e.at)
    for entry in entries:
        seconds = max(0, int((entry.at - session.created_at).total_seconds()))
        entry.offset = f"{seconds // 60}:{seconds % 60:02d}"
    return entries


@dataclass
class Debrief:
    session: Session
    results: list[GroupOutcome]
    chart: OutcomeChart | None
    frontier_count: int
    best: list[tuple[list[str], int]]
    replay_group: Group | None
    entries: list[Entry] = field(default_factory=list)

    @property
    def best_joint(self) -> int | None:
        return self.best[0][1] if self.best else None


def debrief_of(
    session: Session, *, replay_group: Group | None, viewer_seat: Seat | None, facilitator: bool = False
) -> Debrief:
    roleplay = session.roleplay
    issues = roleplay.active_issues()
    results = group_outcomes(session, issues)
    required = [r for r in roleplay.active_roles() if not r.optional]
    table = roleplay.points_table(roles=required, issues=issues)
    chart = chart_for(table, required[0], required[1], results) if len(required) >= 2 else None
    titles = {(i.slug, o.key): f"{i.title}: {o.key}. {o.text}" for i in issues for o in i.shown_options}
    best = [([titles[item] for item in o.package], o.joint) for o in joint_gain_maximum(table)]
    entries = (
        replay(
            replay_group,
            seat=viewer_seat,
            facilitator=facilitator,
            phases_titles=[p.title for p in roleplay.active_phases()],
        )
        if replay_group is not None
        else []
    )
    return Debrief(
        session=session,
        results=results,
        chart=chart,
        frontier_count=len(pareto_frontier(table)),
        best=best,
        replay_group=replay_group,
        entries=entries,
    )
