"""The URL map the security and fuzz tests walk: every endpoint, classified, with its parameters filled in.

`walk()` expands every pattern of the URL configuration (django.urls.get_resolver()). Each endpoint must
match a rule in RULES and each of its parameters must have a filler in PARAMS; one that does not fails the
suite with a message saying what to add here. So a new URL cannot slip in unchecked: whoever adds it
classifies it below (one line) and tests/test_security.py and tests/test_fuzz.py cover it from then on.

Access kinds:
    PUBLIC      anyone, visitors included, by design (listed explicitly, each with why)
    LOGIN       any logged-in user; a visitor is sent to the login page
    OWNER       an object of one learner (their attempt, run, certificate…): the owner gets it, another
                learner gets 404, a visitor is sent to the login page
    STAFF       the instructor area and staff-only previews: learners get 403 or 404, visitors the login page
    ADMIN       the Django admin: learners and visitors are sent to the admin login page
    LTI         called by an LMS (LTI 1.3 login initiation and launch): no session and no CSRF token, by the
                LTI specification; the platform's signed message is the credential, and anything else is a 4xx
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

PUBLIC, LOGIN, OWNER, STAFF, ADMIN, LTI = "public", "login", "owner", "staff", "admin", "lti"
GET, POST, GET_POST = ("GET",), ("POST",), ("GET", "POST")


@dataclass(frozen=True)
class Rule:
    access: str
    methods: tuple[str, ...]
    why: str = ""  # required for PUBLIC: why a visitor may see it
    takes_next: bool = False  # reads a `next` parameter and redirects to it
    sample: dict | None = None  # a well-formed POST body, as the owner's own page would send it


# ---- Classification: one entry per URL name (fnmatch globs allowed; first match wins). --------------------
RULES: dict[str, Rule] = {
    # Site
    "home": Rule(PUBLIC, GET, why="the learning path is the landing page; visitors see the course outline"),
    "healthz": Rule(PUBLIC, GET, why="load balancers probe it without a session"),
    "favicon": Rule(PUBLIC, GET, why="browsers ask for /favicon.ico on every site: the icon"),
    # Accounts (django.contrib.auth views and our signup)
    "signup": Rule(PUBLIC, GET_POST, why="creating an account", takes_next=True),
    "signup_sent": Rule(PUBLIC, GET, why="says the sign-up email was sent"),
    "signup_confirm": Rule(PUBLIC, GET_POST, why="the emailed, signed link is the credential"),
    "login": Rule(PUBLIC, GET_POST, why="logging in", takes_next=True),
    "logout": Rule(
        PUBLIC, POST, why="logging out is harmless for a visitor (Django's LogoutView is POST-only)"
    ),
    "password_change": Rule(LOGIN, GET_POST),
    "password_change_done": Rule(LOGIN, GET),
    "password_reset": Rule(PUBLIC, GET_POST, why="a visitor who forgot the password asks for a link"),
    "password_reset_done": Rule(PUBLIC, GET, why="says the email was sent"),
    "password_reset_confirm": Rule(PUBLIC, GET_POST, why="the emailed token is the credential"),
    "password_reset_complete": Rule(PUBLIC, GET, why="says the password was set"),
    # Simulations (issue 7)
    "simulation_detail": Rule(PUBLIC, GET, why="the simulation's introduction invites visitors to sign up"),
    "simulation_start": Rule(LOGIN, POST),
    "simulation_run": Rule(OWNER, GET),
    "simulation_choose": Rule(OWNER, POST),
    "simulation_reflect": Rule(OWNER, POST, sample={"text": "What I would do differently."}),
    "simulation_map": Rule(STAFF, GET),
    "simulation_graph": Rule(STAFF, GET),
    "simulation_graph_add": Rule(
        STAFF, POST, sample={"node": "start", "text": "Ask again", "new_key": "fresh", "new_title": "Fresh"}
    ),
    "simulation_try": Rule(STAFF, GET),
    "instructor_readiness": Rule(STAFF, GET),
    "markdown_preview": Rule(STAFF, POST, sample={"body": "A **bold** start."}),
    "instructor_lesson_preview": Rule(STAFF, GET),
    "instructor_quiz_preview": Rule(STAFF, GET),
    # The case library, module reflections and the capstone (issue 19)
    "case_list": Rule(PUBLIC, GET, why="the case library is reading material, like the tracks and glossary"),
    "case_detail": Rule(PUBLIC, GET, why="a case page is reading material, like a track page"),
    "module_reflection": Rule(LOGIN, GET_POST, sample={"text": "What I learned."}),
    "capstone_detail": Rule(LOGIN, GET_POST, sample={"text": "My memo.", "action": "save"}),
    "instructor_capstones": Rule(STAFF, GET),
    "instructor_capstone_grade": Rule(STAFF, GET_POST),
    "instructor_reflections": Rule(STAFF, GET),
    # Learner pages (issue 5): the content is public so visitors can see what they would learn; answering
    # and completing ask them to log in.
    "track_list": Rule(PUBLIC, GET, why="redirects into the current course's tracks"),
    "track_compare": Rule(PUBLIC, GET, why="redirects into the current course's comparison"),
    "track_detail": Rule(PUBLIC, GET, why="redirects to the track's page in its course"),
    "glossary": Rule(PUBLIC, GET, why="redirects into the current course's glossary"),
    # Courses (issue 14): the catalogue and each course's pages are open to visitors, like the path.
    "course_list": Rule(PUBLIC, GET, why="the catalogue shows visitors what they could learn"),
    "course_detail": Rule(PUBLIC, GET, why="a course's path, tracks and glossary, as on the home page"),
    "course_glossary": Rule(PUBLIC, GET, why="reference page"),
    "course_tracks": Rule(PUBLIC, GET, why="reference page"),
    "course_track_compare": Rule(PUBLIC, GET, why="reference page"),
    "course_track": Rule(PUBLIC, GET, why="reference page"),
    "lesson_detail": Rule(PUBLIC, GET, why="lessons are readable before signing up"),
    "lesson_check": Rule(LOGIN, POST),
    "lesson_complete": Rule(LOGIN, POST),
    "quiz_detail": Rule(PUBLIC, GET, why="the quiz introduction invites visitors to sign up"),
    "quiz_start": Rule(LOGIN, POST),
    "quiz_attempt": Rule(OWNER, GET),
    "quiz_question": Rule(OWNER, GET_POST),
    "quiz_submit": Rule(OWNER, POST),
    "quiz_hint": Rule(OWNER, POST, sample={"shown": "0"}),
    "quiz_results": Rule(OWNER, GET),
    # Progress, review, certificates, my data (issue 6)
    "progress": Rule(LOGIN, GET),
    "progress_goal": Rule(LOGIN, POST, sample={"days": "4"}),
    "progress_mastery": Rule(LOGIN, GET),
    "progress_summary": Rule(PUBLIC, GET, why="the htmx progress bar; a visitor gets an empty bar"),
    "certificate_claim": Rule(LOGIN, GET_POST),
    "review": Rule(LOGIN, GET),
    "review_answer": Rule(OWNER, POST, sample={"choice": "a"}),
    "review_rate": Rule(OWNER, POST, sample={"rating": "hard"}),
    "certificate_verify": Rule(PUBLIC, GET, why="anyone (an employer) can check a certificate code"),
    "certificate_detail": Rule(PUBLIC, GET, why="a certificate's verification page is shared by its owner"),
    "my_data": Rule(LOGIN, GET),
    "my_data_export": Rule(LOGIN, GET),
    "account_delete": Rule(LOGIN, POST),
    # Cohorts and the instructor area (issue 8)
    "cohort_join": Rule(LOGIN, GET_POST),
    "cohort_join_code": Rule(LOGIN, GET_POST),
    "instructor_cohort_create": Rule(STAFF, POST),
    "instructor_extra_time": Rule(STAFF, POST),
    "instructor_*": Rule(STAFF, GET),
    # Role-play (issue 18): learners reach their own session and group only; the console is the instructor's
    # who teaches the session's cohort (another instructor gets 404).
    "roleplay_join": Rule(LOGIN, GET_POST),
    "roleplay_join_code": Rule(OWNER, GET_POST),
    "roleplay_session": Rule(OWNER, GET),
    "roleplay_leave": Rule(OWNER, POST),
    "roleplay_play": Rule(OWNER, GET),
    "roleplay_message": Rule(OWNER, POST, sample={"channel": "caucus:north", "text": "Shall we meet?"}),
    "roleplay_propose": Rule(OWNER, POST, sample={"issue-water": "b"}),
    "roleplay_respond": Rule(OWNER, POST, sample={"answer": "accept"}),
    "roleplay_debrief": Rule(OWNER, GET_POST, sample={"q-learned": "To listen."}),
    "roleplay_run": Rule(STAFF, GET),
    "roleplay_console": Rule(STAFF, GET),
    "roleplay_run_group": Rule(STAFF, GET),
    "roleplay_run_debrief": Rule(STAFF, GET),
    "roleplay_run_csv": Rule(STAFF, GET),
    "roleplay_run_*": Rule(STAFF, POST),  # start, assign, clock, injects, reassign, message, end
    # LTI 1.3 tool (issue 20, lms/): the platform-to-tool endpoints, then the pages of a launched session (each
    # refuses a session that no launch signed in with a 403 page).
    "lms:login": Rule(LTI, GET_POST),
    "lms:launch": Rule(LTI, POST),
    "lms:jwks": Rule(PUBLIC, GET, why="LMS platforms fetch the tool's public signing keys without a session"),
    "lms:course": Rule(LOGIN, GET_POST),
    "lms:deep_link": Rule(LOGIN, GET_POST),
    "lms:link_account": Rule(LOGIN, GET_POST),
    # Open Badges 3.0 (issue 20): what a third party needs to verify a credential is public by design.
    "badges_issuer": Rule(PUBLIC, GET, why="verifiers read the issuer's profile"),
    "badges_issuer_key": Rule(PUBLIC, GET, why="verifiers check signatures with the issuer's public key"),
    "badges_issuer_jwks": Rule(PUBLIC, GET, why="the same public key as a JWK set"),
    "badges_achievement": Rule(PUBLIC, GET, why="a credential's achievement id resolves to its description"),
    "badges_status_list": Rule(PUBLIC, GET, why="verifiers fetch the revocation status list"),
    "badges_credential": Rule(OWNER, GET),
    # The Django admin: its own login page is public, everything else needs a staff session.
    "admin:login": Rule(PUBLIC, GET_POST, why="the admin's own login form", takes_next=True),
    "admin:logout": Rule(PUBLIC, POST, why="logging out of the admin is harmless"),
    "admin:*": Rule(ADMIN, GET_POST),
}

# ---- Parameters: how to fill each URL parameter from the test world (see World below). ----------------------
# Which object a parameter names depends on the path segment just before it: lessons/<slug> is a lesson,
# instructor/cohorts/<pk> a cohort, cohorts/join/<code> a cohort's code, certificates/<code> a certificate's.
OBJECT_BY_SEGMENT: dict[str, str] = {
    "cases": "case",
    "modules": "module",
    "capstone": "capstone",
    "lessons": "lesson",
    "quizzes": "quiz",
    "questions": "question",
    "simulations": "simulation",
    "tracks": "track",
    "courses": "course",
    "course": "course",  # admin/training/course/<pk>/export/
    "certificate": "course",  # progress/certificate/<course_slug>/ (claim the course's certificate)
    "certificates": "certificate",
    "cohorts": "cohort",
    "join": "cohort",
    "glossary": "glossary_term",
    "code": "rp_session",  # roleplays/code/<code>/ (a role-play session's join link)
    "achievements": "course",  # badges/achievements/<slug>/
}

PARAMS: dict[str, Callable[[World, str], Any]] = {
    "slug": lambda world, before: world.object_after(before).slug,
    "course_slug": lambda world, before: world.object_after(before).slug,
    "track_slug": lambda world, before: (
        world.object_after(before).slug
    ),  # courses/<slug>/tracks/<track_slug>/
    "pk": lambda world, before: world.object_after(before).pk,
    "code": lambda world, before: world.object_after(before).code,
    "question_id": lambda world, before: world.check.pk,  # lessons/<slug>/checks/<question_id>/
    "number": lambda world, before: 2,  # the second question of an attempt: learner A has not answered it yet
    # Learner A's own rows:
    "run_id": lambda world, before: world.run.pk,
    "submission_id": lambda world, before: world.capstone_submission.pk,
    "attempt_id": lambda world, before: world.attempt.pk,
    "card_id": lambda world, before: world.card.pk,
    "log_id": lambda world, before: world.review_log.pk,
    # Learner A's role-play session, group and a proposal in it (the session is run by the instructor).
    "session_id": lambda world, before: world.rp_session.pk,
    "group_id": lambda world, before: world.rp_group.pk,
    "proposal_id": lambda world, before: world.rp_proposal.pk,
    # Password reset links: a well-formed but unknown token (the page says the link is invalid).
    "uidb64": lambda world, before: "MQ",
    "token": lambda world, before: "set-password",
    # Admin: the admin refuses non-staff before it looks anything up, so any value does; learner data's object
    # pages get learner A's row (see LEARNER_ROWS), so the walker checks which instructors may see it.
    "object_id": lambda world, before: world.admin_object_id(before),
    "content_type_id": lambda world, before: "1",
    "id": lambda world, before: "1",
    "app_label": lambda world, before: "auth",
    "url": lambda world, before: "no-such-page/",
    # An LTI registration that does not exist: login initiation refuses it with a 400 page.
    "registration_uuid": lambda world, before: "5d0b5c1e-0000-4c55-9d1a-2f4b7c9e8a10",
    "kind": lambda world, before: "lesson",  # instructor/preview/<kind>/: the preview of a lesson body
}
# Learner A's row of each learner-data model registered in the admin (training/models/learning.py), by model
# name → World attribute. A new learner-data admin fails test_every_url_is_classified_… until it is added here.
LEARNER_ROWS: dict[str, str] = {
    "lessonprogress": "lesson_progress",
    "checkanswer": "check_answer",
    "quizattempt": "attempt",
    "response": "response",
    "simulationrun": "run",
    "simulationstep": "step",
    "reviewcard": "card",
    "reviewlog": "review_log",
    "cohort": "cohort",
    "cohortmembership": "membership",
    "certificate": "certificate",
}
# -------------------------------------------------------------------------------------------------------------


def learner_data_model(endpoint_name: str) -> str | None:
    """The model name of an admin endpoint of learner data ("admin:training_quizattempt_change" →
    "quizattempt"), else None."""
    from django.contrib import admin

    from training.models import learning

    for model in admin.site._registry:
        if model.__module__ == learning.__name__ and endpoint_name.startswith(
            f"admin:training_{model._meta.model_name}_"
        ):
            return model._meta.model_name
    return None


@dataclass
class Endpoint:
    name: str  # "namespace:name", or "route:<route>" for an unnamed pattern
    route: str  # the pattern's full text, e.g. "simulations/<slug:slug>/runs/<int:run_id>/"
    pattern_chain: tuple = field(repr=False, default=())

    @property
    def rule(self) -> Rule:
        for key, rule in RULES.items():
            if fnmatch.fnmatchcase(self.name, key):
                return rule
        raise LookupError(
            f"URL {self.name!r} ({self.route}) is not classified: add it to RULES in tests/endpoints.py "
            f"(PUBLIC with a reason, LOGIN, OWNER, STAFF or ADMIN, and its methods)"
        )

    @property
    def params(self) -> list[str]:
        names: list[str] = []
        for pattern in self.pattern_chain:
            if isinstance(pattern, RoutePattern):
                names += list(pattern.converters)
            elif isinstance(pattern, RegexPattern):
                names += list(re.compile(pattern._regex).groupindex)
        return names

    def path(self, world: World) -> str:
        """The concrete URL for this endpoint with every parameter taken from the world."""
        url = "/"
        for pattern in self.pattern_chain:
            url += _fill(pattern, world, self.route, url)
        match = resolve(url)
        assert match.route.replace("^", "") == self.route.replace("^", ""), (
            f"{url} resolves to {match.route!r}, not {self.route!r} ({self.name})"
        )
        return url

    def __str__(self) -> str:
        return self.name


def _value(name: str, world: World, route: str, before: str) -> str:
    if name not in PARAMS:
        raise LookupError(
            f"don't know how to fill <{name}> in {route!r}: add a filler to PARAMS in tests/endpoints.py"
        )
    try:
        return str(PARAMS[name](world, before))
    except LookupError as error:
        raise LookupError(f"<{name}> in {route!r}: {error}") from None


def _fill(pattern, world: World, route: str, done: str) -> str:
    """The pattern's text with each parameter replaced; `done` is the URL text filled so far."""
    if isinstance(pattern, RoutePattern):
        text = str(pattern)
        for name, converter in pattern.converters.items():
            marker = re.search(rf"<(?:\w+:)?{name}>", text)
            value = converter.to_url(
                converter.to_python(_value(name, world, route, done + text[: marker.start()]))
            )
            text = text[: marker.start()] + value + text[marker.end() :]
        return text
    text = str(pattern).lstrip("^").rstrip("$")
    for name in re.compile(pattern._regex).groupindex:
        marker = re.search(rf"\(\?P<{name}>[^)]*\)", text)
        value = _value(name, world, route, done + text[: marker.start()])
        text = text[: marker.start()] + value + text[marker.end() :]
    return text.replace("\\", "")


def walk() -> list[Endpoint]:
    """Every endpoint of the URL configuration, in order."""
    endpoints: list[Endpoint] = []

    def visit(patterns, chain: tuple, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(part for part in (namespace, pattern.namespace) if part)
                visit(pattern.url_patterns, (*chain, pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                full_chain = (*chain, pattern.pattern)
                route = "".join(str(p) for p in full_chain)
                if pattern.name:
                    name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                else:
                    name = f"{namespace + ':' if namespace else ''}route:{route}"
                endpoints.append(Endpoint(name=name, route=route, pattern_chain=full_chain))

    visit(get_resolver().url_patterns, (), "")
    return endpoints


def endpoint_ids() -> list[str]:
    return [endpoint.name for endpoint in walk()]


def by_name(name: str) -> Endpoint:
    for endpoint in walk():
        if endpoint.name == name:
            return endpoint
    raise LookupError(name)


# ---- The world: a small course and learner A's history. ---------------------------------------------------------

PASSWORD = "correct-horse-battery-staple-42"


class World:
    """A small published course (factories) and three users: learner A (who owns history), learner B and an
    instructor (staff, Instructors group). Built inside a test with database access."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model
        from django.utils import timezone

        from tests import factories
        from tests.learner_data import instructors_group
        from training.models import Question, Quiz

        User = get_user_model()
        self.learner = User.objects.create_user("learner-a", "a@example.org", PASSWORD)
        self.other = User.objects.create_user("learner-b", "b@example.org", PASSWORD)
        self.instructor = User.objects.create_user("instructor-i", "i@example.org", PASSWORD, is_staff=True)
        group = instructors_group()  # with its permissions, also after a transactional test's flush
        self.instructor.groups.add(group)
        # Teaches another cohort (learner B's), not learner A's: sees none of A's data.
        self.other_instructor = User.objects.create_user(
            "instructor-j", "j@example.org", PASSWORD, is_staff=True
        )
        self.other_instructor.groups.add(group)

        self.course = factories.make_course()
        self.track = factories.make_track(self.course)
        self.glossary_term = factories.make_glossary_term(self.course, slug="back-channel")
        self.module = factories.make_module(self.course)
        self.objective = factories.make_objective(self.module)
        self.lesson = factories.make_lesson(self.module, body="Read about [[back-channel]].")
        self.check = factories.make_question(lesson=self.lesson)
        self.next_lesson = factories.make_lesson(self.module)
        self.quiz = factories.make_quiz(self.module, mode=Quiz.Mode.PRACTICE)
        self.questions = [  # the first is `question` (instructor/cohorts/<pk>/questions/<slug>/)
            factories.make_question(self.quiz, kind=kind)
            for kind in (
                Question.Kind.SINGLE,
                Question.Kind.MULTIPLE,
                Question.Kind.ORDER,
                Question.Kind.SORT,
            )
        ]
        self.question = self.questions[0]
        self.assessment = factories.make_quiz(self.module, mode=Quiz.Mode.ASSESSMENT)
        factories.make_question(self.assessment)
        self.simulation = factories.make_simulation(self.module)
        self.now = timezone.now()
        self._learner_history()

    def _learner_history(self) -> None:
        """Learner A's rows, made through the product's own workflow functions."""
        from tests import factories
        from tests.learner_data import make_run
        from training import answering, grading, lessons, quizzes, scheduling
        from training.models import Certificate, CheckAnswer, LessonProgress, ReviewCard, ReviewLog
        from training.simulation import start_run

        a = self.learner
        lessons.complete_lesson(user=a, lesson=self.lesson)
        self.lesson_progress = LessonProgress.objects.for_user(a).get(lesson=self.lesson)
        spec = grading.spec_from_question(self.check)
        answering.answer_question(
            user=a, question=self.check, spec=spec, answer={"choice": "a"}, recorder=lessons.InLessonCheck()
        )
        self.check_answer = CheckAnswer.objects.for_user(a).get(question=self.check)
        self.run = start_run(user=a, simulation=self.simulation)
        # A finished run of another simulation, for a step (learner A's open run above stays at its start).
        self.step = make_run(a, factories.make_simulation(self.module), ["a"]).steps.get()
        self.attempt, _ = quizzes.start_attempt(user=a, quiz=self.quiz)
        question = self.questions[0]
        spec = grading.spec_from_question(question)
        answering.answer_question(
            user=a,
            question=question,
            spec=spec,
            answer={"choice": "a"},
            recorder=quizzes.InAttempt(self.attempt),
        )
        self.response = self.attempt.responses.get()
        # A right answer on the review page: the one log a learner may re-rate.
        scheduling.schedule_review(user=a, question=self.questions[1], correct=True, source="review")
        self.card = ReviewCard.objects.for_user(a).get(question=self.questions[1])
        self.review_log = ReviewLog.objects.get(card=self.card, source="review")
        # Issued directly: eligibility (the whole course done) is not what these tests are about.
        self.certificate = Certificate.objects.create(
            user=a, course=self.course, code="ABCD-EFGH-JKLM-NPQR", name="Learner A", issued_at=self.now
        )
        from training.cohorts import create_cohort, join_cohort

        self.cohort = create_cohort(name="Cohort", course=self.course, instructor=self.instructor)
        join_cohort(user=a, cohort=self.cohort)
        self.membership = self.cohort.memberships.get(user=a)
        self.other_cohort = create_cohort(name="Other", course=self.course, instructor=self.other_instructor)
        join_cohort(user=self.other, cohort=self.other_cohort)
        self._roleplay()
        self._casework()

    def _casework(self) -> None:
        """A case page, the module's reflection prompt, and learner A's submitted capstone."""
        from training import capstones
        from training.models import Capstone, Case

        self.case = Case.objects.create(
            course=self.course,
            slug="a-case",
            title="A case",
            period="1993",
            summary="S.",
            moved="M.",
            outcome="O.",
            actors=[{"name": "An institute", "track": self.track.slug}],
        )
        self.module.reflection = "What surprised you?"
        self.module.save(update_fields=["reflection"])
        self.capstone = Capstone.objects.create(
            course=self.course,
            slug="a-capstone",
            title="A capstone",
            brief="Write.",
            pass_mark=1,
            rubric=[
                {
                    "key": "k",
                    "title": "K",
                    "levels": [{"points": 0, "label": "No"}, {"points": 2, "label": "Yes"}],
                }
            ],
        )
        self.capstone_submission = capstones.save(self.learner, self.capstone, "My memo.", submit=True)

    def _roleplay(self) -> None:
        """A role-play session of learner A's cohort, run by the instructor: A holds the north seat of group 1
        (the session is in its private-talks phase, where proposals are allowed) and has proposed once."""
        from roleplay import sessions
        from tests.roleplay_helpers import make_roleplay

        self.roleplay = make_roleplay(self.course)
        self.rp_session = sessions.start_session(
            roleplay=self.roleplay, cohort=self.cohort, instructor=self.instructor
        )
        sessions.join_session(session=self.rp_session, user=self.learner)
        (self.rp_group,) = sessions.assign_roles(session=self.rp_session)
        sessions.advance_phase(session=self.rp_session)
        seat = self.rp_group.seats.get(role__slug="north")
        self.rp_proposal = sessions.propose(
            group=self.rp_group, seat=seat, author=self.learner, choices={"water": "b"}
        )

    def admin_object_id(self, before: str) -> str:
        """Learner A's row for a learner-data admin page (admin/training/<model>/<object_id>/…), else "1"."""
        app_label, model_name = before.rstrip("/").split("/")[-2:]
        if learner_data_model(f"admin:{app_label}_{model_name}_") is None:
            return "1"
        if model_name not in LEARNER_ROWS:
            raise LookupError(f"no learner row for the admin of {model_name!r}: add it to LEARNER_ROWS")
        return str(getattr(self, LEARNER_ROWS[model_name]).pk)

    def object_after(self, before: str):
        """The object a parameter names, from the path segment before it ("/lessons/" → the lesson)."""
        segment = before.rstrip("/").rsplit("/", 1)[-1]
        if segment not in OBJECT_BY_SEGMENT:
            raise LookupError(f"no object for a parameter after {segment!r}: add it to OBJECT_BY_SEGMENT")
        return getattr(self, OBJECT_BY_SEGMENT[segment])


@pytest.fixture(scope="module", name="world")
def world_fixture(django_db_setup, django_db_blocker):
    """One World per test module, rolled back at the end (like TestCase.setUpTestData): each test runs in
    its own savepoint inside it, so what a test writes (even deleting learner A) is undone after it."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield World()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def learner_table_state() -> dict[str, list[tuple]]:
    """Every row of every learner-state table (and users and sessions' count): compared before/after a
    rejected post to prove nothing was written."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    from training.models import learning

    # StandingSnapshot is a cache of figures computed from the other rows (stored when a page reads them,
    # keyed by the learner's and the course's versions), not learner state: a re-rendered page may fill it.
    models = [
        model
        for model in apps.get_app_config("training").get_models(include_auto_created=True)
        if model.__module__ == learning.__name__ and model.__name__ != "StandingSnapshot"
    ]
    state = {model.__name__: list(model.objects.order_by("pk").values_list()) for model in models}
    state["User"] = list(
        get_user_model().objects.order_by("pk").values_list("pk", "username", "password", "email")
    )
    return state
