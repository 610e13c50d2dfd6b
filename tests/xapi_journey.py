"""A learner's journey through the example course (docs/examples/example-course.yaml), page by page through
the test client, that sets off every learning event xAPI reports. Shared by the outbox tests and the Ralph
LRS acceptance test."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.core.management import call_command
from django.utils import timezone

from tests.learn_helpers import right_answer_data
from training import answer_forms, review
from training.models import Course, Lesson, Question, Quiz, QuizAttempt, ReviewCard, ReviewLog, Simulation

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "example-course.yaml"

# Every kind of event the journey produces (xapi QueuedStatement.verb), in the order they first occur.
EVENTS = [
    "lesson-viewed",
    "question-answered",
    "lesson-completed",
    "quiz-completed",
    "simulation-decision",
    "simulation-ended",
    "review-rated",
    "certificate-issued",
]
# The role-play's events (roleplay_negotiation): a proposal, then the agreement (one statement per role-holder).
ROLEPLAY_EVENTS = ["roleplay-proposal", "roleplay-agreement"]


def load_example_course() -> Course:
    with open("/dev/null", "w") as quiet:
        call_command("load_curriculum", str(EXAMPLE), stdout=quiet)
    return Course.objects.get(slug="example-course")


def ok(response, *codes: int) -> None:
    assert response.status_code in (codes or (200, 302)), (response.status_code, response.content[:400])


def read_lessons(client, course: Course) -> None:
    """Open every lesson, answer its checks right, mark it complete."""
    for lesson in Lesson.objects.visible().filter(course=course).order_by("module__position", "position"):
        ok(client.get(f"/lessons/{lesson.slug}/"))
        for check in Question.objects.visible().filter(lesson=lesson):
            ok(client.post(f"/lessons/{lesson.slug}/checks/{check.pk}/", right_answer_data(check)))
        ok(client.post(f"/lessons/{lesson.slug}/complete/"))


def take_quiz(client, quiz: Quiz, user) -> QuizAttempt:
    """Start the quiz, answer every question right, submit."""
    ok(client.post(f"/quizzes/{quiz.slug}/start/"))
    attempt = QuizAttempt.objects.filter(user=user, quiz=quiz).latest("number")
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    base = f"/quizzes/{quiz.slug}/attempts/{attempt.pk}"
    for number, question_id in enumerate(attempt.question_ids, start=1):
        ok(client.post(f"{base}/questions/{number}/", right_answer_data(questions[question_id], attempt)))
    ok(client.post(f"{base}/submit/"))
    attempt.refresh_from_db()
    assert attempt.passed, "the journey answers every question right"
    return attempt


def play_simulation(client, simulation: Simulation, user, options: list[str]) -> None:
    """Start a run and choose `options` in turn (the last one reaches an ending)."""
    ok(client.post(f"/simulations/{simulation.slug}/start/"))
    run = simulation.runs.filter(user=user).latest("pk")
    for step, key in enumerate(options, start=1):
        run.refresh_from_db()
        response = client.post(
            f"/simulations/{simulation.slug}/runs/{run.pk}/choose/",
            {"node": run.current_node_id, "option": key, "step": step},
        )
        ok(response)
    run.refresh_from_db()
    assert run.ending is not None


def review_one(client, user) -> ReviewLog:
    """Bring one single-answer card due, answer it right on the review page, then re-rate it easy."""
    card = ReviewCard.objects.filter(user=user, question__kind="single").order_by("pk").first()
    assert card is not None, "answering questions created review cards"
    ReviewCard.objects.filter(pk=card.pk).update(due=timezone.now() - timedelta(minutes=1))
    card = review.get_card(user, card.pk)
    spec = review.shown_spec(card)
    right = next(c.key for c in spec.choices if c.correct)
    token = answer_forms.field_names(spec, review.scope(card))[right]
    ok(client.post(f"/review/{card.pk}/answer/", {"choice": token}))
    log = ReviewLog.objects.filter(card=card, source="review").latest("pk")
    ok(client.post(f"/review/rate/{log.pk}/", {"rating": "easy"}))
    return log


def claim_certificate(client, course: Course) -> None:
    ok(client.post(f"/progress/certificate/{course.slug}/", {"name": "Lena Learner"}))


def learner_journey(client, user, course: Course) -> None:
    """Everything, in a learner's order: lessons, the quiz, the simulation, a review, the certificate."""
    read_lessons(client, course)
    for quiz in Quiz.objects.visible().filter(course=course):
        take_quiz(client, quiz, user)
    simulation = Simulation.objects.get(course=course)
    play_simulation(client, simulation, user, ["dinner", "draft"])
    review_one(client, user)
    claim_certificate(client, course)


def roleplay_negotiation(first, second, instructor) -> None:
    """Two learners join a facilitated role-play (tests/roleplay_helpers.py's scenario) through the pages; the
    first proposes a package in private talks and the second accepts it: an agreement."""
    from django.test import Client
    from django.urls import reverse

    from roleplay.models import Group, Proposal, Session
    from tests.roleplay_helpers import load_scenario, make_cohort_with

    roleplay = load_scenario()
    cohort = make_cohort_with(instructor, first, second)
    clients = {}
    for user in (instructor, first, second):
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)
    tess, a, b = clients[instructor.pk], clients[first.pk], clients[second.pk]
    ok(tess.post(reverse("roleplay_run_start"), {"roleplay": roleplay.pk, "cohort": cohort.pk}))
    session = Session.objects.filter(roleplay=roleplay, cohort=cohort).latest("pk")
    ok(a.post(reverse("roleplay_join_code", args=[session.code])))
    ok(b.post(reverse("roleplay_join_code", args=[session.code])))
    ok(tess.post(reverse("roleplay_run_assign", args=[session.pk])))
    ok(tess.post(reverse("roleplay_run_clock", args=[session.pk]), {"action": "start"}))
    ok(tess.post(reverse("roleplay_run_clock", args=[session.pk]), {"action": "advance"}))
    group = Group.objects.get(session=session)
    ok(a.post(reverse("roleplay_propose", args=[group.pk]), {"issue-water": "b", "issue-monitoring": "b"}))
    proposal = Proposal.objects.get(group=group)
    ok(b.post(reverse("roleplay_respond", args=[group.pk, proposal.pk]), {"answer": "accept"}))
    group.refresh_from_db()
    assert group.agreed_at is not None
