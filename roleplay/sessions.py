"""Running a role-play session: every workflow that writes, each in one transaction, each followed (sent on
commit) by a content-free notification to the pages that show what changed (roleplay/realtime.py).

Rules live elsewhere and are applied here: channels and proposals by phase kind (rules.py), who goes where
(assignment.py), scores (scoring.py). Rows of one group are written under a lock on the group (proposals,
responses, agreement) or on the session (clock, assignment), so two app servers answering at once cannot
record two agreements or lose a phase change.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from roleplay import realtime, rules
from roleplay.assignment import GroupState, RoleSpec, place_late_joiner, plan_groups
from roleplay.models import (
    DebriefAnswer,
    DebriefQuestion,
    Group,
    Inject,
    InjectRelease,
    Message,
    Participant,
    Phase,
    Proposal,
    ProposalResponse,
    RolePlay,
    Seat,
    Session,
    SessionEvent,
)
from roleplay.scoring import Package
from training.cohorts import CODE_ALPHABET
from training.models import Cohort
from xapi import record

CODE_LENGTH = 6
MESSAGE_MAX = 2000


class RolePlayError(Exception):
    """An action the rules refuse (shown to the person as the reason; the view answers 4xx)."""


# Notifications ---------------------------------------------------------------------------------------------


def _announce(
    group: Group | None = None, session: Session | None = None, *, every_group: bool = False
) -> None:
    """Tell the group's pages and the console that something changed (realtime sends on commit)."""
    session_id = session.pk if session is not None else group.session_id if group is not None else None
    group_ids = [group.pk] if group is not None else []
    if every_group and session is not None:
        group_ids = list(session.groups.values_list("pk", flat=True))
    for group_id in group_ids:
        realtime.announce_group(group_id)
    if session_id is not None:
        realtime.announce_session(session_id)


def _touch(group: Group, now: datetime) -> None:
    Group.objects.filter(pk=group.pk).update(last_activity_at=now)


# What a group looks like to the rules ---------------------------------------------------------------------


def current_phase(session: Session, phases: list[Phase] | None = None) -> Phase | None:
    phases = session.roleplay.active_phases() if phases is None else phases
    if not phases:
        return None
    return phases[min(session.phase_index, len(phases) - 1)]


def rule_seats(group: Group) -> list[rules.Seat]:
    return [rules.Seat(s.role.slug, s.role.title, s.role.caucus) for s in seats_of(group)]


def seats_of(group: Group) -> list[Seat]:
    return list(group.seats.select_related("role", "holder__user").order_by("role__position", "role__pk"))


def rule_seat(seat: Seat | None) -> rules.Seat | None:
    if seat is None:
        return None
    return rules.Seat(seat.role.slug, seat.role.title, seat.role.caucus)


# Starting and joining -------------------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def start_session(*, roleplay: RolePlay, cohort: Cohort, instructor: User) -> Session:
    """A new session of `roleplay` for `cohort`, with a fresh join code. The caller checked that the
    instructor teaches the cohort (Session.objects.run_by / cohorts_taught_by)."""
    if roleplay.course_id != cohort.course_id:
        raise RolePlayError("This role-play belongs to another course than the cohort's.")
    for _ in range(10):
        try:
            with transaction.atomic():
                return Session.objects.create(
                    roleplay=roleplay, cohort=cohort, started_by=instructor, code=new_code()
                )
        except IntegrityError:
            continue
    raise RuntimeError("could not find a free session code")  # 31**6 codes: never in practice


def normalize_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch not in " -\t")


def join_session(*, session: Session, user: User) -> Participant:
    """Make `user` (a member of the session's cohort: the view found the session through joinable_by) a
    participant. After the roles were assigned a newcomer is placed at once (assignment.place_late_joiner);
    someone who had left comes back to the same place if it is still free."""
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        if session.ended_at is not None:
            raise RolePlayError("This session has ended.")
        participant, created = Participant.objects.get_or_create(session=session, user=user)
        if not created and participant.left_at is None:
            return participant
        participant.left_at = None
        participant.save(update_fields=["left_at"])
        if session.groups.exists() and participant.seat_id is None:
            _place(session, participant)
        _announce(participant.group, session)
        return participant


def _place(session: Session, participant: Participant) -> None:
    groups = list(
        session.groups.annotate(
            members=Count("participants", filter=Q(participants__left_at__isnull=True)),
        ).order_by("number")
    )
    states = []
    for group in groups:
        open_required = tuple(
            seat.role.slug
            for seat in group.seats.select_related("role").order_by("role__position", "role__pk")
            if not seat.role.optional and not Participant.objects.filter(seat=seat).exists()
        )
        states.append(GroupState(open_required, group.members))
    placed = place_late_joiner(states)
    if placed is None:
        return
    index, role_slug = placed
    group = groups[index]
    participant.group = group
    participant.seat = group.seats.get(role__slug=role_slug) if role_slug else None
    participant.save(update_fields=["group", "seat"])


def leave_session(*, participant: Participant) -> None:
    """The learner leaves: their seat opens (its history stays with it) for a late joiner or a reassignment."""
    with transaction.atomic():
        group = participant.group
        Participant.objects.filter(pk=participant.pk).update(left_at=timezone.now(), seat=None)
        _announce(group, participant.session)


def assign_roles(*, session: Session) -> list[Group]:
    """Place every participant who has joined (and not left) in groups (assignment.plan_groups). Once only:
    later changes are late joins, leaves and reassignments, which keep each role's history."""
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        if session.groups.exists():
            raise RolePlayError("Roles are already assigned; reassign a role instead.")
        participants = list(session.participants.filter(left_at__isnull=True).order_by("joined_at", "pk"))
        if not participants:
            raise RolePlayError("Nobody has joined yet: share the join code first.")
        roles = session.roleplay.active_roles()
        plans = plan_groups([p.pk for p in participants], [RoleSpec(r.slug, r.optional) for r in roles])
        by_pk = {p.pk: p for p in participants}
        role_by_slug = {r.slug: r for r in roles}
        groups = []
        for number, plan in enumerate(plans, start=1):
            group = Group.objects.create(session=session, number=number)
            groups.append(group)
            for slug, holder in plan.seats.items():
                seat = Seat.objects.create(group=group, role=role_by_slug[slug])
                if holder is not None:
                    by_pk[holder].group = group
                    by_pk[holder].seat = seat
            for observer in plan.observers:
                by_pk[observer].group = group
                by_pk[observer].seat = None
        Participant.objects.bulk_update(participants, ["group", "seat"])
        SessionEvent.objects.create(
            session=session,
            kind=SessionEvent.Kind.ASSIGN,
            phase_index=session.phase_index,
            detail=f"{len(participants)} learners in {len(groups)} group{'s' if len(groups) != 1 else ''}",
        )
        _announce(session=session, every_group=True)
        return groups


def reassign(*, session: Session, seat: Seat, participant: Participant) -> None:
    """Give `seat` to `participant` (of this session). Its messages and proposals stay with the seat; the
    previous holder, if any, observes the group; the participant's previous seat, if any, opens."""
    if seat.group.session_id != session.pk or participant.session_id != session.pk:
        raise RolePlayError("That seat or learner belongs to another session.")
    if participant.left_at is not None:
        raise RolePlayError("That learner has left the session.")
    with transaction.atomic():
        Session.objects.select_for_update().get(pk=session.pk)
        old_group = participant.group
        Participant.objects.filter(seat=seat).exclude(pk=participant.pk).update(seat=None)
        participant.group = seat.group
        participant.seat = seat
        participant.save(update_fields=["group", "seat"])
        SessionEvent.objects.create(
            session=session,
            group=seat.group,
            kind=SessionEvent.Kind.REASSIGN,
            phase_index=session.phase_index,
            detail=f"{seat.role.title} has a new player",
        )
        _announce(seat.group, session)
        if old_group is not None and old_group.pk != seat.group_id:
            _announce(old_group)


# Talking and proposing ------------------------------------------------------------------------------------


def post_message(*, group: Group, seat: Seat | None, author: User, channel: str, text: str) -> Message:
    """A message from a seat (or from the facilitator: seat None) to a channel the current phase allows."""
    text = text.strip()
    if not text:
        raise RolePlayError("Write a message first.")
    if len(text) > MESSAGE_MAX:
        raise RolePlayError(f"A message is at most {MESSAGE_MAX} characters.")
    with transaction.atomic():
        session = Session.objects.select_related("roleplay").get(pk=group.session_id)
        if session.ended_at is not None:
            raise RolePlayError("The session has ended.")
        phase = current_phase(session)
        kind = phase.kind if phase else ""
        facilitator = seat is None
        if not rules.may_post(kind, rule_seat(seat), rule_seats(group), channel, facilitator=facilitator):
            raise RolePlayError("This phase does not allow messages in that channel.")
        now = timezone.now()
        message = Message.objects.create(
            group=group,
            channel=channel,
            seat=seat,
            author=author,
            text=text,
            phase_index=session.phase_index,
            created_at=now,
        )
        _touch(group, now)
        _announce(group)
        return message


def propose(*, group: Group, seat: Seat, author: User, choices: dict[str, str]) -> Proposal:
    """A formal proposal (one option per issue) from a role-holder; the proposer accepts it by proposing."""
    with transaction.atomic():
        group = Group.objects.select_for_update().get(pk=group.pk)
        session = Session.objects.select_related("roleplay").get(pk=group.session_id)
        _check_open(session, group)
        phase = current_phase(session)
        if phase is None or not rules.proposals_allowed(phase.kind):
            raise RolePlayError("Proposals are made in private talks and the plenary, not in this phase.")
        table = session.roleplay.points_table(roles=[])
        if not table.is_package(choices):
            raise RolePlayError("A proposal names one option of every issue.")
        now = timezone.now()
        proposal = Proposal.objects.create(
            group=group,
            seat=seat,
            author=author,
            package=dict(table.package(choices)),
            phase_index=session.phase_index,
            created_at=now,
        )
        ProposalResponse.objects.create(
            proposal=proposal, seat=seat, author=author, accepted=True, created_at=now
        )
        record.roleplay_proposal(user=author, session=session, group=group, seat=seat, proposal=proposal)
        _touch(group, now)
        _record_agreement_if_all_accepted(session, group, proposal, now)
        _announce(group)
        return proposal


def respond(*, proposal: Proposal, seat: Seat, author: User, accepted: bool) -> ProposalResponse:
    """A role-holder's answer to a proposal (once per seat). When every seat of the group has accepted the
    same proposal the agreement is recorded."""
    with transaction.atomic():
        group = Group.objects.select_for_update().get(pk=proposal.group_id)
        session = Session.objects.select_related("roleplay").get(pk=group.session_id)
        _check_open(session, group)
        if seat.group_id != group.pk:
            raise RolePlayError("That proposal is another group's.")
        now = timezone.now()
        response, created = ProposalResponse.objects.get_or_create(
            proposal=proposal, seat=seat, defaults={"author": author, "accepted": accepted, "created_at": now}
        )
        if not created:
            raise RolePlayError("Your role has already answered this proposal.")
        _touch(group, now)
        if accepted:
            _record_agreement_if_all_accepted(session, group, proposal, now)
        _announce(group)
        return response


def _check_open(session: Session, group: Group) -> None:
    if session.ended_at is not None:
        raise RolePlayError("The session has ended.")
    if group.agreed_at is not None:
        raise RolePlayError("Your group has already reached an agreement.")


def _record_agreement_if_all_accepted(
    session: Session, group: Group, proposal: Proposal, now: datetime
) -> None:
    seats = set(group.seats.values_list("pk", flat=True))
    accepted = set(proposal.responses.filter(accepted=True).values_list("seat_id", flat=True))
    if seats and seats <= accepted:
        group.agreed_package = proposal.package
        group.agreed_at = now
        group.save(update_fields=["agreed_package", "agreed_at"])
        record.roleplay_agreement(session=session, group=group)
        _announce(group)  # the console too (the group's session)


def agreed_package(group: Group) -> Package | None:
    if not group.agreed_package:
        return None
    return tuple(group.agreed_package.items())


# The facilitator ------------------------------------------------------------------------------------------


def _clock(session: Session, kind: str, change) -> Session:
    with transaction.atomic():
        session = Session.objects.select_for_update().select_related("roleplay").get(pk=session.pk)
        if session.ended_at is not None:
            raise RolePlayError("The session has ended.")
        now = timezone.now()
        change(session, now)
        session.save(update_fields=["phase_index", "phase_started_at", "paused_at", "paused_seconds"])
        SessionEvent.objects.create(session=session, kind=kind, phase_index=session.phase_index, at=now)
        _announce(session=session, every_group=True)
        return session


def start_clock(*, session: Session) -> Session:
    def change(s: Session, now: datetime) -> None:
        if s.phase_started_at is not None:
            raise RolePlayError("The clock is already running.")
        s.phase_started_at = now

    return _clock(session, SessionEvent.Kind.START, change)


def pause_clock(*, session: Session) -> Session:
    def change(s: Session, now: datetime) -> None:
        if s.phase_started_at is None or s.paused_at is not None:
            raise RolePlayError("The clock is not running.")
        s.paused_at = now

    return _clock(session, SessionEvent.Kind.PAUSE, change)


def resume_clock(*, session: Session) -> Session:
    def change(s: Session, now: datetime) -> None:
        if s.paused_at is None:
            raise RolePlayError("The clock is not paused.")
        s.paused_seconds += int((now - s.paused_at).total_seconds())
        s.paused_at = None

    return _clock(session, SessionEvent.Kind.RESUME, change)


def advance_phase(*, session: Session) -> Session:
    def change(s: Session, now: datetime) -> None:
        if s.phase_index + 1 >= len(s.roleplay.active_phases()):
            raise RolePlayError("This is the last phase: end the session instead.")
        s.phase_index += 1
        s.phase_started_at = now
        s.paused_at = None
        s.paused_seconds = 0

    return _clock(session, SessionEvent.Kind.ADVANCE, change)


def end_session(*, session: Session) -> Session:
    """End the session: groups without an agreement score their walk-away values; the debrief opens."""
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        if session.ended_at is not None:
            return session
        now = timezone.now()
        if session.paused_at is not None:
            session.paused_seconds += int((now - session.paused_at).total_seconds())
            session.paused_at = None
        session.ended_at = now
        session.save(update_fields=["ended_at", "paused_at", "paused_seconds"])
        SessionEvent.objects.create(
            session=session, kind=SessionEvent.Kind.END, phase_index=session.phase_index
        )
        _announce(session=session, every_group=True)
        return session


def release_inject(*, session: Session, inject: Inject, roles: list[str], by: User) -> InjectRelease:
    """Release news to every group of the session, to the roles named (none: to everyone)."""
    if inject.roleplay_id != session.roleplay_id:
        raise RolePlayError("That inject belongs to another role-play.")
    known = [role.slug for role in session.roleplay.active_roles()]
    if not set(roles) <= set(known):
        raise RolePlayError("Choose roles of this role-play.")
    with transaction.atomic():
        if session.ended_at is not None:
            raise RolePlayError("The session has ended.")
        release = InjectRelease.objects.create(
            session=session,
            inject=inject,
            roles=sorted(set(roles), key=known.index),
            released_by=by,
            phase_index=session.phase_index,
        )
        _announce(session=session, every_group=True)
        return release


# Debrief --------------------------------------------------------------------------------------------------


def answer_debrief(*, session: Session, user: User, answers: dict[DebriefQuestion, str]) -> int:
    """Store (or update) the learner's answers to the debrief questions; returns how many were saved."""
    saved = 0
    now = timezone.now()
    with transaction.atomic():
        for question, text in answers.items():
            text = text.strip()
            if not text:
                continue
            DebriefAnswer.objects.update_or_create(
                session=session, question=question, user=user, defaults={"text": text, "updated_at": now}
            )
            saved += 1
        _announce(session=session)
    return saved
