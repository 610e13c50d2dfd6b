"""One visibility rule (training/models/content.py): a learner sees an object only when it, its module and its
course are published and not archived.

Acceptance: a learner with history in a course (a lesson viewed, quiz attempts, a due review card, simulation
runs) loses every learner URL of the course's content (404) and every trace of it on the learning path, the
progress page, the review queue, the track pages and the glossary once the course, or one of its modules, is
set to draft. The URLs come from tests/endpoints.py, so a new content URL is covered without editing this file.
Then one unit test per QuerySet.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from fsrs import Card

from tests import factories
from tests.endpoints import LOGIN, OBJECT_BY_SEGMENT, OWNER, PUBLIC, Endpoint, walk
from tests.learner_data import make_attempt, make_run
from training import review
from training.models import (
    Capstone,
    Case,
    Category,
    Choice,
    Citation,
    Course,
    GlossaryTerm,
    LearningObjective,
    Lesson,
    LessonProgress,
    Meter,
    Module,
    Node,
    Option,
    Question,
    Quiz,
    Reference,
    ReviewCard,
    Simulation,
    SourceSection,
    Status,
    Track,
)

pytestmark = pytest.mark.django_db

# The parameters that name course content (or the learner's rows inside it) in a learner URL.
CONTENT_PARAMS = {"slug", "course_slug", "question_id", "attempt_id", "run_id", "card_id"}


def content_endpoints() -> list[Endpoint]:
    """Every learner URL (not staff, not the admin) that names a piece of course content."""
    return [
        endpoint
        for endpoint in walk()
        if endpoint.rule.access in (PUBLIC, LOGIN, OWNER) and CONTENT_PARAMS & set(endpoint.params)
    ]


class ModuleWorld:
    """One module's content and the learner's history in it, in the shape tests/endpoints.py fills URL
    parameters from (`object_after`, `check`, `attempt`, `run`, `card`)."""

    def __init__(self, learner, course: Course, track: Track, name: str) -> None:
        self.name = name
        self.course = course
        self.track = track
        self.module = factories.make_module(course, title=f"Module {name}")
        self.objective = factories.make_objective(self.module)
        self.lesson = factories.make_lesson(self.module, title=f"Lesson {name}")
        self.lesson.tracks.add(track)
        self.check = factories.make_question(lesson=self.lesson, prompt=f"Check {name}?")
        self.quiz = factories.make_quiz(self.module, title=f"Quiz {name}")
        self.questions = [
            factories.make_question(
                self.quiz, prompt=f"Question {name} {n}?", scenario=f"Scenario {name} {n}."
            )
            for n in (1, 2)
        ]
        self.simulation = factories.make_simulation(self.module, title=f"Simulation {name}")
        self.module.reflection = f"Reflect on {name}."
        self.module.save(update_fields=["reflection"])
        # Course-level pages (the case library, the capstone): they go with the course, not the module.
        self.case = Case.objects.create(
            course=course,
            slug=f"case-{name.lower()}",
            title=f"Case {name}",
            period="1993",
            summary="S.",
            moved="M.",
            outcome="O.",
            actors=[{"name": "An institute", "track": track.slug}],
        )
        self.capstone = Capstone.objects.create(
            course=course,
            slug=f"capstone-{name.lower()}",
            title=f"Capstone {name}",
            brief="Write.",
            pass_mark=1,
            rubric=[
                {
                    "key": "k",
                    "title": "K",
                    "levels": [{"points": 0, "label": "N"}, {"points": 1, "label": "Y"}],
                }
            ],
        )

        now = timezone.now()
        LessonProgress.objects.create(user=learner, lesson=self.lesson, viewed_at=now - timedelta(hours=1))
        make_attempt(learner, self.quiz, {q: "a" for q in self.questions})  # submitted: /progress/ lists it
        # The open attempt the attempt URLs name; quiz_question's <number> is 2 (tests/endpoints.py).
        self.attempt = make_attempt(learner, self.quiz, {self.questions[0]: "a"}, submitted=False)
        self.attempt.question_ids = [q.pk for q in self.questions]
        self.attempt.save(update_fields=["question_ids"])
        make_run(learner, self.simulation, ["a"])  # finished: /progress/ lists its ending
        self.run = make_run(learner, self.simulation, [], finish=False)
        due = now - timedelta(days=1)
        self.card = ReviewCard.objects.create(
            user=learner, question=self.questions[1], card=Card(due=due).to_dict(), due=due, created_at=due
        )

    def object_after(self, before: str):
        segment = before.rstrip("/").rsplit("/", 1)[-1]
        return getattr(self, OBJECT_BY_SEGMENT[segment])

    def titles(self) -> list[str]:
        """What would show this module's items on a page."""
        return [
            f"Module {self.name}",
            f"Lesson {self.name}",
            f"Quiz {self.name}",
            f"Simulation {self.name}",
            f"Question {self.name} 2?",
        ]

    def set_draft(self) -> None:
        self.module.status = Status.DRAFT
        self.module.save()


@pytest.fixture
def course_worlds(learner) -> tuple[Course, Track, GlossaryTerm, ModuleWorld, ModuleWorld]:
    course = factories.make_course(title="Course Ostrich")
    track = factories.make_track(course, name="Track Ostrich")
    term = factories.make_glossary_term(course, term="Term Ostrich")
    first = ModuleWorld(learner, course, track, "Pelican")
    second = ModuleWorld(learner, course, track, "Walrus")
    return course, track, term, first, second


def get_or_post(client, endpoint: Endpoint, path: str, method: str):
    return client.get(path) if method == "GET" else client.post(path, endpoint.rule.sample or {})


def assert_reachable(client, world: ModuleWorld) -> None:
    for endpoint in content_endpoints():
        if "GET" in endpoint.rule.methods:
            path = endpoint.path(world)
            assert client.get(path).status_code in (200, 302), path


def assert_gone(client, world: ModuleWorld, endpoints=None) -> None:
    for endpoint in endpoints or content_endpoints():
        path = endpoint.path(world)
        for method in endpoint.rule.methods:
            assert get_or_post(client, endpoint, path, method).status_code == 404, f"{method} {path}"


def page(client, path: str) -> str:
    """The page at `path`, following the old URLs' redirects into a course (or the catalogue)."""
    response = client.get(path, follow=True)
    assert response.status_code == 200, path
    return response.content.decode()


def test_the_learner_urls_cover_lessons_quizzes_attempts_simulations_runs_tracks_and_reviews():
    names = {endpoint.name for endpoint in content_endpoints()}
    assert {
        "lesson_detail",
        "lesson_check",
        "quiz_detail",
        "quiz_attempt",
        "quiz_question",
        "quiz_results",
        "simulation_detail",
        "simulation_run",
        "track_detail",
        "course_detail",
        "course_track",
        "course_glossary",
        "review_answer",
        "certificate_claim",
    } <= names
    assert "simulation_map" not in names  # staff: instructors see drafts (ContentQuerySet.active())


def test_a_draft_course_disappears_for_a_learner_with_history_in_it(client, learner, course_worlds):
    course, track, term, first, second = course_worlds
    client.force_login(learner)
    assert_reachable(client, first)
    assert first.lesson.title in page(client, "/")
    assert first.lesson.title in page(client, "/progress/")  # recent activity
    assert track.name in page(client, "/tracks/")
    assert term.term in page(client, "/glossary/")
    assert review.due_count(learner) == 2

    course.status = Status.DRAFT
    course.save()

    assert_gone(client, first)
    assert_gone(client, second)
    everything = [course.title, track.name, term.term, *first.titles(), *second.titles()]
    old_urls = ("/tracks/", "/tracks/compare/", "/glossary/")
    for path in ("/", "/progress/", "/review/", "/courses/", *old_urls):
        html = page(client, path)
        assert not [text for text in everything if text in html], path
    assert review.due_count(learner) == 0
    assert client.get(f"/progress/certificate/{course.slug}/").status_code == 404


def test_an_archived_course_disappears_like_a_draft(client, learner, course_worlds):
    course, _track, _term, first, _second = course_worlds
    client.force_login(learner)
    course.archived = True
    course.save()
    assert_gone(client, first)
    assert review.due_count(learner) == 0


def test_a_draft_module_disappears_and_the_other_module_stays(client, learner, course_worlds):
    course, track, term, first, second = course_worlds
    client.force_login(learner)
    home = page(client, "/")
    assert first.lesson.title in home and second.lesson.title in home

    first.set_draft()

    # The course, its track, the track's certificate page, the case library and the capstone stay: only the
    # module's own items go.
    module_endpoints = [e for e in content_endpoints() if {"slug", "course_slug"} & set(e.params)]
    module_endpoints = [
        e
        for e in module_endpoints
        if not e.route.startswith(("tracks/", "progress/", "cases/", "capstone/", "courses/", "badges/"))
    ]
    assert_gone(client, first, [*module_endpoints, *_card_endpoints()])
    assert_reachable(client, second)
    for path in ("/", "/progress/", "/review/", f"/tracks/{track.slug}/"):
        html = page(client, path)
        assert not [text for text in first.titles() if text in html], path
    assert second.lesson.title in page(client, "/")
    assert second.lesson.title in page(client, f"/tracks/{track.slug}/")
    assert term.term in page(client, "/glossary/")
    assert review.due_count(learner) == 1
    assert review.next_card(learner).question == second.questions[1]


def _card_endpoints() -> list[Endpoint]:
    return [e for e in content_endpoints() if "card_id" in e.params]


def test_a_draft_lesson_alone_keeps_the_rest_of_its_module(client, learner, course_worlds):
    _course, _track, _term, first, _second = course_worlds
    client.force_login(learner)
    first.lesson.status = Status.DRAFT
    first.lesson.save()
    assert client.get(f"/lessons/{first.lesson.slug}/").status_code == 404
    assert client.get(f"/quizzes/{first.quiz.slug}/").status_code == 200
    assert client.get(f"/simulations/{first.simulation.slug}/").status_code == 200


# --- One unit test per QuerySet -------------------------------------------------------------------------------


@pytest.fixture
def chain():
    course = factories.make_course()
    module = factories.make_module(course)
    lesson = factories.make_lesson(module)
    quiz = factories.make_quiz(module)
    return {
        "course": course,
        "module": module,
        "lesson": lesson,
        "quiz": quiz,
        "simulation": factories.make_simulation(module),
        "objective": factories.make_objective(module),
        "track": factories.make_track(course),
        "term": factories.make_glossary_term(course),
        "quiz_question": factories.make_question(quiz),
        "check": factories.make_question(lesson=lesson),
    }


def hide(obj, how: str) -> None:
    if how == "draft":
        obj.status = Status.DRAFT
    else:
        obj.archived = True
    obj.save()


def visible(model, obj) -> bool:
    return model.objects.visible().filter(pk=obj.pk).exists()


# (model, the fixture key of the object, the keys of the parents whose status it inherits)
CHAINS = [
    (Course, "course", []),
    (Module, "module", ["course"]),
    (Track, "track", ["course"]),
    (GlossaryTerm, "term", ["course"]),
    (Lesson, "lesson", ["module", "course"]),
    (Quiz, "quiz", ["module", "course"]),
    (Simulation, "simulation", ["module", "course"]),
    (LearningObjective, "objective", ["module", "course"]),
    (Question, "quiz_question", ["quiz", "module", "course"]),
    (Question, "check", ["lesson", "module", "course"]),
]


@pytest.mark.parametrize(("model", "key", "parents"), CHAINS, ids=[f"{m.__name__}-{k}" for m, k, _ in CHAINS])
@pytest.mark.parametrize("how", ["draft", "archived"])
def test_visible_needs_the_object_and_every_parent_published_and_not_archived(
    chain, model, key, parents, how
):
    obj = chain[key]
    assert visible(model, obj)
    for hidden in [key, *parents]:
        hide(chain[hidden], how)
        assert not visible(model, obj), f"{model.__name__} {key} visible with its {hidden} {how}"
        chain[hidden].status, chain[hidden].archived = Status.PUBLISHED, False
        chain[hidden].save()
        assert visible(model, obj)


def test_a_quiz_question_does_not_depend_on_an_unrelated_lesson_nor_a_check_on_quizzes(chain):
    hide(chain["lesson"], "draft")
    assert visible(Question, chain["quiz_question"])
    assert not visible(Question, chain["check"])
    hide(chain["quiz"], "draft")
    assert not visible(Question, chain["quiz_question"])


def test_visible_q_applies_the_same_rule_across_a_relation(learner, chain):
    other = factories.make_question(factories.make_quiz(factories.make_module(chain["course"])))
    due = timezone.now()
    for question in (chain["quiz_question"], chain["check"], other):
        ReviewCard.objects.create(
            user=learner, question=question, card=Card(due=due).to_dict(), due=due, created_at=due
        )
    hide(chain["module"], "draft")
    cards = ReviewCard.objects.filter(Question.objects.visible_q("question__"))
    assert list(cards.values_list("question", flat=True)) == [other.pk]
    assert list(Question.objects.visible()) == [other]


def test_children_of_a_visible_parent_use_the_row_rule(chain):
    """Choices, categories, citations, meters, nodes, options, source sections and references are only ever
    loaded under a parent already known to be visible: their visible() is the row rule alone."""
    question = factories.make_question(chain["quiz"], kind=Question.Kind.SORT)
    citation = factories.make_citation(chain["lesson"])
    reference = factories.make_reference(chain["course"])
    simulation = chain["simulation"]
    children = [
        (Choice, question.choices.first()),
        (Category, question.categories.first()),
        (Citation, citation),
        (SourceSection, citation.section),
        (Reference, reference),
        (Meter, simulation.meters.first()),
        (Node, simulation.nodes.first()),
        (Option, Option.objects.filter(node__simulation=simulation).first()),
    ]
    for model, child in children:
        assert visible(model, child), model.__name__
        hide(child, "draft")
        assert not visible(model, child), model.__name__
        assert list(model.objects.visible()) == list(model.objects.published())
        child.status = Status.PUBLISHED
        child.archived = True
        child.save()
        assert not visible(model, child), model.__name__


def test_active_is_the_current_curriculum_with_drafts(chain):
    hide(chain["course"], "draft")
    hide(chain["lesson"], "draft")
    assert Course.objects.active().filter(pk=chain["course"].pk).exists()
    assert Lesson.objects.active().filter(pk=chain["lesson"].pk).exists()
    hide(chain["lesson"], "archived")
    assert not Lesson.objects.active().filter(pk=chain["lesson"].pk).exists()
