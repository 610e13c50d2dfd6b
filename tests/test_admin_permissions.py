"""Who may do what in the admin: instructors edit content and only view learner data; nobody edits history;
users and groups stay with superusers."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import make_course, make_module, make_question, make_quiz
from tests.learner_data import make_attempt, make_cohort, make_user
from training.models import Cohort, QuizAttempt, Response

pytestmark = pytest.mark.django_db

LEARNER_MODELS = [
    "lessonprogress",
    "checkanswer",
    "quizattempt",
    "response",
    "simulationrun",
    "simulationstep",
    "reviewcard",
    "reviewlog",
    "cohort",
    "cohortmembership",
    "certificate",
]


@pytest.fixture
def attempt():
    course = make_course()
    quiz = make_quiz(make_module(course))
    question = make_question(quiz)
    learner = make_user("lea")
    make_cohort(course, learners=[learner])
    return make_attempt(learner, quiz, {question: "b"})


def login(client, username: str, **kwargs):
    make_user(username, **kwargs)
    client.force_login(get_user_model().objects.get(username=username))


def test_instructors_group_has_view_only_on_learner_data():
    group = Group.objects.get(name="Instructors")
    codenames = set(
        group.permissions.filter(content_type__app_label="training").values_list("codename", flat=True)
    )
    for model in LEARNER_MODELS:
        assert f"view_{model}" in codenames
        for action in ("add", "change", "delete"):
            assert f"{action}_{model}" not in codenames
    assert {"change_question", "change_choice", "add_question", "delete_choice"} <= codenames
    assert not group.permissions.filter(content_type__app_label="auth").exists()


def teach_learner_of(attempt, username: str) -> None:
    """The instructor teaches the attempt's learner's cohort (instructors see only their own learners)."""
    instructor = get_user_model().objects.get(username=username)
    instructor.teaching_cohorts.add(*Cohort.objects.filter(memberships__user=attempt.user))


def test_instructor_views_an_attempt_but_cannot_change_add_or_delete_it(client, attempt):
    login(client, "tess", instructor=True)
    teach_learner_of(attempt, "tess")
    change = reverse("admin:training_quizattempt_change", args=[attempt.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert b'name="_save"' not in page.content
    assert client.post(change, {"percent": "100", "passed": "on"}).status_code == 403
    assert client.get(reverse("admin:training_quizattempt_add")).status_code == 403
    delete = reverse("admin:training_quizattempt_delete", args=[attempt.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    response = attempt.responses.get()
    assert (
        client.post(reverse("admin:training_response_change", args=[response.pk]), {"score": "1"}).status_code
        == 403
    )
    attempt.refresh_from_db()
    assert (attempt.percent, attempt.passed) == (0.0, False)
    assert Response.objects.get(pk=response.pk).score == 0.0


def test_bulk_delete_of_attempts_is_not_offered(client, attempt):
    login(client, "tess", instructor=True)
    url = reverse("admin:training_quizattempt_changelist")
    page = client.get(url)
    assert page.status_code == 200
    assert b"delete_selected" not in page.content
    client.post(url, {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"})
    assert QuizAttempt.objects.filter(pk=attempt.pk).exists()


def test_even_a_superuser_cannot_edit_an_attempt(client, attempt):
    get_admin = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(get_admin)
    change = reverse("admin:training_quizattempt_change", args=[attempt.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"percent": "100"}).status_code == 403


def test_instructor_edits_content(client, attempt):
    login(client, "tess", instructor=True)
    question = attempt.quiz.questions.get()
    assert client.get(reverse("admin:training_question_change", args=[question.pk])).status_code == 200
    assert client.get(reverse("admin:training_question_add")).status_code == 200


def test_users_and_groups_stay_with_superusers(client):
    login(client, "tess", instructor=True)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    index = client.get(reverse("admin:index"))
    assert b"/admin/auth/user/" not in index.content
    client.logout()
    root = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(root)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200


def test_learner_is_sent_to_the_admin_login(client):
    login(client, "lea")
    response = client.get(reverse("admin:training_question_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
