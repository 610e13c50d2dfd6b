"""The "My progress" dashboard: everything it shows about one learner, in a fixed number of queries.

Rules and thresholds are documented in docs/progress.md. Pieces:
- the learning path (training.pathway: item statuses, module percentages, the Continue item);
- track progress: the share of a track's published lessons the learner has completed;
- mastery by objective, rolled up (training.mastery);
- quizzes: best and latest submitted score per quiz, and a score history (the latest HISTORY_LIMIT
  submitted attempts, drawn as an SVG chart with the same numbers in a table);
- recent activity (the latest RECENT_LIMIT events of any kind) and days active (distinct UTC dates with
  any activity);
- simulation outcomes reached; the review queue's size; certificate eligibility.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.urls import NoReverseMatch, reverse

from training import certificates, pathway, review
from training import mastery as mastery_rules
from training.models import (
    CheckAnswer,
    Course,
    Lesson,
    LessonProgress,
    Quiz,
    QuizAttempt,
    Response,
    ReviewLog,
    SimulationRun,
    SimulationStep,
    Status,
    Track,
)

HISTORY_LIMIT = 12
RECENT_LIMIT = 10


# --- Tracks --------------------------------------------------------------------------------------------


@dataclass
class TrackProgress:
    track: Track
    lessons_total: int
    lessons_done: int
    mastery_percent: int | None = None

    @property
    def percent(self) -> int:
        return round(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0


def track_progress(
    user, course: Course, course_mastery: mastery_rules.CourseMastery | None = None
) -> list[TrackProgress]:
    """Lessons completed per track (three queries)."""
    tracks = list(Track.objects.published().filter(course=course).in_order())
    links = Lesson.tracks.through.objects.filter(
        track_id__in=[t.pk for t in tracks],
        lesson__status=Status.PUBLISHED,
        lesson__archived=False,
        lesson__module__status=Status.PUBLISHED,
        lesson__module__archived=False,
    ).values_list("lesson_id", "track_id")
    lessons_of: dict[int, set[int]] = defaultdict(set)
    for lesson_id, track_id in links:
        lessons_of[track_id].add(lesson_id)
    done = set(
        LessonProgress.objects.for_user(user)
        .filter(completed_at__isnull=False, lesson__course=course)
        .values_list("lesson_id", flat=True)
    )
    mastery_by_slug = {g.key: g.percent for g in course_mastery.tracks} if course_mastery else {}
    return [
        TrackProgress(
            track=track,
            lessons_total=len(lessons_of[track.pk]),
            lessons_done=len(lessons_of[track.pk] & done),
            mastery_percent=mastery_by_slug.get(track.slug),
        )
        for track in tracks
    ]


# --- Quizzes -------------------------------------------------------------------------------------------


@dataclass
class QuizScores:
    quiz: Quiz
    attempts: int
    best: float | None
    latest: float | None
    latest_passed: bool | None
    ever_passed: bool

    @property
    def best_percent(self) -> int | None:
        return None if self.best is None else round(self.best)

    @property
    def latest_percent(self) -> int | None:
        return None if self.latest is None else round(self.latest)


def quiz_scores(user, course: Course) -> list[QuizScores]:
    """Best and latest submitted score of every published quiz of the course (one query)."""
    submitted = QuizAttempt.objects.filter(user=user, quiz=OuterRef("pk"), submitted_at__isnull=False)
    latest = submitted.order_by("-submitted_at", "-pk")
    quizzes = (
        Quiz.objects.published()
        .filter(course=course, module__status=Status.PUBLISHED, module__archived=False)
        .annotate(
            n_attempts=Count("attempts", filter=Q(attempts__user=user, attempts__submitted_at__isnull=False)),
            best=Max(
                "attempts__percent", filter=Q(attempts__user=user, attempts__submitted_at__isnull=False)
            ),
            passes=Count("attempts", filter=Q(attempts__user=user, attempts__passed=True)),
            latest=Subquery(latest.values("percent")[:1]),
            latest_passed=Subquery(latest.values("passed")[:1]),
        )
        .order_by("module__position", "module__pk", "position", "pk")
    )
    return [
        QuizScores(
            quiz=quiz,
            attempts=quiz.n_attempts,
            best=quiz.best,
            latest=quiz.latest,
            latest_passed=quiz.latest_passed,
            ever_passed=bool(quiz.passes),
        )
        for quiz in quizzes
    ]


@dataclass(frozen=True)
class HistoryPoint:
    number: int  # 1…n, oldest first
    quiz_title: str
    attempt_number: int
    submitted_at: datetime
    percent: int
    passed: bool | None
    pass_mark: int


def score_history(user, course: Course, *, limit: int = HISTORY_LIMIT) -> list[HistoryPoint]:
    """The latest `limit` submitted attempts, oldest first (one query)."""
    attempts = list(
        QuizAttempt.objects.for_user(user)
        .filter(submitted_at__isnull=False, quiz__course=course)
        .select_related("quiz")
        .order_by("-submitted_at", "-pk")[:limit]
    )
    attempts.reverse()
    return [
        HistoryPoint(
            number=index,
            quiz_title=attempt.quiz.title,
            attempt_number=attempt.number,
            submitted_at=attempt.submitted_at,
            percent=round(attempt.percent or 0),
            passed=attempt.passed,
            pass_mark=attempt.quiz.pass_mark,
        )
        for index, attempt in enumerate(attempts, start=1)
    ]


# --- The chart (server-rendered SVG) --------------------------------------------------------------------


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    point: HistoryPoint

    # SVG coordinates as plain strings (templates must not localise them).
    @property
    def cx(self) -> str:
        return f"{self.x:.1f}"

    @property
    def cy(self) -> str:
        return f"{self.y:.1f}"

    @property
    def square_x(self) -> str:
        return f"{self.x - 4.5:.1f}"

    @property
    def square_y(self) -> str:
        return f"{self.y - 4.5:.1f}"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: tuple[ChartPoint, ...]
    y_ticks: tuple[tuple[str, int], ...]  # (y, label)
    x_ticks: tuple[tuple[str, int], ...]  # (x, attempt number in the history)

    @property
    def summary(self) -> str:
        """The chart in words for its <desc> (the table beside it has every number)."""
        scores = [p.point.percent for p in self.points]
        n = len(scores)
        attempts = "attempt" if n == 1 else f"{n} attempts"
        return (
            f"Your latest submitted quiz {attempts}, oldest first, scored from 0 to 100%: "
            f"lowest {min(scores)}%, highest {max(scores)}%, latest {scores[-1]}%."
        )

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def x_label_y(self) -> int:
        return self.bottom + 40

    @property
    def x_tick_y(self) -> int:
        return self.bottom + 18

    @property
    def y_tick_x(self) -> int:
        return self.left - 8

    @property
    def y_label_x(self) -> int:
        return 14

    @property
    def middle_y(self) -> str:
        return f"{(self.top + self.bottom) / 2:.1f}"

    @property
    def middle_x(self) -> str:
        return f"{(self.left + self.right) / 2:.1f}"


def chart_for(history: list[HistoryPoint], *, width: int = 640, height: int = 260) -> Chart:
    """Coordinates for the score chart: x = the attempt's place in the history, y = its percent (0–100)."""
    left, right, top, bottom = 56, width - 16, 16, height - 52

    def y_of(percent: float) -> float:
        return bottom - (bottom - top) * percent / 100

    n = len(history)

    def x_of(index: int) -> float:
        if n <= 1:
            return (left + right) / 2
        return left + (right - left) * (index - 1) / (n - 1)

    points = tuple(ChartPoint(x=x_of(p.number), y=y_of(p.percent), point=p) for p in history)
    step = 1 if n <= 10 else 2 if n <= 20 else 5
    x_ticks = tuple((f"{x_of(i):.1f}", i) for i in range(1, n + 1) if i == 1 or i == n or i % step == 0)
    y_ticks = tuple((f"{y_of(v):.1f}", v) for v in (0, 25, 50, 75, 100))
    return Chart(width, height, left, right, top, bottom, points, y_ticks, x_ticks)


# --- Activity ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    when: datetime
    text: str
    url: str = ""


def recent_activity(user, *, limit: int = RECENT_LIMIT) -> list[Activity]:
    """The latest `limit` things the learner did, newest first (five queries)."""
    events: list[Activity] = []
    for row in (
        LessonProgress.objects.for_user(user).select_related("lesson").order_by("-viewed_at", "-pk")[:limit]
    ):
        events.append(Activity(row.viewed_at, f"Opened the lesson “{row.lesson.title}”", _url(row.lesson)))
    for row in (
        LessonProgress.objects.for_user(user)
        .filter(completed_at__isnull=False)
        .select_related("lesson")
        .order_by("-completed_at", "-pk")[:limit]
    ):
        events.append(
            Activity(row.completed_at, f"Completed the lesson “{row.lesson.title}”", _url(row.lesson))
        )
    for row in (
        QuizAttempt.objects.for_user(user)
        .filter(submitted_at__isnull=False)
        .select_related("quiz")
        .order_by("-submitted_at", "-pk")[:limit]
    ):
        verdict = "passed" if row.passed else "not passed"
        events.append(
            Activity(
                row.submitted_at,
                f"Submitted “{row.quiz.title}” (attempt {row.number}): {round(row.percent or 0)}%, {verdict}",
                _url(row.quiz),
            )
        )
    for row in (
        ReviewLog.objects.filter(card__user=user, source="review")
        .select_related("card__question")
        .order_by("-reviewed_at", "-pk")[:limit]
    ):
        verdict = "right" if row.correct else "wrong"
        events.append(Activity(row.reviewed_at, f"Reviewed “{row.card.question}”: {verdict}"))
    for row in (
        SimulationRun.objects.for_user(user)
        .filter(finished_at__isnull=False, ending__isnull=False)
        .select_related("simulation", "ending")
        .order_by("-finished_at", "-pk")[:limit]
    ):
        events.append(
            Activity(
                row.finished_at,
                f"Finished the simulation “{row.simulation.title}”: {row.ending.title}",
                _url(row.simulation),
            )
        )
    events.sort(key=lambda event: event.when, reverse=True)
    return events[:limit]


def _url(obj) -> str:
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:
        return ""


def active_dates(user) -> set[date]:
    """Distinct UTC dates on which the learner did anything (one query, a UNION in the database)."""

    def dates(queryset, field_name: str):
        return (
            queryset.filter(**{f"{field_name}__isnull": False})
            .annotate(day=TruncDate(field_name, tzinfo=UTC))
            .values_list("day", flat=True)
            .order_by()
        )

    parts = [
        dates(LessonProgress.objects.filter(user=user), "viewed_at"),
        dates(LessonProgress.objects.filter(user=user), "completed_at"),
        dates(CheckAnswer.objects.filter(user=user), "answered_at"),
        dates(QuizAttempt.objects.filter(user=user), "started_at"),
        dates(QuizAttempt.objects.filter(user=user), "submitted_at"),
        dates(Response.objects.filter(attempt__user=user), "answered_at"),
        dates(ReviewLog.objects.filter(card__user=user), "reviewed_at"),
        dates(SimulationRun.objects.filter(user=user), "started_at"),
        dates(SimulationRun.objects.filter(user=user), "finished_at"),
        dates(SimulationStep.objects.filter(run__user=user), "created_at"),
    ]
    union = parts[0].union(*parts[1:])
    result = set()
    for day in union:
        if isinstance(day, datetime):
            day = day.date()
        elif isinstance(day, str):
            day = date.fromisoformat(day[:10])
        if day is not None:
            result.add(day)
    return result


# --- Simulations ---------------------------------------------------------------------------------------


@dataclass
class SimulationOutcomes:
    title: str
    url: str
    runs: int = 0
    endings: list[tuple[str, str]] = field(default_factory=list)  # (ending title, outcome label), distinct


def simulation_outcomes(user) -> list[SimulationOutcomes]:
    """Endings reached per simulation, from the learner's finished runs (one query)."""
    try:
        from training.simulation import outcomes_for

        runs = [
            (o.simulation_slug, o.simulation_title, o.ending_title, o.outcome_label)
            for o in outcomes_for(user)
        ]
    except (ImportError, NoReverseMatch):  # the simulation pages are not installed: read the runs directly
        runs = [
            (r.simulation.slug, r.simulation.title, r.ending.title, r.ending.get_outcome_display())
            for r in SimulationRun.objects.for_user(user)
            .filter(finished_at__isnull=False, ending__isnull=False)
            .select_related("simulation", "ending")
            .order_by("-finished_at", "-pk")[:50]
        ]
    grouped: dict[str, SimulationOutcomes] = {}
    for slug, title, ending, label in runs:
        group = grouped.setdefault(slug, SimulationOutcomes(title=title, url=_sim_url(slug)))
        group.runs += 1
        if (ending, label) not in group.endings:
            group.endings.append((ending, label))
    return list(grouped.values())


def _sim_url(slug: str) -> str:
    try:
        return reverse("simulation_detail", args=[slug])
    except NoReverseMatch:
        return ""


# --- Modules -------------------------------------------------------------------------------------------


@dataclass
class ModuleSummary:
    """One module's bar on the dashboard: the path's progress, counts per kind, and mastery."""

    path: pathway.ModulePath
    mastery_percent: int | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # kind → {"total", "done", "progress"}

    def count(self, kind: str, what: str) -> int:
        return self.counts.get(kind, {}).get(what, 0)

    @property
    def lessons(self) -> dict[str, int]:
        return self.counts.get("lesson", {})

    @property
    def quizzes(self) -> dict[str, int]:
        return self.counts.get("quiz", {})

    @property
    def simulations(self) -> dict[str, int]:
        return self.counts.get("simulation", {})


def module_summaries(
    path: pathway.CoursePath, course_mastery: mastery_rules.CourseMastery | None
) -> list[ModuleSummary]:
    """Pure: per module, how many lessons are completed or opened, quizzes passed, simulations finished."""
    mastery_by_slug = {g.key: g.percent for g in course_mastery.modules} if course_mastery else {}
    summaries = []
    for module_path in path.modules:
        counts: dict[str, dict[str, int]] = {}
        for item in module_path.items:
            tally = counts.setdefault(item.kind, {"total": 0, "done": 0, "progress": 0})
            tally["total"] += 1
            if item.status == pathway.DONE:
                tally["done"] += 1
            elif item.status == pathway.IN_PROGRESS:
                tally["progress"] += 1
        summaries.append(
            ModuleSummary(
                path=module_path, mastery_percent=mastery_by_slug.get(module_path.module.slug), counts=counts
            )
        )
    return summaries


# --- The whole dashboard -------------------------------------------------------------------------------


@dataclass
class Dashboard:
    course: Course | None
    path: pathway.CoursePath | None = None
    modules: list[ModuleSummary] = field(default_factory=list)
    tracks: list[TrackProgress] = field(default_factory=list)
    mastery: mastery_rules.CourseMastery | None = None
    quizzes: list[QuizScores] = field(default_factory=list)
    history: list[HistoryPoint] = field(default_factory=list)
    chart: Chart | None = None
    activity: list[Activity] = field(default_factory=list)
    days_active: int = 0
    first_active: date | None = None
    simulations: list[SimulationOutcomes] = field(default_factory=list)
    review_due: int = 0
    next_review: datetime | None = None
    eligibility: certificates.Eligibility | None = None
    certificate: object | None = None

    @property
    def continue_item(self) -> pathway.PathItem | None:
        return self.path.next_item if self.path else None

    @property
    def attempted_quizzes(self) -> list[QuizScores]:
        return [q for q in self.quizzes if q.attempts]


def current_course(slug: str | None = None) -> Course | None:
    courses = Course.objects.published().in_order()
    if slug:
        return courses.filter(slug=slug).first()
    return courses.first()


def dashboard(user, course: Course | None, *, now: datetime | None = None) -> Dashboard:
    """Everything the progress page shows: a fixed number of queries, whatever the learner's history."""
    result = Dashboard(course=course)
    if course is not None:
        result.path = pathway.learning_path(user, courses=[course])[0]
        result.mastery = mastery_rules.load_mastery(user, course)
        result.modules = module_summaries(result.path, result.mastery)
        result.tracks = track_progress(user, course, result.mastery)
        result.quizzes = quiz_scores(user, course)
        result.history = score_history(user, course)
        result.chart = chart_for(result.history) if result.history else None
        result.eligibility = certificates.eligibility(user, course)
        result.certificate = certificates.certificate_for(user, course)
    result.activity = recent_activity(user)
    days = active_dates(user)
    result.days_active = len(days)
    result.first_active = min(days) if days else None
    result.simulations = simulation_outcomes(user)
    result.review_due = review.due_count(user, now=now)
    result.next_review = review.next_due_at(user, now=now)
    return result


@dataclass
class Summary:
    """The small progress bar lesson and quiz pages show (and refresh on `progress-changed`)."""

    course: Course | None
    done: int = 0
    total: int = 0
    review_due: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def summary(user, course: Course | None = None) -> Summary:
    course = course or current_course()
    if course is None or not user.is_authenticated:
        return Summary(course=course)
    path = pathway.learning_path(user, courses=[course])[0]
    return Summary(course=course, done=path.done, total=path.total, review_due=review.due_count(user))
