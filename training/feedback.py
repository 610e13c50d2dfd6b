"""Feedback on a graded answer: the verdict, each option with its own feedback, the best answer, the
explanation and the citations — what `includes/_question_feedback.html` shows after a quiz question, a lesson
check or a review, and on the quiz results page.

Built from a snapshot (what the learner was shown, with the answer key) rather than from the live question, so
a later edit of the question never rewrites the feedback on an answer already given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from training.grading import MULTIPLE, ORDER, SINGLE, ChoiceSpec, Grade, grade, spec_from_snapshot


@dataclass(frozen=True)
class FeedbackRow:
    """One choice in the review: what the learner did with it and what was right."""

    key: str
    text: str
    feedback: str
    ok: bool  # the learner handled this choice right
    chosen: bool = False  # single / multiple: picked
    correct: bool = False  # single / multiple: a right option
    given_position: int | None = None  # order
    correct_position: int | None = None  # order
    given_category: str = ""  # sort: label
    correct_category: str = ""  # sort: label


@dataclass(frozen=True)
class Feedback:
    """Everything `includes/_question_feedback.html` shows about one graded answer."""

    kind: str
    prompt: str
    verdict: str  # correct | partial | incorrect
    percent: int
    rows: tuple[FeedbackRow, ...]
    explanation: str
    citations: tuple[Mapping[str, str], ...]

    @property
    def verdict_text(self) -> str:
        return {"correct": "Correct", "partial": "Partly correct", "incorrect": "Not quite"}[self.verdict]

    @property
    def chosen_rows(self) -> tuple[FeedbackRow, ...]:
        return tuple(row for row in self.rows if row.chosen)

    @property
    def best_rows(self) -> tuple[FeedbackRow, ...]:
        if self.kind == ORDER:
            return tuple(sorted(self.rows, key=lambda row: row.correct_position or 0))
        return tuple(row for row in self.rows if row.correct)


def feedback_for(snap: Mapping[str, Any], answer: Mapping[str, Any], graded: Grade | None = None) -> Feedback:
    """The feedback on `answer` to the question as `snap` shows it. Pass `graded` when the caller has just
    graded the answer (training.answering does), so it is not graded twice."""
    spec = spec_from_snapshot(snap)
    graded = graded or grade(spec, answer)
    labels = {c.key: c.label for c in spec.categories}

    def row(choice: ChoiceSpec, **what: Any) -> FeedbackRow:
        what.setdefault("ok", graded.marks.get(choice.key, False))
        return FeedbackRow(key=choice.key, text=choice.text, feedback=choice.feedback, **what)

    rows = []
    if spec.kind in (SINGLE, MULTIPLE):
        chosen = {answer.get("choice")} if spec.kind == SINGLE else set(answer.get("choices") or [])
        rows = [row(c, chosen=c.key in chosen, correct=c.correct) for c in spec.choices]
    elif spec.kind == ORDER:
        order = [key for key in answer.get("order") or [] if spec.choice(key) is not None]
        for index, key in enumerate(order):
            step = spec.choice(key)
            assert step is not None
            rows.append(
                row(step, chosen=True, given_position=index + 1, correct_position=step.correct_position)
            )
        rows += [
            row(c, ok=False, correct_position=c.correct_position) for c in spec.choices if c.key not in order
        ]
    else:
        given = answer.get("categories") or {}
        rows = [
            row(
                c,
                chosen=True,
                given_category=labels.get(given.get(c.key, ""), "no category"),
                correct_category=labels.get(c.category or "", ""),
            )
            for c in spec.choices
        ]
    return Feedback(
        kind=spec.kind,
        prompt=snap.get("prompt", ""),
        verdict=graded.verdict,
        percent=graded.percent,
        rows=tuple(rows),
        explanation=snap.get("explanation", ""),
        citations=tuple(snap.get("citations", [])),
    )
