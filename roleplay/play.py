"""What one person sees of a group: a role-holder, an observer or the facilitator. Every page and fragment of a
group is built from `view_of`, so what is confidential is decided here once: a role-holder gets its own role's
confidential brief, objectives, walk-away and points; an observer gets the public parts; only the facilitator
gets every role's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Prefetch

from roleplay import rules
from roleplay.models import (
    Group,
    InjectRelease,
    Issue,
    Message,
    Participant,
    Phase,
    Proposal,
    ProposalResponse,
    Role,
    Seat,
    Session,
    remaining,
)
from roleplay.scoring import score
from roleplay.sessions import current_phase, rule_seat, seats_of


@dataclass
class ProposalView:
    proposal: Proposal
    options: list[tuple[Issue, str]]  # (issue, "b. text")
    answers: list[tuple[Seat, bool | None]]  # each seat and its answer (None: not yet)
    my_answer: bool | None
    my_score: int | None  # the viewer's own score for it (role-holders only)
    can_answer: bool


@dataclass
class GroupView:
    session: Session
    group: Group
    seat: Seat | None  # None: observer or facilitator
    facilitator: bool
    phases: list[Phase]
    phase: Phase | None
    seats: list[Seat]
    issues: list[Issue]
    channels: list[rules.Channel]
    writable: list[rules.Channel]
    channel: rules.Channel
    messages: list[Message] = field(default_factory=list)
    proposals: list[ProposalView] = field(default_factory=list)
    injects: list[InjectRelease] = field(default_factory=list)
    proposals_allowed: bool = False

    @property
    def role(self) -> Role | None:
        return self.seat.role if self.seat else None

    @property
    def observer(self) -> bool:
        return self.seat is None and not self.facilitator

    @property
    def remaining(self) -> timedelta | None:
        return remaining(self.session, self.phase)

    @property
    def remaining_seconds(self) -> int | None:
        left = self.remaining
        return int(left.total_seconds()) if left is not None else None

    @property
    def state(self) -> str:
        """What decides the talk and proposal forms (phase, agreement, open): the live request sends it back,
        and the forms are replaced only when it changed (never under a half-typed message otherwise)."""
        return (
            f"{self.session.phase_index}.{int(self.group.agreed_at is not None)}.{int(self.session.is_open)}"
        )

    @property
    def remaining_abs(self) -> int:
        return abs(self.remaining_seconds or 0)

    @property
    def remaining_label(self) -> str:
        """ "4 min 05 s" (over time: how much over)."""
        minutes, seconds = divmod(self.remaining_abs, 60)
        return f"{minutes} min {seconds:02d} s"

    @property
    def can_post(self) -> bool:
        return self.session.is_open and any(c.key == self.channel.key for c in self.writable)

    @property
    def can_propose(self) -> bool:
        return (
            self.seat is not None
            and self.session.is_open
            and self.proposals_allowed
            and self.group.agreed_at is None
        )

    def points_rows(self) -> list[tuple[Issue, list[tuple[str, str, int]]]]:
        """The viewer's own points table: per issue, (key, text, points) — role-holders only."""
        if self.seat is None:
            return []
        slug = self.seat.role.slug
        return [
            (issue, [(o.key, o.text, int(o.points.get(slug, 0))) for o in issue.shown_options])
            for issue in self.issues
        ]

    def my_agreed_score(self) -> int | None:
        if self.seat is None:
            return None
        table = self.session.roleplay.points_table(roles=[self.seat.role], issues=self.issues)
        package = tuple(self.group.agreed_package.items()) if self.group.agreed_package else None
        if package is None and self.session.is_open:
            return None
        return score(table, package)[self.seat.role.slug]


def participant_of(group: Group, user) -> Participant | None:
    return (
        Participant.objects.filter(group=group, user=user, left_at__isnull=True)
        .select_related("seat")
        .first()
    )


def view_of(
    group: Group, *, seat: Seat | None, facilitator: bool = False, channel: str | None = None
) -> GroupView:
    session = Session.objects.select_related("roleplay", "cohort").get(pk=group.session_id)
    roleplay = session.roleplay
    phases = roleplay.active_phases()
    phase = current_phase(session, phases)
    seats = seats_of(group)
    if seat is not None:
        seat = next(s for s in seats if s.pk == seat.pk)
    rule_seats = [rules.Seat(s.role.slug, s.role.title, s.role.caucus) for s in seats]
    me = rule_seat(seat)
    channels = rules.readable(me, rule_seats, facilitator=facilitator)
    writable = rules.writable(phase.kind if phase else "", me, rule_seats, facilitator=facilitator)
    if not session.is_open:
        writable = []
    chosen = next((c for c in channels if c.key == channel), None)
    if chosen is None:
        # Default: the first channel one may write to now, else the whole group.
        chosen = next((c for c in channels if any(w.key == c.key for w in writable)), channels[0])
    issues = roleplay.active_issues()
    view = GroupView(
        session=session,
        group=group,
        seat=seat,
        facilitator=facilitator,
        phases=phases,
        phase=phase,
        seats=seats,
        issues=issues,
        channels=channels,
        writable=writable,
        channel=chosen,
        proposals_allowed=bool(phase and rules.proposals_allowed(phase.kind)),
    )
    view.messages = list(
        Message.objects.filter(group=group, channel=chosen.key)
        .select_related("seat__role")
        .order_by("created_at", "pk")
    )
    view.injects = [
        release
        for release in InjectRelease.objects.filter(session=session).select_related("inject")
        if facilitator or release.reaches(seat.role if seat else None)
    ]
    view.proposals = _proposals(view)
    return view


def _proposals(view: GroupView) -> list[ProposalView]:
    # Observers see that proposals exist in the plenary record? No: proposals are between role-holders; an
    # observer sees the agreement only. Role-holders and the facilitator see every proposal of the group.
    if view.observer:
        return []
    proposals = (
        Proposal.objects.filter(group=view.group)
        .prefetch_related(
            Prefetch("responses", queryset=ProposalResponse.objects.order_by("created_at", "pk"))
        )
        .select_related("seat__role")
    )
    options = {(i.slug, o.key): (i, f"{o.key}. {o.text}") for i in view.issues for o in i.shown_options}
    table = (
        view.session.roleplay.points_table(roles=[view.seat.role], issues=view.issues) if view.seat else None
    )
    result = []
    for proposal in proposals:
        answers_by_seat = {r.seat_id: r.accepted for r in proposal.responses.all()}
        package = tuple(proposal.package.items())
        shown = [options[item] for item in package if item in options]
        mine = answers_by_seat.get(view.seat.pk) if view.seat else None
        result.append(
            ProposalView(
                proposal=proposal,
                options=shown,
                answers=[(s, answers_by_seat.get(s.pk)) for s in view.seats],
                my_answer=mine,
                my_score=score(table, package)[view.seat.role.slug] if table and view.seat else None,
                can_answer=view.seat is not None
                and mine is None
                and view.session.is_open
                and view.group.agreed_at is None,
            )
        )
    result.reverse()  # newest first
    return result
