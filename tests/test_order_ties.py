"""Declared ties in order questions (`ties:`): validated by the loader, exported, graded as interchangeable."""

from __future__ import annotations

import pytest

from training.curriculum.exporter import export_course
from training.curriculum.loader import load_texts
from training.curriculum.problems import CurriculumError
from training.grading import ChoiceSpec, QuestionSpec, grade, snapshot, spec_from_question, spec_from_snapshot
from training.models import Course, Question

# b and c may come in either order: the right sequences are a, b, c, d and a, c, b, d.
TIED = QuestionSpec(
    kind="order",
    choices=(
        ChoiceSpec(key="a", correct_position=1),
        ChoiceSpec(key="b", correct_position=2),
        ChoiceSpec(key="c", correct_position=3),
        ChoiceSpec(key="d", correct_position=4),
    ),
    ties=(frozenset({"b", "c"}),),
)
UNTIED = QuestionSpec(kind="order", choices=TIED.choices)


def course_yaml(
    ties: str = "            ties: [[b, c]]\n", positions=(1, 2, 3, 4), kind: str = "order"
) -> str:
    keyword = "position" if kind == "order" else "correct"
    values = positions if kind == "order" else ("true", "false", "false", "false")
    choices = "".join(
        f"              - text: Step {key}\n                {keyword}: {value}\n"
        for key, value in zip("abcd", values, strict=True)
    )
    return (
        "format: 1\ncourse:\n  slug: ties-course\n  title: Ties\n  summary: Ties.\n"
        "modules:\n  - slug: m\n    title: M\n    summary: M.\n    quizzes:\n"
        "      - slug: q\n        title: Q\n        questions:\n"
        f"          - slug: steps\n            kind: {kind}\n            scenario: S.\n"
        "            prompt: In what order?\n            explanation: E.\n"
        f"            choices:\n{choices}{ties}"
    )


def problems_of(text: str) -> list[str]:
    with pytest.raises(CurriculumError) as exc:
        load_texts({"course.yaml": text})
    return [p.message for p in exc.value.problems]


def test_a_declared_tie_grades_either_order_as_right():
    for order in (["a", "b", "c", "d"], ["a", "c", "b", "d"]):
        result = grade(TIED, {"order": order})
        assert (result.score, result.correct, set(result.marks.values())) == (1.0, True, {True})


def test_without_the_tie_the_swap_is_partly_right():
    result = grade(UNTIED, {"order": ["a", "c", "b", "d"]})
    assert not result.correct
    assert result.score == pytest.approx(5 / 6, abs=1e-4)
    assert result.marks == {"a": True, "b": False, "c": False, "d": True}


def test_a_tie_does_not_excuse_steps_outside_it():
    result = grade(TIED, {"order": ["c", "a", "b", "d"]})  # c before a is wrong whatever the tie
    assert not result.correct
    assert result.marks == {"a": False, "b": True, "c": False, "d": True}  # c is outside places 2–3
    assert result.score == pytest.approx(5 / 6, abs=1e-4)


def test_ties_survive_the_snapshot():
    class Q:
        slug, scenario, prompt, explanation = "steps", "S", "P", "E"

    shot = snapshot(Q(), TIED)
    assert shot["ties"] == [["b", "c"]]
    assert spec_from_snapshot(shot).ties == TIED.ties
    assert "ties" not in snapshot(Q(), UNTIED)  # snapshots of untied questions are as before


@pytest.mark.django_db
def test_ties_load_export_and_grade_from_the_database():
    load_texts({"course.yaml": course_yaml()})
    question = Question.objects.get(slug="steps")
    assert question.ties == [["b", "c"]]
    assert "ties:\n" in export_course(Course.objects.get(slug="ties-course"))
    assert "- [b, c]" in export_course(Course.objects.get(slug="ties-course"))
    order = {"a": 0, "c": 1, "b": 2, "d": 3}
    choices = sorted(question.choices.all(), key=lambda c: order[c.key])
    assert grade(spec_from_question(question, choices), {"order": ["a", "c", "b", "d"]}).correct


@pytest.mark.django_db
def test_an_order_question_without_ties_exports_none():
    load_texts({"course.yaml": course_yaml(ties="")})
    assert Question.objects.get(slug="steps").ties == []
    assert "ties:" not in export_course(Course.objects.get(slug="ties-course"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ties", "message"),
    [
        ("[[b, x]]", "unknown choice `x`"),
        ("[[b, c], [c, d]]", "choice `c` is in more than one tie (or twice in one)"),
        ("[[b, d]]", "tied steps must be in consecutive positions (found 2, 4)"),
        ("[[b]]", "list should have at least 2 items after validation, not 1"),
    ],
)
def test_invalid_ties_are_errors(ties, message):
    assert message in problems_of(course_yaml(ties=f"            ties: {ties}\n"))


@pytest.mark.django_db
def test_ties_belong_to_order_questions_only():
    problems = problems_of(course_yaml(kind="single"))
    assert "`ties` does not belong to a single question (only order questions)" in problems
