"""Small fixes of issue 14, checked on the shipped course through HTTP: "Join a cohort" in the account menu,
simulation rows on the learning path without a dangling "·", and a simulation decision that says which
decision it is and which meters are better lower."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from training.models import Course, SimulationRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped(db) -> Course:
    call_command("load_curriculum", "fixtures/diplomacy-tracks", verbosity=0)
    return Course.objects.get(slug="diplomacy-tracks")


def account_menu(html: str) -> str:
    return re.search(r'<nav aria-label="Account" class="account-nav">(.*?)</nav>', html, re.S).group(1)


def test_the_account_menu_offers_to_join_a_cohort(client, learner):
    client.force_login(learner)
    menu = account_menu(client.get("/accounts/password/change/").content.decode())
    assert f'<a href="{reverse("cohort_join")}">Join a cohort</a>' in menu
    menu = account_menu(client.get(reverse("cohort_join")).content.decode())
    assert f'<a href="{reverse("cohort_join")}" aria-current="page">Join a cohort</a>' in menu


def test_path_rows_have_no_dangling_separator_and_a_decision_says_where_it_is(client, learner, shipped):
    client.force_login(learner)
    page = client.get(reverse("course_detail", args=[shipped.slug])).content.decode()
    rows = re.findall(r'<span class="kind">Simulation</span>.*?</li>', page, re.S)
    assert len(rows) == 3
    for row in rows + re.findall(r'<ul class="path-items">(.*?)</ul>', page, re.S):
        assert not re.search(r"·\s*(</|$)", row), row  # a "·" is always followed by what it separates

    response = client.post(reverse("simulation_start", args=["harbour-standoff"]))
    run = SimulationRun.objects.get(user=learner, simulation__slug="harbour-standoff")
    assert response.status_code == 302
    decision = client.get(response["Location"]).content.decode()
    count = re.search(r'<p class="sim-count">Decision 1 of about (\d+)</p>', decision)
    assert count and int(count.group(1)) > 1, run.pk
    # A meter that is better low says so, and its <meter> is told its optimum is at the low end.
    row = re.search(r'<li class="meter-row meter-lower-better">(.*?)</li>', decision, re.S)
    assert row and '<span class="meter-direction">lower is better</span>' in row.group(1)
    low = re.search(r'<meter [^>]*min="(\d+)"[^>]*optimum="(\d+)"', row.group(1))
    assert low and low.group(1) == low.group(2)
