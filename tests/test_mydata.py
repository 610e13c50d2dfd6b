"""My data: the JSON export holds all of the learner's data and nothing of anyone else's; deletion removes it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.factories import make_course, make_lesson, make_module, make_question, make_quiz, make_simulation
from tests.learner_data import PASSWORD
from training import certificates, scheduling
from training.models import (
    Certificate,
    CheckAnswer,
    Cohort,
    CohortMembership,
    LessonProgress,
    QuizAttempt,
    Response,
    ReviewCard,
    ReviewLog,
    SimulationRun,
    SimulationStep,
)

pytestmark = pytest.mark.django_db
User = get_user_model()
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def world():
    course = make_course()
    module = make_module(course)
    lesson = make_lesson(module, title="Shared lesson")
    check = make_question(lesson=lesson)
    quiz = make_quiz(module, title="Shared quiz")
    question = make_question(quiz)
    simulation = make_simulation(module)
    cohort = Cohort.objects.create(name="Spring cohort", code="SPRING25", course=course)
    return {
        "course": course,
        "lesson": lesson,
        "check": check,
        "quiz": quiz,
        "question": question,
        "simulation": simulation,
        "cohort": cohort,
    }


def give_history(user, world, marker: str) -> None:
    """One row of every kind of learner data, with `marker` in the free-text fields so leaks are visible."""
    LessonProgress.objects.create(user=user, lesson=world["lesson"], viewed_at=T0, completed_at=T0)
    CheckAnswer.objects.create(
        user=user, question=world["check"], answer={"choice": marker}, score=1, correct=True, answered_at=T0
    )
    attempt = QuizAttempt.objects.create(
        user=user,
        quiz=world["quiz"],
        number=1,
        started_at=T0,
        submitted_at=T0,
        question_ids=[world["question"].pk],
        percent=100,
        passed=True,
    )
    Response.objects.create(
        attempt=attempt,
        question=world["question"],
        answer={"choice": "a"},
        score=1,
        correct=True,
        snapshot={"prompt": f"snapshot of {marker}"},
        answered_at=T0,
    )
    scheduling.schedule_review(user=user, question=world["question"], correct=True, source="quiz", when=T0)
    sim = world["simulation"]
    start, success = sim.nodes.get(key="start"), sim.nodes.get(key="success")
    run = SimulationRun.objects.create(
        user=user,
        simulation=sim,
        current_node=success,
        meters={"trust": 60, "marker": marker},
        started_at=T0,
        finished_at=T0,
        ending=success,
    )
    SimulationStep.objects.create(
        run=run,
        number=1,
        node=start,
        option=start.options.get(key="a"),
        meters_before={"trust": 40},
        meters_after={"trust": 60},
        created_at=T0,
    )
    CohortMembership.objects.create(cohort=world["cohort"], user=user)
    Certificate.objects.create(
        user=user,
        course=world["course"],
        code=certificates.new_code(),
        name=f"{marker} printed",
        issued_at=T0,
    )


@pytest.fixture
def histories(world, learner, other_learner):
    """One row of every kind for the learner and for the other learner, each with its marker."""
    give_history(learner, world, "LENA-MARK")
    give_history(other_learner, world, "OMAR-MARK")


def export(client) -> tuple[dict, str]:
    response = client.get("/account/data/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="diplomacy-tracks-lena-')
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    text = response.content.decode()
    return json.loads(text), text


def test_export_contains_every_kind_of_the_learners_own_data(client, learner, other_learner, histories):
    client.force_login(learner)
    data, text = export(client)
    assert data["account"]["username"] == "lena"
    assert data["account"]["email"] == "lena@example.org"
    assert data["account"]["first_name"] == "Lena"
    assert [row["title"] for row in data["lesson_progress"]] == ["Shared lesson"]
    assert data["check_answers"][0]["answer"] == {"choice": "LENA-MARK"}
    attempt = data["quiz_attempts"][0]
    assert (attempt["title"], attempt["percent"], attempt["passed"]) == ("Shared quiz", 100, True)
    assert attempt["responses"][0]["snapshot"] == {"prompt": "snapshot of LENA-MARK"}
    assert attempt["responses"][0]["chosen"] == []
    card = data["review_cards"][0]
    assert card["reviews"][0]["source"] == "quiz"
    assert card["due"].endswith("+00:00")
    run = data["simulation_runs"][0]
    assert run["ending"] == "success"
    assert run["meters"]["marker"] == "LENA-MARK"
    assert run["steps"][0]["option"] == "a"
    assert data["cohort_memberships"][0]["cohort"] == "Spring cohort"
    assert data["certificates"][0]["name"] == "LENA-MARK printed"
    # Counts match the database exactly.
    assert len(data["review_cards"]) == ReviewCard.objects.filter(user=learner).count()


def test_export_contains_nothing_of_anyone_else_and_no_password_hash(
    client, learner, other_learner, histories
):
    client.force_login(learner)
    data, text = export(client)
    assert "OMAR-MARK" not in text
    assert "omar" not in text.lower()
    assert learner.password not in text
    assert "pbkdf2" not in text and "password" not in json.dumps(data["account"])
    other_ids = {
        str(pk) for pk in QuizAttempt.objects.filter(user=other_learner).values_list("pk", flat=True)
    }
    assert all(str(a.get("id")) not in other_ids for a in data["quiz_attempts"])


def test_export_needs_login(client, learner, histories):
    response = client.get("/account/data/export/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_export_queries_do_not_grow_with_history(
    client, learner, world, django_assert_max_num_queries, histories
):
    client.force_login(learner)
    # 20 for the training data, 5 for role-plays (roleplay/mydata.py): a constant, whatever the history.
    with django_assert_max_num_queries(25):
        export(client)
    question = world["question"]
    for day in range(1, 40):
        scheduling.schedule_review(
            user=learner, question=question, correct=True, source="review", when=T0 + timedelta(days=day)
        )
    with django_assert_max_num_queries(25):
        export(client)


def test_my_data_page_offers_export_and_delete(client, learner, histories):
    client.force_login(learner)
    html = client.get("/account/data/").content.decode()
    assert 'href="/account/data/export/"' in html
    assert 'action="/account/data/delete/"' in html
    assert '<label for="id_password">' in html


def test_delete_with_the_wrong_password_or_no_confirmation_deletes_nothing(client, learner, histories):
    client.force_login(learner)
    response = client.post("/account/data/delete/", {"password": "wrong", "confirm": "yes"})
    assert response.status_code == 400
    assert "That password is not right" in response.content.decode()
    response = client.post("/account/data/delete/", {"password": PASSWORD})
    assert response.status_code == 400
    assert User.objects.filter(pk=learner.pk).exists()
    assert LessonProgress.objects.filter(user=learner).exists()


def test_delete_removes_the_account_and_all_its_data_but_nobody_elses(
    client, learner, other_learner, world, histories
):
    client.force_login(learner)
    learner_id = learner.pk
    response = client.post("/account/data/delete/", {"password": PASSWORD, "confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not User.objects.filter(pk=learner_id).exists()
    for model, lookup in (
        (LessonProgress, "user_id"),
        (CheckAnswer, "user_id"),
        (QuizAttempt, "user_id"),
        (Response, "attempt__user_id"),
        (ReviewCard, "user_id"),
        (ReviewLog, "card__user_id"),
        (SimulationRun, "user_id"),
        (SimulationStep, "run__user_id"),
        (CohortMembership, "user_id"),
        (Certificate, "user_id"),
    ):
        assert not model.objects.filter(**{lookup: learner_id}).exists(), model.__name__
        assert model.objects.filter(**{lookup: other_learner.pk}).count() == 1 or model is ReviewLog, (
            model.__name__
        )
    # The content and the other learner stay; the session has ended.
    assert world["question"].__class__.objects.filter(pk=world["question"].pk).exists()
    assert client.get("/progress/").status_code == 302
    follow = client.get("/")
    assert "Log in" in follow.content.decode()


def test_other_browsers_are_signed_out_after_deletion(learner, histories):
    first, second = Client(), Client()
    first.force_login(learner)
    second.force_login(learner)
    assert second.get("/progress/").status_code == 200
    first.post("/account/data/delete/", {"password": PASSWORD, "confirm": "yes"})
    assert second.get("/progress/").status_code == 302


def test_delete_needs_post_and_csrf(learner, histories):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert client.get("/account/data/delete/").status_code == 405
    assert client.post("/account/data/delete/", {"password": PASSWORD, "confirm": "yes"}).status_code == 403
    assert User.objects.filter(pk=learner.pk).exists()
