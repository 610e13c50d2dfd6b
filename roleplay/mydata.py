"""A learner's role-play data for "my data" (training/mydata.py): each session they joined with the role they
hold, what they wrote and proposed, how they answered proposals and the debrief. Starts from the user, so it
holds nothing of anyone else's (another role's brief or points are never part of it). Deleting the account
deletes these rows (on_delete=CASCADE from the user)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from roleplay.models import DebriefAnswer, Message, Participant, Proposal, ProposalResponse


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def export_for(user) -> list[dict[str, Any]]:
    """One entry per session joined, oldest first (five queries whatever the history)."""
    participations = list(
        Participant.objects.filter(user=user)
        .select_related("session__roleplay", "session__cohort", "group", "seat__role")
        .order_by("joined_at", "pk")
    )
    by_session: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for message in Message.objects.filter(author=user).select_related("group", "seat__role").order_by("pk"):
        by_session[message.group.session_id]["messages"].append(
            {
                "at": _iso(message.created_at),
                "channel": message.channel,
                "as_role": message.seat.role.slug if message.seat else None,
                "text": message.text,
            }
        )
    for proposal in Proposal.objects.filter(author=user).select_related("group", "seat__role").order_by("pk"):
        by_session[proposal.group.session_id]["proposals"].append(
            {"at": _iso(proposal.created_at), "as_role": proposal.seat.role.slug, "package": proposal.package}
        )
    for response in (
        ProposalResponse.objects.filter(author=user)
        .select_related("proposal__group", "seat__role")
        .order_by("pk")
    ):
        by_session[response.proposal.group.session_id]["responses"].append(
            {
                "at": _iso(response.created_at),
                "as_role": response.seat.role.slug,
                "proposal": response.proposal.package,
                "accepted": response.accepted,
            }
        )
    for answer in DebriefAnswer.objects.filter(user=user).select_related("question").order_by("pk"):
        by_session[answer.session_id]["debrief_answers"].append(
            {"question": answer.question.slug, "text": answer.text, "updated_at": _iso(answer.updated_at)}
        )
    rows = []
    for p in participations:
        session = p.session
        mine = by_session.get(session.pk, {})
        rows.append(
            {
                "roleplay": session.roleplay.slug,
                "cohort": session.cohort.name,
                "joined_at": _iso(p.joined_at),
                "left_at": _iso(p.left_at),
                "group": p.group.number if p.group else None,
                "role": p.seat.role.slug if p.seat else None,
                "observer": p.is_observer,
                "agreement": p.group.agreed_package if p.group else None,
                "session_ended_at": _iso(session.ended_at),
                "messages": mine.get("messages", []),
                "proposals": mine.get("proposals", []),
                "responses": mine.get("responses", []),
                "debrief_answers": mine.get("debrief_answers", []),
            }
        )
    return rows
