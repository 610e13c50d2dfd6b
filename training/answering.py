"""Answering a question: the one path every answer takes, in a quiz, a lesson check or the review queue.

    form = answer_form(spec, scope=..., data=request.POST, ...)      # parse and validate (answer_forms.py)
    if form.is_valid():
        answered = answer_question(user=..., question=..., spec=spec, answer=form.answer,
                                   recorder=InAttempt(attempt) | InLessonCheck() | InReview(card))

`answer_question` grades the answer once, records it where the recorder keeps answers, schedules the question
in the learner's review queue, and returns the feedback the page shows — nothing reads the answer back to
grade it again. Where answers are kept and what counts as a repeat differs by place; that is the recorder's
job (quizzes.InAttempt, lessons.InLessonCheck, review.InReview):

- `find_previous(new)` runs first, inside the transaction: it locks what must be locked, refuses what cannot
  be answered (raising the place's own error) and returns the earlier answer that stands instead of this one
  (a double click, a second tab), or None;
- `store(new, graded)` writes the new answer and returns its row (None when the review log is the record).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from django.db import transaction
from django.db.models import Model

from training import grading, scheduling
from training.feedback import Feedback, feedback_for
from training.grading import Grade, QuestionSpec
from training.markup import citation_label
from training.models import Citation, Question
from xapi import record


@dataclass(frozen=True)
class Previous:
    """An answer recorded earlier that stands instead of the one just posted."""

    row: Model | None
    answer: dict[str, Any]
    snapshot: dict[str, Any]
    certainty: int | None = None  # certainty-based marking: the level given with it


class AlreadyRecorded(Exception):  # noqa: N818 - a signal from store(), not an error to report
    """Raised by a recorder's store() when a concurrent request recorded this answer first."""

    def __init__(self, previous: Previous):
        super().__init__("already recorded")
        self.previous = previous


@dataclass(frozen=True)
class NewAnswer:
    """An answer just posted, as the recorders see it."""

    user: Any
    question: Question
    spec: QuestionSpec  # the question as shown: choices in the order shown
    answer: dict[str, Any]  # parsed by the question's answer form
    snapshot: dict[str, Any]  # what was shown, with the answer key and citations
    when: datetime
    certainty: int | None = None  # certainty-based marking: 1 low, 2 mid, 3 high (None: not asked)


class Recorder(Protocol):
    source: str  # "quiz", "check" or "review": the review log's source
    attempt: Any  # the quiz attempt answered in (None for lesson checks and reviews)

    def parent(self) -> Model | None: ...  # the quiz or lesson answered in (None: the review queue)

    def find_previous(self, new: NewAnswer) -> Previous | None: ...

    def store(self, new: NewAnswer, graded: Grade) -> Model | None: ...


@dataclass(frozen=True)
class Answered:
    answer: dict[str, Any]  # the answer that stands: this one, or the earlier one when `recorded` is False
    grade: Grade
    feedback: Feedback
    recorded: bool  # False: a repeat, nothing new was written
    row: Model | None  # the Response, CheckAnswer or ReviewLog that holds the answer


def question_snapshot(question: Question, spec: QuestionSpec) -> dict[str, Any]:
    """What the learner was shown, with the answer key and the citations (the pages prefetch them as
    `shown_citations`; read here when they did not)."""
    citations = getattr(question, "shown_citations", None)
    if citations is None:
        citations = (
            Citation.objects.published()
            .in_order()
            .filter(question=question)
            .select_related("section", "reference")
        )
    return grading.snapshot(question, spec, [citation_label(c) for c in citations])


@transaction.atomic
def answer_question(
    *,
    user,
    question: Question,
    spec: QuestionSpec,
    answer: dict[str, Any],
    recorder: Recorder,
    when: datetime | None = None,
    certainty: int | None = None,
    hint_costs: Sequence[float] = (),
) -> Answered:
    """Grade `answer` (parsed by the question's answer form) once, record it, schedule a review, and return
    the feedback. `spec` is the question as shown (choices in the order shown); `certainty` (1–3) is the
    learner's certainty when the quiz uses certainty-based marking (the grade carries its mark); `hint_costs`
    the costs of the hints opened before answering (practice quizzes: grading.with_hints lowers the score)."""
    when = (when or datetime.now(UTC)).astimezone(UTC)
    snap = question_snapshot(question, spec)
    new = NewAnswer(
        user=user, question=question, spec=spec, answer=answer, snapshot=snap, when=when, certainty=certainty
    )
    previous = recorder.find_previous(new)
    if previous is None:
        graded = replace(grading.with_hints(grading.grade(spec, answer), hint_costs), certainty=certainty)
        try:
            row = recorder.store(new, graded)
        except AlreadyRecorded as repeat:
            previous = repeat.previous
        else:
            record.question_answered(
                user=user,
                question=question,
                spec=spec,
                answer=answer,
                grade=graded,
                parent=recorder.parent(),
                when=when,
                attempt=recorder.attempt,
            )
            on_review_page = recorder.source == "review"  # its log keeps what was shown and chosen
            log = scheduling.schedule_review(
                user=user,
                question=question,
                correct=graded.correct,
                source=recorder.source,
                when=when,
                answer=answer if on_review_page else None,
                snapshot=snap if on_review_page else None,
            )
            return Answered(
                answer=answer,
                grade=graded,
                feedback=feedback_for(snap, answer, graded),
                recorded=True,
                row=row or log,
            )
    graded = replace(grading.grade(previous.snapshot, previous.answer), certainty=previous.certainty)
    return Answered(
        answer=previous.answer,
        grade=graded,
        feedback=feedback_for(previous.snapshot, previous.answer, graded),
        recorded=False,
        row=previous.row,
    )
