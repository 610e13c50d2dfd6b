"""The learning path: each course's modules in order, with their lessons, simulations and quizzes, the
learner's status on each, per-module progress and the one "Continue" item.

A fixed number of queries whatever the size of the course or the learner's history: one per content table,
one per learner-state table (aggregated in the database), nothing per item.

Status rules (shown as icon and text, never colour alone):
- lesson: done when marked complete; in progress when opened or a check was answered; else not started.
- quiz: done when an attempt passed; in progress when an attempt is open or submitted without passing.
- simulation: done when a run reached an ending; in progress when a run is open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import Count, F, IntegerField, Max, Q, QuerySet, Value
from django.urls import reverse

from training.models import (
    CheckAnswer,
    Course,
    Lesson,
    LessonProgress,
    Module,
    Question,
    Quiz,
    QuizAttempt,
    Simulation,
    SimulationRun,
)


class _QuestionCount(TypedDict):
    question_count: int


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    # A quiz of path_content(): annotated with the number of its published questions.
    QuizWithCount = WithAnnotations[Quiz, _QuestionCount]


DONE, IN_PROGRESS, NOT_STARTED = "done", "progress", "todo"
STATUS_TEXT = {DONE: "Done", IN_PROGRESS: "In progress", NOT_STARTED: "Not started"}
KIND_TEXT = {"lesson": "Lesson", "simulation": "Simulation", "quiz": "Quiz"}


@dataclass
class PathItem:
    kind: str  # lesson | simulation | quiz
    obj: Lesson | Quiz | Simulation
    status: str = NOT_STARTED
    detail: str = ""  # e.g. "5 min", "Best score 80%", "Attempt open"
    resume: bool = False  # an open quiz attempt or simulation run

    @property
    def title(self) -> str:
        return self.obj.title

    @property
    def url(self) -> str:
        return self.obj.get_absolute_url()

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]

    @property
    def kind_text(self) -> str:
        return KIND_TEXT[self.kind]

    @property
    def is_done(self) -> bool:
        return self.status == DONE

    @property
    def action(self) -> str:
        """The words of the button that opens the item, before its title: "Start reading", "Resume the quiz",
        "Play the simulation again"…"""
        if self.kind == "lesson":
            return "Start reading" if self.status == NOT_STARTED else "Continue reading"
        noun = {"quiz": "the quiz", "simulation": "the simulation"}[self.kind]
        if self.resume:
            return f"Resume {noun}"
        if self.status == NOT_STARTED:
            return f"Start {noun}"
        return "Retake the quiz" if self.kind == "quiz" else "Play the simulation again"


@dataclass
class ModulePath:
    module: Module
    items: list[PathItem] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(item.is_done for item in self.items)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class CoursePath:
    course: Course
    modules: list[ModulePath] = field(default_factory=list)

    @property
    def items(self) -> list[PathItem]:
        return [item for module in self.modules for item in module.items]

    @property
    def done(self) -> int:
        return sum(module.done for module in self.modules)

    @property
    def total(self) -> int:
        return sum(module.total for module in self.modules)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def next_item(self) -> PathItem | None:
        """Continue: an open quiz attempt or simulation run that is not done yet (the learner stopped in
        the middle of it, so it resumes where it stopped), otherwise the first unfinished item in path
        order."""
        unfinished = [item for item in self.items if not item.is_done]
        return next((item for item in unfinished if item.resume), unfinished[0] if unfinished else None)

    def module_path(self, module_id: int) -> ModulePath | None:
        for module in self.modules:
            if module.module.pk == module_id:
                return module
        return None


@dataclass
class PathContent:
    """The curriculum side of learning paths (the same for every learner; picklable, so callers may cache it
    per content version and pass it to learning_path)."""

    courses: list[Course]
    modules: list[Module]
    lessons: list[Lesson]
    simulations: list[Simulation]
    quizzes: list[Quiz]  # each with question_count (QuizWithCount)


def path_content(courses) -> PathContent:
    """The visible modules, lessons, simulations and quizzes of the courses (four queries)."""
    courses = list(courses)
    course_ids = [course.pk for course in courses]
    modules = list(Module.objects.visible().filter(course_id__in=course_ids).in_order())
    module_ids = [module.pk for module in modules]
    # The body is never shown on the path (and is the one large column).
    lessons = list(Lesson.objects.visible().filter(module_id__in=module_ids).defer("body").in_order())
    simulations = list(Simulation.objects.visible().filter(module_id__in=module_ids).in_order())
    quizzes = list(
        Quiz.objects.visible()
        .filter(module_id__in=module_ids)
        # The row rule is enough for the questions of a visible quiz.
        .annotate(question_count=Count("questions", filter=Question.objects.published_q("questions__")))
        .in_order()
    )
    return PathContent(courses, modules, lessons, simulations, quizzes)


def learning_path(user, *, courses=None, content: PathContent | None = None) -> list[CoursePath]:
    """The path of every visible course (or of the given courses) for this user (anonymous: no status).
    `content`: the courses' path_content() when the caller already has it (then `courses` is ignored)."""
    if content is None:
        courses = list(courses if courses is not None else Course.objects.visible().in_order())
        if not courses:
            return []
        content = path_content(courses)
    state = PathState()
    if user is not None and user.is_authenticated:
        state = path_states([user.pk], content).get(user.pk, state)
    return build_paths(content, state)


@dataclass
class PathState:
    """One learner's rows the path's statuses come from (path_states)."""

    lessons: dict[int, str] = field(default_factory=dict)  # lesson id → DONE | IN_PROGRESS
    quizzes: dict[int, dict] = field(default_factory=dict)  # quiz id → attempts, open, passes, best
    simulations: dict[int, dict] = field(default_factory=dict)  # simulation id → open, finished, last
    last_completed: Any = None  # the newest lesson completion (the instructor's "last active")


def path_states(user_ids: list[int], content: PathContent) -> dict[int, PathState]:
    """The learners' states on the path's items: four queries whatever the number of learners, each grouped
    by learner in the database (the learner's own path and the instructor's learner table use it)."""
    states: dict[int, PathState] = {user_id: PathState() for user_id in user_ids}
    lesson_ids = [x.pk for x in content.lessons]
    for row in LessonProgress.objects.filter(user_id__in=user_ids, lesson_id__in=lesson_ids).values(
        "user_id", "lesson_id", "completed_at"
    ):
        state = states[row["user_id"]]
        state.lessons[row["lesson_id"]] = DONE if row["completed_at"] else IN_PROGRESS
        if row["completed_at"] and (
            state.last_completed is None or row["completed_at"] > state.last_completed
        ):
            state.last_completed = row["completed_at"]
    for user_id, lesson_id in (
        CheckAnswer.objects.filter(user_id__in=user_ids, question__lesson_id__in=lesson_ids)
        .values_list("user_id", "question__lesson_id")
        .distinct()
    ):
        states[user_id].lessons.setdefault(lesson_id, IN_PROGRESS)
    for row in (
        QuizAttempt.objects.filter(user_id__in=user_ids, quiz_id__in=[x.pk for x in content.quizzes])
        .values("user_id", "quiz_id")
        .annotate(
            attempts=Count("pk"),
            open=Count("pk", filter=Q(submitted_at__isnull=True)),
            passes=Count("pk", filter=Q(passed=True)),
            best=Max("percent"),
        )
        .order_by()
    ):
        states[row["user_id"]].quizzes[row["quiz_id"]] = row
    for row in (
        SimulationRun.objects.filter(
            user_id__in=user_ids, simulation_id__in=[x.pk for x in content.simulations]
        )
        .values("user_id", "simulation_id")
        .annotate(
            open=Count("pk", filter=Q(finished_at__isnull=True)),
            finished=Count("finished_at"),
            last=Max("finished_at", filter=Q(ending__isnull=False)),
        )
        .order_by()
    ):
        states[row["user_id"]].simulations[row["simulation_id"]] = row
    return states


def build_paths(content: PathContent, learner: PathState) -> list[CoursePath]:
    """Pure: the courses' paths with one learner's statuses (an empty state: a visitor's path)."""
    courses, modules, lessons = content.courses, content.modules, content.lessons
    simulations, quizzes = content.simulations, cast("list[QuizWithCount]", content.quizzes)
    lesson_state, quiz_state, sim_state = learner.lessons, learner.quizzes, learner.simulations

    by_module: dict[int, ModulePath] = {module.pk: ModulePath(module=module) for module in modules}
    for lesson in lessons:
        by_module[lesson.module_id].items.append(
            PathItem(
                kind="lesson",
                obj=lesson,
                status=lesson_state.get(lesson.pk, NOT_STARTED),
                detail=f"{lesson.minutes} min",
            )
        )
    for simulation in simulations:
        state = sim_state.get(simulation.pk)
        item = PathItem(kind="simulation", obj=simulation)
        if state:
            if state["finished"]:
                item.status = DONE
                item.detail = "Ending reached"
            if state["open"]:
                item.resume = True
                item.status = item.status if item.status == DONE else IN_PROGRESS
                item.detail = "Run in progress"
        by_module[simulation.module_id].items.append(item)
    for quiz in quizzes:
        state = quiz_state.get(quiz.pk)
        count = quiz.question_count
        item = PathItem(kind="quiz", obj=quiz, detail=f"{count} question{'s' if count != 1 else ''}")
        if state:
            if state["passes"]:
                item.status = DONE
            else:
                item.status = IN_PROGRESS
            if state["best"] is not None:
                item.detail = f"Best score {round(state['best'])}%"
            if state["open"]:
                item.resume = True
                item.detail = "Attempt in progress"
        by_module[quiz.module_id].items.append(item)

    paths = {course.pk: CoursePath(course=course) for course in courses}
    for module in modules:
        paths[module.course_id].modules.append(by_module[module.pk])
    return [paths[course.pk] for course in courses]


# --- A light outline: previous / next and one module's progress -----------------------------------------

KIND_ORDER = {"lesson": 0, "simulation": 1, "quiz": 2}  # within a module, as learning_path lists them


@dataclass(frozen=True)
class OutlineItem:
    """One item of a course in path order, without the learner's status: enough for previous / next."""

    kind: str
    pk: int
    slug: str
    title: str
    module_id: int

    @property
    def url(self) -> str:
        return reverse(f"{self.kind}_detail", args=[self.slug])


def course_outline(course) -> list[OutlineItem]:
    """The course's visible lessons, simulations and quizzes in learning-path order (one query)."""
    parts = []
    for kind, model in (("lesson", Lesson), ("simulation", Simulation), ("quiz", Quiz)):
        parts.append(
            model.objects.visible()
            .filter(module__course=course)
            .annotate(
                module_position=F("module__position"),
                kind_order=Value(KIND_ORDER[kind], output_field=IntegerField()),
            )
            .values_list("module_position", "module_id", "kind_order", "position", "pk", "slug", "title")
            .order_by()
        )
    rows = parts[0].union(*parts[1:], all=True)
    kinds = {order: kind for kind, order in KIND_ORDER.items()}
    return [
        OutlineItem(kind=kinds[kind_order], pk=pk, slug=slug, title=title, module_id=module_id)
        for _, module_id, kind_order, _, pk, slug, title in sorted(rows, key=lambda row: row[:5])
    ]


def neighbours(
    outline: list[OutlineItem], kind: str, pk: int
) -> tuple[OutlineItem | None, OutlineItem | None]:
    """The items before and after (kind, pk) in the outline."""
    index = next((i for i, item in enumerate(outline) if item.kind == kind and item.pk == pk), None)
    if index is None:
        return None, None
    return (outline[index - 1] if index else None, outline[index + 1] if index + 1 < len(outline) else None)


@dataclass(frozen=True)
class ModuleProgress:
    """How much of one module the learner has done (as ModulePath counts it)."""

    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def module_progress(user, module_id: int, outline: list[OutlineItem]) -> ModuleProgress:
    """The learner's done / total in one module: the same rules as learning_path, one query."""
    items = [item for item in outline if item.module_id == module_id]
    ids = {kind: [item.pk for item in items if item.kind == kind] for kind in KIND_ORDER}
    # What finishes an item of each kind: a completed lesson, a finished run, a passed attempt.
    finished: dict[str, tuple[QuerySet[Any], str, Q]] = {
        "lesson": (LessonProgress.objects.for_user(user), "lesson_id", Q(completed_at__isnull=False)),
        "simulation": (SimulationRun.objects.for_user(user), "simulation_id", Q(finished_at__isnull=False)),
        "quiz": (QuizAttempt.objects.for_user(user), "quiz_id", Q(passed=True)),
    }
    parts = [
        rows.filter(done_q, **{f"{column}__in": ids[kind]})
        .annotate(kind=Value(KIND_ORDER[kind], output_field=IntegerField()))
        .values_list("kind", column)
        .order_by()
        for kind, (rows, column, done_q) in finished.items()
        if ids[kind]
    ]
    done: set = set()
    if parts and user is not None and user.is_authenticated:
        done = set(parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0])
    return ModuleProgress(
        done=sum((KIND_ORDER[item.kind], item.pk) in done for item in items), total=len(items)
    )
