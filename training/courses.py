"""Courses as places: the catalogue, the learner's current course, and a course's tracks and glossary.

The *current course* is the one the learner last worked in (the newest lesson opened, check or quiz answer,
quiz started, simulation run started or review made, whatever its kind), found in one query. Home shows it;
the old site-wide pages (/tracks/, /glossary/) send the learner there. With a single published course that
course is always current; with several and no activity there is none, and home shows the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404

from training.models import (
    CheckAnswer,
    Course,
    GlossaryTerm,
    Lesson,
    LessonProgress,
    Module,
    Quiz,
    QuizAttempt,
    ReviewLog,
    Simulation,
    SimulationRun,
    Track,
)


def visible_courses() -> list[Course]:
    """The published courses, in order (one query)."""
    return list(Course.objects.visible().in_order())


def last_course_id(user) -> int | None:
    """The course of the learner's newest activity (one query: a UNION ALL ordered and limited in the
    database), or None when they have done nothing yet."""
    if user is None or not user.is_authenticated:
        return None

    def part(queryset, course: str, when: str):
        return (
            queryset.filter(**{f"{when}__isnull": False})
            .annotate(ev_course=F(course), ev_at=F(when))
            .values_list("ev_course", "ev_at")
            .order_by()
        )

    parts = [
        part(LessonProgress.objects.filter(user=user), "lesson__course_id", "viewed_at"),
        part(CheckAnswer.objects.filter(user=user), "question__course_id", "answered_at"),
        part(QuizAttempt.objects.filter(user=user), "quiz__course_id", "started_at"),
        part(SimulationRun.objects.filter(user=user), "simulation__course_id", "started_at"),
        part(ReviewLog.objects.filter(card__user=user), "card__question__course_id", "reviewed_at"),
    ]
    row = parts[0].union(*parts[1:], all=True).order_by("-ev_at")[:1]
    found = list(row)
    return found[0][0] if found else None


def current_course(user, courses: list[Course]) -> Course | None:
    """The course the learner last worked in among `courses` (the only one when there is one; None when
    there are several and they have not started any)."""
    if not courses:
        return None
    if len(courses) == 1:
        return courses[0]
    course_id = last_course_id(user)
    return next((course for course in courses if course.pk == course_id), None)


def get_course(slug: str) -> Course:
    """A published course by slug, or 404."""
    return get_object_or_404(Course.objects.visible(), slug=slug)


# --- The catalogue ------------------------------------------------------------------------------------------


@dataclass
class CatalogueEntry:
    course: Course
    modules: int
    lessons: int
    quizzes: int
    simulations: int
    minutes: int
    percent: int | None = None  # the learner's progress (pathway.CoursePath.percent), None: not started
    current: bool = False


def catalogue(user, courses: list[Course]) -> list[CatalogueEntry]:
    """Each course with its size and, for a learner, their progress in it (the learning path's rule)."""
    from training import pathway

    if not courses:
        return []
    ids = [course.pk for course in courses]
    modules = list(Module.objects.visible().filter(course_id__in=ids).values_list("course_id", flat=True))
    lessons = list(Lesson.objects.visible().filter(course_id__in=ids).values_list("course_id", "minutes"))
    quizzes = list(Quiz.objects.visible().filter(course_id__in=ids).values_list("course_id", flat=True))
    sims = list(Simulation.objects.visible().filter(course_id__in=ids).values_list("course_id", flat=True))
    paths = {}
    started: set[int] = set()
    if user is not None and user.is_authenticated:
        paths = {path.course.pk: path for path in pathway.learning_path(user, courses=courses)}
        started = {
            course_id
            for course_id, path in paths.items()
            if any(item.status != pathway.NOT_STARTED for item in path.items)
        }
    current = current_course(user, courses) if len(courses) > 1 else None
    entries = []
    for course in courses:
        path = paths.get(course.pk)
        entries.append(
            CatalogueEntry(
                course=course,
                modules=modules.count(course.pk),
                lessons=sum(1 for cid, _ in lessons if cid == course.pk),
                quizzes=quizzes.count(course.pk),
                simulations=sims.count(course.pk),
                minutes=sum(minutes for cid, minutes in lessons if cid == course.pk),
                percent=path.percent if path is not None and course.pk in started else None,
                current=current is not None and current.pk == course.pk,
            )
        )
    return entries


# --- A course's tracks and glossary -------------------------------------------------------------------------


def course_tracks(course: Course) -> list[Track]:
    return list(Track.objects.visible().filter(course=course).in_order())


def course_glossary_terms(course: Course) -> list[GlossaryTerm]:
    """The course's published glossary terms A to Z, without their tracks (one query)."""
    return list(GlossaryTerm.objects.visible().filter(course=course).order_by("term", "pk"))


def course_glossary(course: Course) -> list[GlossaryTerm]:
    return list(
        GlossaryTerm.objects.visible()
        .filter(course=course)
        .prefetch_related(Prefetch("tracks", queryset=Track.objects.visible().in_order()))
        .order_by("term", "pk")
    )
