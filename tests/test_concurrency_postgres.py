"""Races on PostgreSQL: 20 threads doing the same thing at the same moment record it exactly once.

Real threads, each with its own database connection (closed when it ends), released together by a barrier,
against committed data (transaction=True), so row locks and unique constraints do the work they do in
production. SQLite serialises every writer on one file lock, so it cannot show these races at all: the
module runs only when DATABASE_URL points at PostgreSQL (`make test-postgres` in CI).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection

from tests import factories
from training import answering, grading, lessons, quizzes, simulation
from training.models import LessonProgress, Response, ReviewLog, SimulationRun, SimulationStep

THREADS = 20

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="races need PostgreSQL's concurrent writers (SQLite serialises them); run with "
        "DATABASE_URL=postgres://… (make test-postgres)",
    ),
]


def race(work: Callable[[], object]) -> tuple[list[object], list[BaseException]]:
    """Run `work` in THREADS threads released at the same instant; their results and exceptions."""
    barrier = threading.Barrier(THREADS)
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            outcome = work()
            with lock:
                results.append(outcome)
        except BaseException as error:  # collected and reported by the test
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results, errors


@pytest.fixture
def module():
    course = factories.make_course()
    return factories.make_module(course)


def test_twenty_threads_answering_the_same_question_record_one_response(module, learner):
    quiz = factories.make_quiz(module)
    question = factories.make_question(quiz)
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    spec = grading.spec_from_question(question)

    def answer():
        return answering.answer_question(
            user=learner,
            question=question,
            spec=spec,
            answer={"choice": "a"},
            recorder=quizzes.InAttempt(attempt),
        ).recorded

    created, errors = race(answer)
    assert errors == []
    assert sorted(created) == [False] * (THREADS - 1) + [True]
    assert Response.objects.filter(attempt=attempt, question=question).count() == 1
    # The review card was scheduled once, too.
    assert ReviewLog.objects.filter(card__user=learner, card__question=question).count() == 1


def test_twenty_threads_posting_the_same_simulation_choice_record_one_step(module, learner):
    sim = factories.make_simulation(module)
    run = simulation.start_run(user=learner, simulation=sim)
    start_node = run.current_node_id

    def choose():
        try:
            simulation.choose(user=learner, run_id=run.pk, node_id=start_node, option_key="a", step_number=1)
            return "recorded"
        except simulation.StaleChoice:
            return "stale"

    outcomes, errors = race(choose)
    assert errors == []
    assert sorted(outcomes) == ["recorded"] + ["stale"] * (THREADS - 1)
    assert SimulationStep.objects.filter(run=run).count() == 1
    run.refresh_from_db()
    assert run.current_node.key == "success" and run.finished_at is not None


def test_twenty_threads_starting_the_same_simulation_open_one_run(module, learner):
    sim = factories.make_simulation(module)
    runs, errors = race(lambda: simulation.start_run(user=learner, simulation=sim).pk)
    assert errors == []
    assert len(set(runs)) == 1


def test_twenty_threads_starting_over_the_same_run_leave_one_fresh_run(module, learner):
    sim = factories.make_sim_graph(
        module,
        nodes={
            "start": {"options": [{"key": "go", "next": "middle"}]},
            "middle": {"options": [{"key": "finish", "next": "end"}]},
            "end": {"ending": "success"},
        },
    )
    run = simulation.start_run(user=learner, simulation=sim)
    simulation.choose(
        user=learner, run_id=run.pk, node_id=run.current_node_id, option_key="go", step_number=1
    )
    fresh, errors = race(lambda: simulation.start_run(user=learner, simulation=sim, restart=run.pk).pk)
    assert errors == []
    assert len(set(fresh)) == 1 and fresh[0] != run.pk
    assert SimulationRun.objects.filter(user=learner, simulation=sim).count() == 2


def test_a_lesson_completion_raced_against_itself_records_once(module, learner):
    lesson = factories.make_lesson(module)

    def complete():
        return lessons.complete_lesson(user=learner, lesson=lesson)[1]

    newly, errors = race(complete)
    assert errors == []
    assert sorted(newly) == [False] * (THREADS - 1) + [True]
    progress = LessonProgress.objects.get(user=learner, lesson=lesson)
    assert progress.completed_at is not None


def test_twenty_threads_starting_the_same_quiz_open_one_attempt(module, learner):
    quiz = factories.make_quiz(module)
    factories.make_question(quiz)
    attempts, errors = race(lambda: quizzes.start_attempt(user=learner, quiz=quiz)[0].pk)
    assert errors == []
    assert len(set(attempts)) == 1
