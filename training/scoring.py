"""Scoring: read a posted answer, grade it, and describe the result for the feedback template.

One module for all four question kinds (rules in docs/scoring.md). Everything here is a pure function of
its arguments; nothing touches the database, so quiz attempts, lesson checks and the review queue share it.

An answer is stored as JSON keyed by choice *keys* (stable natural keys inside a question):

    single    {"choice": "c"}
    multiple  {"choices": ["a", "c"]}                   (in the order shown)
    order     {"order": ["b", "a", "c"]}                 (the learner's order, first step first)
    sort      {"categories": {"a": "track-1", "b": "track-2"}}

Forms never show keys or ids: each choice is named by an opaque token (`choice_token`) that depends on a
scope (the attempt, or the lesson check) and the server's secret, so neither the authored order nor the
database order of the choices can be read from the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.crypto import salted_hmac

SINGLE, MULTIPLE, ORDER, SORT = "single", "multiple", "order", "sort"
KINDS = (SINGLE, MULTIPLE, ORDER, SORT)


class AnswerError(ValueError):
    """A posted answer that cannot be graded; the message is shown to the learner as is."""


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
        right = any(c.correct and c.key == chosen for c in spec.choices)
        return Grade(score=1.0 if right else 0.0, correct=right, marks=marks)

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
        place = {key: index + 1 for index, key in enumerate(given)}
        marks = {key: place.get(key) == rank[key] for key in keys}
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
                if both and (place[first] < place[second]) == (rank[first] < rank[second]):
                    agree += 1
        full = all(marks.values())
        return Grade(score=1.0 if full else _round(agree / pairs), correct=full, marks=marks)

    if spec.kind == SORT:
        given = answer.get("categories") or {}
        marks = {c.key: c.category is not None and given.get(c.key) == c.category for c in spec.choices}
        hits = sum(marks.values())
        full = bool(keys) and hits == len(keys)
        return Grade(
            score=1.0 if full else _round(hits / len(keys) if keys else 0.0), correct=full, marks=marks
        )

    raise ValueError(f"unknown question kind: {spec.kind!r}")


# --- Reading a posted form --------------------------------------------------------------------------------


def choice_token(scope: str, choice_pk: int) -> str:
    """The opaque value that names one choice in a form, stable within a scope ("attempt:12", "check:7")."""
    return salted_hmac("training.scoring.choice", f"{scope}:{choice_pk}").hexdigest()[:12]


def field_names(spec: QuestionSpec, scope: str) -> dict[str, str]:
    """Choice key → its token in this scope (the form field value or name suffix)."""
    return {c.key: choice_token(scope, c.pk) for c in spec.choices}


def parse_answer(question, data: QueryDict | Mapping[str, Any], *, scope: str) -> dict[str, Any]:
    """The answer in the stored shape from posted form data, or AnswerError with a message for the learner.

    `question` is a QuestionSpec built with the choices in the order they were shown (so each has a pk).
    """
    spec = as_spec(question)
    tokens = field_names(spec, scope)
    by_token = {token: key for key, token in tokens.items()}

    def getlist(name: str) -> list[str]:
        if hasattr(data, "getlist"):
            return [value for value in data.getlist(name) if value != ""]
        value = data.get(name)
        if value in (None, ""):
            return []
        return list(value) if isinstance(value, list | tuple) else [value]

    if spec.kind == SINGLE:
        values = getlist("choice")
        if not values:
            raise AnswerError("Choose one answer.")
        if len(values) > 1:
            raise AnswerError("Choose only one answer.")
        if values[0] not in by_token:
            raise AnswerError(
                "That answer is not one of this question's options. Reload the page and try again."
            )
        return {"choice": by_token[values[0]]}

    if spec.kind == MULTIPLE:
        values = getlist("choice")
        if not values:
            raise AnswerError("Select at least one option.")
        if any(value not in by_token for value in values):
            raise AnswerError(
                "One of the selected options is not part of this question. Reload the page and try again."
            )
        chosen = {by_token[value] for value in values}
        return {"choices": [c.key for c in spec.choices if c.key in chosen]}

    if spec.kind == ORDER:
        n = len(spec.choices)
        places: dict[str, int] = {}
        for choice in spec.choices:
            values = getlist(f"position-{tokens[choice.key]}")
            if not values:
                raise AnswerError("Give every step a position.")
            try:
                place = int(values[0])
            except ValueError:
                raise AnswerError("Positions must be whole numbers.") from None
            if not 1 <= place <= n:
                raise AnswerError(f"Positions go from 1 to {n}.")
            places[choice.key] = place
        if len(set(places.values())) != n:
            raise AnswerError(f"Give each step a different position: every number from 1 to {n} once.")
        return {"order": sorted(places, key=places.__getitem__)}

    if spec.kind == SORT:
        category_keys = {c.key for c in spec.categories}
        assigned: dict[str, str] = {}
        for choice in spec.choices:
            values = getlist(f"category-{tokens[choice.key]}")
            if not values:
                raise AnswerError("Put every item in a category.")
            if values[0] not in category_keys:
                raise AnswerError("That category is not one of this question's categories.")
            assigned[choice.key] = values[0]
        return {"categories": assigned}

    raise AnswerError("This question cannot be answered here.")


def answer_fields(spec: QuestionSpec, answer: Mapping[str, Any] | None, scope: str) -> dict[str, Any]:
    """The form state that shows an answer again (token → checked / position / category)."""
    if not answer:
        return {}
    tokens = field_names(spec, scope)
    if spec.kind == SINGLE:
        return {"checked": {tokens[k] for k in [answer.get("choice")] if k in tokens}}
    if spec.kind == MULTIPLE:
        return {"checked": {tokens[k] for k in answer.get("choices", []) if k in tokens}}
    if spec.kind == ORDER:
        return {"positions": {tokens[k]: i + 1 for i, k in enumerate(answer.get("order", [])) if k in tokens}}
    if spec.kind == SORT:
        return {"categories": {tokens[k]: v for k, v in answer.get("categories", {}).items() if k in tokens}}
    return {}


# --- Snapshots and the review shown after answering -------------------------------------------------------


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
    }


@dataclass(frozen=True)
class ReviewRow:
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
class Review:
    """Everything `includes/_question_feedback.html` shows about one graded answer."""

    kind: str
    prompt: str
    verdict: str  # correct | partial | incorrect
    percent: int
    rows: tuple[ReviewRow, ...]
    explanation: str
    citations: tuple[Mapping[str, str], ...]

    @property
    def verdict_text(self) -> str:
        return {"correct": "Correct", "partial": "Partly correct", "incorrect": "Not quite"}[self.verdict]

    @property
    def chosen_rows(self) -> tuple[ReviewRow, ...]:
        return tuple(row for row in self.rows if row.chosen)

    @property
    def best_rows(self) -> tuple[ReviewRow, ...]:
        if self.kind == ORDER:
            return tuple(sorted(self.rows, key=lambda row: row.correct_position or 0))
        return tuple(row for row in self.rows if row.correct)


def review(snap: Mapping[str, Any], answer: Mapping[str, Any], graded: Grade | None = None) -> Review:
    spec = spec_from_snapshot(snap)
    graded = graded or grade(spec, answer)
    labels = {c.key: c.label for c in spec.categories}
    rows = []
    if spec.kind in (SINGLE, MULTIPLE):
        chosen = {answer.get("choice")} if spec.kind == SINGLE else set(answer.get("choices") or [])
        for c in spec.choices:
            rows.append(
                ReviewRow(
                    key=c.key,
                    text=c.text,
                    feedback=c.feedback,
                    ok=graded.marks.get(c.key, False),
                    chosen=c.key in chosen,
                    correct=c.correct,
                )
            )
    elif spec.kind == ORDER:
        order = list(answer.get("order") or [])
        by_key = {c.key: c for c in spec.choices}
        for index, key in enumerate(order):
            c = by_key.get(key)
            if c is None:
                continue
            rows.append(
                ReviewRow(
                    key=c.key,
                    text=c.text,
                    feedback=c.feedback,
                    ok=graded.marks.get(c.key, False),
                    chosen=True,
                    given_position=index + 1,
                    correct_position=c.correct_position,
                )
            )
        for c in spec.choices:
            if c.key not in order:
                rows.append(
                    ReviewRow(
                        key=c.key,
                        text=c.text,
                        feedback=c.feedback,
                        ok=False,
                        correct_position=c.correct_position,
                    )
                )
    else:
        given = answer.get("categories") or {}
        for c in spec.choices:
            rows.append(
                ReviewRow(
                    key=c.key,
                    text=c.text,
                    feedback=c.feedback,
                    ok=graded.marks.get(c.key, False),
                    chosen=True,
                    given_category=labels.get(given.get(c.key, ""), "no category"),
                    correct_category=labels.get(c.category or "", ""),
                )
            )
    return Review(
        kind=spec.kind,
        prompt=snap.get("prompt", ""),
        verdict=graded.verdict,
        percent=graded.percent,
        rows=tuple(rows),
        explanation=snap.get("explanation", ""),
        citations=tuple(snap.get("citations", [])),
    )


# --- The inputs of one question (includes/_question_fields.html) -----------------------------------------

HINTS = {
    SINGLE: "Choose one answer.",
    MULTIPLE: "Select all that apply.",
    ORDER: "Give each step its place in the sequence: 1 is first. Use each number once.",
    SORT: "Choose a category for each item.",
}


@dataclass(frozen=True)
class FieldChoice:
    token: str
    text: str
    checked: bool = False
    position: int | None = None
    category: str = ""


@dataclass(frozen=True)
class QuestionForm:
    """What `includes/_question_fields.html` renders: the prompt as legend and one input per choice."""

    id: str  # unique on the page; prefixes every element id
    kind: str
    prompt: str
    choices: tuple[FieldChoice, ...]
    categories: tuple[CategorySpec, ...] = ()
    error: str = ""
    disabled: bool = False

    @property
    def hint(self) -> str:
        return HINTS[self.kind]

    @property
    def positions(self) -> range:
        return range(1, len(self.choices) + 1)

    @property
    def input_type(self) -> str:
        return "radio" if self.kind == SINGLE else "checkbox"


def question_form(
    spec: QuestionSpec,
    *,
    scope: str,
    id: str,
    prompt: str,
    answer: Mapping[str, Any] | None = None,
    error: str = "",
    disabled: bool = False,
    posted=None,
) -> QuestionForm:
    """The form of a question: empty, showing a stored `answer`, or showing what was `posted` (after an
    error, so the learner does not lose their choices)."""
    tokens = field_names(spec, scope)
    state = answer_fields(spec, answer, scope) if posted is None else _posted_fields(tokens, posted)
    checked = state.get("checked", set())
    positions = state.get("positions", {})
    categories = state.get("categories", {})
    return QuestionForm(
        id=id,
        kind=spec.kind,
        prompt=prompt,
        choices=tuple(
            FieldChoice(
                token=tokens[c.key],
                text=c.text,
                checked=tokens[c.key] in checked,
                position=positions.get(tokens[c.key]),
                category=categories.get(tokens[c.key], ""),
            )
            for c in spec.choices
        ),
        categories=spec.categories,
        error=error,
        disabled=disabled,
    )


def _posted_fields(tokens: Mapping[str, str], posted) -> dict[str, Any]:
    positions = {}
    for token in tokens.values():
        value = posted.get(f"position-{token}", "")
        if value.isdigit():
            positions[token] = int(value)
    return {
        "checked": set(posted.getlist("choice")) if hasattr(posted, "getlist") else set(),
        "positions": positions,
        "categories": {token: posted.get(f"category-{token}", "") for token in tokens.values()},
    }
