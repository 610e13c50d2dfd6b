"""Seed N learners with history for the benchmark (run by bench/perf.py through `manage.py shell`).

One template learner does real work through the product's own functions (lessons completed, a quiz attempt
answered and submitted, a simulation played to an ending, review cards scheduled); its rows are then copied
with bulk_create for every other learner, so 1,000 learners take seconds and every row has the shapes the
app writes. Prints one JSON line with what the benchmark needs.
"""

from __future__ import annotations

import json
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command, get_commands
from django.db import transaction

from roleplay import sessions as roleplay_sessions
from roleplay.models import Participant, RolePlay
from training import answering, grading, lessons, quizzes, simulation
from training.cohorts import create_cohort
from training.models import (
    CohortMembership,
    Course,
    Lesson,
    LessonProgress,
    Quiz,
    QuizAttempt,
    Response,
    ReviewCard,
    Simulation,
    SimulationRun,
    SimulationStep,
)

LEARNERS = int(os.environ.get("BENCH_LEARNERS", "1000"))
PASSWORD = os.environ["BENCH_PASSWORD"]
User = get_user_model()


def right_answer(spec: grading.QuestionSpec) -> dict:
    if spec.kind == "single":
        return {"choice": next(c.key for c in spec.choices if c.correct)}
    if spec.kind == "multiple":
        return {"choices": sorted(c.key for c in spec.choices if c.correct)}
    if spec.kind == "order":
        return {"order": [c.key for c in sorted(spec.choices, key=lambda c: c.correct_position or 0)]}
    return {"categories": {c.key: c.category for c in spec.choices}}


def play(user, course: Course, quiz: Quiz, sim: Simulation, lesson_list: list[Lesson]) -> None:
    for lesson in lesson_list[: len(lesson_list) // 2]:
        lessons.complete_lesson(user=user, lesson=lesson)
    attempt, _ = quizzes.start_attempt(user=user, quiz=quiz)
    for question in quizzes.published_questions(quiz):
        spec = grading.spec_from_question(question)
        answering.answer_question(
            user=user,
            question=question,
            spec=spec,
            answer=right_answer(spec),
            recorder=quizzes.InAttempt(attempt),
        )
    quizzes.submit_attempt(user=user, attempt=attempt)
    run = simulation.start_run(user=user, simulation=sim)
    for _ in range(20):
        run.refresh_from_db()
        if run.finished_at:
            break
        options = list(simulation.learner_options(run.current_node_id))
        values = simulation.meter_values(simulation.learner_meters(sim.pk), run.meters)
        option = next(o for o in options if simulation.guard_met(o, values))
        simulation.choose(user=user, run_id=run.pk, node_id=run.current_node_id, option_key=option.key)


@transaction.atomic
def seed() -> dict:
    course = Course.objects.published().first()
    lesson_list = list(Lesson.objects.published().filter(course=course).in_order())
    quiz_list = [q for q in Quiz.objects.published().filter(course=course).in_order() if q.questions.exists()]
    quiz, open_quiz = quiz_list[0], quiz_list[1]
    sim = Simulation.objects.published().filter(course=course).in_order().first()

    password = make_password(PASSWORD)
    template = User.objects.create(username="bench-template", password=password)
    play(template, course, quiz, sim, lesson_list)

    learners = User.objects.bulk_create(
        [User(username=f"bench-{i:04d}", password=password) for i in range(LEARNERS)]
    )
    bench = User.objects.create(username="bench-learner", password=password)
    everyone = [*learners, bench]

    progress = list(LessonProgress.objects.filter(user=template))
    LessonProgress.objects.bulk_create(
        [
            LessonProgress(user=u, lesson_id=p.lesson_id, viewed_at=p.viewed_at, completed_at=p.completed_at)
            for u in everyone
            for p in progress
        ]
    )
    t_attempt = QuizAttempt.objects.get(user=template)
    attempts = QuizAttempt.objects.bulk_create(
        [
            QuizAttempt(
                user=u,
                quiz_id=t_attempt.quiz_id,
                number=1,
                started_at=t_attempt.started_at,
                submitted_at=t_attempt.submitted_at,
                question_ids=t_attempt.question_ids,
                choice_order=t_attempt.choice_order,
                score=t_attempt.score,
                max_score=t_attempt.max_score,
                percent=t_attempt.percent,
                passed=t_attempt.passed,
            )
            for u in everyone
        ]
    )
    t_responses = list(Response.objects.filter(attempt=t_attempt).prefetch_related("chosen_choices"))
    responses = Response.objects.bulk_create(
        [
            Response(
                attempt=a,
                question_id=r.question_id,
                answer=r.answer,
                score=r.score,
                correct=r.correct,
                snapshot=r.snapshot,
                answered_at=r.answered_at,
            )
            for a in attempts
            for r in t_responses
        ]
    )
    chosen = {r.question_id: [c.pk for c in r.chosen_choices.all()] for r in t_responses}
    Through = Response.chosen_choices.through
    Through.objects.bulk_create(
        [Through(response_id=r.pk, choice_id=c) for r in responses for c in chosen[r.question_id]],
        batch_size=5000,
    )
    cards = list(ReviewCard.objects.filter(user=template))
    ReviewCard.objects.bulk_create(
        [
            ReviewCard(user=u, question_id=c.question_id, card=c.card, due=c.due, created_at=c.created_at)
            for u in everyone
            for c in cards
        ]
    )
    t_run = SimulationRun.objects.get(user=template)
    runs = SimulationRun.objects.bulk_create(
        [
            SimulationRun(
                user=u,
                simulation_id=t_run.simulation_id,
                current_node_id=t_run.current_node_id,
                meters=t_run.meters,
                started_at=t_run.started_at,
                finished_at=t_run.finished_at,
                ending_id=t_run.ending_id,
            )
            for u in everyone
        ]
    )
    t_steps = list(SimulationStep.objects.filter(run=t_run))
    SimulationStep.objects.bulk_create(
        [
            SimulationStep(
                run=r,
                number=s.number,
                node_id=s.node_id,
                option_id=s.option_id,
                meters_before=s.meters_before,
                meters_after=s.meters_after,
                created_at=s.created_at,
            )
            for r in runs
            for s in t_steps
        ],
        batch_size=5000,
    )

    instructor = User.objects.create(username="bench-instructor", password=password, is_staff=True)
    instructor.groups.add(Group.objects.get_or_create(name="Instructors")[0])
    cohort = create_cohort(name="Benchmark cohort", course=course, instructor=instructor)
    CohortMembership.objects.bulk_create([CohortMembership(cohort=cohort, user=u) for u in everyone])

    # The benchmarked learner has one attempt open at the second quiz: its question page and answer POST.
    open_attempt, _ = quizzes.start_attempt(user=bench, quiz=open_quiz)
    # … a new run of the simulation at its first decision (the copied run is finished) …
    open_run = simulation.start_run(user=bench, simulation=sim)
    return {
        "learners": LEARNERS,
        "responses": Response.objects.count(),
        "lesson": lesson_list[0].get_absolute_url(),
        "question": f"{open_quiz.get_absolute_url()}attempts/{open_attempt.pk}/questions/1/",
        "decision": f"{sim.get_absolute_url()}runs/{open_run.pk}/",
        # … and a seat in a running role-play session with a few messages: its group's play page.
        "roleplay": roleplay_page(course, cohort, instructor, bench, learners),
        "stats": f"/instructor/cohorts/{cohort.pk}/quizzes/{quiz.slug}/",
    }


def roleplay_page(course: Course, cohort, instructor, bench, learners: list) -> str | None:
    """A session of the course's first role-play for the cohort: the benchmarked learner and enough others to
    fill one group join, roles are assigned, the clock runs and the group has talked. The play page's URL."""
    roleplay = RolePlay.objects.published().filter(course=course).order_by("pk").first()
    if roleplay is None:
        return None
    session = roleplay_sessions.start_session(roleplay=roleplay, cohort=cohort, instructor=instructor)
    for user in [bench, *learners[: len(roleplay.active_roles()) - 1]]:
        roleplay_sessions.join_session(session=session, user=user)
    roleplay_sessions.assign_roles(session=session)
    session = roleplay_sessions.start_clock(session=session)
    me = Participant.objects.select_related("group").get(session=session, user=bench)
    for number in range(1, 11):
        roleplay_sessions.post_message(
            group=me.group, seat=None, author=instructor, channel="group", text=f"Note {number} to the group."
        )
    return f"/roleplays/groups/{me.group.pk}/"


info = seed()
# The copies above are bulk inserts, which bypass the writers that keep the instructors' statistics roll-ups
# current (issue 21): rebuild them from the raw answers, as after any raw import (where the app has them).
if "rebuild_rollups" in get_commands():
    call_command("rebuild_rollups")
print("BENCH " + json.dumps(info))
