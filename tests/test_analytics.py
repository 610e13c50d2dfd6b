"""Statistics against values computed by hand on a small fixed data set (docs/analytics.md has the formulas).

Five learners take a four-question quiz (single best answer, 1 point each). First attempts:

    learner  Q1 Q2 Q3 Q4  total
    L1        1  1  1  0    3
    L2        1  1  0  0    2
    L3        1  0  1  0    2
    L4        0  1  0  0    1
    L5        0  0  0  1    1

L1 also has a second attempt (all correct); L2 an unsubmitted second attempt; an outsider (not in the
cohort) a first attempt with everything wrong. Neither the second attempts nor the outsider count in the
question statistics.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    make_course,
    make_module,
    make_objective,
    make_question,
    make_quiz,
    make_simulation,
)
from tests.learner_data import make_attempt, make_cohort, make_run, make_user
from training import analytics
from training.models import SimulationRun, SimulationStep

pytestmark = pytest.mark.django_db

# Choice keys picked per question (a is correct in Q1, Q3, Q4; b is correct in Q2).
FIRST = {
    "L1": ["a", "b", "a", "b"],
    "L2": ["a", "b", "b", "b"],
    "L3": ["a", "a", "a", "c"],
    "L4": ["b", "b", "c", "b"],
    "L5": ["b", "c", "b", "a"],
}


@pytest.fixture
def data():
    course = make_course()
    module = make_module(course)
    objective = make_objective(module)
    quiz = make_quiz(module, pass_mark=70)
    questions = [
        make_question(quiz, choices=[("Q1 right", True), ("Q1 wrong b", False), ("Q1 wrong c", False)]),
        make_question(quiz, choices=[("Q2 wrong a", False), ("Q2 right", True), ("Q2 wrong c", False)]),
        make_question(quiz, choices=[("Q3 right", True), ("Q3 wrong b", False), ("Q3 wrong c", False)]),
        make_question(quiz, choices=[("Q4 right", True), ("Q4 wrong b", False), ("Q4 wrong c", False)]),
    ]
    questions[0].objectives.add(objective)
    learners = {name: make_user(name) for name in FIRST}
    teacher = make_user("teacher", instructor=True)
    cohort = make_cohort(course, instructors=[teacher], learners=learners.values())
    for name, keys in FIRST.items():
        make_attempt(learners[name], quiz, dict(zip(questions, keys, strict=True)))
    make_attempt(learners["L1"], quiz, dict(zip(questions, ["a", "b", "a", "a"], strict=True)))  # 100 %
    make_attempt(
        learners["L2"], quiz, dict(zip(questions, ["c", "c", "c", "c"], strict=True)), submitted=False
    )
    outsider = make_user("outsider")
    make_attempt(outsider, quiz, dict(zip(questions, ["c", "c", "c", "c"], strict=True)))
    return {
        "course": course,
        "quiz": quiz,
        "questions": questions,
        "cohort": cohort,
        "learners": learners,
        "objective": objective,
        "module": module,
    }


def test_facility_index_is_mean_first_attempt_score_as_percent(data):
    stats = analytics.question_stats(data["cohort"], analytics.quiz_questions(data["quiz"]))
    # Q1: (1+1+1+0+0)/5 = 60 %; Q2: (1+1+0+1+0)/5 = 60 %; Q3: (1+0+1+0+0)/5 = 40 %; Q4: (0+0+0+0+1)/5 = 20 %
    assert [s.facility for s in stats] == pytest.approx([60.0, 60.0, 40.0, 20.0])
    assert [s.responses for s in stats] == [5, 5, 5, 5]
    assert [s.correct for s in stats] == [3, 3, 2, 1]


def test_discrimination_index_is_correlation_with_rest_of_quiz(data):
    stats = analytics.question_stats(data["cohort"], analytics.quiz_questions(data["quiz"]))
    # r = Σdx·dy / √(Σdx² · Σdy²), x = question score, y = total − x, d = deviation from the mean.
    # Q1: x=[1,1,1,0,0] y=[2,1,1,1,1]; x̄=.6 ȳ=1.2; dx=[.4,.4,.4,-.6,-.6] dy=[.8,-.2,-.2,-.2,-.2]
    #     Σdxdy=.32-.08-.08+.12+.12=.4; Σdx²=1.2; Σdy²=.64+4·.04=.8 → .4/√.96 = 0.408248
    # Q2: x=[1,1,0,1,0] y=[2,1,2,0,1]; x̄=.6 ȳ=1.2; dx=[.4,.4,-.6,.4,-.6] dy=[.8,-.2,.8,-1.2,-.2]
    #     Σdxdy=.32-.08-.48-.48+.12=-.6; Σdx²=1.2; Σdy²=.64+.04+.64+1.44+.04=2.8 → -.6/√3.36 = -0.327327
    # Q3: x=[1,0,1,0,0] y=[2,2,1,1,1]; x̄=.4 ȳ=1.4; dx=[.6,-.4,.6,-.4,-.4] dy=[.6,.6,-.4,-.4,-.4]
    #     Σdxdy=.36-.24-.24+.16+.16=.2; Σdx²=1.2; Σdy²=1.2 → .2/1.2 = 0.166667
    # Q4: x=[0,0,0,0,1] y=[3,2,2,1,0]; x̄=.2 ȳ=1.6; dx=[-.2,-.2,-.2,-.2,.8] dy=[1.4,.4,.4,-.6,-1.6]
    #     Σdxdy=-.28-.08-.08+.12-1.28=-1.6; Σdx²=.8; Σdy²=1.96+.16+.16+.36+2.56=5.2 → -1.6/√4.16 = -0.784465
    assert [s.discrimination for s in stats] == pytest.approx(
        [0.408248, -0.327327, 0.166667, -0.784465], abs=1e-6
    )


def test_flags_for_questions_that_do_not_discriminate_or_most_fail(data):
    q1, q2, q3, q4 = analytics.question_stats(data["cohort"], analytics.quiz_questions(data["quiz"]))
    assert not q1.hard and not q1.weak
    assert q2.weak and "Negative discrimination: stronger learners do worse on it" in q2.flags
    assert q3.weak and "Does not discriminate (index under 0.2)" in q3.flags  # 0.167 < 0.2
    assert q4.hard and "Most learners fail it (facility under 30 %)" in q4.flags  # 20 % < 30 %


def test_option_pick_rates_and_most_picked_wrong_option(data):
    q1, q2, q3, q4 = analytics.question_stats(data["cohort"], analytics.quiz_questions(data["quiz"]))
    # Q1 first attempts picked a,a,a,b,b: a 3/5 = 60 %, b 2/5 = 40 %, c 0 %.
    assert [(c.choice.key, c.picks, c.rate) for c in q1.choices] == [
        ("a", 3, 60.0),
        ("b", 2, 40.0),
        ("c", 0, 0.0),
    ]
    assert q1.misconception.choice.key == "b"
    # Q2 picked b,b,a,b,c: a 20 %, b 60 %, c 20 %; a and c tie as wrong options: the first listed (a) is named.
    assert [(c.choice.key, c.picks) for c in q2.choices] == [("a", 1), ("b", 3), ("c", 1)]
    assert q2.misconception.choice.key == "a"
    # Q4 picked b,b,c,b,a: wrong b 3/5 = 60 %.
    assert (q4.misconception.choice.key, q4.misconception.rate) == ("b", 60.0)
    assert "Likely misconception: “Q4 wrong b”" in q4.flags  # the option's text, not its key


def test_quiz_summary_over_every_submitted_attempt(data):
    (summary,) = analytics.quiz_summaries(data["cohort"], [data["quiz"]])
    # Submitted attempts of cohort learners: 75, 50, 50, 25, 25 (first) and 100 (L1's second) percent.
    assert summary.attempts == 6
    assert summary.learners == 5
    assert summary.first_attempts == 5
    assert summary.mean == pytest.approx(325 / 6)  # (75+50+50+25+25+100)/6 = 54.17
    assert summary.median == pytest.approx(50.0)  # sorted 25,25,50,50,75,100 → (50+50)/2
    assert summary.pass_rate == pytest.approx(100 * 2 / 6)  # 75 and 100 reach the pass mark of 70
    # Buckets of 10 points: 25,25 → 20–29.9; 50,50 → 50–59.9; 75 → 70–79.9; 100 → 90–100.
    assert summary.histogram == [0, 0, 2, 0, 0, 2, 0, 1, 0, 1]


def test_median_of_an_odd_number_of_attempts(data):
    module = data["module"]
    quiz = make_quiz(module)
    question = make_question(quiz)
    for name, score in [("L1", 1.0), ("L2", 0.0), ("L3", 1.0)]:
        make_attempt(data["learners"][name], quiz, {question: score})
    (summary,) = analytics.quiz_summaries(data["cohort"], [quiz])
    assert summary.median == 100.0  # sorted 0, 100, 100 → the middle one
    assert summary.mean == pytest.approx(200 / 3)


def test_statistics_of_an_empty_cohort_are_blank(data):
    empty = make_cohort(data["course"], name="Empty")
    (summary,) = analytics.quiz_summaries(empty, [data["quiz"]])
    assert (summary.attempts, summary.mean, summary.median, summary.pass_rate) == (0, None, None, None)
    stats = analytics.question_stats(empty, analytics.quiz_questions(data["quiz"]))
    assert all(s.facility is None and s.discrimination is None and not s.flags for s in stats)


def test_discrimination_is_undefined_when_everyone_scores_the_same():
    assert analytics.discrimination_index(3, 3.0, 3.0, 2.0, 2.0, 2.0) is None  # x always 1: no variance
    assert analytics.discrimination_index(1, 1.0, 1.0, 1.0, 1.0, 1.0) is None


def test_simulation_endings_and_choice_distribution():
    course = make_course()
    module = make_module(course)
    simulation = make_simulation(module)  # start: a → success, b → failure
    learners = [make_user(f"s{i}") for i in range(4)]
    cohort = make_cohort(course, learners=learners)
    make_run(learners[0], simulation, ["a"])
    make_run(learners[1], simulation, ["a"])
    make_run(learners[2], simulation, ["b"])
    make_run(learners[3], simulation, [], finish=False)  # still at the start: no decision, no ending
    make_run(make_user("outsider"), simulation, ["b"])  # not in the cohort
    stats = analytics.simulation_stats(cohort, simulation)
    # Endings of 3 finished runs: success 2/3 = 66.7 %, failure 1/3 = 33.3 %.
    assert stats.finished == 3
    assert [(e.node.key, e.runs) for e in stats.endings] == [("success", 2), ("failure", 1)]
    assert [e.rate for e in stats.endings] == pytest.approx([200 / 3, 100 / 3])
    # At the start node 3 decisions: a twice (66.7 %), b once (33.3 %).
    (start,) = stats.decisions
    assert start.node.key == "start" and start.decisions == 3
    assert [(o.option.key, o.picks) for o in start.options] == [("a", 2), ("b", 1)]
    (summary,) = analytics.simulation_summaries(cohort, [simulation])
    assert (summary.runs, summary.finished, summary.learners) == (4, 3, 4)


def test_runs_abandoned_before_a_decision_do_not_count_and_only_endings_finish():
    course = make_course()
    module = make_module(course)
    simulation = make_simulation(module)
    learner = make_user("abandoner")
    cohort = make_cohort(course, learners=[learner])
    for _ in range(3):  # started over before deciding anything (closed without an ending, no step)
        run = make_run(learner, simulation, [], finish=False)
        SimulationRun.objects.filter(pk=run.pk).update(finished_at=run.started_at)
    started_over = make_run(learner, simulation, [], finish=False)  # one decision, then started over
    SimulationStep.objects.create(
        run=started_over,
        number=1,
        node=simulation.start_node,
        option=simulation.start_node.options.get(key="a"),
        meters_before={},
        meters_after={},
        created_at=started_over.started_at,
    )
    SimulationRun.objects.filter(pk=started_over.pk).update(finished_at=started_over.started_at)
    make_run(learner, simulation, ["a"])  # reached an ending
    (summary,) = analytics.simulation_summaries(cohort, [simulation])
    assert (summary.runs, summary.finished, summary.learners) == (2, 1, 1)
    (row,) = analytics.learner_rows(cohort)
    assert row.simulations_finished == 1


def test_learner_rows_progress_mastery_sort_and_filter(data):
    rows = analytics.learner_rows(data["cohort"], sort="-mastery")
    # Q1 is the only question tagged with the objective. Mastery is the learner's own (training.standing):
    # the latest answer counts, so L1 and L3 (right) master it; L2's latest answer, in the practice attempt
    # still open, is wrong, as are L4's and L5's → "attempted", 0 points.
    assert [r.username for r in rows][:2] == ["L1", "L3"]
    by_name = {r.username: r for r in rows}
    assert by_name["L1"].mastery == 100 and by_name["L3"].mastery == 100
    assert by_name["L2"].mastery == 0 and by_name["L4"].mastery == 0
    assert by_name["L1"].attempts == 2 and by_name["L1"].quizzes_passed == 1
    assert by_name["L5"].quizzes_passed == 0
    assert [r.username for r in analytics.learner_rows(data["cohort"], search="l4")] == ["L4"]
    assert [r.username for r in analytics.learner_rows(data["cohort"], sort="-attempts")][0] == "L1"
    # The course has no lessons and one practice quiz: passing it (L1, 100 % on the second attempt) is all of
    # its items; the default completion rule asks only for a submitted attempt at a practice quiz, so every
    # learner who submitted one may claim the certificate and shows as completed, as their dashboard says.
    assert by_name["L1"].status == "completed" and by_name["L1"].progress == 100
    assert by_name["L4"].progress == 0
    assert {by_name[name].status for name in ("L2", "L3", "L4", "L5")} == {"completed"}


def test_objective_mastery_counts_every_submitted_answer(data):
    ((objective, answers, right, percent),) = analytics.objective_mastery(data["cohort"])
    # Q1 answers: 5 first attempts (3 right) + L1's second attempt (right) = 4/6.
    assert (objective, answers, right) == (data["objective"], 6, 4)
    assert percent == pytest.approx(400 / 6)


@pytest.mark.parametrize("learners", [3, 30])
def test_question_statistics_take_a_fixed_number_of_queries(learners):
    course = make_course()
    module = make_module(course)
    quiz = make_quiz(module)
    questions = [make_question(quiz) for _ in range(learners // 3 + 2)]
    users = [make_user(f"u{i}") for i in range(learners)]
    cohort = make_cohort(course, learners=users)
    for i, user in enumerate(users):
        make_attempt(user, quiz, {q: "a" if (i + j) % 2 else "b" for j, q in enumerate(questions)})
    with CaptureQueriesContext(connection) as queries:
        analytics.question_stats(cohort, analytics.quiz_questions(quiz))
        analytics.quiz_summaries(cohort, [quiz])
    assert len(queries) == 6  # questions, roll-ups, picks, choices; quiz roll-ups, score counts
