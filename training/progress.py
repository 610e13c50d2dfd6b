"""The "My progress" dashboard: everything it shows about one learner, in a fixed number of queries.

Rules and thresholds are documented in docs/progress.md. Pieces:
- the learning path (training.pathway: item statuses, module percentages, the Continue item);
- track progress: the share of a track's published lessons the learner has completed;
- mastery by objective, rolled up (training.mastery);
- quizzes: best and latest submitted score per quiz, and the score history drawn as a chart
  (training.score_chart);
- recent activity and days active (training.activity);
- simulation outcomes reached; the review queue's size; certificate eligibility.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from django.db.models import (
    Count,
    Max,
    OuterRef,
    Q,
    Subquery,
)
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from training import certificates, motivation, pathway, review, standing
from training import mastery as mastery_rules
from training.activity import Activity, active_dates, recent_activity
from training.calibration import CalibrationChart, Level, calibration_chart, calibration_for_user
from training.content_cache import cached, make_key
from training.models import (
    Capstone,
    CapstoneSubmission,
    Course,
    Lesson,
    Quiz,
    QuizAttempt,
    Simulation,
    SimulationRun,
    Track,
)
from training.score_chart import Chart, HistoryPoint, chart_for, score_history

if TYPE_CHECKING:
    from training.navigation import LearnerFigures

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


def lessons_of_track(tracks: list[Track]) -> dict[int, set[int]]:
    """The visible lessons of each track (one query)."""
    links = Lesson.tracks.through.objects.filter(
        Lesson.objects.visible_q("lesson__"), track_id__in=[t.pk for t in tracks]
    ).values_list("lesson_id", "track_id")
    return mastery_rules.grouped(links)


def tracks_from(
    tracks: list[Track],
    lessons_of: dict[int, set[int]],
    done: set[int],
    course_mastery: mastery_rules.CourseMastery | None = None,
) -> list[TrackProgress]:
    """Pure: each track's lessons completed, given the ids of the learner's completed lessons."""
    mastery_by_slug = {g.key: g.percent for g in course_mastery.tracks} if course_mastery else {}
    return [
        TrackProgress(
            track=track,
            lessons_total=len(lessons_of.get(track.pk, ())),
            lessons_done=len(lessons_of.get(track.pk, set()) & done),
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
            .filter(
                Simulation.objects.visible_q("simulation__"), finished_at__isnull=False, ending__isnull=False
            )
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


# --- Mastery, weakest first ---------------------------------------------------------------------------


PRACTISE_FIRST = 3  # weakest objectives the dashboard links to a quiz to practise them


@dataclass
class MasteryRow:
    """One objective on the dashboard's mastery table, with a quiz of its module to practise it."""

    item: mastery_rules.ObjectiveMastery
    practice: Quiz | None


def weakest_first(course_mastery: mastery_rules.CourseMastery, quizzes: list[Quiz]) -> list[MasteryRow]:
    """Pure: the objectives, assessed ones first from the lowest level (then the lowest share right), each
    with the first practice quiz of its module (any quiz when the module has no practice quiz)."""
    practice: dict[int, Quiz] = {}
    for quiz in quizzes:
        if quiz.mode == Quiz.Mode.PRACTICE:
            practice.setdefault(quiz.module_id, quiz)
    for quiz in quizzes:
        practice.setdefault(quiz.module_id, quiz)

    def key(item: mastery_rules.ObjectiveMastery):
        m = item.mastery
        share = m.right / m.answered if m.answered else 0.0
        return (not m.assessed, m.level.rank, share)

    return [
        MasteryRow(
            item=item, practice=practice.get(item.objective.module_id) if item.mastery.assessed else None
        )
        for item in sorted(course_mastery.objectives, key=key)
    ]


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
    calibration: list[Level] | None = None  # certainty-based marking: accuracy per certainty level
    calibration_chart: CalibrationChart | None = None
    activity: list[Activity] = field(default_factory=list)
    days_active: int = 0
    first_active: date | None = None
    simulations: list[SimulationOutcomes] = field(default_factory=list)
    review_due: int = 0
    next_review: datetime | None = None
    eligibility: certificates.Eligibility | None = None
    certificate: object | None = None
    standing: standing.Standing | None = None
    motivation: motivation.Motivation | None = None
    mastery_rows: list[MasteryRow] = field(default_factory=list)

    @property
    def practise_first(self) -> list[MasteryRow]:
        """The weakest objectives not yet proficient that have a quiz to practise them (at most three)."""
        return [
            row
            for row in self.mastery_rows
            if row.practice is not None and row.item.mastery.level.rank < mastery_rules.Level.PROFICIENT.rank
        ][:PRACTISE_FIRST]

    @property
    def continue_item(self) -> pathway.PathItem | None:
        return self.path.next_item if self.path else None

    @property
    def attempted_quizzes(self) -> list[QuizScores]:
        return [q for q in self.quizzes if q.attempts]


def published_courses() -> list[Course]:
    """The visible courses in order (one query: it also reads their content versions)."""
    return list(Course.objects.visible().in_order())


def current_course(slug: str | None = None, *, courses: list[Course] | None = None) -> Course | None:
    courses = published_courses() if courses is None else courses
    if slug:
        return next((course for course in courses if course.slug == slug), None)
    return courses[0] if courses else None


@dataclass
class CourseContent:
    """What the dashboard reads from the curriculum alone (the same for every learner), cached per course
    and content version: the learning path's items, mastery's objectives and pools, each track's lessons."""

    path: pathway.PathContent
    mastery: mastery_rules.MasteryContent
    lessons_of_track: dict[int, set[int]]


def course_content(course: Course) -> CourseContent:
    mastery = mastery_rules.mastery_content(course)
    return CourseContent(
        path=pathway.path_content([course]),
        mastery=mastery,
        lessons_of_track=lessons_of_track(mastery.tracks),
    )


def cached_course_content(course: Course) -> CourseContent:
    return cached(make_key("dashboard", course.pk, course.content_version), lambda: course_content(course))


@dataclass(frozen=True)
class AttemptStats:
    """One quiz's attempts by the learner, as the quiz table and the certificate need them."""

    submitted: int = 0
    best: float | None = None  # best submitted percent
    passes: int = 0  # attempts marked passed
    passes_submitted: int = 0  # submitted attempts marked passed
    latest: float | None = None  # the latest submitted attempt's percent
    latest_passed: bool | None = None
    last_submitted: datetime | None = None


def attempt_stats(user, quizzes: list[Quiz]) -> dict[int, AttemptStats]:
    """Per quiz: the learner's submitted attempts, best and latest score, passes (one aggregate query)."""
    return attempt_stats_by_user([user.pk], quizzes).get(user.pk, {})


def attempt_stats_by_user(user_ids, quizzes: list[Quiz]) -> dict[int, dict[int, AttemptStats]]:
    """attempt_stats() of several learners (learner id → quiz id → stats): one aggregate query."""
    if not quizzes:
        return {}
    submitted = Q(submitted_at__isnull=False)
    latest = QuizAttempt.objects.filter(
        user=OuterRef("user_id"), quiz=OuterRef("quiz_id"), submitted_at__isnull=False
    ).order_by("-submitted_at", "-pk")
    rows = (
        QuizAttempt.objects.filter(user_id__in=user_ids, quiz_id__in=[quiz.pk for quiz in quizzes])
        .values("user_id", "quiz_id")
        .annotate(
            n_submitted=Count("pk", filter=submitted),
            best=Max("percent", filter=submitted),
            passes=Count("pk", filter=Q(passed=True)),
            passes_submitted=Count("pk", filter=submitted & Q(passed=True)),
            latest=Subquery(latest.values("percent")[:1]),
            latest_passed=Subquery(latest.values("passed")[:1]),
            last_submitted=Max("submitted_at", filter=submitted),
        )
        .order_by()
    )
    result: dict[int, dict[int, AttemptStats]] = {}
    for row in rows:
        result.setdefault(row["user_id"], {})[row["quiz_id"]] = AttemptStats(
            submitted=row["n_submitted"],
            best=row["best"],
            passes=row["passes"],
            passes_submitted=row["passes_submitted"],
            latest=row["latest"],
            latest_passed=None if row["latest_passed"] is None else bool(row["latest_passed"]),
            last_submitted=row["last_submitted"],
        )
    return result


def quizzes_in_path_order(content: pathway.PathContent) -> list[Quiz]:
    """The quizzes ordered by module, then position (as the path and the certificate list them)."""
    module_index = {module.pk: index for index, module in enumerate(content.modules)}
    return sorted(content.quizzes, key=lambda quiz: module_index[quiz.module_id])


def scores_from(quizzes: list[Quiz], stats: dict[int, AttemptStats]) -> list[QuizScores]:
    """Pure: each quiz's best and latest score, from the path's quizzes (in path order) and attempt_stats()."""
    empty = AttemptStats()
    return [
        QuizScores(
            quiz=quiz,
            attempts=(s := stats.get(quiz.pk, empty)).submitted,
            best=s.best,
            latest=s.latest,
            latest_passed=s.latest_passed,
            ever_passed=bool(s.passes),
        )
        for quiz in quizzes
    ]


def eligibility_from(
    course: Course,
    content: pathway.PathContent,
    done: set[int],
    stats: dict[int, AttemptStats],
    course_mastery: mastery_rules.CourseMastery | None = None,
    capstones: Iterable[tuple[Capstone, CapstoneSubmission | None]] = (),
) -> certificates.Eligibility:
    """certificates.eligibility_of() (the one rule) from data the dashboard already has: the path's lessons
    and quizzes, the learner's completed lessons, attempt_stats() and the learner's mastery."""
    return certificates.eligibility_of(
        course,
        lesson_ids={lesson.pk for lesson in content.lessons},  # path_content([course]): this course's only
        done=done,
        quizzes=quizzes_in_path_order(content),
        attempted={quiz_id for quiz_id, s in stats.items() if s.submitted},
        passed={quiz_id for quiz_id, s in stats.items() if s.passes_submitted},
        best={quiz_id: s.best for quiz_id, s in stats.items()},
        mastery=course_mastery,
        capstones=capstones,
    )


def dashboard(
    user,
    course: Course | None,
    *,
    now: datetime | None = None,
    content: CourseContent | None = None,
    with_queue: bool = True,
) -> Dashboard:
    """Everything the progress page shows: a fixed number of queries, whatever the learner's history.
    `with_queue=False` leaves out the review queue (due now, next due), the only part that depends on the
    time: the rest depends on the learner's rows alone (see versions.learner_version)."""
    result = Dashboard(course=course)
    if course is not None:
        # The curriculum side (the same for every learner) comes from the content cache; each learner-state
        # table is read once and shared: the path's lesson statuses give track progress and the certificate's
        # lessons, one aggregate over the learner's attempts gives quiz scores and the certificate's quizzes.
        content = content or cached_course_content(course)
        mine = standing.standing_of(user, course, content=content)
        result.standing = mine
        result.path = mine.path
        result.mastery = mine.mastery
        result.modules = module_summaries(result.path, result.mastery)
        if result.mastery is not None:
            result.mastery_rows = weakest_first(result.mastery, quizzes_in_path_order(content.path))
        done = standing.lessons_done(result.path)
        result.tracks = tracks_from(content.mastery.tracks, content.lessons_of_track, done, result.mastery)
        stats = mine.attempt_stats
        result.quizzes = scores_from(quizzes_in_path_order(content.path), stats)
        result.history = score_history(user, course)
        result.chart = chart_for(result.history) if result.history else None
        result.calibration = calibration_for_user(user, course)
        result.calibration_chart = calibration_chart(result.calibration) if result.calibration else None
        result.eligibility = mine.eligibility
        result.certificate = mine.certificate
    result.activity = recent_activity(user)
    active = active_dates(user)  # one query: days active, the first, the streak and this week's days
    result.days_active, result.first_active = len(active), min(active, default=None)
    result.motivation = motivation.motivation_for(
        active, (now or timezone.now()).astimezone(UTC).date(), motivation.goal_of(user)
    )
    result.simulations = simulation_outcomes(user)
    if with_queue:
        queue = review.queue_state(user, now=now)
        result.review_due = queue.due
        result.next_review = queue.next_due
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


def summary(user, course: Course | None = None, *, figures: LearnerFigures | None = None) -> Summary:
    """`figures`: the learner's (training.navigation) when the caller has them: the path's statuses and the
    due count then come from the cache under the learner's and the content's versions."""
    if not course and figures is not None:
        # The first published course: it changes only with a course's content version (all in the key).
        course = cached(make_key("first-course", figures.courses), current_course)
    course = course or current_course()
    if course is None or not user.is_authenticated:
        return Summary(course=course)
    if figures is None:
        path = pathway.learning_path(user, content=cached_course_content(course).path)[0]
        return Summary(course=course, done=path.done, total=path.total, review_due=review.due_count(user))
    path = learner_path(figures, course)
    return Summary(course=course, done=path.done, total=path.total, review_due=figures.review_due())


def learner_path(figures: LearnerFigures, course: Course) -> pathway.CoursePath:
    """The course's path with the learner's statuses: the content from the content cache, the statuses from
    the cache under the learner's versions (no query once both are warm)."""
    content = cached_course_content(course).path
    state = figures.cached(
        "path-state",
        lambda: pathway.path_states([figures.user.pk], content).get(figures.user.pk, pathway.PathState()),
        course.pk,
    )
    return pathway.build_paths(content, state)[0]
