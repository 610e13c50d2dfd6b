"""Mastery rules (training/mastery.py, docs/progress.md): thresholds, edges, roll-ups, and what counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from tests.factories import (
    make_course,
    make_lesson,
    make_module,
    make_objective,
    make_question,
    make_quiz,
    make_track,
)
from training import scheduling
from training.mastery import (
    LEVEL_POINTS,
    Answer,
    Level,
    build_course_mastery,
    latest_answers,
    level_for,
    load_mastery,
    mastery_of,
    percent_of,
)
from training.models import CheckAnswer, Quiz, QuizAttempt, Response, Status

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def answers(*rows: tuple[int, bool, int]) -> list[Answer]:
    """(question id, correct, minutes after T0)."""
    return [Answer(qid, correct, T0 + timedelta(minutes=minute)) for qid, correct, minute in rows]


# --- level_for: every threshold and edge ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pool", "answered", "right", "level"),
    [
        (0, 0, 0, Level.NOT_ASSESSED),  # an objective without questions is not assessed
        (5, 0, 0, Level.NOT_STARTED),
        (5, 1, 0, Level.ATTEMPTED),
        (5, 3, 1, Level.ATTEMPTED),  # 33% right: below familiar
        (5, 2, 1, Level.FAMILIAR),  # exactly 50%: familiar
        (5, 1, 1, Level.FAMILIAR),  # 100% but only one question: not yet proficient (needs 3)
        (5, 2, 2, Level.FAMILIAR),  # two right of a pool of five: still below the three-question minimum
        (5, 3, 3, Level.PROFICIENT),  # three right, 100%
        (5, 5, 4, Level.PROFICIENT),  # exactly 80%
        (5, 4, 3, Level.FAMILIAR),  # 75%: below proficient's 80%
        (5, 5, 5, Level.MASTERED),  # every question of the pool right
        (10, 10, 9, Level.PROFICIENT),  # one wrong keeps it from mastered
        (1, 1, 1, Level.MASTERED),  # a one-question pool: its one question right is all there is
        (1, 1, 0, Level.ATTEMPTED),
        (2, 2, 2, Level.MASTERED),  # the minimum is min(3, pool)
        (2, 2, 1, Level.FAMILIAR),
        (3, 3, 2, Level.FAMILIAR),  # 67%
    ],
)
def test_level_thresholds(pool, answered, right, level):
    assert level_for(pool, answered, right) is level


def test_level_points_follow_khan_style_mastery_points():
    assert [LEVEL_POINTS[lvl] for lvl in Level] == [0, 0, 0, 50, 80, 100]
    assert Level.MASTERED.label == "Mastered"
    assert Level.PROFICIENT.rank > Level.FAMILIAR.rank > Level.ATTEMPTED.rank > Level.NOT_STARTED.rank


def test_latest_answer_per_question_wins_whatever_the_input_order():
    latest = latest_answers(answers((1, False, 10), (1, True, 20), (2, True, 5), (2, False, 30)))
    assert latest[1].correct is True
    assert latest[2].correct is False
    reversed_latest = latest_answers(reversed(answers((1, False, 10), (1, True, 20))))
    assert reversed_latest[1].correct is True


def test_a_wrong_answer_after_a_right_one_lowers_mastery():
    pool = {1, 2, 3}
    before = mastery_of(pool, latest_answers(answers((1, True, 1), (2, True, 2), (3, True, 3))))
    after = mastery_of(pool, latest_answers(answers((1, True, 1), (2, True, 2), (3, True, 3), (3, False, 9))))
    assert before.level is Level.MASTERED
    assert after.level is Level.FAMILIAR
    assert (after.answered, after.right, after.pool) == (3, 2, 3)


def test_answers_to_questions_outside_the_pool_do_not_count():
    result = mastery_of({1, 2}, latest_answers(answers((7, True, 1), (8, True, 2))))
    assert result.level is Level.NOT_STARTED
    assert result.answered == 0


def test_percent_is_the_mean_of_assessed_objectives_points():
    masteries = [
        mastery_of({1}, latest_answers(answers((1, True, 1)))),  # mastered 100
        mastery_of({2, 3}, latest_answers(answers((2, True, 1)))),  # familiar 50
        mastery_of({4}, {}),  # not started 0
        mastery_of(set(), {}),  # not assessed: left out
    ]
    assert percent_of(masteries) == 50
    assert percent_of([mastery_of(set(), {})]) is None
    assert percent_of([]) is None


def test_roll_up_to_modules_and_tracks_is_pure():
    module_a = SimpleNamespace(pk=1, slug="a", title="Module A")
    module_b = SimpleNamespace(pk=2, slug="b", title="Module B")
    objectives = [
        SimpleNamespace(pk=10, slug="o10", module=module_a),
        SimpleNamespace(pk=11, slug="o11", module=module_a),
        SimpleNamespace(pk=20, slug="o20", module=module_b),
    ]
    pools = {10: {1, 2}, 11: {3}, 20: {4, 5, 6}}
    track_one = SimpleNamespace(pk=100, slug="track-one", name="Track I")
    track_two = SimpleNamespace(pk=200, slug="track-two", name="Track II")
    questions_of_track = {100: {1, 4}, 200: {3}}
    latest = latest_answers(answers((1, True, 1), (2, True, 2), (3, False, 3), (4, True, 4), (5, True, 5)))
    result = build_course_mastery(objectives, pools, [track_one, track_two], questions_of_track, latest)

    assert result.for_objective("o10").level is Level.MASTERED  # 100
    assert result.for_objective("o11").level is Level.ATTEMPTED  # 0
    assert result.for_objective("o20").level is Level.FAMILIAR  # 2 of 3 pool, both right, need 3 → 50
    assert [(g.key, g.percent) for g in result.modules] == [("a", 50), ("b", 50)]
    assert result.percent == 50  # (100 + 0 + 50) / 3
    # Track I's questions 1 and 4 belong to o10 and o20; Track II's question 3 to o11.
    assert [(g.key, [o.objective.slug for o in g.objectives], g.percent) for g in result.tracks] == [
        ("track-one", ["o10", "o20"], 75),
        ("track-two", ["o11"], 0),
    ]
    assert result.modules[0].counts[Level.MASTERED] == 1


# --- load_mastery: what counts, from the database -----------------------------------------------------------


@pytest.fixture
def course_setup(db):
    course = make_course()
    module = make_module(course)
    objective = make_objective(module)
    track = make_track(course)
    practice = make_quiz(module)
    assessment = make_quiz(module, mode=Quiz.Mode.ASSESSMENT)
    lesson = make_lesson(module)
    questions = [make_question(practice) for _ in range(2)] + [make_question(assessment)]
    check = make_question(lesson=lesson)
    for question in [*questions, check]:
        question.objectives.add(objective)
    questions[0].tracks.add(track)
    return SimpleNamespace(
        course=course,
        module=module,
        objective=objective,
        track=track,
        practice=practice,
        assessment=assessment,
        lesson=lesson,
        questions=questions,
        check=check,
    )


def respond(user, quiz, question, correct, *, when=T0, submitted=True, number=1):
    attempt, _ = QuizAttempt.objects.get_or_create(
        user=user,
        quiz=quiz,
        number=number,
        defaults={
            "started_at": when,
            "submitted_at": when if submitted else None,
            "question_ids": [question.pk],
        },
    )
    return Response.objects.create(
        attempt=attempt,
        question=question,
        answer={},
        score=1.0 if correct else 0.0,
        correct=correct,
        snapshot={},
        answered_at=when,
    )


def test_load_mastery_counts_quiz_responses_checks_and_reviews(learner, course_setup):
    s = course_setup
    respond(learner, s.practice, s.questions[0], True)
    respond(learner, s.practice, s.questions[1], False, when=T0 + timedelta(minutes=1))
    CheckAnswer.objects.create(
        user=learner,
        question=s.check,
        answer={},
        score=1.0,
        correct=True,
        answered_at=T0 + timedelta(minutes=2),
    )
    result = load_mastery(learner, s.course).for_objective(s.objective.slug)
    assert (result.pool, result.answered, result.right) == (4, 3, 2)
    assert result.level is Level.FAMILIAR

    # Reviewing the wrong one right later makes the latest answer right.
    scheduling.schedule_review(
        user=learner, question=s.questions[1], correct=True, source="review", when=T0 + timedelta(days=1)
    )
    result = load_mastery(learner, s.course).for_objective(s.objective.slug)
    assert (result.answered, result.right) == (3, 3)
    assert result.level is Level.PROFICIENT


def test_open_assessment_answers_do_not_reveal_correctness_through_mastery(learner, course_setup):
    s = course_setup
    respond(learner, s.assessment, s.questions[2], True, submitted=False)
    assert load_mastery(learner, s.course).for_objective(s.objective.slug).answered == 0
    QuizAttempt.objects.filter(user=learner, quiz=s.assessment).update(submitted_at=T0)
    assert load_mastery(learner, s.course).for_objective(s.objective.slug).answered == 1


def test_archived_and_draft_questions_leave_the_pool(learner, course_setup):
    s = course_setup
    s.questions[0].archived = True
    s.questions[0].save()
    s.questions[1].status = Status.DRAFT
    s.questions[1].save()
    assert load_mastery(learner, s.course).for_objective(s.objective.slug).pool == 2


def test_other_learners_answers_never_count(learner, other_learner, course_setup):
    s = course_setup
    other = other_learner
    respond(other, s.practice, s.questions[0], True)
    CheckAnswer.objects.create(user=other, question=s.check, answer={}, score=1, correct=True, answered_at=T0)
    assert load_mastery(learner, s.course).for_objective(s.objective.slug).level is Level.NOT_STARTED
    assert load_mastery(other, s.course).for_objective(s.objective.slug).answered == 2


def test_load_mastery_rolls_up_tracks(learner, course_setup):
    s = course_setup
    respond(learner, s.practice, s.questions[0], True)
    result = load_mastery(learner, s.course)
    assert [g.key for g in result.tracks] == [s.track.slug]
    assert [o.objective.slug for o in result.tracks[0].objectives] == [s.objective.slug]
    assert result.tracks[0].percent == 50  # one right answer of a four-question pool: familiar


def test_load_mastery_runs_a_fixed_number_of_queries(
    learner, course_setup, django_assert_num_queries, django_assert_max_num_queries
):
    s = course_setup
    with django_assert_max_num_queries(5):  # four content queries (cold cache), answers
        load_mastery(learner, s.course)
    with django_assert_num_queries(1):  # the course's content is cached (keyed by its version): answers
        load_mastery(learner, s.course)
    for minute in range(30):
        respond(
            learner,
            s.practice,
            s.questions[minute % 2],
            bool(minute % 3),
            when=T0 + timedelta(minutes=minute),
            number=minute + 1,
        )
    with django_assert_num_queries(1):
        load_mastery(learner, s.course)
