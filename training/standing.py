"""A learner's standing in a course: progress, mastery, track completion and status, each defined once.

- **Progress**: the course's items done (lessons completed, quizzes passed, simulations finished) out of
  every item a learner can see: pathway.CoursePath.percent.
- **Mastery**: the mean of the course's assessed objectives' mastery points (familiar 50, proficient 80,
  mastered 100, otherwise 0): mastery.CourseMastery.percent (docs/progress.md).
- **Track completion**: a track's lessons completed out of its lessons: progress.TrackProgress.percent.
- **Status**: *completed* once the certificate is issued or every condition of the course's completion rule
  is met (certificates.eligibility_of), *in progress* once anything of the course is started, else *not
  started*.

The learner's dashboard (training.progress.dashboard) and the instructor's learner table
(training.analytics.learner_rows) both take their figures from `standings()`, from the same rows, so the
same learner shows the same figures on both pages. `EXPLANATIONS` is the one-line definition both show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction

from training import certificates, pathway
from training import mastery as mastery_rules
from training import progress as dashboard_rules
from training.completion import CompletionRule
from training.models import (
    Capstone,
    CapstoneSubmission,
    Certificate,
    Course,
    LearnerVersion,
    StandingSnapshot,
)

COMPLETED, IN_PROGRESS, NOT_STARTED = "completed", "in-progress", "not-started"
STATUSES = {NOT_STARTED: "Not started", IN_PROGRESS: "In progress", COMPLETED: "Completed"}

EXPLANATIONS = {
    "progress": "Lessons completed, quizzes passed and simulations finished, of all items.",
    "mastery": "Mean mastery points of the objectives (familiar 50, proficient 80, mastered 100).",
    "tracks": "Lessons completed among the lessons about each track.",
    "status": "Completed once the certificate is earned; in progress once anything is started.",
}


@dataclass
class Standing:
    """One learner's figures in one course."""

    path: pathway.CoursePath
    mastery: mastery_rules.CourseMastery | None  # None when not computed (the instructor's unsorted rows)
    eligibility: certificates.Eligibility
    certificate: Certificate | None
    submitted_attempts: int
    last_active: datetime | None = None  # the newest lesson completed, quiz submitted or simulation ended
    attempt_stats: dict = field(default_factory=dict)  # quiz id → progress.AttemptStats

    @property
    def progress(self) -> int:
        return self.path.percent

    @property
    def mastery_percent(self) -> int | None:
        return self.mastery.percent if self.mastery is not None else None

    def count(self, kind: str, *, done: bool = True) -> int:
        return sum(1 for item in self.path.items if item.kind == kind and (item.is_done or not done))

    @property
    def lessons_done(self) -> int:
        return self.count("lesson")

    @property
    def quizzes_passed(self) -> int:
        return self.count("quiz")

    @property
    def simulations_finished(self) -> int:
        return self.count("simulation")

    @property
    def started(self) -> bool:
        return self.submitted_attempts > 0 or any(
            item.status != pathway.NOT_STARTED for item in self.path.items
        )

    @property
    def status(self) -> str:
        if self.certificate is not None or self.eligibility.eligible:
            return COMPLETED
        return IN_PROGRESS if self.started else NOT_STARTED

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]


def standings(
    course: Course,
    user_ids: list[int],
    *,
    content: dashboard_rules.CourseContent | None = None,
    with_mastery: bool = True,
) -> dict[int, Standing]:
    """The standing of each learner in the course: five queries whatever the number of learners (the path's
    four learner tables, the attempts' aggregate), one for the answers when mastery is wanted (always when the
    completion rule asks for a mastery level) and one for the certificates; the course's content comes from
    the content cache."""
    content = content or dashboard_rules.cached_course_content(course)
    user_ids = list(user_ids)
    if not user_ids:
        return {}
    needs_mastery = with_mastery or CompletionRule.of(course.completion).mastery != "none"
    states = pathway.path_states(user_ids, content.path)
    stats = dashboard_rules.attempt_stats_by_user(user_ids, content.path.quizzes)
    answers = mastery_rules.answers_by_user(user_ids, course=course) if needs_mastery else {}
    certified = {
        certificate.user_id: certificate
        for certificate in Certificate.objects.filter(course=course, user_id__in=user_ids)
    }
    capstones = capstone_standings(course, user_ids)
    result = {}
    for user_id in user_ids:
        path = pathway.build_paths(content.path, states[user_id])[0]
        course_mastery = (
            mastery_rules.load_mastery(
                None, course, content=content.mastery, answers=answers.get(user_id, [])
            )
            if needs_mastery
            else None
        )
        mine = stats.get(user_id, {})
        result[user_id] = Standing(
            path=path,
            mastery=course_mastery,
            eligibility=dashboard_rules.eligibility_from(
                course, content.path, lessons_done(path), mine, course_mastery, capstones.get(user_id, ())
            ),
            certificate=certified.get(user_id),
            submitted_attempts=sum(s.submitted for s in mine.values()),
            last_active=_newest(
                states[user_id].last_completed,
                *(s.last_submitted for s in mine.values()),
                *(row.get("last") for row in states[user_id].simulations.values()),
            ),
            attempt_stats=mine,
        )
    return result


SNAPSHOT_BATCH = 500  # learners recomputed per round of standings() queries


def snapshots(
    course: Course, user_ids: list[int], *, content: dashboard_rules.CourseContent | None = None
) -> dict[int, StandingSnapshot]:
    """Each learner's figures in the course, from their stored snapshot when it was taken at their current
    state version (training.versions.bump_learner) and the course's current content version; the others are
    recomputed with `standings()` (the dashboard's own figures) and stored. Two queries when every snapshot
    is current, whatever the number of learners."""
    content = content or dashboard_rules.cached_course_content(course)
    versions = dict(LearnerVersion.objects.filter(user_id__in=user_ids).values_list("user_id", "token"))
    found = {s.user_id: s for s in StandingSnapshot.objects.filter(course=course, user_id__in=user_ids)}
    stale = [
        user_id
        for user_id in user_ids
        if user_id not in found
        or found[user_id].learner_version != versions.get(user_id, "new")
        or found[user_id].content_version != course.content_version
    ]
    for first in range(0, len(stale), SNAPSHOT_BATCH):
        batch = stale[first : first + SNAPSHOT_BATCH]
        fresh = [
            _snapshot(course, user_id, versions.get(user_id, "new"), figure)
            for user_id, figure in standings(course, batch, content=content).items()
        ]
        try:
            with transaction.atomic():
                StandingSnapshot.objects.bulk_create(
                    fresh,
                    update_conflicts=True,
                    unique_fields=["user", "course"],
                    update_fields=[
                        f.name for f in StandingSnapshot._meta.concrete_fields if f.name in SNAPSHOT_FIGURES
                    ],
                )
        except IntegrityError:
            pass  # a learner's account was deleted meanwhile: the figures are still right for this page
        found.update((snapshot.user_id, snapshot) for snapshot in fresh)
    return {user_id: found[user_id] for user_id in user_ids}


SNAPSHOT_FIGURES = {
    "learner_version",
    "content_version",
    "progress",
    "lessons_done",
    "quizzes_passed",
    "simulations_finished",
    "attempts",
    "mastery",
    "status",
    "last_active",
}


def _snapshot(course: Course, user_id: int, version: str, figure: Standing) -> StandingSnapshot:
    # The version read before computing: a write meanwhile gives the learner a new one, so this snapshot
    # is recomputed at the next read rather than trusted.
    return StandingSnapshot(
        user_id=user_id,
        course=course,
        learner_version=version,
        content_version=course.content_version,
        progress=figure.progress,
        lessons_done=figure.lessons_done,
        quizzes_passed=figure.quizzes_passed,
        simulations_finished=figure.simulations_finished,
        attempts=figure.submitted_attempts,
        mastery=figure.mastery_percent,
        status=figure.status,
        last_active=figure.last_active,
    )


def capstone_standings(course: Course, user_ids: list[int]) -> dict[int, list]:
    """Each learner's (capstone, submission or None) pairs when the completion rule counts capstones (two
    queries whatever the number of learners; none otherwise)."""
    if CompletionRule.of(course.completion).capstone == "none":
        return {}
    capstones = list(Capstone.objects.visible().filter(course=course).in_order())
    if not capstones:
        return {}
    submissions: dict[tuple[int, int], CapstoneSubmission] = {
        (s.user_id, s.capstone_id): s
        for s in CapstoneSubmission.objects.filter(user_id__in=user_ids, capstone__in=capstones)
    }
    return {
        user_id: [(capstone, submissions.get((user_id, capstone.pk))) for capstone in capstones]
        for user_id in user_ids
    }


def standing_of(user, course: Course, *, content: dashboard_rules.CourseContent | None = None) -> Standing:
    """One learner's standing (the dashboard's)."""
    return standings(course, [user.pk], content=content)[user.pk]


def _newest(*times):
    present = [time for time in times if time is not None]
    return max(present) if present else None


def lessons_done(path: pathway.CoursePath) -> set[int]:
    """The ids of the path's completed lessons."""
    return {item.obj.pk for item in path.items if item.kind == "lesson" and item.is_done}
