"""Question pools: a quiz draws N questions, one variant per scenario, the ones a learner has not been given
first; the loader checks draws and scenario groups; the draw is stable in an attempt and bounded in queries."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f
from tests.learn_helpers import bulk_questions, make_user
from tests.test_curriculum_errors import assert_problem, edit, example_text, line_of, problems_for
from training import quizzes
from training.curriculum.exporter import export_course
from training.curriculum.loader import load_curriculum
from training.models import Course, Question, Quiz

pytestmark = pytest.mark.django_db


def pooled_quiz(size: int, *, slug: str = "pooled", draw: int = 6, **fields) -> Quiz:
    course = f.make_course()
    module = f.make_module(course)
    quiz = f.make_quiz(module, slug=slug, draw_count=draw, **fields)
    bulk_questions(quiz, size)
    return quiz


def submit(learner, attempt) -> None:
    quizzes.submit_attempt(user=learner, attempt=attempt)


def test_two_attempts_at_a_pool_of_12_drawing_6_share_no_question(learner):
    quiz = pooled_quiz(12)
    for seed in range(20):
        quiz.attempts.filter(user=learner).delete()
        first, _ = quizzes.start_attempt(user=learner, quiz=quiz, rng=random.Random(seed))
        submit(learner, first)
        second, _ = quizzes.start_attempt(user=learner, quiz=quiz, rng=random.Random(seed + 100))
        submit(learner, second)
        assert len(first.question_ids) == len(second.question_ids) == 6
        assert not set(first.question_ids) & set(second.question_ids)


def test_a_third_attempt_draws_the_least_given_questions_again(learner):
    quiz = pooled_quiz(12)
    given: list[int] = []
    for seed in range(3):
        attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz, rng=random.Random(seed))
        submit(learner, attempt)
        assert len(set(attempt.question_ids)) == 6
        given += attempt.question_ids
    # 18 questions given from 12: every question at least once, none three times.
    counts = {qid: given.count(qid) for qid in set(given)}
    assert len(counts) == 12 and max(counts.values()) == 2


def test_the_draw_keeps_authored_order_and_is_stable_within_the_attempt(learner, client):
    quiz = pooled_quiz(12)
    attempt, created = quizzes.start_attempt(user=learner, quiz=quiz, rng=random.Random(1))
    positions = list(
        Question.objects.filter(pk__in=attempt.question_ids).order_by("position").values_list("pk", flat=True)
    )
    assert created and attempt.question_ids == positions
    again, created = quizzes.start_attempt(user=learner, quiz=quiz, rng=random.Random(2))
    assert not created and again.question_ids == attempt.question_ids
    client.force_login(learner)
    page = client.get(reverse("quiz_question", args=[quiz.slug, attempt.pk, 6]))
    assert page.status_code == 200 and b"Question 6 of 6" in page.content


def test_the_seed_decides_the_draw(learner, other_learner):
    quiz = pooled_quiz(12)
    one, _ = quizzes.start_attempt(user=learner, quiz=quiz, rng=random.Random(7))
    two, _ = quizzes.start_attempt(user=other_learner, quiz=quiz, rng=random.Random(7))
    assert one.question_ids == two.question_ids


def test_variants_of_one_scenario_never_appear_twice_in_an_attempt(learner):
    course = f.make_course()
    module = f.make_module(course)
    quiz = f.make_quiz(module, slug="variants")  # no draw: every scenario once
    groups: dict[int, str] = {}
    for scenario in range(4):
        root = f.make_question(quiz, slug=f"scenario-{scenario}")
        groups[root.pk] = root.slug
        for variant in range(2):
            other = f.make_question(quiz, slug=f"scenario-{scenario}-v{variant}", variant_of=root.slug)
            groups[other.pk] = root.slug
    seen: set[int] = set()
    for seed in range(3):
        attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz, rng=random.Random(seed))
        submit(learner, attempt)
        scenarios = [groups[qid] for qid in attempt.question_ids]
        assert sorted(scenarios) == sorted(set(groups.values()))  # each scenario exactly once
        assert not seen & set(attempt.question_ids)  # three variants each: three fresh attempts
        seen |= set(attempt.question_ids)
    assert len(seen) == 12


def test_a_draw_per_objective_takes_that_many_from_each_objective(learner):
    course = f.make_course()
    module = f.make_module(course)
    objectives = [f.make_objective(module), f.make_objective(module)]
    quiz = f.make_quiz(module, slug="per-objective", draw_per_objective=2)
    by_objective: dict[int, int] = {}
    for objective in objectives:
        for _ in range(4):
            question = f.make_question(quiz)
            question.objectives.add(objective)
            by_objective[question.pk] = objective.pk
    for seed in range(2):
        attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz, rng=random.Random(seed))
        submit(learner, attempt)
        drawn = [by_objective[qid] for qid in attempt.question_ids]
        assert sorted(drawn) == sorted([objectives[0].pk] * 2 + [objectives[1].pk] * 2)


@pytest.mark.parametrize("variants", [False, True])
def test_starting_an_attempt_runs_the_same_queries_at_12_and_1200_pooled_questions(
    django_user_model, variants
):
    counts = []
    for size in (12, 1200):
        quiz = pooled_quiz(size, slug=f"pool-{size}")
        if variants:
            Question.objects.filter(quiz=quiz, position__gte=1).update(variant_of=f"{quiz.slug}-bulk-0")
            Question.objects.filter(quiz=quiz, position__gte=size // 2).update(
                variant_of=f"{quiz.slug}-bulk-{size // 2}"
            )
            Question.objects.filter(quiz=quiz, position=size // 2).update(variant_of="")
            quiz.draw_count = 2
            quiz.save()
        user = make_user(django_user_model, f"pool-{size}")
        first, _ = quizzes.start_attempt(user=user, quiz=quiz, rng=random.Random(0))
        submit(user, first)
        with CaptureQueriesContext(connection) as context:
            attempt, _ = quizzes.start_attempt(user=user, quiz=quiz, rng=random.Random(1))
        assert len(attempt.question_ids) == (2 if variants else 6)
        assert not set(attempt.question_ids) & set(first.question_ids)
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1] <= 10


# --- The YAML -------------------------------------------------------------------------------------------------


def test_draw_and_variants_load_and_export_round_trip(tmp_path: Path):
    text = edit(
        example_text(),
        "        shuffle: true\n",
        "        shuffle: true\n        draw:\n          count: 3\n",
    )
    text = edit(
        text,
        "          - slug: example-q-multiple\n            kind: multiple\n",
        "          - slug: example-q-multiple\n            kind: multiple\n            variant_of: example-q-single\n",
    )
    path = tmp_path / "course.yaml"
    path.write_text(text, encoding="utf-8")
    load_curriculum([path])
    quiz = Quiz.objects.get(slug="example-check")
    assert (quiz.draw_count, quiz.draw_per_objective) == (3, 0)
    assert Question.objects.get(slug="example-q-multiple").variant_of == "example-q-single"
    exported = export_course(Course.objects.get(slug="example-course"))
    assert "        draw: {count: 3}\n" in exported
    assert "variant_of: example-q-single" in exported
    again = tmp_path / "again.yaml"
    again.write_text(exported, encoding="utf-8")
    load_curriculum([again])
    assert export_course(Course.objects.get(slug="example-course")) == exported


def test_the_default_draw_is_not_exported():
    load_curriculum([Path(__file__).resolve().parent.parent / "docs" / "examples" / "example-course.yaml"])
    exported = export_course(Course.objects.get(slug="example-course"))
    assert "draw:" not in exported and "variant_of" not in exported


DRAW = "        shuffle: true\n"


@pytest.mark.parametrize(
    ("edits", "needle", "path", "message"),
    [
        (
            [(DRAW, DRAW + "        draw:\n          count: 5\n")],
            "count: 5",
            "modules[0].quizzes[0].draw.count",
            "a draw of 5 is larger than the pool: 4 scenarios (published questions, variants counted once)",
        ),
        (
            [
                (DRAW, DRAW + "        draw:\n          count: 4\n"),
                (
                    "            kind: multiple\n",
                    "            kind: multiple\n            variant_of: example-q-single\n",
                ),
            ],
            "count: 4",
            "modules[0].quizzes[0].draw.count",
            "a draw of 4 is larger than the pool: 3 scenarios",
        ),
        (
            [(DRAW, DRAW + "        draw:\n          count: 2\n          per_objective: 1\n")],
            "        draw:",
            "modules[0].quizzes[0].draw",
            "a draw has either `count` or `per_objective`",
        ),
        (
            [(DRAW, DRAW + "        draw:\n          per_objective: 2\n")],
            "per_objective: 2",
            "modules[0].quizzes[0].draw.per_objective",
            "a draw of 2 per objective is larger than the pool of objective `example-choose-channel`",
        ),
        (
            [
                (
                    "            kind: multiple\n",
                    "            kind: multiple\n            variant_of: example-q-nothing\n",
                )
            ],
            "variant_of: example-q-nothing",
            "modules[0].quizzes[0].questions[1].variant_of",
            "unknown quiz question `example-q-nothing`",
        ),
        (
            [
                (
                    "            kind: multiple\n",
                    "            kind: multiple\n            variant_of: example-q-multiple\n",
                )
            ],
            "variant_of: example-q-multiple",
            "modules[0].quizzes[0].questions[1].variant_of",
            "a question cannot be a variant of itself",
        ),
        (
            [
                (
                    "            kind: multiple\n",
                    "            kind: multiple\n            variant_of: example-q-single\n",
                ),
                (
                    "            kind: order\n",
                    "            kind: order\n            variant_of: example-q-multiple\n",
                ),
            ],
            "variant_of: example-q-multiple",
            "modules[0].quizzes[0].questions[2].variant_of",
            "`example-q-multiple` is itself a variant of `example-q-single`: name the group's first question",
        ),
    ],
)
def test_draw_and_variant_errors_name_file_and_line(tmp_path: Path, edits, needle, path, message):
    text = example_text()
    for old, new in edits:
        text = edit(text, old, new)
    file, problems = problems_for(tmp_path, text)
    assert_problem(problems, file, line_of(text, needle), path, message)


def test_a_variant_group_cannot_span_quizzes(tmp_path: Path):
    text = example_text()
    quiz_start = text.index("      - slug: example-check\n")
    block_end = text.index("          - slug: example-q-multiple")
    second = (
        text[quiz_start:block_end]
        .replace("slug: example-check", "slug: example-check-two")
        .replace("slug: example-q-", "slug: example-q2-")
    )
    second = second.replace(
        "          - slug: example-q2-single\n            kind: single\n",
        "          - slug: example-q2-single\n            kind: single\n            variant_of: example-q-single\n",
    )
    text = text[:quiz_start] + second + text[quiz_start:]
    file, problems = problems_for(tmp_path, text)
    assert_problem(
        problems,
        file,
        line_of(text, "variant_of: example-q-single"),
        "modules[0].quizzes[0].questions[0].variant_of",
        "`example-q-single` is in quiz `example-check`: the variants of one scenario belong to one quiz",
    )


def test_a_lesson_check_cannot_be_a_variant(tmp_path: Path):
    text = edit(
        example_text(),
        "          - slug: example-check-back-channel\n",
        "          - slug: example-check-back-channel\n            variant_of: example-q-single\n",
    )
    file, problems = problems_for(tmp_path, text)
    assert_problem(
        problems,
        file,
        line_of(text, "variant_of: example-q-single"),
        "modules[0].lessons[0].checks[0].variant_of",
        "`variant_of` is for quiz questions, not lesson checks",
    )
