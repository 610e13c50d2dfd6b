"""Course completion certificates: who may claim one, issuing it once, and finding it by its code.

Eligibility (docs/progress.md) follows the course's completion rule (`completion:` in its YAML,
training.completion.CompletionRule; a course that authors none gets the defaults): in the course's published
modules,
- every published lesson is marked complete (`lessons: all`);
- every published practice quiz has a submitted attempt (`practice: attempted`), or a passed one (`passed`),
  with a best score of at least `practice_min_percent`; every assessment quiz is passed (`assessments`);
- the course's final quiz (`final_quiz`), when it names one learners can see, is passed (`final: passed`);
- every assessed learning objective is at least at the `mastery` level (training.mastery).
Simulations are practice and never required.

A certificate is issued once per learner and course (a database constraint; a double click gets the same
certificate) with an unguessable code: 16 random base-32 characters (80 bits), shown in groups of four.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Subquery

from training import versions
from training.capstones import CapstoneRequirement, standing
from training.completion import CompletionRule
from training.mastery import CourseMastery, Level, load_mastery
from training.models import (
    Capstone,
    CapstoneSubmission,
    Certificate,
    Course,
    LearningObjective,
    Lesson,
    LessonProgress,
    Quiz,
    QuizAttempt,
)
from training.plain_text import has_control_characters
from training.quizzes import submit_expired
from xapi import record

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
    rule: str  # "attempt" | "pass" | "score" (a submitted attempt scoring at least min_percent)
    met: bool
    min_percent: int = 0
    best: float | None = None  # the learner's best submitted score, percent

    @property
    def text(self) -> str:
        if self.rule == "score":
            return f"score at least {self.min_percent}% on"
        return "pass" if self.rule == "pass" else "attempt"

    @property
    def best_percent(self) -> int | None:
        return None if self.best is None else round(self.best)


@dataclass
class ObjectiveRequirement:
    """An assessed objective the rule's `mastery` level applies to; `practice` is a quiz of its module."""

    objective: LearningObjective
    level: Level
    met: bool
    practice: Quiz | None = None


@dataclass
class Eligibility:
    course: Course
    rule: CompletionRule = field(default_factory=CompletionRule)
    lessons_total: int = 0
    lessons_done: int = 0
    quizzes: list[QuizRequirement] = field(default_factory=list)
    final: QuizRequirement | None = None
    objectives: list[ObjectiveRequirement] = field(default_factory=list)
    capstones: list[CapstoneRequirement] = field(default_factory=list)

    @property
    def lessons_required(self) -> bool:
        return self.rule.lessons == "all"

    @property
    def lessons_met(self) -> bool:
        return not self.lessons_required or self.lessons_done >= self.lessons_total

    @property
    def missing_quizzes(self) -> list[QuizRequirement]:
        return [q for q in self.quizzes if not q.met]

    @property
    def final_met(self) -> bool:
        return self.final is None or self.final.met

    @property
    def mastery_level(self) -> Level | None:
        """The level every assessed objective must reach, or None when the rule asks for none."""
        return None if self.rule.mastery == "none" else Level(self.rule.mastery)

    @property
    def missing_objectives(self) -> list[ObjectiveRequirement]:
        return [o for o in self.objectives if not o.met]

    @property
    def conditions(self) -> list[bool]:
        """Whether each condition the page lists is met: lessons, each quiz, the final, each objective, each
        capstone."""
        lessons = [self.lessons_met] if self.lessons_required else []
        final = [self.final.met] if self.final else []
        objectives = [o.met for o in self.objectives]
        return lessons + [q.met for q in self.quizzes] + final + objectives + [c.met for c in self.capstones]

    @property
    def missing_capstones(self) -> list[CapstoneRequirement]:
        return [c for c in self.capstones if not c.met]

    @property
    def condition_count(self) -> int:
        return len(self.conditions)

    @property
    def met_count(self) -> int:
        return sum(self.conditions)

    @property
    def eligible(self) -> bool:
        return all(self.conditions) and self.lessons_met


def eligibility_of(
    course: Course,
    *,
    lesson_ids: set[int],
    done: set[int],
    quizzes: Iterable[Quiz],
    attempted: set[int],
    passed: set[int],
    best: Mapping[int, float | None] | None = None,
    mastery: CourseMastery | None = None,
    capstones: Iterable[tuple[Capstone, CapstoneSubmission | None]] = (),
) -> Eligibility:
    """The rule, written once (docs/progress.md), as the course's completion rule sets it. Pure: from the
    visible lesson ids, the learner's completed lesson ids, the visible quizzes in path order, the ids of the
    quizzes the learner has submitted an attempt at and passed, the best submitted score per quiz, and the
    learner's mastery of the course (training.mastery.load_mastery; needed when the rule asks for a level —
    without it every objective counts as not started), and the course's capstones with the learner's
    submission of each (training.capstones.standing; needed when the rule asks for a capstone)."""
    rule = CompletionRule.of(course.completion)
    best = best or {}
    result = Eligibility(
        course=course, rule=rule, lessons_total=len(lesson_ids), lessons_done=len(done & lesson_ids)
    )
    quizzes = list(quizzes)
    for quiz in quizzes:
        if quiz.pk == course.final_quiz_id and rule.final == "passed":
            result.final = QuizRequirement(
                quiz=quiz, rule="pass", met=quiz.pk in passed, best=best.get(quiz.pk)
            )
            continue
        practice = quiz.mode != Quiz.Mode.ASSESSMENT
        wanted = rule.practice if practice else rule.assessments
        if wanted == "none":
            continue
        requirement = QuizRequirement(
            quiz=quiz, rule="attempt", met=quiz.pk in attempted, best=best.get(quiz.pk)
        )
        if wanted == "passed":
            requirement.rule, requirement.met = "pass", quiz.pk in passed
        elif practice and rule.practice_min_percent:
            score = best.get(quiz.pk)
            requirement.rule, requirement.min_percent = "score", rule.practice_min_percent
            requirement.met = score is not None and score >= rule.practice_min_percent
        result.quizzes.append(requirement)
    level = result.mastery_level
    if level is not None:
        first_quiz: dict[int, Quiz] = {}
        for quiz in quizzes:
            first_quiz.setdefault(quiz.module_id, quiz)
        for item in mastery.objectives if mastery is not None else []:
            if item.mastery.assessed:
                result.objectives.append(
                    ObjectiveRequirement(
                        objective=item.objective,
                        level=item.mastery.level,
                        met=item.mastery.level.rank >= level.rank,
                        practice=first_quiz.get(item.objective.module_id),
                    )
                )
    if rule.capstone != "none":
        result.capstones = [CapstoneRequirement(c, submission, rule.capstone) for c, submission in capstones]
    return result


def eligibility(user, course: Course) -> Eligibility:
    """What the learner still needs for the course's certificate: three queries, and mastery's (two, four
    more when the course's content is not cached) when the rule asks for a level. (The dashboard applies
    the same rule to data it already has: training.progress.) Timed attempts past their deadline are
    submitted first (one more query)."""
    submit_expired(QuizAttempt.objects.for_user(user))
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
        .annotate(
            attempted=Exists(mine),
            passed_any=Exists(mine.filter(passed=True)),
            best=Subquery(mine.order_by(F("percent").desc(nulls_last=True)).values("percent")[:1]),
        )
        .order_by("module__position", "module__pk", "position", "pk")
    )
    rule = CompletionRule.of(course.completion)
    needs_mastery = rule.mastery != "none"
    return eligibility_of(
        course,
        lesson_ids=lesson_ids,
        done=done,
        quizzes=quizzes,
        attempted={quiz.pk for quiz in quizzes if quiz.attempted},
        passed={quiz.pk for quiz in quizzes if quiz.passed_any},
        best={quiz.pk: quiz.best for quiz in quizzes},
        mastery=load_mastery(user, course) if needs_mastery else None,
        capstones=standing(user, course) if rule.capstone != "none" else (),
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
        raise NotEligible("Complete the course first: the page lists what the certificate still needs.")
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
            record.certificate_issued(user=user, certificate=certificate)
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
