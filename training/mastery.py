"""Mastery per learning objective, rolled up to module, track and course (rules: docs/progress.md).

An objective is measured by its *pool*: the questions learners can see (Question.objects.visible(): the
question, its quiz or lesson, module and course published and not archived) that are tagged with it. For each pool question only the
learner's *latest* answer counts, wherever it was given (a quiz response, a lesson check, a review), so a
learner who got a question wrong and later right is credited for what they know now.

    n = distinct pool questions answered, k = of those, answered right the latest time (full marks),
    P = pool size, need = min(PROFICIENT_MIN_QUESTIONS, P), accuracy = k / n

    not started   n == 0
    mastered      k == P                          (every question of the pool, latest answer right)
    proficient    k >= need and accuracy >= PROFICIENT_ACCURACY
    familiar      accuracy >= FAMILIAR_ACCURACY
    attempted     otherwise (answered, but fewer than half right)

Each level is worth points (LEVEL_POINTS, as in Khan Academy's mastery points: attempted earns none). A
module's, track's or the course's mastery percentage is the mean of its objectives' points; objectives
without any question ("not assessed") are left out of the mean. A track's objectives are those with at least
one pool question tagged with the track.

The functions here are pure: they take plain data (ids, tuples) and return dataclasses, so tests can check
every threshold without a database. `load_mastery()` fetches that data for one learner and one course in a
fixed number of queries (it does not grow with history or content).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from django.db.models import F, IntegerField, Q, Value
from django.db.models.functions import Cast

from training.models import (
    CheckAnswer,
    Course,
    LearningObjective,
    Question,
    Quiz,
    Response,
    ReviewLog,
    Track,
)

FAMILIAR_ACCURACY = 0.5
PROFICIENT_ACCURACY = 0.8
PROFICIENT_MIN_QUESTIONS = 3


class Level(StrEnum):
    NOT_ASSESSED = "not-assessed"
    NOT_STARTED = "not-started"
    ATTEMPTED = "attempted"
    FAMILIAR = "familiar"
    PROFICIENT = "proficient"
    MASTERED = "mastered"

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self]

    @property
    def points(self) -> int:
        return LEVEL_POINTS[self]

    @property
    def rank(self) -> int:
        return LEVEL_ORDER.index(self)


LEVEL_ORDER = [
    Level.NOT_ASSESSED,
    Level.NOT_STARTED,
    Level.ATTEMPTED,
    Level.FAMILIAR,
    Level.PROFICIENT,
    Level.MASTERED,
]
LEVEL_LABELS = {
    Level.NOT_ASSESSED: "Not assessed",
    Level.NOT_STARTED: "Not started",
    Level.ATTEMPTED: "Attempted",
    Level.FAMILIAR: "Familiar",
    Level.PROFICIENT: "Proficient",
    Level.MASTERED: "Mastered",
}
LEVEL_POINTS = {
    Level.NOT_ASSESSED: 0,
    Level.NOT_STARTED: 0,
    Level.ATTEMPTED: 0,
    Level.FAMILIAR: 50,
    Level.PROFICIENT: 80,
    Level.MASTERED: 100,
}


@dataclass(frozen=True)
class Answer:
    """One answer to one question, from any source."""

    question_id: int
    correct: bool
    answered_at: datetime


@dataclass(frozen=True)
class Mastery:
    level: Level
    pool: int  # P
    answered: int  # n
    right: int  # k

    @property
    def points(self) -> int:
        return self.level.points

    @property
    def assessed(self) -> bool:
        return self.level is not Level.NOT_ASSESSED


def latest_answers(answers: Iterable[Answer]) -> dict[int, Answer]:
    """The latest answer per question (a tie on time keeps the later one in the input)."""
    latest: dict[int, Answer] = {}
    for answer in answers:
        current = latest.get(answer.question_id)
        if current is None or answer.answered_at >= current.answered_at:
            latest[answer.question_id] = answer
    return latest


def level_for(pool: int, answered: int, right: int) -> Level:
    """The level for a pool of `pool` questions of which `answered` were answered, `right` right (latest)."""
    if pool <= 0:
        return Level.NOT_ASSESSED
    if answered <= 0:
        return Level.NOT_STARTED
    need = min(PROFICIENT_MIN_QUESTIONS, pool)
    accuracy = right / answered
    if right == pool:
        return Level.MASTERED
    if right >= need and accuracy >= PROFICIENT_ACCURACY:
        return Level.PROFICIENT
    if accuracy >= FAMILIAR_ACCURACY:
        return Level.FAMILIAR
    return Level.ATTEMPTED


def mastery_of(pool: Iterable[int], latest: Mapping[int, Answer]) -> Mastery:
    """Mastery over a pool of question ids, given the latest answer per question."""
    pool_ids = set(pool)
    answered = [latest[qid] for qid in pool_ids if qid in latest]
    right = sum(1 for answer in answered if answer.correct)
    return Mastery(
        level=level_for(len(pool_ids), len(answered), right),
        pool=len(pool_ids),
        answered=len(answered),
        right=right,
    )


def percent_of(masteries: Iterable[Mastery]) -> int | None:
    """Mean points of the assessed masteries, rounded to a whole percent; None when none is assessed."""
    points = [m.points for m in masteries if m.assessed]
    if not points:
        return None
    return round(sum(points) / len(points))


# --- Loading one learner's data for one course --------------------------------------------------------


@dataclass
class ObjectiveMastery:
    objective: LearningObjective
    mastery: Mastery


@dataclass
class GroupMastery:
    """A module's or track's objectives and their rolled-up percentage."""

    key: str
    title: str
    objectives: list[ObjectiveMastery] = field(default_factory=list)

    @property
    def percent(self) -> int | None:
        return percent_of(item.mastery for item in self.objectives)

    @property
    def counts(self) -> dict[Level, int]:
        counts = {level: 0 for level in LEVEL_ORDER}
        for item in self.objectives:
            counts[item.mastery.level] += 1
        return counts


@dataclass
class CourseMastery:
    objectives: list[ObjectiveMastery]
    modules: list[GroupMastery]
    tracks: list[GroupMastery]

    @property
    def percent(self) -> int | None:
        return percent_of(item.mastery for item in self.objectives)

    def for_objective(self, slug: str) -> Mastery | None:
        for item in self.objectives:
            if item.objective.slug == slug:
                return item.mastery
        return None


def answers_for(user, *, course: Course | None = None) -> list[Answer]:
    """Every answer of the learner that counts for mastery: one query (a UNION ALL), whatever the history.

    Quiz responses count once the learner has seen their feedback: always in practice mode, after
    submission in assessment mode (mastery must not reveal an answer's correctness early). The answers come
    in the order responses, lesson checks, reviews (latest_answers keeps the later one of a tie on time).
    """
    return answers_by_user([user.pk], course=course).get(user.pk, [])


def answers_by_user(user_ids, *, course: Course | None = None) -> dict[int, list[Answer]]:
    """answers_for() of several learners at once (the instructor's learner table): one query."""
    responses = Response.objects.filter(attempt__user_id__in=user_ids).filter(
        Q(attempt__submitted_at__isnull=False) | Q(attempt__quiz__mode=Quiz.Mode.PRACTICE)
    )
    checks = CheckAnswer.objects.filter(user_id__in=user_ids)
    reviews = ReviewLog.objects.filter(card__user_id__in=user_ids, source="review")
    if course is not None:
        responses = responses.filter(question__course=course)
        checks = checks.filter(question__course=course)
        reviews = reviews.filter(card__question__course=course)

    def part(queryset, source: int, learner: str, question: str, when: str):
        return (
            queryset.annotate(
                origin=Cast(Value(source), IntegerField()), learner=F(learner), qid=F(question), at=F(when)
            )
            .values_list("origin", "learner", "qid", "correct", "at")
            .order_by()
        )

    rows = part(responses, 0, "attempt__user_id", "question_id", "answered_at").union(
        part(checks, 1, "user_id", "question_id", "answered_at"),
        part(reviews, 2, "card__user_id", "card__question_id", "reviewed_at"),
        all=True,
    )
    ordered = sorted(rows, key=lambda row: row[0])  # stable: each source keeps its rows' order
    result: dict[int, list[Answer]] = defaultdict(list)
    for _, learner, qid, correct, at in ordered:
        result[learner].append(Answer(qid, bool(correct), _aware(at)))
    return dict(result)


def _aware(value) -> datetime:
    """A UNION's datetime column as an aware UTC datetime (SQLite may return the stored text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


@dataclass
class MasteryContent:
    """The learner-independent side of mastery for one course: objectives (with .module), their pools, the
    course's tracks and their questions. Cached per content version (training.content_cache)."""

    objectives: list[LearningObjective]
    pools: dict[int, set[int]]
    tracks: list[Track]
    questions_of_track: dict[int, set[int]]


def mastery_content(course: Course) -> MasteryContent:
    """Objectives, pools, tracks and track questions of the course (four queries)."""
    objectives = list(
        LearningObjective.objects.visible()
        .filter(course=course)
        .select_related("module")
        .order_by("module__position", "module__pk", "position", "pk")
    )
    by_id = {objective.pk: objective for objective in objectives}
    objective_links = Question.objectives.through.objects.filter(
        Question.objects.visible_q("question__"), learningobjective_id__in=by_id
    ).values_list("question_id", "learningobjective_id")
    pools: dict[int, set[int]] = defaultdict(set)
    for question_id, objective_id in objective_links:
        pools[objective_id].add(question_id)

    tracks = list(Track.objects.visible().filter(course=course).in_order())
    track_links = Question.tracks.through.objects.filter(
        Question.objects.visible_q("question__"), track_id__in=[track.pk for track in tracks]
    ).values_list("question_id", "track_id")
    return MasteryContent(objectives, dict(pools), tracks, grouped(track_links))


def grouped(pairs: Iterable[tuple[int, int]]) -> dict[int, set[int]]:
    """(item id, group id) pairs, e.g. (question, track) links, as group id → item ids."""
    groups: dict[int, set[int]] = defaultdict(set)
    for item_id, group_id in pairs:
        groups[group_id].add(item_id)
    return dict(groups)


def cached_mastery_content(course: Course) -> MasteryContent:
    """mastery_content() from the content cache, keyed by the course and its content version."""
    from training.content_cache import cached, make_key

    return cached(make_key("mastery", course.pk, course.content_version), lambda: mastery_content(course))


def load_mastery(
    user,
    course: Course,
    *,
    content: MasteryContent | None = None,
    answers: Iterable[Answer] | None = None,
) -> CourseMastery:
    """The learner's mastery of every objective of the course, whatever the history: two queries (the
    content version and the answers), plus four when the course's content is not cached yet. Pass
    `content` and `answers` when the caller already has them."""
    content = content or cached_mastery_content(course)
    latest = latest_answers(answers if answers is not None else answers_for(user, course=course))
    return build_course_mastery(
        content.objectives, content.pools, content.tracks, content.questions_of_track, latest
    )


def build_course_mastery(
    objectives: list[LearningObjective],
    pools: Mapping[int, set[int]],
    tracks: list[Track],
    questions_of_track: Mapping[int, set[int]],
    latest: Mapping[int, Answer],
) -> CourseMastery:
    """Pure: objectives (with .module loaded) and pools → masteries and their roll-ups."""
    items = [ObjectiveMastery(o, mastery_of(pools.get(o.pk, ()), latest)) for o in objectives]
    modules: dict[int, GroupMastery] = {}
    for item in items:
        module = item.objective.module
        group = modules.setdefault(module.pk, GroupMastery(key=module.slug, title=module.title))
        group.objectives.append(item)
    track_groups = []
    for track in tracks:
        in_track = questions_of_track.get(track.pk, set())
        track_groups.append(
            GroupMastery(
                key=track.slug,
                title=track.name,
                objectives=[item for item in items if pools.get(item.objective.pk, set()) & in_track],
            )
        )
    return CourseMastery(objectives=items, modules=list(modules.values()), tracks=track_groups)
