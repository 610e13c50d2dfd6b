"""What a quiz's results page says about one submitted attempt before its long review: a line per question
(right, partly right, wrong or not answered, and its score) and, after a fail, what to review next: the
attempt's weakest learning objectives with the lessons that teach them (two queries).

The verdicts and scores are the attempt's own stored ones (Response.score, Response.correct), which every
results policy shows: the answer key stays held back where Quiz.answer_key_shown says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from training.models import LearningObjective, Lesson, QuizAttempt, Response

WEAKEST_SHOWN = 3  # objectives suggested after a fail


@dataclass(frozen=True)
class QuestionLine:
    number: int
    verdict: str  # correct | partial | incorrect | unanswered
    percent: int  # the question's score, 0–100

    @property
    def icon(self) -> str:
        return {"correct": "✓", "partial": "◐", "incorrect": "✗"}.get(self.verdict, "○")

    @property
    def text(self) -> str:
        return {
            "correct": "Right",
            "partial": "Partly right",
            "incorrect": "Wrong",
        }.get(self.verdict, "Not answered")

    @property
    def anchor(self) -> str:
        return f"question-{self.number}"


def summary(attempt: QuizAttempt, responses: dict[int, Response]) -> list[QuestionLine]:
    """One line per question of the attempt, in the order it was asked (pure)."""
    lines = []
    for index, question_id in enumerate(attempt.question_ids, start=1):
        row = responses.get(question_id)
        if row is None:
            lines.append(QuestionLine(index, "unanswered", 0))
            continue
        verdict = "correct" if row.correct else "partial" if row.score > 0 else "incorrect"
        lines.append(QuestionLine(index, verdict, round(100 * row.score)))
    return lines


@dataclass
class WeakObjective:
    text: str
    answered: int
    right: float  # the summed scores of its questions in this attempt
    lessons: list[Lesson] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.right / self.answered) if self.answered else 0


def weakest_objectives(
    attempt: QuizAttempt, responses: Iterable[Response], *, limit: int = WEAKEST_SHOWN
) -> list[WeakObjective]:
    """The attempt's objectives that went worst (lowest share of their questions' scores, unanswered
    questions counting 0; fully right ones are left out), each with its visible lessons, weakest first:
    two queries."""
    scores = {row.question_id: row.score for row in responses}
    links = list(
        LearningObjective.objects.visible()
        .filter(questions__pk__in=attempt.question_ids)
        .values_list("questions__pk", "pk", "text", "position")
    )
    totals: dict[int, list[float]] = defaultdict(list)
    texts: dict[int, tuple[int, str]] = {}
    for question_id, objective_id, text, position in links:
        totals[objective_id].append(scores.get(question_id, 0.0))
        texts[objective_id] = (position, text)
    ranked = sorted(
        (sum(values) / len(values), texts[objective_id][0], objective_id)
        for objective_id, values in totals.items()
    )
    chosen = [objective_id for share, _, objective_id in ranked if share < 1][:limit]
    if not chosen:
        return []
    lessons: dict[int, list[Lesson]] = defaultdict(list)
    for link in (
        Lesson.objectives.through.objects.filter(
            Lesson.objects.visible_q("lesson__"), learningobjective_id__in=chosen
        )
        .select_related("lesson")
        .order_by("lesson__module__position", "lesson__position", "lesson__pk")
    ):
        lessons[link.learningobjective_id].append(link.lesson)
    return [
        WeakObjective(
            text=texts[objective_id][1],
            answered=len(totals[objective_id]),
            right=sum(totals[objective_id]),
            lessons=lessons.get(objective_id, []),
        )
        for objective_id in chosen
    ]
