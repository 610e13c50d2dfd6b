"""NUL bytes and other control characters in a request answer 400 with a readable page, and write nothing.

PostgreSQL refuses NUL in a string ("A string literal cannot contain NUL"), so on it each of these used to be a
500; SQLite stored them. Tab, CR and LF are ordinary text and still accepted.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.endpoints import learner_table_state
from training.cohorts import create_cohort
from training.models import Certificate, Cohort, CohortMembership
from training.simulation import start_run
from training.views.instructor import CohortForm

pytestmark = pytest.mark.django_db

MESSAGE = "The request contained control characters"


@pytest.fixture
def course():
    return factories.make_course()


@pytest.fixture
def cohort(course, instructor):
    return create_cohort(name="Spring", course=course, instructor=instructor)


def assert_refused(response) -> None:
    assert response.status_code == 400
    body = response.content.decode()
    assert MESSAGE in body
    assert "<main" in body and "Diplomacy Tracks" in body  # the site's own layout, not a bare error


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x1f"])
def test_instructor_search_with_a_control_character_is_a_400(client, instructor, cohort, bad):
    client.force_login(instructor)
    url = reverse("instructor_cohort", args=[cohort.pk])
    assert_refused(client.get(url, {"q": f"le{bad}na"}))


def test_tab_cr_and_lf_are_ordinary_text(client, instructor, cohort):
    client.force_login(instructor)
    response = client.get(reverse("instructor_cohort", args=[cohort.pk]), {"q": "le\tna\r\n"})
    assert response.status_code == 200


def test_a_control_character_in_a_parameter_name_is_a_400(client, learner):
    client.force_login(learner)
    assert_refused(client.get(reverse("progress"), {"course\x00": "x"}))


def test_cohort_join_code_with_nul_in_the_url_or_the_form_is_a_400(client, learner, cohort):
    client.force_login(learner)
    assert_refused(client.get("/cohorts/join/ABCD%00EFGH/"))
    assert_refused(client.post("/cohorts/join/ABCD%00EFGH/"))
    assert_refused(client.post(reverse("cohort_join"), {"code": cohort.code + "\x00"}))
    assert not CohortMembership.objects.exists()


def test_simulation_option_with_nul_is_a_400_and_the_run_does_not_move(client, learner, course):
    module = factories.make_module(course)
    simulation = factories.make_simulation(module)
    run = start_run(user=learner, simulation=simulation)
    client.force_login(learner)
    before = learner_table_state()
    url = reverse("simulation_choose", args=[simulation.slug, run.pk])
    assert_refused(client.post(url, {"node": str(run.current_node_id), "step": "0", "option": "a\x00"}))
    assert learner_table_state() == before


def test_certificate_name_with_a_control_character_is_refused(client, learner, course):
    client.force_login(learner)
    url = reverse("certificate_claim", args=[course.slug])
    assert_refused(client.post(url, {"name": "Lena\x00 Haddad"}))
    assert not Certificate.objects.exists()


def test_the_forms_that_store_text_refuse_control_characters_themselves(course, learner):
    # Behind the middleware, the forms too: text reaches them from elsewhere than a request (a shell, a test).
    form = CohortForm(data={"name": "Spring\x07", "course": course.pk})
    assert not form.is_valid()
    assert form.errors["name"] == ["Remove the control characters (such as NUL) from this text."]
    from training.certificates import issue_certificate

    with pytest.raises(ValueError, match="control characters"):
        issue_certificate(user=learner, course=course, name="Lena\x1b[31m")
    assert not Cohort.objects.filter(name__startswith="Spring\x07").exists()
