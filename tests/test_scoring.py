"""Scoring rules for every question kind (docs/scoring.md), the answer forms that read posted answers, and
the feedback built from a snapshot."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from training.answer_forms import answer_form, choice_token
from training.feedback import feedback_for
from training.grading import CategorySpec, ChoiceSpec, QuestionSpec, grade

SINGLE = QuestionSpec(
    kind="single",
    choices=(
        ChoiceSpec(key="a", correct=False, pk=1),
        ChoiceSpec(key="b", correct=True, pk=2),
        ChoiceSpec(key="c", correct=False, pk=3),
    ),
)
# Two right options and two wrong ones.
MULTIPLE = QuestionSpec(
    kind="multiple",
    choices=(
        ChoiceSpec(key="a", correct=True, pk=1),
        ChoiceSpec(key="b", correct=True, pk=2),
        ChoiceSpec(key="c", correct=False, pk=3),
        ChoiceSpec(key="d", correct=False, pk=4),
    ),
)
ORDER = QuestionSpec(
    kind="order",
    choices=(
        ChoiceSpec(key="a", correct_position=3, pk=1),
        ChoiceSpec(key="b", correct_position=1, pk=2),
        ChoiceSpec(key="c", correct_position=4, pk=3),
        ChoiceSpec(key="d", correct_position=2, pk=4),
    ),
)
SORT = QuestionSpec(
    kind="sort",
    choices=(
        ChoiceSpec(key="a", category="t1", pk=1),
        ChoiceSpec(key="b", category="t2", pk=2),
        ChoiceSpec(key="c", category="t2", pk=3),
        ChoiceSpec(key="d", category="t1", pk=4),
    ),
    categories=(CategorySpec(key="t1", label="Track I"), CategorySpec(key="t2", label="Track II")),
)


# --- single ---


def test_single_right_choice_scores_one():
    result = grade(SINGLE, {"choice": "b"})
    assert (result.score, result.correct, result.verdict) == (1.0, True, "correct")


def test_single_wrong_choice_scores_zero():
    result = grade(SINGLE, {"choice": "a"})
    assert (result.score, result.correct, result.verdict) == (0.0, False, "incorrect")


def test_single_nothing_selected_scores_zero():
    assert grade(SINGLE, {}).score == 0.0
    assert grade(SINGLE, {"choice": "zzz"}).score == 0.0


# --- multiple ---


def test_multiple_exact_set_scores_one():
    result = grade(MULTIPLE, {"choices": ["a", "b"]})
    assert (result.score, result.correct) == (1.0, True)


def test_multiple_partial_credit_for_some_right_picks():
    result = grade(MULTIPLE, {"choices": ["a"]})
    assert (result.score, result.correct, result.verdict) == (0.5, False, "partial")


def test_multiple_wrong_pick_is_penalised():
    # 2/2 right − 1/2 wrong
    assert grade(MULTIPLE, {"choices": ["a", "b", "c"]}).score == 0.5
    # 1/2 right − 1/2 wrong
    assert grade(MULTIPLE, {"choices": ["a", "c"]}).score == 0.0


def test_multiple_everything_selected_scores_zero():
    result = grade(MULTIPLE, {"choices": ["a", "b", "c", "d"]})
    assert (result.score, result.correct) == (0.0, False)


def test_multiple_nothing_selected_scores_zero():
    assert grade(MULTIPLE, {"choices": []}).score == 0.0


def test_multiple_only_wrong_picks_is_floored_at_zero():
    assert grade(MULTIPLE, {"choices": ["c", "d"]}).score == 0.0


def test_multiple_where_every_option_is_right_has_no_penalty_term():
    spec = QuestionSpec(
        kind="multiple", choices=(ChoiceSpec(key="a", correct=True), ChoiceSpec(key="b", correct=True))
    )
    assert grade(spec, {"choices": ["a"]}).score == 0.5
    assert grade(spec, {"choices": ["a", "b"]}).correct


# --- order ---


def test_order_right_sequence_scores_one():
    result = grade(ORDER, {"order": ["b", "d", "a", "c"]})
    assert (result.score, result.correct) == (1.0, True)
    assert all(result.marks.values())


def test_order_reversed_sequence_scores_zero():
    assert grade(ORDER, {"order": ["c", "a", "d", "b"]}).score == 0.0


def test_order_one_adjacent_swap_keeps_most_pairs():
    # b d a c is right; swapping the first two breaks 1 of 6 pairs.
    result = grade(ORDER, {"order": ["d", "b", "a", "c"]})
    assert result.score == round(5 / 6, 4)
    assert not result.correct
    assert result.marks == {"a": True, "b": False, "c": True, "d": False}


def test_order_partial_order_counts_only_placed_steps():
    # Only two steps given (a hand-made or historical answer): pairs with a missing step count as wrong.
    result = grade(ORDER, {"order": ["b", "d"]})
    assert result.score == round(1 / 6, 4)
    assert not result.correct


def test_order_nothing_given_scores_zero():
    assert grade(ORDER, {"order": []}).score == 0.0


# --- sort ---


def test_sort_all_right_scores_one():
    result = grade(SORT, {"categories": {"a": "t1", "b": "t2", "c": "t2", "d": "t1"}})
    assert (result.score, result.correct) == (1.0, True)


def test_sort_scores_fraction_of_items_in_right_category():
    result = grade(SORT, {"categories": {"a": "t1", "b": "t1", "c": "t2", "d": "t2"}})
    assert (result.score, result.correct) == (0.5, False)
    assert result.marks == {"a": True, "b": False, "c": True, "d": False}


def test_sort_everything_in_one_category_scores_its_share():
    assert grade(SORT, {"categories": {"a": "t1", "b": "t1", "c": "t1", "d": "t1"}}).score == 0.5


def test_sort_nothing_sorted_scores_zero():
    assert grade(SORT, {"categories": {}}).score == 0.0


# --- parsing posted answers (the answer form of each kind) ---


def parse_answer(spec: QuestionSpec, data: QueryDict, *, scope: str) -> dict:
    """The parsed answer, or ValueError with the first error the form shows the learner."""
    form = answer_form(spec, scope=scope, id="q", prompt="?", data=data)
    if not form.is_valid():
        raise ValueError(form.error)
    return form.answer


def post(**values) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in values.items():
        if isinstance(value, list):
            data.setlist(name, value)
        else:
            data[name] = value
    return data


def tok(pk: int) -> str:
    return choice_token("attempt:1", pk)


def test_parse_single_reads_the_token_of_the_chosen_option():
    assert parse_answer(SINGLE, post(choice=tok(2)), scope="attempt:1") == {"choice": "b"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose one answer."),
        ({"choice": "not-a-token"}, "not one of this question's options"),
        ({"choice": [tok(1), tok(2)]}, "Choose only one answer."),
    ],
)
def test_parse_single_refuses_missing_unknown_or_several(data, message):
    with pytest.raises(ValueError, match=message):
        parse_answer(SINGLE, post(**data), scope="attempt:1")


def test_tokens_from_another_scope_are_refused():
    with pytest.raises(ValueError):
        parse_answer(SINGLE, post(choice=choice_token("attempt:2", 2)), scope="attempt:1")


def test_parse_multiple_keeps_shown_order_and_refuses_nothing():
    assert parse_answer(MULTIPLE, post(choice=[tok(3), tok(1)]), scope="attempt:1") == {"choices": ["a", "c"]}
    with pytest.raises(ValueError, match="Select at least one option."):
        parse_answer(MULTIPLE, post(), scope="attempt:1")


def test_parse_order_builds_the_sequence_from_positions():
    data = post(
        **{
            f"position-{tok(1)}": "3",
            f"position-{tok(2)}": "1",
            f"position-{tok(3)}": "4",
            f"position-{tok(4)}": "2",
        }
    )
    assert parse_answer(ORDER, data, scope="attempt:1") == {"order": ["b", "d", "a", "c"]}


@pytest.mark.parametrize(
    ("positions", "message"),
    [
        (["1", "1", "2", "3"], "different position"),
        (["1", "2", "3", ""], "Give every step a position."),
        (["1", "2", "3", "9"], "Positions go from 1 to 4."),
        (["1", "2", "3", "x"], "whole numbers"),
    ],
)
def test_parse_order_refuses_incomplete_or_repeated_positions(positions, message):
    data = post(**{f"position-{tok(pk)}": value for pk, value in zip([1, 2, 3, 4], positions, strict=True)})
    with pytest.raises(ValueError, match=message):
        parse_answer(ORDER, data, scope="attempt:1")


def test_parse_sort_needs_every_item_in_a_known_category():
    full = {f"category-{tok(pk)}": "t1" for pk in (1, 2, 3, 4)}
    assert parse_answer(SORT, post(**full), scope="attempt:1") == {"categories": dict.fromkeys("abcd", "t1")}
    with pytest.raises(ValueError, match="Put every item in a category."):
        parse_answer(SORT, post(**{f"category-{tok(1)}": "t1"}), scope="attempt:1")
    with pytest.raises(ValueError, match="not one of this question's categories"):
        parse_answer(SORT, post(**{**full, f"category-{tok(1)}": "t9"}), scope="attempt:1")


def test_feedback_on_a_snapshot_lists_chosen_and_best_answers():
    snap = {
        "kind": "single",
        "prompt": "What now?",
        "explanation": "Because.",
        "choices": [
            {"key": "a", "text": "Wrong", "correct": False, "feedback": "No."},
            {"key": "b", "text": "Right", "correct": True, "feedback": "Yes."},
        ],
        "citations": [{"text": "Source: Intro, ¶1", "url": ""}],
    }
    result = feedback_for(snap, {"choice": "a"})
    assert result.verdict == "incorrect"
    assert [row.text for row in result.chosen_rows] == ["Wrong"]
    assert [row.text for row in result.best_rows] == ["Right"]
    assert result.citations[0]["text"] == "Source: Intro, ¶1"
