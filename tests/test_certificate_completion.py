"""The completion rule a course authors (`completion:`): loaded, exported, applied by eligibility_of() alone,
and shown on the claim page condition by condition. The shipped course needs more than attempts."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_course, make_lesson, make_module, make_objective, make_question, make_quiz
from training import certificates, progress, versions
from training.completion import CompletionRule
from training.curriculum import schema as s
from training.curriculum.exporter import export_course
from training.curriculum.loader import load_curriculum, load_texts
from training.curriculum.problems import CurriculumError
from training.models import Certificate, Course, Lesson, LessonProgress, Question, Quiz, QuizAttempt, Response

pytestmark = pytest.mark.django_db
SHIPPED = Path(__file__).resolve().parent.parent / "fixtures" / "diplomacy-tracks"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

COURSE = """\
format: 1
course:
  slug: rule-course
  title: Rule course
  summary: A course with a completion rule.
{completion}modules:
  - slug: m
    title: M
    summary: M.
    quizzes:
      - slug: practice
        title: Practice
        questions:
          - slug: q1
            kind: single
            scenario: S.
            prompt: P?
            explanation: E.
            choices:
              - text: Ask why
                correct: true
              - text: Insist
"""


def test_schema_defaults_are_the_rule_defaults():
    schema_defaults = {name: field.default for name, field in s.Completion.model_fields.items()}
    assert schema_defaults == {f.name: f.default for f in fields(CompletionRule)}
    assert CompletionRule.of({}) == CompletionRule()
    assert CompletionRule(mastery="familiar").stored() == {"mastery": "familiar"}


def test_an_authored_rule_is_stored_without_its_defaults_and_exported():
    completion = "  completion:\n    practice: passed\n    lessons: all\n    mastery: proficient\n"
    load_texts({"course.yaml": COURSE.format(completion=completion)})
    course = Course.objects.get(slug="rule-course")
    assert course.completion == {"practice": "passed", "mastery": "proficient"}
    exported = export_course(course)
    assert "  completion:\n    practice: passed\n    mastery: proficient\n" in exported
    load_texts({"course.yaml": exported})  # round trip
    assert export_course(Course.objects.get(slug="rule-course")) == exported


def test_a_rule_at_its_defaults_is_omitted_from_the_export():
    load_texts({"course.yaml": COURSE.format(completion="  completion:\n    practice: attempted\n")})
    course = Course.objects.get(slug="rule-course")
    assert course.completion == {}
    assert "completion:" not in export_course(course)


@pytest.mark.parametrize(
    ("completion", "message"),
    [
        (
            "    mastery: expert\n",
            "input should be 'none', 'attempted', 'familiar', 'proficient' or 'mastered'",
        ),
        ("    practice_min_percent: 150\n", "input should be less than or equal to 100"),
        (
            "    practice: none\n    practice_min_percent: 50\n",
            "`practice_min_percent` needs `practice: attempted`",
        ),
        ("    lesons: all\n", "unknown key `lesons` (did you mean `lessons`?)"),
    ],
)
def test_invalid_rules_are_errors(completion, message):
    with pytest.raises(CurriculumError) as exc:
        load_texts({"course.yaml": COURSE.format(completion="  completion:\n" + completion)})
    assert any(message in problem.message for problem in exc.value.problems), exc.value.problems


# --- The rule applied (factories) --------------------------------------------------------------------------


@pytest.fixture
def course():
    course = make_course(title="Rules")
    module = make_module(course)
    objective = make_objective(module, text="Tell the tracks apart.")
    make_lesson(module, title="Lesson one")
    practice = make_quiz(module, title="Practice quiz")
    for _ in range(2):
        make_question(practice).objectives.add(objective)
    assessment = make_quiz(module, title="Module assessment", mode=Quiz.Mode.ASSESSMENT)
    make_question(assessment)
    return course


def attempt(user, quiz, *, percent: float, right: int = 0):
    """A submitted attempt at `percent`, with responses: the first `right` questions right, the rest wrong."""
    at = QuizAttempt.objects.create(
        user=user,
        quiz=quiz,
        number=QuizAttempt.objects.filter(user=user, quiz=quiz).count() + 1,
        started_at=T0,
        submitted_at=T0 + timedelta(minutes=5),
        percent=percent,
        passed=percent >= quiz.pass_mark,
    )
    for index, question in enumerate(quiz.questions.order_by("position", "pk")):
        correct = index < right
        Response.objects.create(
            attempt=at,
            question=question,
            answer={},
            score=1.0 if correct else 0.0,
            correct=correct,
            snapshot={},
            answered_at=T0 + timedelta(minutes=1, seconds=index),
        )
    versions.bump_learner(user.pk)
    return at


def set_rule(course, **rule):
    course.completion = CompletionRule(**rule).stored()
    course.save()


def test_default_rule_is_unchanged_practice_attempted_is_enough(learner, course):
    LessonProgress.objects.create(
        user=learner, lesson=Lesson.objects.get(course=course), viewed_at=T0, completed_at=T0
    )
    attempt(learner, Quiz.objects.get(title="Practice quiz"), percent=0)
    attempt(learner, Quiz.objects.get(title="Module assessment"), percent=100, right=1)
    e = certificates.eligibility(learner, course)
    assert e.eligible and e.objectives == [] and e.condition_count == 3


def test_practice_min_percent_needs_the_best_score_not_an_attempt(learner, course):
    set_rule(course, practice_min_percent=50, lessons="none", assessments="none")
    practice = Quiz.objects.get(title="Practice quiz")
    attempt(learner, practice, percent=0)
    e = certificates.eligibility(learner, course)
    assert [(r.quiz.title, r.rule, r.min_percent, r.best, r.met) for r in e.quizzes] == [
        ("Practice quiz", "score", 50, 0.0, False)
    ]
    assert not e.eligible
    attempt(learner, practice, percent=50, right=1)
    assert certificates.eligibility(learner, course).eligible  # exactly the minimum counts


def test_practice_passed_and_assessments_attempted(learner, course):
    set_rule(course, practice="passed", assessments="attempted", lessons="none")
    attempt(learner, Quiz.objects.get(title="Practice quiz"), percent=60)  # pass mark 70
    attempt(learner, Quiz.objects.get(title="Module assessment"), percent=0)
    e = certificates.eligibility(learner, course)
    assert [(r.quiz.title, r.rule, r.met) for r in e.quizzes] == [
        ("Practice quiz", "pass", False),
        ("Module assessment", "attempt", True),
    ]


def test_mastery_level_on_every_assessed_objective(learner, course):
    set_rule(course, lessons="none", practice="none", assessments="none", mastery="familiar")
    module = course.modules.get()
    make_objective(module, text="Never assessed")  # no question: left out, as in the mastery roll-ups
    practice = Quiz.objects.get(title="Practice quiz")
    e = certificates.eligibility(learner, course)
    assert [(o.objective.text, o.level.value, o.met, o.practice) for o in e.objectives] == [
        ("Tell the tracks apart.", "not-started", False, practice)
    ]
    attempt(learner, practice, percent=0)  # two wrong answers: attempted
    assert [o.level.value for o in certificates.eligibility(learner, course).objectives] == ["attempted"]
    attempt(learner, practice, percent=50, right=1)  # one of two right: familiar
    e = certificates.eligibility(learner, course)
    assert [(o.level.value, o.met) for o in e.objectives] == [("familiar", True)] and e.eligible


def test_final_none_treats_the_final_quiz_like_its_mode(learner, course):
    final = Quiz.objects.get(title="Module assessment")
    course.final_quiz = final
    set_rule(course, final="none", assessments="attempted")
    e = certificates.eligibility(learner, course)
    assert e.final is None
    assert ("Module assessment", "attempt") in [(r.quiz.title, r.rule) for r in e.quizzes]


def test_dashboard_applies_the_same_rule(learner, course):
    set_rule(course, practice_min_percent=50, mastery="proficient")
    attempt(learner, Quiz.objects.get(title="Practice quiz"), percent=50, right=1)
    dash = progress.dashboard(learner, course)
    alone = certificates.eligibility(learner, course)

    def facts(e):
        return (
            [(r.quiz.pk, r.rule, r.met, r.best) for r in e.quizzes],
            [(o.objective.pk, o.level, o.met) for o in e.objectives],
            e.lessons_met,
            e.eligible,
        )

    assert facts(dash.eligibility) == facts(alone)
    assert [(o.level.value, o.met) for o in alone.objectives] == [("familiar", False)]


@pytest.mark.parametrize("rule", [{}, {"mastery": "familiar", "practice_min_percent": 50}])
def test_eligibility_queries_do_not_grow_with_history(learner, course, rule):
    set_rule(course, **rule)
    certificates.eligibility(learner, course)  # fills the content cache

    def count():
        with CaptureQueriesContext(connection) as ctx:
            certificates.eligibility(learner, course)
        return len(ctx)

    before = count()
    for _ in range(10):
        attempt(learner, Quiz.objects.get(title="Practice quiz"), percent=50, right=1)
    assert count() == before
    assert before <= (4 if not rule else 7)  # one of them: timed attempts past their deadline (none here)


# --- The shipped course -------------------------------------------------------------------------------------


@pytest.fixture
def shipped():
    (report,) = load_curriculum([SHIPPED])
    return Course.objects.get(slug=report.course)


def finish_shipped(user, course, *, practice_percent: float, answers_right: bool):
    """Every lesson completed, every assessment and the final passed; practice quizzes at `practice_percent`.
    Every visible question gets one response, right or wrong by `answers_right` (practice quizzes) — the
    assessments' responses are right. The capstone is submitted and graded a pass by an instructor."""
    from tests.learner_data import make_user
    from training import capstones
    from training.models import Capstone

    teacher = make_user(f"grader-{user.pk}", instructor=True)
    for capstone in Capstone.objects.visible().filter(course=course):
        submission = capstones.save(user, capstone, "word " * capstone.min_words, submit=True)
        best = {c["key"]: max(level["points"] for level in c["levels"]) for c in capstone.rubric}
        capstones.grade(submission, grader=teacher, scores=best, feedback="A strong memo.")
    for lesson in Lesson.objects.visible().filter(course=course):
        LessonProgress.objects.create(user=user, lesson=lesson, viewed_at=T0, completed_at=T0)
    for quiz in Quiz.objects.visible().filter(course=course):
        practice = quiz.mode == Quiz.Mode.PRACTICE
        questions = Question.objects.visible().filter(quiz=quiz).count()
        right = (questions if answers_right else 0) if practice else questions
        attempt(user, quiz, percent=practice_percent if practice else 100, right=right)


def test_zero_percent_on_the_practice_quizzes_cannot_claim_the_shipped_certificate(client, learner, shipped):
    finish_shipped(learner, shipped, practice_percent=0, answers_right=False)
    e = certificates.eligibility(learner, shipped)
    practice = Quiz.objects.visible().filter(course=shipped, mode=Quiz.Mode.PRACTICE)
    assert e.lessons_met and e.final_met
    assert {r.quiz.pk for r in e.missing_quizzes} == set(practice.values_list("pk", flat=True))
    assert not e.eligible

    client.force_login(learner)
    html = client.get(f"/progress/certificate/{shipped.slug}/").content.decode()
    assert "Issue my certificate" not in html
    for quiz in practice:
        assert (
            f'score at least 50% on <a href="{quiz.get_absolute_url()}">{quiz.title}</a> (best so far: 0%)'
            in html
        )
    assert "Missing:" in html and "Met:</span> complete every lesson" in html
    assert "Met:</span> pass the final assessment" in html
    response = client.post(f"/progress/certificate/{shipped.slug}/", {"name": "Lena Haddad"})
    assert response.status_code == 409
    assert not Certificate.objects.exists()


def test_a_learner_meeting_every_condition_claims_the_shipped_certificate(client, learner, shipped):
    finish_shipped(learner, shipped, practice_percent=80, answers_right=True)
    from training.models import CheckAnswer

    for check in Question.objects.visible().filter(course=shipped, lesson__isnull=False):
        CheckAnswer.objects.create(
            user=learner, question=check, answer={}, score=1.0, correct=True, answered_at=T0
        )
    versions.bump_learner(learner.pk)
    e = certificates.eligibility(learner, shipped)
    assert e.objectives and all(o.met for o in e.objectives)
    assert e.eligible and e.met_count == e.condition_count

    client.force_login(learner)
    html = client.get(f"/progress/certificate/{shipped.slug}/").content.decode()
    assert "Every condition is met." in html and "Missing:" not in html
    assert "Issue my certificate" in html
    response = client.post(f"/progress/certificate/{shipped.slug}/", {"name": "Lena Haddad"})
    assert response.status_code == 302
    assert Certificate.objects.get().name == "Lena Haddad"


def test_the_shipped_course_authors_its_rule():
    (report,) = load_curriculum([SHIPPED])
    course = Course.objects.get(slug=report.course)
    assert course.completion == {"practice_min_percent": 50, "mastery": "familiar", "capstone": "passed"}
