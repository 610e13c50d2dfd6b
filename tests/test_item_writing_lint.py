"""Item-writing checks in lint_curriculum (training/curriculum/itemlint.py): for each rule a course that
breaks it and one that does not, and the count the shipped course has today."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from training.curriculum.itemlint import ITEM_WRITING
from training.curriculum.lint import lint_course
from training.curriculum.loader import read_texts

SHIPPED = Path(__file__).resolve().parent.parent / "fixtures" / "diplomacy-tracks"

HEAD = """\
format: 1
course:
  slug: items
  title: Items
  summary: Items.
modules:
  - slug: m
    title: M
    summary: M.
    quizzes:
"""


def quiz(questions: str, *, slug: str = "q", shuffle: bool = False) -> str:
    return (
        f"      - slug: {slug}\n        title: Quiz {slug}\n        shuffle: {'true' if shuffle else 'false'}\n"
        f"        questions:\n{questions}"
    )


def question(
    slug: str,
    choices: list[tuple[str, object]],
    *,
    kind: str = "single",
    prompt: str = "What do you do first?",
    scenario: str = "",
    ties: str = "",
) -> str:
    keyword = {"single": "correct", "multiple": "correct", "order": "position"}[kind]
    lines = "".join(
        f"              - text: {text}\n                {keyword}: {str(value).lower()}\n"
        for text, value in choices
    )
    scenario = scenario or f"Scenario for {slug}."
    return (
        f"          - slug: {slug}\n            kind: {kind}\n            scenario: {scenario}\n"
        f"            prompt: {prompt}\n            explanation: Because.\n            choices:\n{lines}{ties}"
    )


def warnings_of(*quizzes: str, copies: bool = False) -> list[str]:
    """The item-writing warnings; near copies only with `copies` (the other tests repeat one question)."""
    (course,), problems = read_texts({"course.yaml": HEAD + "".join(quizzes)})
    assert problems == []
    found = [w.message for w in lint_course(course).warnings if w.message.startswith(ITEM_WRITING)]
    return [m for m in found if copies or "near copy" not in m]


BALANCED = [("Call the envoy", True), ("Call the press", False), ("Call the army", False)]


def test_correct_option_longest_in_a_question():
    long_key = [
        ("Ask both envoys to meet quietly in a neutral capital", True),
        ("Wait", False),
        ("Leak", False),
    ]
    assert warnings_of(quiz(question("a", long_key))) == [
        "item writing: the correct option is the longest in question `a` (at least 1.2× the longest"
        " distractor): length gives the answer away"
    ]
    assert warnings_of(quiz(question("a", BALANCED))) == []
    select_all = [("Brief the minister in writing today", True), ("Brief the cabinet in full", True)]
    assert (
        "every correct option is the longest"
        in warnings_of(quiz(question("m", [*select_all, ("Leak it", False)], kind="multiple")))[0]
    )


def test_share_of_questions_whose_correct_option_is_longest_across_a_quiz():
    slightly = [("Call the envoys", True), ("Call the press", False), ("Call the army", False)]  # 15 vs 14
    four = "".join(question(f"q{i}", slightly) for i in range(4))
    assert warnings_of(quiz(four, shuffle=True)) == [
        "item writing: the correct option is the longest in 4 of 4 single-answer questions of quiz `q`"
        " (100%; above 50%)"
    ]
    mixed = "".join(question(f"q{i}", slightly if i < 2 else BALANCED) for i in range(4))
    assert warnings_of(quiz(mixed, shuffle=True)) == []  # 2 of 4 is not above half


def test_correct_position_unbalanced_across_a_quiz():
    same_place = "".join(question(f"q{i}", BALANCED) for i in range(4))  # always A
    assert warnings_of(quiz(same_place)) == [
        "item writing: correct positions are unbalanced in quiz `q`: A is the key in 4 of 4 single-answer"
        " questions (keys by position: A 4, B 0, C 0); set `shuffle: true` or move the keys"
    ]
    assert warnings_of(quiz(same_place, shuffle=True)) == []  # shuffled: the authored place is no cue
    rotated = "".join(question(f"q{i}", BALANCED[i % 3 :] + BALANCED[: i % 3]) for i in range(6))
    assert warnings_of(quiz(rotated)) == []
    never_c = "".join(question(f"q{i}", BALANCED[i % 2 :] + BALANCED[: i % 2]) for i in range(6))
    assert warnings_of(quiz(never_c)) == [
        "item writing: correct positions are unbalanced in quiz `q`: B is never the key in 6 single-answer"
        " questions (keys by position: A 3, B 0, C 3); set `shuffle: true` or move the keys"
    ]


def test_select_all_items_sharing_one_count_of_correct_options():
    two = [("Brief the minister", True), ("Brief the cabinet", True), ("Brief the press", False)]
    one = [("Brief the minister", True), ("Brief the cabinet", False), ("Brief the press", False)]
    same = "".join(question(f"m{i}", two, kind="multiple") for i in range(3))
    assert warnings_of(quiz(same, shuffle=True)) == [
        "item writing: all 3 select-all questions of quiz `q` have 2 correct options: vary the count so it"
        " gives nothing away"
    ]
    varied = "".join(question(f"m{i}", two if i else one, kind="multiple") for i in range(3))
    assert warnings_of(quiz(varied, shuffle=True)) == []
    spread = [quiz(question(f"m{i}", two, kind="multiple"), slug=f"q{i}") for i in range(3)]
    assert warnings_of(*spread) == [
        "item writing: all 3 select-all questions of the course have 2 correct options: vary the count so it"
        " gives nothing away"
    ]


@pytest.mark.parametrize("text", ["All of the above", "None of the above", "both of the previous"])
def test_all_or_none_of_the_above(text):
    choices = [("Call the envoy", True), ("Call the press", False), (text, False)]
    (warning,) = warnings_of(quiz(question("a", choices)))
    assert f"choice `c` of question `a` is “{text}”: write a real option instead" in warning
    assert warnings_of(quiz(question("a", BALANCED))) == []


def test_near_copy_across_quizzes_names_both_questions():
    scenario = "Two border towns have traded artillery fire for a week and both capitals want a ceasefire."
    reworded = (
        "Two river towns have traded artillery fire for a week, and both capitals now want a ceasefire."
    )
    first = quiz(question("orig", BALANCED, scenario=scenario), slug="practice", shuffle=True)
    copy = quiz(question("copy", BALANCED[::-1], scenario=reworded), slug="final", shuffle=True)
    stems = [w for w in warnings_of(first, copy, copies=True) if "the stem" in w]
    assert stems[0].startswith(
        "item writing: the stem of question `copy` (quiz `final`) is a near copy of question `orig`"
        " (quiz `practice`): "
    )
    assert stems[0].endswith("similar (threshold 60%)")
    other = "A regional organisation asks you to plan a week of quiet talks between two fishing unions."
    apart = quiz(question("copy", BALANCED, scenario=other), slug="final", shuffle=True)
    assert [w for w in warnings_of(first, apart, copies=True) if "the stem" in w] == []


def test_near_copy_of_the_options():
    options = [
        ("Ask the envoy to call the other capital tonight", True),
        ("Publish the draft text in the morning papers", False),
        ("Recall the ambassador for consultations at once", False),
    ]
    first = question("one", options, scenario="The talks stall over the map.")
    second = question("two", options[::-1], scenario="A ship is seized near the strait.")
    found = warnings_of(quiz(first + second, shuffle=True), copies=True)
    assert found == [
        "item writing: the options of question `two` (quiz `q`) are a near copy of question `one` (quiz `q`):"
        " 100% similar (threshold 60%)"
    ]


def test_variants_of_one_scenario_are_not_near_copies():
    scenario = "Two border towns have traded artillery fire for a week and both capitals want a ceasefire."
    first = question("orig", BALANCED, scenario=scenario)
    variant = question("variant", BALANCED, scenario=scenario).replace(
        "            kind: single\n", "            kind: single\n            variant_of: orig\n"
    )
    assert warnings_of(quiz(first + variant, shuffle=True), copies=True) == []


def test_negative_stem_without_emphasis():
    (warning,) = warnings_of(quiz(question("a", BALANCED, prompt="Which move would not help?")))
    assert warning == (
        "item writing: negative stem: the prompt of question `a` says “not” without emphasis (write it in"
        " capitals, NOT, or ask the question positively)"
    )
    assert warnings_of(quiz(question("a", BALANCED, prompt="Which move would NOT help?"))) == []
    assert "“isn't”" in warnings_of(quiz(question("a", BALANCED, prompt="Which move isn't wise?")))[0]
    assert warnings_of(quiz(question("a", BALANCED, prompt="Which move helps most?"))) == []


def test_order_steps_that_could_be_swapped():
    steps = [("Agree the agenda", 1), ("Optionally, brief the press", 2), ("Sign the text", 3)]
    (warning,) = warnings_of(quiz(question("o", steps, kind="order")))
    assert warning == (
        "item writing: step `b` of order question `o` says “Optionally”: if it could come before or after a"
        " neighbour, declare the tie (`ties:`) or reword the step"
    )
    declared = question("o", steps, kind="order", ties="            ties: [[a, b]]\n")
    assert warnings_of(quiz(declared)) == []  # an author-declared tie is allowed
    plain = [("Agree the agenda", 1), ("Brief the press", 2), ("Sign the text", 3)]
    assert warnings_of(quiz(question("o", plain, kind="order"))) == []


@pytest.mark.django_db
def test_the_shipped_course_passes_the_item_writing_checks_in_strict_mode():
    """The content rewrite removed every item-writing cue from the shipped course (issue 19): strict mode passes
    and prints no item-writing warning. Every other warning is asserted in test_shipped_curriculum."""
    out = StringIO()
    call_command("lint_curriculum", "--strict", str(SHIPPED), stdout=out, stderr=out)
    assert [line for line in out.getvalue().splitlines() if ITEM_WRITING in line] == []
    assert "valid, 0 warning(s)." in out.getvalue()
