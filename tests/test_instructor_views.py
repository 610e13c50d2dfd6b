"""The instructor area through HTTP: who gets in, what each page shows, htmx sorting/filtering, CSV files and
a fixed number of queries per page at two data sizes."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from tests.factories import make_course, make_lesson, make_module, make_question, make_quiz, make_simulation
from tests.learner_data import make_attempt, make_cohort, make_run, make_user
from training.models import Choice, CohortMembership, LessonProgress

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    course = make_course(title="Tracks")
    module = make_module(course)
    lesson = make_lesson(module)
    quiz = make_quiz(module, slug="quiz-one", title="Quiz one", pass_mark=50)
    q1 = make_question(quiz, slug="q-one", prompt="First question?")
    q2 = make_question(quiz, slug="q-two", prompt="Second question?")
    simulation = make_simulation(module, slug="sim-one", title="Sim one")
    teacher = make_user("tess", instructor=True)
    other_teacher = make_user("otto", instructor=True)
    ana, bo, cy = make_user("ana"), make_user("bo"), make_user("cy")
    cohort = make_cohort(course, name="Mine", code="MINE2345", instructors=[teacher], learners=[ana, bo, cy])
    theirs = make_cohort(course, name="Theirs", code="THEM2345", instructors=[other_teacher], learners=[cy])
    make_attempt(ana, quiz, {q1: "a", q2: "a"})  # 100 %
    make_attempt(bo, quiz, {q1: "b", q2: "a"})  # 50 %
    LessonProgress.objects.create(
        user=ana, lesson=lesson, viewed_at=cohort.created_at, completed_at=cohort.created_at
    )
    make_run(ana, simulation, ["a"])
    make_run(bo, simulation, ["b"])
    return locals()


def login(client, username):
    client.force_login(get_user_model().objects.get(username=username))


def pages(world) -> list[str]:
    pk = world["cohort"].pk
    return [
        reverse("instructor_home"),
        reverse("instructor_cohort", args=[pk]),
        reverse("instructor_objectives", args=[pk]),
        reverse("instructor_quiz", args=[pk, "quiz-one"]),
        reverse("instructor_question", args=[pk, "q-one"]),
        reverse("instructor_simulation", args=[pk, "sim-one"]),
        reverse("instructor_learners_csv", args=[pk]),
        reverse("instructor_quizzes_csv", args=[pk]),
        reverse("instructor_objectives_csv", args=[pk]),
        reverse("instructor_simulations_csv", args=[pk]),
        reverse("instructor_questions_csv", args=[pk, "quiz-one"]),
        reverse("instructor_options_csv", args=[pk, "quiz-one"]),
        reverse("instructor_distribution_csv", args=[pk, "quiz-one"]),
        reverse("instructor_endings_csv", args=[pk, "sim-one"]),
        reverse("instructor_decisions_csv", args=[pk, "sim-one"]),
    ]


def test_visitor_is_sent_to_log_in(client, world):
    for url in pages(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_learner_gets_403_everywhere(client, world):
    login(client, "ana")
    for url in pages(world):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("instructor_cohort_create"), {"name": "x"}).status_code == 403


def test_instructor_sees_every_page_of_their_cohort(client, world):
    login(client, "tess")
    for url in pages(world):
        assert client.get(url).status_code == 200, url


def test_instructor_cannot_see_a_cohort_they_do_not_teach(client, world):
    login(client, "otto")
    for url in pages(world)[1:]:
        assert client.get(url).status_code == 404, url
    home = client.get(reverse("instructor_home")).content.decode()
    assert "Theirs" in home and "Mine" not in home


def test_superuser_sees_every_cohort(client, world):
    root = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(root)
    assert client.get(reverse("instructor_cohort", args=[world["theirs"].pk])).status_code == 200
    assert client.get(reverse("instructor_cohort", args=[world["cohort"].pk])).status_code == 200


def test_content_of_another_course_is_a_404(client, world):
    login(client, "tess")
    other_quiz = make_quiz(make_module(make_course()), slug="elsewhere")
    pk = world["cohort"].pk
    assert client.get(reverse("instructor_quiz", args=[pk, "elsewhere"])).status_code == 404
    assert client.get(reverse("instructor_quiz", args=[pk, "no-such-quiz"])).status_code == 404
    assert other_quiz.pk


def test_cohort_page_shows_progress_quizzes_and_simulations(client, world):
    login(client, "tess")
    page = client.get(reverse("instructor_cohort", args=[world["cohort"].pk]))
    text = page.content.decode()
    assert "MINE2345" in text
    assert "http://testserver/cohorts/join/MINE2345/" in text
    rows = page.context["rows"]
    assert [r.username for r in rows] == ["ana", "bo", "cy"]
    ana = rows[0]
    assert (ana.lessons_done, ana.quizzes_passed, ana.simulations_finished) == (1, 1, 1)
    assert rows[2].status == "not-started"
    (summary,) = page.context["quizzes"]
    assert (summary.attempts, summary.mean, summary.median, summary.pass_rate) == (2, 75.0, 75.0, 100.0)


def test_learners_table_sorts_and_filters_with_plain_get(client, world):
    login(client, "tess")
    url = reverse("instructor_cohort", args=[world["cohort"].pk])
    page = client.get(url, {"sort": "-progress"})
    assert [r.username for r in page.context["rows"]] == ["ana", "bo", "cy"]
    assert 'aria-sort="descending"' in page.content.decode()
    page = client.get(url, {"status": "not-started"})
    assert [r.username for r in page.context["rows"]] == ["cy"]
    page = client.get(url, {"q": "B"})
    assert [r.username for r in page.context["rows"]] == ["bo"]
    page = client.get(url, {"sort": "nonsense", "status": "bogus"})
    assert page.status_code == 200 and [r.username for r in page.context["rows"]] == ["ana", "bo", "cy"]


def test_htmx_request_gets_only_the_table_fragment(client, world):
    login(client, "tess")
    url = reverse("instructor_cohort", args=[world["cohort"].pk])
    response = client.get(url, {"sort": "-name"}, headers={"HX-Request": "true"})
    text = response.content.decode()
    assert response.status_code == 200
    assert text.lstrip().startswith('<div id="learners"')
    assert "<html" not in text
    assert 'hx-swap-oob="true"' in text and "3 learners, sorted by learner (descending)." in text
    assert text.index(">cy<") < text.index(">ana<")
    assert "HX-Request" in response["Vary"]
    full = client.get(url)
    assert "HX-Request" in full["Vary"] and "<html" in full.content.decode()


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csv_files_have_the_right_headers_and_rows(client, world):
    login(client, "tess")
    pk = world["cohort"].pk
    response = client.get(reverse("instructor_learners_csv", args=[pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="cohort-mine2345-learners.csv"'
    rows = read_csv(response)
    assert rows[0][:3] == ["learner", "status", "progress_percent"]
    assert [r[0] for r in rows[1:]] == ["ana", "bo", "cy"]
    questions = read_csv(client.get(reverse("instructor_questions_csv", args=[pk, "quiz-one"])))
    assert questions[0][:5] == ["question", "kind", "prompt", "first_attempt_responses", "facility_percent"]
    # q-one: ana right, bo wrong → facility 50 %.
    assert questions[1][0] == "q-one" and questions[1][3] == "2" and questions[1][4] == "50.00"
    options = read_csv(client.get(reverse("instructor_options_csv", args=[pk, "quiz-one"])))
    assert options[1:4] == [
        ["q-one", "a", "Right move", "yes", "1", "50.00", ""],
        ["q-one", "b", "Wrong move", "no", "1", "50.00", "yes"],
        ["q-one", "c", "Another wrong move", "no", "0", "0.00", ""],
    ]
    endings = read_csv(client.get(reverse("instructor_endings_csv", args=[pk, "sim-one"])))
    assert endings[1:] == [
        ["success", "Agreement", "Success", "1", "50.00"],
        ["failure", "Collapse", "Failure", "1", "50.00"],
    ]
    decisions = read_csv(client.get(reverse("instructor_decisions_csv", args=[pk, "sim-one"])))
    assert [(r[0], r[2], r[5]) for r in decisions[1:]] == [("start", "a", "1"), ("start", "b", "1")]
    distribution = read_csv(client.get(reverse("instructor_distribution_csv", args=[pk, "quiz-one"])))
    assert distribution[0] == ["score_range", "attempts"] and len(distribution) == 11
    assert distribution[6] == ["50–59.9 %", "1"] and distribution[10] == ["90–100 %", "1"]


def test_csv_quotes_text_a_spreadsheet_would_run(client, world):
    evil = make_user("@evil")
    CohortMembership.objects.create(cohort=world["cohort"], user=evil)
    login(client, "tess")
    rows = read_csv(client.get(reverse("instructor_learners_csv", args=[world["cohort"].pk])))
    assert [r[0] for r in rows[1:] if "evil" in r[0]] == ["'@evil"]


def test_quiz_page_flags_and_misconception(client, world):
    login(client, "tess")
    page = client.get(reverse("instructor_quiz", args=[world["cohort"].pk, "quiz-one"]))
    text = page.content.decode()
    # The flag names the option by its text (its key, "b", means nothing to an instructor).
    texts = [escape(c.text) for c in Choice.objects.filter(question__quiz__slug="quiz-one", key="b")]
    assert any(f"Likely misconception: “{t}”" in text for t in texts) and "option b" not in text
    assert "<svg" in text and 'role="img"' in text


def _counted(client, url) -> int:
    """Queries of a request once the course's content is cached (per content version, shared with the
    learners' dashboards: training.progress.cached_course_content)."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "name", ["cohort", "quiz", "question", "simulation", "learners_csv", "questions_csv"]
)
def test_statistics_pages_run_a_fixed_number_of_queries(client, world, name):
    login(client, "tess")
    pk = world["cohort"].pk
    url = {
        "cohort": reverse("instructor_cohort", args=[pk]),
        "objectives": reverse("instructor_objectives", args=[pk]),
        "quiz": reverse("instructor_quiz", args=[pk, "quiz-one"]),
        "question": reverse("instructor_question", args=[pk, "q-one"]),
        "simulation": reverse("instructor_simulation", args=[pk, "sim-one"]),
        "learners_csv": reverse("instructor_learners_csv", args=[pk]),
        "questions_csv": reverse("instructor_questions_csv", args=[pk, "quiz-one"]),
    }[name]
    small = _counted(client, url)
    # Grow everything: more learners, attempts, runs, questions and quizzes.
    quiz = world["quiz"]
    extra_questions = [make_question(quiz) for _ in range(4)]
    other_quiz = make_quiz(world["module"])
    other_question = make_question(other_quiz)
    for i in range(12):
        user = make_user(f"extra{i}")
        world["cohort"].memberships.create(user=user)
        make_attempt(
            user, quiz, {q: "a" if i % 3 else "b" for q in [world["q1"], world["q2"], *extra_questions]}
        )
        make_attempt(user, quiz, {world["q1"]: "a"})
        make_attempt(user, other_quiz, {other_question: "b"})
        make_run(user, world["simulation"], ["a" if i % 2 else "b"])
    large = _counted(client, url)
    assert small == large, (small, large)
    assert large <= 30  # the cohort page: session, user, cohort, 4 quiz, 1 simulation, 6 learner, misc


def test_learners_table_is_paginated_and_keeps_sort_and_filter(client, world):
    for i in range(55):
        CohortMembership.objects.create(cohort=world["cohort"], user=make_user(f"zz{i:02d}"))
    login(client, "tess")
    url = reverse("instructor_cohort", args=[world["cohort"].pk])
    first = client.get(url, {"sort": "-name"})
    assert len(first.context["rows"]) == 50
    assert first.context["matching"] == 58
    assert first.context["next_query"] == "sort=-name&page=2"
    second = client.get(url, {"sort": "-name", "page": "2"})
    assert [r.username for r in second.context["rows"]][-3:] == ["cy", "bo", "ana"]
    assert "showing 51–58" in second.content.decode()
    assert client.get(url, {"page": "999"}).context["page"].number == 2
