"""A learner with a row in every learner-state table, for tests of who sees learner data and of account deletion.

content = make_content()
cohort = make_cohort(content["course"], instructors=[teacher])
give_history(user, content, cohort)   # progress, check answer, attempt + response, review card + log,
                                      # simulation run + step + reflection, membership of `cohort`, certificate, version
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.factories import make_course, make_lesson, make_module, make_question, make_quiz, make_simulation
from tests.learner_data import make_attempt, make_run
from tests.roleplay_helpers import make_roleplay
from training import scheduling, versions
from training.models import (
    Certificate,
    CheckAnswer,
    Cohort,
    CohortMembership,
    LessonProgress,
    SimulationReflection,
)


def make_content() -> dict:
    """A course with a lesson (and its check question), a quiz with a question, and a simulation."""
    course = make_course()
    module = make_module(course)
    lesson = make_lesson(module)
    quiz = make_quiz(module)
    return {
        "course": course,
        "lesson": lesson,
        "check": make_question(lesson=lesson),
        "quiz": quiz,
        "question": make_question(quiz),
        "simulation": make_simulation(module),
        "roleplay": make_roleplay(course),
    }


def give_history(user, content: dict, cohort: Cohort) -> None:
    """One row (at least) of every learner-state model for `user`, who joins `cohort`."""
    now = timezone.now()
    LessonProgress.objects.create(user=user, lesson=content["lesson"], viewed_at=now, completed_at=now)
    CheckAnswer.objects.create(
        user=user, question=content["check"], answer={"choice": "a"}, score=1, correct=True, answered_at=now
    )
    make_attempt(user, content["quiz"], {content["question"]: "a"})
    scheduling.schedule_review(user=user, question=content["question"], correct=True, source="quiz")
    run = make_run(user, content["simulation"], ["a"])
    SimulationReflection.objects.create(run=run, text=f"{user.username} reflects.", saved_at=now)
    CohortMembership.objects.create(cohort=cohort, user=user)
    Certificate.objects.create(
        user=user,
        course=content["course"],
        code=f"CODE-{user.username.upper()}",
        name=f"{user.first_name or user.username} printed",
        issued_at=now - timedelta(days=1),
    )
    give_roleplay_history(user, content["roleplay"], cohort)
    versions.bump_learner(user.pk)


def give_roleplay_history(user, roleplay, cohort: Cohort) -> None:
    """A seat in the cohort's role-play session (one per cohort) with a message, a proposal, the proposer's
    answer and a debrief answer; the first learner plays north, the next south."""
    from roleplay.models import (
        DebriefAnswer,
        Group,
        Message,
        Participant,
        Proposal,
        ProposalResponse,
        Seat,
        Session,
    )

    session, _ = Session.objects.get_or_create(
        roleplay=roleplay, cohort=cohort, defaults={"code": f"RP{cohort.pk:04d}"}
    )
    group, _ = Group.objects.get_or_create(session=session, number=1)
    taken = set(group.seats.filter(holder__isnull=False).values_list("role__slug", flat=True))
    role = roleplay.roles.exclude(slug__in=taken).order_by("position").first()
    seat, _ = Seat.objects.get_or_create(group=group, role=role)
    Participant.objects.create(session=session, user=user, group=group, seat=seat)
    Message.objects.create(
        group=group, channel="group", seat=seat, author=user, text=f"{user.username} says hello"
    )
    proposal = Proposal.objects.create(group=group, seat=seat, author=user, package={"water": "b"})
    ProposalResponse.objects.create(proposal=proposal, seat=seat, author=user, accepted=True)
    DebriefAnswer.objects.create(
        session=session, question=roleplay.debrief_questions.get(), user=user, text=f"{user.username} learned"
    )
