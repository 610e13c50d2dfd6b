"""Learner data in the admin: an instructor sees the rows of the learners of the cohorts they teach and those
cohorts, nothing of any other cohort; a superuser sees everything (training/permissions.py `learner_rows_for`)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.learner_data import make_cohort, make_user
from tests.learner_history import give_history, make_content
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
    learning,
)
from training.permissions import learners_of

pytestmark = pytest.mark.django_db

# Every learner-data model and the path from its row to the learner (a cohort: through its memberships).
LEARNER_PATHS = {
    LessonProgress: "user",
    CheckAnswer: "user",
    QuizAttempt: "user",
    Response: "attempt__user",
    SimulationRun: "user",
    SimulationStep: "run__user",
    ReviewCard: "user",
    ReviewLog: "card__user",
    Cohort: "memberships__user",
    CohortMembership: "user",
    Certificate: "user",
}


@pytest.fixture
def cohorts(instructor, other_instructor, learner, other_learner):
    """Cohort A (taught by `instructor`, with `learner`) and cohort B (taught by `other_instructor`, with
    `other_learner`), each learner with a row of every kind."""
    content = make_content()
    course = content["course"]
    a = make_cohort(course, instructors=[instructor], name="Cohort A", code="ALPHA123")
    b = make_cohort(course, instructors=[other_instructor], name="Cohort B", code="BRAVO456")
    give_history(learner, content, a)
    give_history(other_learner, content, b)
    return a, b


def changelist_url(model) -> str:
    return reverse(f"admin:training_{model._meta.model_name}_changelist")


def change_url(model, pk) -> str:
    return reverse(f"admin:training_{model._meta.model_name}_change", args=[pk])


def listed_pks(client, model) -> set[int]:
    response = client.get(changelist_url(model))
    assert response.status_code == 200, model.__name__
    return {row.pk for row in response.context["cl"].result_list}


def rows_of(model, user) -> set[int]:
    return set(model.objects.filter(**{LEARNER_PATHS[model]: user}).values_list("pk", flat=True))


def test_every_learner_model_in_the_admin_is_covered_here():
    # A new learner-state model registered in the admin must be added to LEARNER_PATHS (and so be limited).
    registered = {model for model in admin.site._registry if model.__module__ == learning.__name__}
    assert registered == set(LEARNER_PATHS)


@pytest.mark.parametrize("model", LEARNER_PATHS, ids=lambda model: model.__name__)
def test_instructor_lists_only_the_rows_of_their_cohorts_learners(
    client, instructor, learner, other_learner, cohorts, model
):
    mine, theirs = rows_of(model, learner), rows_of(model, other_learner)
    assert mine and theirs, "the fixture gives both learners a row"
    client.force_login(instructor)
    assert listed_pks(client, model) == mine


@pytest.mark.parametrize("model", LEARNER_PATHS, ids=lambda model: model.__name__)
def test_instructor_gets_the_doesnt_exist_redirect_for_another_cohorts_row(
    client, instructor, learner, other_learner, cohorts, model
):
    client.force_login(instructor)
    own = min(rows_of(model, learner))
    assert client.get(change_url(model, own)).status_code == 200
    for pk in rows_of(model, other_learner):
        for url in (
            change_url(model, pk),
            reverse(f"admin:training_{model._meta.model_name}_history", args=[pk]),
        ):
            response = client.get(url)
            # Django's answer to an object outside get_queryset, the same as for an id that does not exist.
            assert (response.status_code, response["Location"]) == (302, reverse("admin:index")), url
            assert "doesn’t exist" in str(list(get_messages(response.wsgi_request))[-1])


@pytest.mark.parametrize("model", LEARNER_PATHS, ids=lambda model: model.__name__)
def test_instructor_without_a_cohort_sees_no_learner_data(client, learner, other_learner, cohorts, model):
    loner = make_user("nell", instructor=True)
    client.force_login(loner)
    assert listed_pks(client, model) == set()
    assert client.get(change_url(model, min(rows_of(model, learner)))).status_code == 302


@pytest.mark.parametrize("model", LEARNER_PATHS, ids=lambda model: model.__name__)
def test_superuser_sees_every_learners_rows(client, superuser, learner, other_learner, cohorts, model):
    client.force_login(superuser)
    assert listed_pks(client, model) == set(model.objects.values_list("pk", flat=True))
    assert rows_of(model, learner) | rows_of(model, other_learner) <= listed_pks(client, model)
    assert client.get(change_url(model, min(rows_of(model, other_learner)))).status_code == 200


def test_cohort_pages_show_only_the_join_codes_of_cohorts_taught(client, instructor, cohorts):
    client.force_login(instructor)
    for url in (changelist_url(Cohort), changelist_url(CohortMembership), reverse("admin:index")):
        html = client.get(url).content.decode()
        assert "BRAVO456" not in html and "Cohort B" not in html, url
    assert "ALPHA123" in client.get(changelist_url(Cohort)).content.decode()
    # The membership list's cohort filter offers only the cohorts listed.
    assert "Cohort A" in client.get(changelist_url(CohortMembership)).content.decode()


def test_another_cohorts_learner_names_do_not_appear_on_any_changelist(client, instructor, cohorts):
    client.force_login(instructor)
    for model in LEARNER_PATHS:
        html = client.get(changelist_url(model)).content.decode()
        assert "omar" not in html, model.__name__  # the other learner's username (tests/conftest.py)


def test_a_learner_in_two_cohorts_is_visible_to_both_instructors_and_listed_once(
    client, instructor, other_instructor, learner, other_learner, cohorts
):
    _a, b = cohorts
    CohortMembership.objects.create(cohort=b, user=learner)
    client.force_login(other_instructor)
    response = client.get(changelist_url(QuizAttempt))
    pks = [row.pk for row in response.context["cl"].result_list]
    assert sorted(pks) == sorted(rows_of(QuizAttempt, learner) | rows_of(QuizAttempt, other_learner))
    assert response.context["cl"].result_count == len(pks)
    assert sorted(learners_of(other_instructor), key=str) == sorted([learner, other_learner], key=str)
    assert list(learners_of(instructor)) == [learner]


def test_learners_of_is_nobody_for_a_learner(learner, other_learner, cohorts):
    assert not learners_of(learner).exists()


def test_instructor_cannot_see_users_in_the_admin(client, instructor, cohorts):
    # django.contrib.auth's admins need view_user / view_group, which the Instructors group never gets.
    assert not instructor.has_perm("auth.view_user")
    client.force_login(instructor)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_user_change", args=[instructor.pk])).status_code == 403
