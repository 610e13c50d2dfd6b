"""Statistics for instructors, with a fixed number of queries per page however many learners, attempts or
questions there are: quiz, question and objective figures are read from the cohort's roll-ups, which the
writers keep current (training.rollups); the learner table from the learners' standing snapshots
(training.standing.snapshots); simulation figures from SQL aggregates over the cohort's runs.

Quiz and question statistics follow Moodle's quiz statistics report (docs/analytics.md has the formulas):
the facility index is the mean score on a question as a percentage of its maximum; the discrimination index
is the correlation between the score on the question and the score on the rest of the quiz. Both use each
learner's FIRST submitted attempt only, as Moodle's "first attempt" setting does, so that retakes (where
learners have seen the feedback) do not blur them. Quiz summaries (mean, median, pass rate, distribution)
use every submitted attempt.

Every function takes the cohort whose learners are counted; nothing here reads another cohort's learners.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.text import Truncator

from training import rollups
from training import standing as standing_rules
from training.models import (
    Choice,
    Cohort,
    CohortChoiceStats,
    CohortMembership,
    CohortQuestionStats,
    CohortQuizScore,
    CohortQuizStats,
    LearningObjective,
    Node,
    Option,
    Question,
    Quiz,
    Simulation,
    SimulationRun,
    SimulationStep,
    StandingSnapshot,
)
from training.progress import cached_course_content

BUCKETS = 10  # score distribution: 0–9.9 %, 10–19.9 %, …, 90–100 %
HARD_FACILITY = 30.0  # percent: most learners fail the question
WEAK_DISCRIMINATION = 0.2  # below this, the question does not separate stronger from weaker learners
# A distractor (a wrong option of a single or select-all question) that no first attempt picked is flagged
# once the question has this many first-attempt responses: with fewer, nobody picking it may be chance
# (an option a fair share of learners would pick, 5 %, goes unpicked by 20 learners about a third of the time).
UNPICKED_MIN_RESPONSES = 20


def members(cohort: Cohort) -> QuerySet:
    """The user ids of the cohort's learners, as a subquery."""
    return CohortMembership.objects.filter(cohort=cohort).values("user_id")


def _percent(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole else None


# Quizzes ----------------------------------------------------------------------------------------------------


def option_text(text: str) -> str:
    """An option as a flag names it: its text, short (option keys mean nothing to an instructor)."""
    return Truncator(" ".join(text.split())).chars(70)


@dataclass
class QuizSummary:
    quiz: Quiz
    attempts: int = 0
    learners: int = 0
    first_attempts: int = 0
    mean: float | None = None
    median: float | None = None
    passed: int = 0
    histogram: list[int] = field(default_factory=lambda: [0] * BUCKETS)

    @property
    def pass_rate(self) -> float | None:
        return _percent(self.passed, self.attempts)

    @property
    def buckets(self) -> list[tuple[str, int, float]]:
        """(label, count, share of the largest bucket 0–1) for the distribution chart and its table."""
        top = max(self.histogram) or 1
        labels = [f"{10 * i}–{10 * i + 10 if i == BUCKETS - 1 else 10 * i + 9.9:g} %" for i in range(BUCKETS)]
        return [(labels[i], count, count / top) for i, count in enumerate(self.histogram)]


def quiz_summaries(cohort: Cohort, quizzes: Iterable[Quiz]) -> list[QuizSummary]:
    """Attempts, learners, mean, median, pass rate and score distribution per quiz, from the cohort's roll-ups
    (training.rollups): two queries whatever the number of attempts."""
    quizzes = list(quizzes)
    summaries = {quiz.pk: QuizSummary(quiz) for quiz in quizzes}
    for row in CohortQuizStats.objects.filter(cohort=cohort, quiz_id__in=list(summaries)).values(
        "quiz_id", "attempts", "learners", "first", "passed"
    ):
        summary = summaries[row["quiz_id"]]
        summary.attempts = row["attempts"]
        summary.learners = row["learners"]
        summary.first_attempts = row["first"]
        summary.passed = row["passed"]
    scores = rollups.grouped_scores(
        CohortQuizScore.objects.filter(
            cohort=cohort, quiz_id__in=list(summaries), attempts__gt=0
        ).values_list("quiz_id", "percent", "attempts")
    )
    for quiz_id, counts in scores.items():
        summary = summaries[quiz_id]
        n = sum(count for _, count in counts)
        summary.mean = sum(percent * count for percent, count in counts) / n
        for percent, count in counts:
            summary.histogram[min(math.floor(percent / 10.0), BUCKETS - 1)] += count
        summary.median = median_of(counts, n)
    return [summaries[quiz.pk] for quiz in quizzes]


def median_of(counts: list[tuple[float, int]], n: int) -> float | None:
    """The median of n values given as (value, how many) in ascending order: the mean of the values at ranks r
    (1-based) with n/2 ≤ r ≤ n/2 + 1 — the middle one when n is odd, the two middle ones when n is even."""
    if not n:
        return None
    low, high = math.ceil(n / 2), math.floor(n / 2 + 1)
    picked, seen = [], 0
    for value, count in counts:
        first, seen = seen + 1, seen + count  # this value holds ranks first … seen
        picked += [value] * max(0, min(seen, high) - max(first, low) + 1)
    return sum(picked) / len(picked)


# Questions ----------------------------------------------------------------------------------------------------


@dataclass
class ChoiceStats:
    choice: Choice
    picks: int
    rate: float | None  # percent of the question's first-attempt responses that picked it
    misconception: bool = False


@dataclass
class QuestionStats:
    question: Question
    responses: int = 0
    correct: int = 0
    facility: float | None = None  # percent
    sd: float | None = None  # percent, sample standard deviation of the question score
    discrimination: float | None = None  # correlation, −1…1
    choices: list[ChoiceStats] = field(default_factory=list)
    hinted: float | None = None  # percent of first attempts that opened a hint before answering (practice)
    mean_hints: float | None = None  # hints opened per first attempt

    @property
    def picks_apply(self) -> bool:
        """Pick rates mean "chose this option" for single and multiple questions only."""
        return self.question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE)

    @property
    def misconception(self) -> ChoiceStats | None:
        return next((c for c in self.choices if c.misconception), None)

    @property
    def unpicked(self) -> list[ChoiceStats]:
        """Distractors no first attempt picked, once there are UNPICKED_MIN_RESPONSES responses: options that
        do no work (item-writing; the curriculum linter cannot see this without answers)."""
        if not self.picks_apply or self.responses < UNPICKED_MIN_RESPONSES:
            return []
        return [c for c in self.choices if not c.choice.correct and not c.picks and not c.choice.archived]

    @property
    def hard(self) -> bool:
        return self.facility is not None and self.facility < HARD_FACILITY

    @property
    def weak(self) -> bool:
        return self.discrimination is not None and self.discrimination < WEAK_DISCRIMINATION

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.hard:
            flags.append(f"Most learners fail it (facility under {HARD_FACILITY:g} %)")
        if self.discrimination is not None and self.discrimination < 0:
            flags.append("Negative discrimination: stronger learners do worse on it")
        elif self.weak:
            flags.append(f"Does not discriminate (index under {WEAK_DISCRIMINATION:g})")
        if self.misconception:
            flags.append(f"Likely misconception: “{option_text(self.misconception.choice.text)}”")
        if self.unpicked:
            texts = ", ".join(f"“{option_text(c.choice.text)}”" for c in self.unpicked)
            flags.append(f"Distractor picked by nobody: {texts} ({self.responses} first attempts)")
        return flags


def discrimination_index(n: int, sx: float, sxx: float, sy: float, syy: float, sxy: float) -> float | None:
    """Pearson correlation of x (question score) and y (rest-of-quiz score) from their sums.

    None when either has no variance (everyone scored the same): the index is undefined there, as in Moodle.
    """
    if n < 2:
        return None
    cov = sxy / n - (sx / n) * (sy / n)
    vx = sxx / n - (sx / n) ** 2
    vy = syy / n - (sy / n) ** 2
    if vx <= 1e-12 or vy <= 1e-12:
        return None
    return max(-1.0, min(1.0, cov / math.sqrt(vx * vy)))


def question_stats(cohort: Cohort, questions: Iterable[Question]) -> list[QuestionStats]:
    """Facility, discrimination and option pick rates per question, from first attempts, read from the cohort's
    roll-ups (training.rollups): three queries whatever the number of answers."""
    questions = list(questions)
    stats = {question.pk: QuestionStats(question) for question in questions}
    for row in CohortQuestionStats.objects.filter(
        cohort=cohort, question_id__in=list(stats), first__gt=0
    ).values():
        s = stats[row["question_id"]]
        n = row["first"]
        s.responses = n
        s.correct = row["first_correct"]
        s.facility = 100.0 * row["sx"] / n
        if n > 1:
            variance = (row["sxx"] - row["sx"] ** 2 / n) / (n - 1)
            s.sd = 100.0 * math.sqrt(max(variance, 0.0))
        s.discrimination = discrimination_index(n, row["sx"], row["sxx"], row["sy"], row["syy"], row["sxy"])
        if s.question.hints:
            s.hinted = 100.0 * row["hinted"] / n
            s.mean_hints = row["hints"] / n
    picks = dict(
        CohortChoiceStats.objects.filter(cohort=cohort, choice__question_id__in=list(stats)).values_list(
            "choice_id", "picks"
        )
    )
    for choice in Choice.objects.filter(question_id__in=list(stats)).order_by(
        "question_id", "position", "pk"
    ):
        s = stats[choice.question_id]
        count = picks.get(choice.pk, 0)
        if choice.archived and not count:
            continue
        s.choices.append(ChoiceStats(choice, count, _percent(count, s.responses)))
    for s in stats.values():
        wrong = [c for c in s.choices if s.picks_apply and not c.choice.correct and c.picks]
        if wrong:
            max(wrong, key=lambda c: (c.picks, -c.choice.position)).misconception = True
    return [stats[question.pk] for question in questions]


def quiz_questions(quiz: Quiz) -> QuerySet[Question]:
    """The questions a quiz report lists: the current ones (archived ones keep their history elsewhere)."""
    return Question.objects.active().filter(quiz=quiz).order_by("position", "pk")


def misconceptions(cohort: Cohort, limit: int = 10) -> list[QuestionStats]:
    """The course's questions whose most-picked wrong option is picked most often, across every quiz."""
    stats = question_stats(
        cohort,
        Question.objects.active().filter(course=cohort.course, quiz__isnull=False).select_related("quiz"),
    )
    found = [(s, s.misconception) for s in stats if s.misconception is not None]
    found.sort(key=lambda pair: (-(pair[1].rate or 0), -pair[1].picks, pair[0].question.pk))
    return [s for s, _ in found[:limit]]


# Simulations ------------------------------------------------------------------------------------------------


@dataclass
class SimulationSummary:
    simulation: Simulation
    runs: int = 0
    finished: int = 0
    learners: int = 0


def simulation_summaries(cohort: Cohort, simulations: Iterable[Simulation]) -> list[SimulationSummary]:
    simulations = list(simulations)
    summaries = {sim.pk: SimulationSummary(sim) for sim in simulations}
    for row in (
        SimulationRun.objects.counted()
        .filter(simulation_id__in=list(summaries), user_id__in=members(cohort))
        .values("simulation_id")
        .annotate(
            runs=Count("id"),
            finished=Count("id", filter=Q(ending__isnull=False)),
            learners=Count("user_id", distinct=True),
        )
        .order_by()
    ):
        summary = summaries[row["simulation_id"]]
        summary.runs, summary.finished, summary.learners = row["runs"], row["finished"], row["learners"]
    return [summaries[sim.pk] for sim in simulations]


@dataclass
class EndingStats:
    node: Node
    runs: int
    rate: float | None  # percent of finished runs


@dataclass
class OptionStats:
    option: Option
    picks: int
    rate: float | None  # percent of the decisions made at this node


@dataclass
class DecisionStats:
    node: Node
    decisions: int
    options: list[OptionStats]


@dataclass
class SimulationStats:
    simulation: Simulation
    finished: int
    endings: list[EndingStats]
    decisions: list[DecisionStats]


def simulation_stats(cohort: Cohort, simulation: Simulation) -> SimulationStats:
    """Endings reached (finished runs) and the choice distribution at every decision node: four queries."""
    runs = SimulationRun.objects.filter(simulation=simulation, user_id__in=members(cohort))
    ended = dict(
        runs.filter(finished_at__isnull=False, ending__isnull=False)
        .values("ending_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("ending_id", "n")
    )
    steps = dict(
        SimulationStep.objects.filter(run__in=runs)
        .values("option_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("option_id", "n")
    )
    nodes = list(Node.objects.filter(simulation=simulation).order_by("position", "pk"))
    options = defaultdict(list)
    for option in Option.objects.filter(node__simulation=simulation).order_by("position", "pk"):
        options[option.node_id].append(option)
    finished = sum(ended.values())
    endings = [
        EndingStats(node, ended.get(node.pk, 0), _percent(ended.get(node.pk, 0), finished))
        for node in nodes
        if node.is_ending and (not node.archived or ended.get(node.pk))
    ]
    decisions = []
    for node in nodes:
        if node.is_ending:
            continue
        made = sum(steps.get(option.pk, 0) for option in options[node.pk])
        if node.archived and not made:
            continue
        decisions.append(
            DecisionStats(
                node,
                made,
                [
                    OptionStats(option, steps.get(option.pk, 0), _percent(steps.get(option.pk, 0), made))
                    for option in options[node.pk]
                    if not option.archived or steps.get(option.pk)
                ],
            )
        )
    return SimulationStats(simulation, finished, endings, decisions)


# Learners ---------------------------------------------------------------------------------------------------


@dataclass
class LearnerRow:
    """One learner of the cohort with the figures of their own dashboard (training.standing), read from their
    standing snapshot."""

    user_id: int
    username: str
    joined_at: object
    figures: StandingSnapshot
    totals: dict

    @property
    def progress(self) -> int:
        return self.figures.progress

    @property
    def mastery(self) -> int | None:
        return self.figures.mastery

    @property
    def lessons_done(self) -> int:
        return self.figures.lessons_done

    @property
    def quizzes_passed(self) -> int:
        return self.figures.quizzes_passed

    @property
    def simulations_finished(self) -> int:
        return self.figures.simulations_finished

    @property
    def attempts(self) -> int:
        return self.figures.attempts

    @property
    def last_active(self):
        return self.figures.last_active

    @property
    def status(self) -> str:
        return self.figures.status

    @property
    def status_label(self) -> str:
        return STATUSES[self.figures.status]


STATUSES = standing_rules.STATUSES
SORTS = {
    "name": lambda row: row.username.lower(),
    "progress": lambda row: row.progress,
    "lessons": lambda row: row.lessons_done,
    "quizzes": lambda row: row.quizzes_passed,
    "attempts": lambda row: row.attempts,
    "simulations": lambda row: row.simulations_finished,
    "mastery": lambda row: -1 if row.mastery is None else row.mastery,
    "active": lambda row: row.last_active.timestamp() if row.last_active else 0,
}


def learner_rows(
    cohort: Cohort, *, search: str = "", status: str = "", sort: str = "name"
) -> list[LearnerRow]:
    """One row per learner of the cohort with the figures their own dashboard shows: progress, mastery and
    status come from training.standing (one definition), so the instructor sees what the learner sees.

    The figures are read from the learners' standing snapshots (training.standing.snapshots): only learners
    whose state or the course's content changed since their snapshot are recomputed. A fixed number of
    queries whatever the cohort's size.
    """
    course = cohort.course
    content = cached_course_content(course)
    totals = {
        "lessons": len(content.path.lessons),
        "quizzes": len(content.path.quizzes),
        "simulations": len(content.path.simulations),
        "objectives": len(content.mastery.objectives),
    }
    memberships = list(
        CohortMembership.objects.filter(cohort=cohort).values_list("user_id", "user__username", "joined_at")
    )
    if search:
        memberships = [m for m in memberships if search.lower() in m[1].lower()]
    figures = standing_rules.snapshots(course, [user_id for user_id, _, _ in memberships], content=content)
    rows = [
        LearnerRow(
            user_id=user_id, username=username, joined_at=joined_at, figures=figures[user_id], totals=totals
        )
        for user_id, username, joined_at in memberships
    ]
    if status in STATUSES:
        rows = [row for row in rows if row.status == status]
    descending = sort.startswith("-")
    key = SORTS.get(sort.lstrip("-"), SORTS["name"])
    rows.sort(key=SORTS["name"])  # ties stay in name order either way (sort is stable)
    rows.sort(key=key, reverse=descending)
    return rows


def objective_mastery(cohort: Cohort) -> list[tuple[LearningObjective, int, int, float | None]]:
    """Per objective: answers, correct answers and percent correct across the cohort's submitted attempts, from
    the per-question roll-ups (training.rollups) and the questions' objectives as tagged now: two queries."""
    rows = {
        row["question__objectives"]: row
        for row in CohortQuestionStats.objects.filter(
            cohort=cohort, question__objectives__course=cohort.course
        )
        .values("question__objectives")
        .annotate(n=Sum("answers"), right=Sum("right"))
        .order_by()
    }
    result = []
    objectives = (
        LearningObjective.objects.active()
        .filter(course=cohort.course)
        .select_related("module")
        .order_by("module__position", "position", "pk")
    )
    for objective in objectives:
        row = rows.get(objective.pk, {"n": 0, "right": 0})
        result.append((objective, row["n"], row["right"], _percent(row["right"], row["n"])))
    return result
