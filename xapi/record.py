"""Where the learning workflows report their events: one call each, inside the event's own transaction.

    from xapi import record
    record.lesson_completed(user=user, lesson=lesson, when=when)

Each function queues one statement (xapi/statements.py builds it) when an LRS is configured and does nothing
otherwise. They only read what the caller hands them, so recording adds exactly one INSERT to a page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse

from xapi import statements
from xapi.outbox import enabled, queue


def lesson_viewed(*, user, lesson, when: datetime) -> None:
    queue("lesson-viewed", statements.lesson_viewed, user=user, lesson=lesson, when=when)


def lesson_completed(*, user, lesson, when: datetime) -> None:
    queue("lesson-completed", statements.lesson_completed, user=user, lesson=lesson, when=when)


def question_answered(
    *, user, question, spec, answer: dict[str, Any], grade, parent, when: datetime, attempt=None
) -> None:
    queue(
        "question-answered",
        statements.question_answered,
        user=user,
        question=question,
        spec=spec,
        answer=answer,
        grade=grade,
        parent=parent,
        when=when,
        attempt=attempt,
    )


def quiz_attempt_completed(*, user, attempt) -> None:
    queue("quiz-completed", statements.quiz_attempt_completed, user=user, attempt=attempt)


def simulation_decision(*, user, run, step, simulation, node, option) -> None:
    queue(
        "simulation-decision",
        statements.simulation_decision,
        user=user,
        run=run,
        step=step,
        simulation=simulation,
        node=node,
        option=option,
    )


def simulation_ended(*, user, run, simulation, ending) -> None:
    queue(
        "simulation-ended",
        statements.simulation_ended,
        user=user,
        run=run,
        simulation=simulation,
        ending=ending,
    )


def review_rated(*, user, question, log) -> None:
    queue("review-rated", statements.review_rated, user=user, question=question, log=log)


def certificate_issued(*, user, certificate) -> None:
    verify_url = settings.SITE_URL + reverse("certificate_detail", args=[certificate.code])
    queue(
        "certificate-issued",
        statements.certificate_issued,
        user=user,
        certificate=certificate,
        verify_url=verify_url,
    )


def roleplay_proposal(*, user, session, group, seat, proposal) -> None:
    queue(
        "roleplay-proposal",
        statements.roleplay_proposal,
        user=user,
        session=session,
        group=group,
        seat=seat,
        proposal=proposal,
    )


def roleplay_agreement(*, session, group) -> None:
    """One statement per role-holder of the group (one query for them, only when an LRS is configured)."""
    if not enabled():
        return
    from roleplay.models import Participant

    holders = (
        Participant.objects.filter(group=group, seat__isnull=False, left_at__isnull=True)
        .select_related("user", "seat__role")
        .order_by("pk")
    )
    for participant in holders:
        assert participant.seat is not None  # filtered above
        queue(
            "roleplay-agreement",
            statements.roleplay_agreement,
            user=participant.user,
            session=session,
            group=group,
            role_slug=participant.seat.role.slug,
        )
