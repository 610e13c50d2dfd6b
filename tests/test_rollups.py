"""The cohorts' roll-ups (training.rollups) equal a recomputation from the raw rows after any mix of writes
through the real workflows (issue 21, acceptance 2): answers, submissions, open attempts, joining and leaving
cohorts, deleted attempts and deleted accounts. Run on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import contextlib
import io
import random
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.learner_data import PASSWORD, make_user
from training import analytics, answering, grading, mydata, quizzes, rollups
from training.cohorts import join_cohort
from training.models import (
    Cohort,
    CohortChoiceStats,
    CohortMembership,
    CohortQuestionStats,
    CohortQuizScore,
    CohortQuizStats,
    Question,
    Quiz,
    QuizAttempt,
    StandingSnapshot,
)

pytestmark = pytest.mark.django_db


def _course():
    course = factories.make_course()
    one = factories.make_module(course)
    two = factories.make_module(course)
    spot = factories.make_objective(one, text="Spot the track")
    choose = factories.make_objective(two, text="Choose the channel")
    practice = factories.make_quiz(one, mode=Quiz.Mode.PRACTICE)
    final = factories.make_quiz(two, mode=Quiz.Mode.ASSESSMENT, pass_mark=60)
    questions = [
        factories.make_question(practice),
        factories.make_question(practice, kind=Question.Kind.MULTIPLE),
        factories.make_question(practice, hints=[{"text": "Think of the mandate.", "cost": 0.25}]),
        factories.make_question(final),
        factories.make_question(final, kind=Question.Kind.ORDER),
        factories.make_question(final),
    ]
    for question in questions[:3]:
        question.objectives.add(spot)
    for question in questions[2:]:
        question.objectives.add(choose)
    return course, [practice, final]


def _answer_for(question: Question, rng: random.Random) -> dict:
    keys = [choice.key for choice in question.choices.all()]
    if question.kind == Question.Kind.SINGLE:
        return {"choice": rng.choice(keys)}
    if question.kind == Question.Kind.MULTIPLE:
        return {"choices": sorted(rng.sample(keys, rng.randint(1, len(keys))))}
    return {"order": rng.sample(keys, len(keys))}


def _take(user, quiz: Quiz, rng: random.Random, *, submit: bool) -> QuizAttempt | None:
    """Start (or resume) an attempt through the workflows, answer some of its questions, maybe submit."""
    try:
        attempt, _ = quizzes.start_attempt(user=user, quiz=quiz, rng=rng)
    except quizzes.QuizError:
        return None
    for question in Question.objects.filter(pk__in=attempt.question_ids).order_by("position"):
        if rng.random() < 0.2:
            continue  # left unanswered
        if question.hints and rng.random() < 0.5:
            quizzes.open_hint(user=user, attempt=attempt, question=question, shown=0)
        with contextlib.suppress(quizzes.QuizError):  # a timed attempt's time ran out, for instance
            answering.answer_question(
                user=user,
                question=question,
                spec=grading.spec_from_question(question),
                answer=_answer_for(question, rng),
                recorder=quizzes.InAttempt(attempt),
                hint_costs=quizzes.hint_costs(attempt, question),
            )
    if submit:
        attempt, _ = quizzes.submit_attempt(user=user, attempt=attempt)
    return attempt


def _assert_current(cohorts) -> None:
    for cohort in cohorts:
        found, expected = rollups.stored(cohort), rollups.recompute(cohort)
        assert rollups.same(found, expected), (cohort.name, found, expected)


def test_roll_ups_equal_a_recomputation_after_random_writes_through_the_workflows():
    rng = random.Random(21)
    course, course_quizzes = _course()
    other_course, other_quizzes = _course()
    cohorts = [
        factories_cohort(course, "A"),
        factories_cohort(course, "B"),
        factories_cohort(other_course, "C"),
    ]
    learners = [make_user(f"learner{i}") for i in range(8)]
    checked = 0
    for step in range(70):
        alive = [user for user in learners if type(user).objects.filter(pk=user.pk).exists()]
        user = rng.choice(alive)
        action = rng.random()
        if action < 0.2:
            join_cohort(user=user, cohort=rng.choice(cohorts))
        elif action < 0.6:
            _take(user, rng.choice(course_quizzes + other_quizzes), rng, submit=True)
        elif action < 0.7:
            _take(user, rng.choice(course_quizzes), rng, submit=False)  # an open attempt counts nowhere
        elif action < 0.8:
            CohortMembership.objects.filter(user=user, cohort=rng.choice(cohorts)).delete()  # leaves
        elif action < 0.87:
            attempt = QuizAttempt.objects.filter(user=user).order_by("?").first()
            if attempt is not None:
                attempt.delete()  # the admin deleting one attempt
        elif action < 0.92:
            QuizAttempt.objects.filter(user=user, quiz=rng.choice(course_quizzes)).delete()  # several at once
        elif action < 0.95 and len(alive) > 4:
            assert mydata.delete_account(user=user, password=PASSWORD)
        if step % 5 == 4:
            _assert_current(cohorts)
            checked += 1
    _assert_current(cohorts)
    assert checked >= 10
    # Something was counted: the comparison is not between empty tables.
    assert CohortQuestionStats.objects.filter(first__gt=0).count() >= 6
    assert CohortQuizScore.objects.filter(attempts__gt=0).exists()
    assert CohortChoiceStats.objects.filter(picks__gt=0).exists()


def factories_cohort(course, name: str) -> Cohort:
    return Cohort.objects.create(name=name, course=course, code=f"ROLL{name}{course.pk}")


def test_the_pages_figures_come_from_the_roll_ups_and_match_the_raw_answers(client):
    """What the objectives page and the question statistics show equals a count over the raw rows."""
    rng = random.Random(4)
    course, course_quizzes = _course()
    teacher = make_user("teacher", instructor=True)
    cohort = factories_cohort(course, "P")
    cohort.instructors.add(teacher)
    for i in range(6):
        user = make_user(f"p{i}")
        join_cohort(user=user, cohort=cohort)
        for quiz in course_quizzes:
            _take(user, quiz, rng, submit=True)
    from training.models import Response

    raw = Response.objects.filter(
        attempt__user__cohort_memberships__cohort=cohort, attempt__submitted_at__isnull=False
    )
    for objective, answers, right, _percent in analytics.objective_mastery(cohort):
        tagged = raw.filter(question__objectives=objective)
        assert (answers, right) == (tagged.count(), tagged.filter(correct=True).count())
        assert answers > 0
    final = course_quizzes[1]
    for stats in analytics.question_stats(cohort, analytics.quiz_questions(final)):
        first = raw.filter(question=stats.question, attempt__number=1)
        assert stats.responses == first.count()
        assert stats.correct == first.filter(correct=True).count()
    (summary,) = analytics.quiz_summaries(cohort, [final])
    percents = sorted(
        QuizAttempt.objects.filter(quiz=final, submitted_at__isnull=False).values_list("percent", flat=True)
    )
    assert summary.attempts == len(percents) == 6
    assert summary.mean == pytest.approx(sum(percents) / len(percents))
    assert summary.median == pytest.approx((percents[2] + percents[3]) / 2)
    client.force_login(teacher)
    assert client.get(reverse("instructor_objectives", args=[cohort.pk])).status_code == 200


def test_rebuild_command_recomputes_every_cohort_from_scratch():
    rng = random.Random(7)
    course, course_quizzes = _course()
    cohort = factories_cohort(course, "R")
    for i in range(4):
        user = make_user(f"r{i}")
        join_cohort(user=user, cohort=cohort)
        _take(user, course_quizzes[0], rng, submit=True)
    expected = rollups.recompute(cohort)
    assert expected.questions
    CohortQuestionStats.objects.all().update(answers=999)  # damaged, or written by a raw import
    CohortQuizStats.objects.all().delete()
    assert not rollups.same(rollups.stored(cohort), expected)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("rebuild_rollups", "--check", stdout=out)
    assert f"cohort {cohort.pk} (R): roll-ups differ" in out.getvalue()
    call_command("rebuild_rollups", "--standings", stdout=out)
    assert rollups.same(rollups.stored(cohort), expected)
    call_command("rebuild_rollups", "--check", stdout=out)
    assert StandingSnapshot.objects.filter(course=course).count() == 4


def _cohort_with(learners: int):
    rng = random.Random(learners)
    course, course_quizzes = _course()
    teacher = make_user(f"teacher{learners}", instructor=True)
    cohort = factories_cohort(course, f"Q{learners}")
    cohort.instructors.add(teacher)
    for i in range(learners):
        user = make_user(f"q{learners}-{i}")
        join_cohort(user=user, cohort=cohort)
        for quiz in course_quizzes:
            _take(user, quiz, rng, submit=True)
    return cohort, teacher, course_quizzes


@pytest.mark.parametrize(
    "page", ["instructor_cohort", "instructor_objectives", "instructor_quiz", "instructor_question"]
)
def test_instructor_pages_run_the_same_queries_for_3_and_12_learners(client, page):
    counts = []
    for learners in (3, 12):
        cohort, teacher, course_quizzes = _cohort_with(learners)
        client.force_login(teacher)
        args = [cohort.pk]
        if page == "instructor_quiz":
            args.append(course_quizzes[1].slug)
        if page == "instructor_question":
            args.append(Question.objects.filter(quiz=course_quizzes[1]).first().slug)
        url = reverse(page, args=args)
        client.get(url)  # caches warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="races need PostgreSQL's concurrent writers (SQLite serialises them); run with DATABASE_URL",
)
@pytest.mark.django_db(transaction=True)
def test_twenty_learners_submitting_at_the_same_moment_are_all_counted():
    from django.db import connections

    course, course_quizzes = _course()
    cohort = factories_cohort(course, "T")
    rng = random.Random(20)
    attempts = []
    for i in range(20):
        user = make_user(f"t{i}")
        join_cohort(user=user, cohort=cohort)
        attempts.append((user, _take(user, course_quizzes[1], rng, submit=False)))
    barrier = threading.Barrier(len(attempts))
    errors = []

    def submit(user, attempt):
        try:
            barrier.wait()
            quizzes.submit_attempt(user=user, attempt=attempt)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=pair) for pair in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    (summary,) = analytics.quiz_summaries(cohort, [course_quizzes[1]])
    assert summary.attempts == summary.learners == summary.first_attempts == 20
    _assert_current([cohort])
