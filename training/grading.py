"""Grading: how right an answer is, for all four question kinds (rules in docs/scoring.md).

Everything here is a pure function of its arguments; nothing touches the database. The only caller that
grades a learner's new answer is training.answering.answer_question; pages that show feedback on an answer
stored earlier grade it again through training.feedback.

An answer is stored as JSON keyed by choice *keys* (stable natural keys inside a question):

    single    {"choice": "c"}
    multiple  {"choices": ["a", "c"]}                   (in the order shown)
    order     {"order": ["b", "a", "c"]}                 (the learner's order, first step first)
    sort      {"categories": {"a": "track-1", "b": "track-2"}}

A question reaches the grader as a QuestionSpec: built from a Question (its choices in the order shown) or
from a stored snapshot (what the learner was shown, so later edits do not rewrite history).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

SINGLE, MULTIPLE, ORDER, SORT = "single", "multiple", "order", "sort"
KINDS = (SINGLE, MULTIPLE, ORDER, SORT)


# --- What a question looks like to the grader -------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceSpec:
    key: str
    text: str = ""
    correct: bool = False
    correct_position: int | None = None
    category: str | None = None  # the right category's key (sort)
    feedback: str = ""
    pk: int | None = None


@dataclass(frozen=True)
class CategorySpec:
    key: str
    label: str


@dataclass(frozen=True)
class QuestionSpec:
    """A question as the grader sees it: its kind, its choices in the order shown, its categories."""

    kind: str
    choices: tuple[ChoiceSpec, ...]
    categories: tuple[CategorySpec, ...] = ()
    ties: tuple[frozenset[str], ...] = ()  # order: groups of steps that may come in either order

    def choice(self, key: str) -> ChoiceSpec | None:
        for choice in self.choices:
            if choice.key == key:
                return choice
        return None


def spec_from_snapshot(snapshot: Mapping[str, Any]) -> QuestionSpec:
    return QuestionSpec(
        kind=snapshot["kind"],
        choices=tuple(
            ChoiceSpec(
                key=c["key"],
                text=c.get("text", ""),
                correct=bool(c.get("correct")),
                correct_position=c.get("correct_position"),
                category=c.get("category"),
                feedback=c.get("feedback", ""),
            )
            for c in snapshot["choices"]
        ),
        categories=tuple(
            CategorySpec(key=c["key"], label=c["label"]) for c in snapshot.get("categories", [])
        ),
        ties=tuple(frozenset(group) for group in snapshot.get("ties", [])),
    )


def spec_from_question(
    question, choices: Iterable | None = None, categories: Iterable | None = None
) -> QuestionSpec:
    """A QuestionSpec from a Question. `choices` in the order shown (default: the published choices in
    authored order, read from a prefetch when there is one); archived choices and categories never appear."""
    if choices is None:
        choices = sorted(
            (c for c in question.choices.all() if c.is_published), key=lambda c: (c.position, c.pk)
        )
    if categories is None:
        categories = sorted(
            (c for c in question.categories.all() if c.is_published), key=lambda c: (c.position, c.pk)
        )
    categories = list(categories)
    category_keys = {category.pk: category.key for category in categories}
    return QuestionSpec(
        kind=question.kind,
        choices=tuple(
            ChoiceSpec(
                key=c.key,
                text=c.text,
                correct=c.correct,
                correct_position=c.correct_position,
                category=category_keys.get(c.category_id),
                feedback=c.feedback,
                pk=c.pk,
            )
            for c in choices
        ),
        categories=tuple(CategorySpec(key=c.key, label=c.label) for c in categories),
        ties=tuple(frozenset(group) for group in getattr(question, "ties", None) or ()),
    )


def as_spec(question) -> QuestionSpec:
    if isinstance(question, QuestionSpec):
        return question
    if isinstance(question, Mapping):
        return spec_from_snapshot(question)
    return spec_from_question(question)


# --- Grading ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grade:
    """score: 0.0–1.0; correct: full marks; marks: choice key → handled right (picked or left alone
    correctly, in its right place, in its right category)."""

    score: float
    correct: bool
    marks: dict[str, bool] = field(default_factory=dict)
    certainty: int | None = None  # certainty-based marking: the level given with the answer (1–3)
    hints_used: int = 0  # practice hints opened before answering (with_hints)
    hint_penalty: float = 0.0  # the share of the credit they cost, 0–1

    @property
    def cbm_mark(self) -> float | None:
        """The certainty-based mark (−6 to 3), when the answer came with a certainty."""
        return certainty_mark(self.score, self.certainty) if self.certainty else None

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    @property
    def verdict(self) -> str:
        if self.correct:
            return "correct"
        return "partial" if self.score > 0 else "incorrect"


def _round(score: float) -> float:
    return round(max(0.0, min(1.0, score)), 4)


def grade(question, answer: Mapping[str, Any]) -> Grade:
    """Grade an answer (in the stored shape) against a Question, a snapshot dict or a QuestionSpec.

    Unknown keys in the answer earn nothing; a missing part of the answer counts as wrong (the parser
    refuses incomplete answers, so this only matters for hand-made or historical answers).
    """
    spec = as_spec(question)
    keys = [c.key for c in spec.choices]
    if spec.kind == SINGLE:
        chosen = answer.get("choice")
        marks = {c.key: (c.key == chosen) == c.correct for c in spec.choices}
        hit = any(c.correct and c.key == chosen for c in spec.choices)
        return Grade(score=1.0 if hit else 0.0, correct=hit, marks=marks)

    if spec.kind == MULTIPLE:
        chosen = set(answer.get("choices") or [])
        right = [c for c in spec.choices if c.correct]
        wrong = [c for c in spec.choices if not c.correct]
        hits = sum(1 for c in right if c.key in chosen)
        false_picks = sum(1 for c in wrong if c.key in chosen)
        score = (hits / len(right) if right else 0.0) - (false_picks / len(wrong) if wrong else 0.0)
        marks = {c.key: (c.key in chosen) == c.correct for c in spec.choices}
        score = _round(score)
        full = bool(right) and hits == len(right) and false_picks == 0
        return Grade(score=1.0 if full else score, correct=full, marks=marks)

    if spec.kind == ORDER:
        given = [key for key in (answer.get("order") or []) if key in keys]
        rank = {c.key: c.correct_position or 0 for c in spec.choices}
        # Declared ties: a tied step is right anywhere in its group's positions, and the group's steps share
        # one rank, so their relative order never costs a pair.
        span = {key: (rank[key], rank[key]) for key in keys}
        for group in spec.ties:
            members = [key for key in group if key in rank]
            if members:
                low, high = min(rank[k] for k in members), max(rank[k] for k in members)
                span.update({key: (low, high) for key in members})
                rank.update({key: low for key in members})
        place = {key: index + 1 for index, key in enumerate(given)}
        marks = {key: key in place and span[key][0] <= place[key] <= span[key][1] for key in keys}
        n = len(keys)
        if n < 2:
            full = all(marks.values())
            return Grade(score=1.0 if full else 0.0, correct=full, marks=marks)
        # Pairwise agreement: the share of pairs of steps the learner put in the right relative order.
        pairs = agree = 0
        for i, first in enumerate(keys):
            for second in keys[i + 1 :]:
                pairs += 1
                both = first in place and second in place
                if both and (
                    rank[first] == rank[second]
                    or (place[first] < place[second]) == (rank[first] < rank[second])
                ):
                    agree += 1
        full = all(marks.values())
        return Grade(score=1.0 if full else _round(agree / pairs), correct=full, marks=marks)

    if spec.kind == SORT:
        sorted_into = answer.get("categories") or {}
        marks = {c.key: c.category is not None and sorted_into.get(c.key) == c.category for c in spec.choices}
        hits = sum(marks.values())
        full = bool(keys) and hits == len(keys)
        return Grade(
            score=1.0 if full else _round(hits / len(keys) if keys else 0.0), correct=full, marks=marks
        )

    raise ValueError(f"unknown question kind: {spec.kind!r}")


# --- Hints ------------------------------------------------------------------------------------------------------


def with_hints(graded: Grade, costs: Sequence[float]) -> Grade:
    """The grade after the hints opened before answering: the score less the sum of their `costs` (each a share of
    the question's credit), never below 0. Whether the answer itself was right (`correct`, `marks`) is unchanged."""
    if not costs:
        return graded
    penalty = round(min(1.0, sum(costs)), 4)
    return replace(graded, score=_round(graded.score - penalty), hints_used=len(costs), hint_penalty=penalty)


# --- Certainty-based marking (Gardner-Medwin, as in Moodle) ---------------------------------------------------

CERTAINTY_LEVELS = {1: "Low", 2: "Mid", 3: "High"}
CBM_MARKS = {1: (1.0, 0.0), 2: (2.0, -2.0), 3: (3.0, -6.0)}  # certainty → (mark when right, mark when wrong)


def certainty_mark(score: float, certainty: int) -> float:
    """The certainty-based mark of an answer with `score` (0–1) given at `certainty` (1–3): +1/+2/+3 when right,
    0/−2/−6 when wrong; a partly right answer earns the mix in proportion to its score (rules in docs/scoring.md)."""
    right, wrong = CBM_MARKS[certainty]
    return round(score * right + (1 - score) * wrong, 4)


# --- Snapshots -------------------------------------------------------------------------------------------------


def snapshot(question, spec: QuestionSpec, citations: Sequence[Mapping[str, str]] = ()) -> dict[str, Any]:
    """What the learner was shown (in the order shown), with the answer key and feedback, as plain JSON."""
    return {
        "kind": spec.kind,
        "slug": question.slug,
        "scenario": question.scenario,
        "prompt": question.prompt,
        "explanation": question.explanation,
        "choices": [
            {
                "key": c.key,
                "text": c.text,
                "correct": c.correct,
                "correct_position": c.correct_position,
                "category": c.category,
                "feedback": c.feedback,
            }
            for c in spec.choices
        ],
        "categories": [{"key": c.key, "label": c.label} for c in spec.categories],
        "citations": [dict(citation) for citation in citations],
    } | ({"ties": [sorted(group) for group in spec.ties]} if spec.ties else {})
