"""What an LMS can link to: our lessons, quizzes, simulations, role-plays and courses, named "kind:slug" (the
`resource` custom parameter of a link, set by Deep Linking or by hand in the LMS).

A role-play is played in facilitated sessions, not on a page of its own: its link lands on the role-play join
page, which lists the open sessions of the learner's cohorts (the LMS course's cohort, once the roster has
filled it, and a session the instructor starts for it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F
from django.urls import reverse

from lms.models import Placement
from roleplay.models import RolePlay
from training.models import Course, Lesson, Quiz, Simulation

Kind = Placement.Kind

# kind → (model, URL name of its page, whether the URL takes the slug), in the catalogue's order.
_PAGES = {
    Kind.LESSON: (Lesson, "lesson_detail", True),
    Kind.QUIZ: (Quiz, "quiz_detail", True),
    Kind.SIMULATION: (Simulation, "simulation_detail", True),
    Kind.ROLEPLAY: (RolePlay, "roleplay_join", False),
}


@dataclass(frozen=True)
class Item:
    kind: str
    slug: str
    title: str
    course: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.slug}"

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label

    @property
    def gradable(self) -> bool:
        return self.kind in (Kind.QUIZ, Kind.COURSE)


def parse(key: str) -> tuple[str, str] | None:
    """ "quiz:negotiation-basics" → ("quiz", "negotiation-basics"); None for anything else."""
    kind, _, slug = (key or "").strip().partition(":")
    if kind not in Kind.values or not slug or len(slug) > 100:
        return None
    return kind, slug


def find(kind: str, slug: str) -> Item | None:
    """The visible catalogue item `kind:slug`, or None."""
    if kind == Kind.COURSE:
        course = Course.objects.visible().filter(slug=slug).first()
        return Item(kind, course.slug, course.title, course.title) if course else None
    if kind not in _PAGES:
        return None
    model = _PAGES[Kind(kind)][0]
    row = model.objects.visible().select_related("course").filter(slug=slug).first()
    return Item(kind, row.slug, row.title, row.course.title) if row else None


def page_url(kind: str, slug: str) -> str:
    """Where a launch of `kind:slug` lands (a course opens the learning path)."""
    if kind == Kind.COURSE:
        return reverse("home")
    _, url_name, takes_slug = _PAGES[Kind(kind)]
    return reverse(url_name, args=[slug] if takes_slug else [])


def course_of(kind: str, slug: str) -> Course | None:
    if kind == Kind.COURSE:
        return Course.objects.visible().filter(slug=slug).first()
    if kind not in _PAGES:
        return None
    model = _PAGES[Kind(kind)][0]
    row = model.objects.visible().select_related("course").filter(slug=slug).first()
    return row.course if row else None


def items() -> list[Item]:
    """Everything an instructor can pick in Deep Linking: each visible course, then its lessons, quizzes,
    simulations and role-plays in path order."""
    found: list[Item] = []
    for course in Course.objects.visible().order_by("title"):
        found.append(Item(Kind.COURSE, course.slug, course.title, course.title))
        for kind, (model, _, _) in _PAGES.items():
            rows = (
                model.objects.visible()
                .filter(course=course)
                .order_by(F("module__position").asc(nulls_last=True), "module__pk", "position", "pk")
            )
            found += [Item(kind, row.slug, row.title, course.title) for row in rows]
    return found
