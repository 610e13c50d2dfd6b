"""The shipped course with a learner part-way through it, built through the real views (HTTP posts), and the URL
of every page a learner or an instructor can reach in that state: what the layout and screenshot tests visit.

    tour = build_tour()          # after load_curriculum; returns a Tour
    tour.learner_pages           # {name: path} for the learner (logged in as tour.learner)
    tour.instructor_pages        # {name: path} for the instructor (tour.instructor)
    tour.visitor_pages           # {name: path} for someone not logged in
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tests.learn_helpers import right_answer_data, wrong_answer_data
from tests.learner_data import instructors_group, make_cohort
from training.certificates import new_code
from training.models import (
    Certificate,
    Course,
    Lesson,
    Question,
    Quiz,
    QuizAttempt,
    Simulation,
    SimulationRun,
    Track,
)

PASSWORD = "Tour-of-the-site-passphrase-1"


@dataclass
class Tour:
    learner: object
    instructor: object
    learner_pages: dict[str, str] = field(default_factory=dict)
    instructor_pages: dict[str, str] = field(default_factory=dict)
    visitor_pages: dict[str, str] = field(default_factory=dict)
    # Question page with its feedback shown, by kind (single, multiple, order, sort).
    feedback_pages: dict[str, str] = field(default_factory=dict)


def session_cookie(user, base: str) -> dict:
    """A browser cookie that logs `user` in on the live server at `base` (faster than the log-in form)."""
    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": base}


def optional(name: str, *args) -> str | None:
    """The URL of a page another part of the product may add (the course catalogue), or None."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def first_option(run: SimulationRun):
    """The recommended (else first) option of the run's node that has no condition on it."""
    options = run.current_node.options.published().filter(guard="")
    return options.order_by("-recommended", "position", "pk").first()


def answer_quiz(client: Client, learner, quiz: Quiz, tour: Tour | None) -> QuizAttempt:
    """Start the quiz and answer every question, the odd ones wrong; note one feedback page per kind."""
    client.post(reverse("quiz_start", args=[quiz.slug]))
    attempt = QuizAttempt.objects.filter(user=learner, quiz=quiz).latest("pk")
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    for number, question_id in enumerate(attempt.question_ids, start=1):
        question = questions[question_id]
        data = (wrong_answer_data if number % 2 else right_answer_data)(question, attempt)
        url = reverse("quiz_question", args=[quiz.slug, attempt.pk, number])
        client.post(url, data)
        if tour is not None:
            tour.feedback_pages.setdefault(question.kind, url)
    return attempt


def build_tour() -> Tour:
    User = get_user_model()
    learner = User.objects.create_user("lena", "lena@example.org", PASSWORD, first_name="Lena")
    instructor = User.objects.create_user("tess", "tess@example.org", PASSWORD, is_staff=True)
    instructor.groups.add(instructors_group())
    course = Course.objects.published().first()
    cohort = make_cohort(course, instructors=[instructor], learners=[learner], name="Spring cohort")
    client = Client()
    client.force_login(learner)
    tour = Tour(learner=learner, instructor=instructor)
    pages = tour.learner_pages

    lessons = list(Lesson.objects.published().filter(course=course).in_order())
    for lesson in lessons[:2]:
        client.post(reverse("lesson_complete", args=[lesson.slug]))
    pages["home"] = "/"
    pages["lesson"] = lessons[2].get_absolute_url()
    pages["lesson done"] = lessons[0].get_absolute_url()

    # A practice quiz with all four kinds, answered (odd questions wrong) and left open: each question page
    # shows its feedback. A second quiz answered and submitted (its results); a third started (a question).
    quizzes_ = list(Quiz.objects.published().filter(course=course).in_order())
    practice = next(q for q in quizzes_ if q.mode == "practice")
    attempt = answer_quiz(client, learner, practice, tour)
    pages["quiz intro"] = practice.get_absolute_url()
    pages["quiz review"] = reverse("quiz_attempt", args=[practice.slug, attempt.pk])
    for kind, url in tour.feedback_pages.items():
        pages[f"feedback {kind}"] = url
    finished, started = [q for q in quizzes_ if q.pk != practice.pk][:2]
    done = answer_quiz(client, learner, finished, None)
    client.post(reverse("quiz_submit", args=[finished.slug, done.pk]))
    pages["quiz results"] = reverse("quiz_results", args=[finished.slug, done.pk])
    client.post(reverse("quiz_start", args=[started.slug]))
    open_attempt = QuizAttempt.objects.filter(user=learner, quiz=started).latest("pk")
    pages["quiz question"] = reverse("quiz_question", args=[started.slug, open_attempt.pk, 1])
    pages["quiz attempt"] = reverse("quiz_attempt", args=[started.slug, open_attempt.pk])

    # Simulations: one run finished (its debrief), one part-way (a decision).
    simulations = list(Simulation.objects.published().filter(course=course).in_order())
    finished_sim = simulations[0]
    pages["simulation intro"] = finished_sim.get_absolute_url()
    client.post(reverse("simulation_start", args=[finished_sim.slug]))
    run = SimulationRun.objects.filter(user=learner, simulation=finished_sim).latest("pk")
    for _ in range(40):
        run.refresh_from_db()
        if run.finished_at:
            break
        option = first_option(run)
        client.post(
            reverse("simulation_choose", args=[finished_sim.slug, run.pk]),
            {"node": run.current_node_id, "option": option.key},
        )
    assert run.finished_at, "the tour's simulation run did not reach an ending"
    pages["simulation debrief"] = reverse("simulation_run", args=[finished_sim.slug, run.pk])
    open_sim = simulations[1] if len(simulations) > 1 else finished_sim
    client.post(reverse("simulation_start", args=[open_sim.slug]))
    open_run = SimulationRun.objects.filter(user=learner, simulation=open_sim).latest("pk")
    option = first_option(open_run)
    client.post(
        reverse("simulation_choose", args=[open_sim.slug, open_run.pk]),
        {"node": open_run.current_node_id, "option": option.key},
    )
    pages["simulation decision"] = reverse("simulation_run", args=[open_sim.slug, open_run.pk])

    tracks = list(Track.objects.published().filter(course=course).in_order())
    pages.update(
        {
            "tracks": "/tracks/",
            "track": tracks[0].get_absolute_url(),
            "compare": "/tracks/compare/",
            "glossary": "/glossary/",
            "progress": "/progress/",
            "review": "/review/",
            "certificate claim": reverse("certificate_claim", args=[course.slug]),
            "my data": "/account/data/",
            "join cohort": "/cohorts/join/",
            "password": "/accounts/password/change/",
            "forbidden": "/instructor/",
        }
    )
    certificate = Certificate.objects.create(
        user=learner, course=course, code=new_code(), name="Lena Haddad", issued_at=timezone.now()
    )
    pages["certificate"] = reverse("certificate_detail", args=[certificate.code])
    catalogue = optional("course_list")
    if catalogue:
        pages["courses"] = catalogue
        detail = optional("course_detail", course.slug)
        if detail:
            pages["course"] = detail

    tour.instructor_pages = {
        "instructor": "/instructor/",
        "cohort": reverse("instructor_cohort", args=[cohort.pk]),
        "cohort objectives": reverse("instructor_objectives", args=[cohort.pk]),
        "quiz statistics": reverse("instructor_quiz", args=[cohort.pk, practice.slug]),
        "question statistics": reverse(
            "instructor_question", args=[cohort.pk, Question.objects.get(pk=attempt.question_ids[0]).slug]
        ),
        "simulation statistics": reverse("instructor_simulation", args=[cohort.pk, finished_sim.slug]),
        "simulation map": reverse("simulation_map", args=[finished_sim.slug]),
    }
    tour.visitor_pages = {
        "home": "/",
        "log in": "/accounts/login/",
        "sign up": "/accounts/signup/",
        "password reset": "/accounts/password/reset/",
        "verify certificate": reverse("certificate_verify"),
        "certificate": pages["certificate"],
        "lesson": pages["lesson"],
        "not found": "/no-such-page/",
    }
    return tour
