"""Learner data written straight into the models (not through the learner pages), for instructor tests.

user = make_user("ana")
teacher = make_user("tess", instructor=True)
cohort = make_cohort(course, instructors=[teacher], learners=[user])
make_attempt(user, quiz, {question: "a", other: ["b", "c"]})   # chosen choice keys; scores from correctness
make_run(user, simulation, ["a"])                              # option keys from the start node
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from importlib import import_module

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from training import rollups
from training.models import (
    Cohort,
    CohortMembership,
    Question,
    Quiz,
    QuizAttempt,
    Response,
    Simulation,
    SimulationRun,
    SimulationStep,
)

PASSWORD = "Instructor-tests-passphrase-1"
_codes = itertools.count(1)
T0 = timezone.now().replace(microsecond=0) - timedelta(days=10)


def instructors_group() -> Group:
    """The Instructors group with the permissions migrations 0003, 0005 and 0016 grant. A transactional test's
    flush empties the group table, so browser tests rebuild it here."""
    group, created = Group.objects.get_or_create(name="Instructors")
    if created or not group.permissions.exists():
        cases = import_module("training.migrations.0016_instructor_case_capstone_permissions")
        content = import_module("training.migrations.0003_instructor_content_permissions").CONTENT_MODELS
        content = [*content, *cases.CONTENT_MODELS]
        learner = import_module("training.migrations.0005_instructor_learner_view_permissions").LEARNER_MODELS
        learner = [*learner, *cases.LEARNER_MODELS]
        codenames = [f"{a}_{m}" for m in content for a in ("add", "change", "delete", "view")]
        codenames += [f"view_{m}" for m in learner]
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="training", codename__in=codenames)
        )
        roleplay = import_module("roleplay.migrations.0002_instructor_content_permissions").CONTENT_MODELS
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="roleplay",
                codename__in=[f"{a}_{m}" for m in roleplay for a in ("add", "change", "delete", "view")],
            )
        )
    return group


def make_user(username: str, *, instructor: bool = False, **fields):
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password=PASSWORD, **fields
    )
    if instructor:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(instructors_group())
    return user


def make_cohort(
    course, *, instructors=(), learners=(), name: str = "Cohort", code: str | None = None
) -> Cohort:
    cohort = Cohort.objects.create(name=name, course=course, code=code or f"TEST{next(_codes):04d}")
    cohort.instructors.add(*instructors)
    for user in learners:
        CohortMembership.objects.create(cohort=cohort, user=user)
    return cohort


def _score(question: Question, keys: list[str]) -> float:
    """Single/multiple: 1 when exactly the correct choices are picked, else 0 (scoring.py may differ in
    partial credit; these tests only need the stored numbers to be what they say)."""
    correct = {c.key for c in question.choices.all() if c.correct}
    return 1.0 if set(keys) == correct else 0.0


def make_attempt(
    user,
    quiz: Quiz,
    answers: dict[Question, str | list[str] | float],
    *,
    number: int | None = None,
    submitted: bool = True,
    when=None,
) -> QuizAttempt:
    """An attempt with one response per question. An answer is a choice key, a list of keys, or a score."""
    when = when or T0
    if number is None:
        number = QuizAttempt.objects.filter(user=user, quiz=quiz).count() + 1
    attempt = QuizAttempt.objects.create(
        user=user,
        quiz=quiz,
        number=number,
        started_at=when,
        question_ids=[q.pk for q in answers],
    )
    total = 0.0
    for question, answer in answers.items():
        if isinstance(answer, float | int) and not isinstance(answer, bool):
            keys, score = [], float(answer)
        else:
            keys = [answer] if isinstance(answer, str) else list(answer)
            score = _score(question, keys)
        total += score
        response = Response.objects.create(
            attempt=attempt,
            question=question,
            answer={"choices": keys},
            score=score,
            correct=score == 1.0,
            snapshot={"prompt": question.prompt, "chosen": keys},
            answered_at=when,
        )
        response.chosen_choices.set(question.choices.filter(key__in=keys))
    if submitted:
        attempt.submitted_at = when + timedelta(minutes=5)
        attempt.score = total
        attempt.max_score = float(len(answers))
        attempt.percent = 100.0 * total / len(answers)
        attempt.passed = attempt.percent >= quiz.pass_mark
        with transaction.atomic():  # as training.quizzes.submit_attempt does: one transaction
            attempt.save()
            rollups.attempt_counted(attempt)
    return attempt


def make_run(user, simulation: Simulation, option_keys: list[str], *, finish: bool = True) -> SimulationRun:
    """A run that takes the given options from the start node on; finished when it reaches an ending."""
    node = simulation.start_node
    run = SimulationRun.objects.create(
        user=user, simulation=simulation, current_node=node, meters={}, started_at=T0
    )
    for number, key in enumerate(option_keys, start=1):
        option = node.options.get(key=key)
        SimulationStep.objects.create(
            run=run,
            number=number,
            node=node,
            option=option,
            meters_before={},
            meters_after={},
            created_at=T0 + timedelta(minutes=number),
        )
        node = option.next_node
    run.current_node = node
    if finish and node.is_ending:
        run.finished_at = T0 + timedelta(minutes=30)
        run.ending = node
    run.save()
    return run
