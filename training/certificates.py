"""Course completion certificates: who may claim one, issuing it once, and finding it by its code.

Eligibility (docs/progress.md): in the course's published modules,
- every published lesson is marked complete;
- every published quiz other than the final one has a submitted attempt — practice quizzes need only be
  attempted (they are for practice), assessment quizzes must be passed;
- the course's final quiz (`final_quiz`), when it names one learners can see, is passed.
Simulations are practice and never required.

A certificate is issued once per learner and course (a database constraint; a double click gets the same
certificate) with an unguessable code: 16 random base-32 characters (80 bits), shown in groups of four.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from training import versions
from training.models import Certificate, Course, Lesson, LessonProgress, Quiz, QuizAttempt
from training.plain_text import has_control_characters

CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class NotEligible(Exception):
    """The learner has not completed what the certificate requires."""


def new_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode()  # 16 characters, no padding
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise_code(text: str) -> str:
    """A code as typed (any case, spaces or no dashes) in its canonical form; "" when it cannot be one."""
    compact = "".join(ch for ch in text.upper() if ch not in " -\t")
    if len(compact) != 16 or any(ch not in CODE_ALPHABET for ch in compact):
        return ""
    return "-".join(compact[i : i + 4] for i in range(0, 16, 4))


@dataclass
class QuizRequirement:
    quiz: Quiz
    rule: str  # "attempt" | "pass"
    met: bool

    @property
    def text(self) -> str:
        return "pass" if self.rule == "pass" else "attempt"


@dataclass
class Eligibility:
    course: Course
    lessons_total: int = 0
    lessons_done: int = 0
    quizzes: list[QuizRequirement] = field(default_factory=list)
    final: QuizRequirement | None = None

    @property
    def lessons_met(self) -> bool:
        return self.lessons_done >= self.lessons_total

    @property
    def missing_quizzes(self) -> list[QuizRequirement]:
        return [q for q in self.quizzes if not q.met]

    @property
    def final_met(self) -> bool:
        return self.final is None or self.final.met

    @property
    def eligible(self) -> bool:
        return self.lessons_met and not self.missing_quizzes and self.final_met


def eligibility_of(
    course: Course,
    *,
    lesson_ids: set[int],
    done: set[int],
    quizzes: Iterable[Quiz],
    attempted: set[int],
    passed: set[int],
) -> Eligibility:
    """The rule, written once (docs/progress.md): every visible lesson completed; practice quizzes attempted;
    assessments passed; the course's final quiz passed. Pure: from the visible lesson ids, the learner's
    completed lesson ids, the visible quizzes in path order, and the ids of the quizzes the learner has
    submitted an attempt at and passed."""
    result = Eligibility(course=course, lessons_total=len(lesson_ids), lessons_done=len(done & lesson_ids))
    for quiz in quizzes:
        if quiz.pk == course.final_quiz_id:
            result.final = QuizRequirement(quiz=quiz, rule="pass", met=quiz.pk in passed)
        elif quiz.mode == Quiz.Mode.ASSESSMENT:
            result.quizzes.append(QuizRequirement(quiz=quiz, rule="pass", met=quiz.pk in passed))
        else:
            result.quizzes.append(QuizRequirement(quiz=quiz, rule="attempt", met=quiz.pk in attempted))
    return result


def eligibility(user, course: Course) -> Eligibility:
    """What the learner still needs for the course's certificate: three queries. (The dashboard applies the
    same rule to data it already has: training.progress.)"""
    lesson_ids = set(Lesson.objects.visible().filter(course=course).values_list("pk", flat=True))
    done = set(
        LessonProgress.objects.for_user(user)
        .filter(lesson_id__in=lesson_ids, completed_at__isnull=False)
        .values_list("lesson_id", flat=True)
    )
    mine = QuizAttempt.objects.filter(user=user, quiz=OuterRef("pk"), submitted_at__isnull=False)
    quizzes = list(
        Quiz.objects.visible()
        .filter(course=course)
        .annotate(attempted=Exists(mine), passed_any=Exists(mine.filter(passed=True)))
        .order_by("module__position", "module__pk", "position", "pk")
    )
    return eligibility_of(
        course,
        lesson_ids=lesson_ids,
        done=done,
        quizzes=quizzes,
        attempted={quiz.pk for quiz in quizzes if quiz.attempted},
        passed={quiz.pk for quiz in quizzes if quiz.passed_any},
    )


def certificate_for(user, course: Course) -> Certificate | None:
    return Certificate.objects.filter(user=user, course=course).first()


def default_name(user) -> str:
    return (user.get_full_name() or user.get_username()).strip()


def issue_certificate(*, user, course: Course, name: str = "", when: datetime | None = None) -> Certificate:
    """The learner's certificate for the course, issued now if they are eligible and have none yet.

    Raises NotEligible. Claiming twice (double click, second tab) returns the first certificate unchanged.
    A name with control characters is a ValueError (requests never bring one: the middleware refuses them).
    """
    if has_control_characters(name):
        raise ValueError("the name on a certificate cannot contain control characters")
    existing = certificate_for(user, course)
    if existing is not None:
        return existing
    if not eligibility(user, course).eligible:
        raise NotEligible("Complete the course first: every lesson, the quizzes and the final assessment.")
    name = (name or default_name(user)).strip()[:300] or user.get_username()
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(
                user=user,
                course=course,
                code=new_code(),
                name=name,
                issued_at=(when or datetime.now(UTC)).astimezone(UTC),
            )
            versions.bump_learner(user.pk)
            return certificate
    except IntegrityError:
        # Someone (this learner's other tab) issued it in between: the constraint kept one; return it.
        return Certificate.objects.get(user=user, course=course)


def find_certificate(code: str) -> Certificate | None:
    """The certificate with this code (for the public verification page), or None."""
    canonical = normalise_code(code)
    if not canonical:
        return None
    return Certificate.objects.select_related("course").filter(code=canonical).first()
