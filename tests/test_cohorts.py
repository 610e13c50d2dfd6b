"""Cohorts: instructors create them with an unguessable code; learners join with a form or a link."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_course
from tests.learner_data import make_cohort
from training.cohorts import CODE_ALPHABET, CODE_LENGTH, create_cohort, join_cohort, normalize_code
from training.models import Cohort, CohortMembership

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    return make_course(title="Tracks")


@pytest.fixture
def signed_in_learner(client, learner):
    client.force_login(learner)
    return learner


def test_instructor_creates_a_cohort_with_a_generated_code(client, instructor, course):
    client.force_login(instructor)
    response = client.post(reverse("instructor_cohort_create"), {"name": "Spring group", "course": course.pk})
    cohort = Cohort.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("instructor_cohort", args=[cohort.pk])
    assert cohort.name == "Spring group" and cohort.course == course
    assert list(cohort.instructors.all()) == [instructor]
    assert len(cohort.code) == CODE_LENGTH and set(cohort.code) <= set(CODE_ALPHABET)


def test_cohort_codes_are_unique_and_random(instructor, course):
    codes = {create_cohort(name=f"c{i}", course=course, instructor=instructor).code for i in range(30)}
    assert len(codes) == 30


def test_cohort_form_errors_are_a_400_with_the_form(client, instructor, course):
    client.force_login(instructor)
    response = client.post(reverse("instructor_cohort_create"), {"name": "", "course": course.pk})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Cohort.objects.exists()


def test_a_learner_cannot_create_a_cohort(client, signed_in_learner, course):
    response = client.post(reverse("instructor_cohort_create"), {"name": "Mine", "course": course.pk})
    assert response.status_code == 403
    assert not Cohort.objects.exists()
    with pytest.raises(PermissionError):
        create_cohort(name="x", course=course, instructor=signed_in_learner)


def test_join_form_needs_login_and_comes_back_after(client):
    response = client.get(reverse("cohort_join"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/cohorts/join/"
    response = client.get(reverse("cohort_join_code", args=["ABCD2345"]))
    assert response["Location"] == f"{reverse('login')}?next=/cohorts/join/ABCD2345/"


def test_learner_joins_with_the_code_typed_loosely(client, signed_in_learner, course):
    cohort = make_cohort(course, name="Spring group", code="ABCD2345")
    page = client.get(reverse("cohort_join"))
    assert page.status_code == 200
    response = client.post(reverse("cohort_join"), {"code": " abcd-2345 "}, follow=True)
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert "You joined Spring group." in response.content.decode()
    assert CohortMembership.objects.filter(cohort=cohort, user=signed_in_learner).count() == 1


def test_joining_twice_is_idempotent_and_polite(client, signed_in_learner, course):
    cohort = make_cohort(course, name="Spring group", code="ABCD2345", learners=[signed_in_learner])
    response = client.post(reverse("cohort_join"), {"code": "ABCD2345"}, follow=True)
    assert "You are already a member of Spring group; nothing changed." in response.content.decode()
    assert CohortMembership.objects.filter(cohort=cohort, user=signed_in_learner).count() == 1
    assert join_cohort(user=signed_in_learner, cohort=cohort) is False


def test_unknown_code_is_a_clear_400(client, signed_in_learner):
    response = client.post(reverse("cohort_join"), {"code": "NOPE2345"})
    assert response.status_code == 400
    assert "No cohort has that code." in response.content.decode()
    assert not CohortMembership.objects.exists()


def test_join_link_asks_to_confirm_then_joins(client, signed_in_learner, course):
    cohort = make_cohort(course, name="Spring group", code="ABCD2345")
    url = reverse("cohort_join_code", args=["ABCD2345"])
    page = client.get(url)
    assert page.status_code == 200
    assert "Join Spring group?" in page.content.decode()
    assert not CohortMembership.objects.exists()  # a GET never joins
    response = client.post(url)
    assert response.status_code == 302
    assert CohortMembership.objects.filter(cohort=cohort, user=signed_in_learner).exists()
    again = client.get(url)
    assert "You are already a member of this cohort." in again.content.decode()


def test_join_link_with_unknown_code_is_a_404_with_the_form(client, signed_in_learner):
    response = client.get(reverse("cohort_join_code", args=["ZZZZ9999"]))
    assert response.status_code == 404
    assert "No cohort has the code “ZZZZ9999”." in response.content.decode()
    assert client.post(reverse("cohort_join_code", args=["ZZZZ9999"])).status_code == 404


def test_a_learner_may_belong_to_several_cohorts(client, signed_in_learner, course):
    make_cohort(course, name="A", code="AAAA2345")
    make_cohort(make_course(), name="B", code="BBBB2345")
    client.post(reverse("cohort_join"), {"code": "AAAA2345"})
    client.post(reverse("cohort_join"), {"code": "BBBB2345"})
    assert sorted(signed_in_learner.cohort_memberships.values_list("cohort__name", flat=True)) == ["A", "B"]


def test_join_needs_csrf(learner):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    assert strict.post(reverse("cohort_join"), {"code": "ABCD2345"}).status_code == 403


def test_normalize_code():
    assert normalize_code(" ab-cd 2345 ") == "ABCD2345"
