"""Playing a simulation from any node with chosen meter values (issue 15): staff only, the learners' step
rules, nothing recorded, bad input refused with a message."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import make_course, make_module, make_sim_graph
from training.models import SimulationRun, SimulationStep

pytestmark = pytest.mark.django_db


@pytest.fixture
def simulation():
    return make_sim_graph(
        make_module(make_course()),
        meters=[("trust", 0, 100, 50), ("risk", 0, 10, 5)],
        nodes={
            "start": {"options": [{"key": "a", "next": "mid", "effects": {"trust": 10}}]},
            "mid": {
                "title": "The middle",
                "options": [
                    {"key": "bold", "next": "good", "guard": "trust >= 70", "effects": {"risk": 9}},
                    {"key": "safe", "next": "bad", "effects": {"trust": -80}},
                ],
            },
            "good": {"ending": "success", "title": "A good end"},
            "bad": {"ending": "failure", "title": "A bad end"},
        },
    )


@pytest.fixture
def author(client, instructor):
    client.force_login(instructor)
    return client


def _url(simulation, **query):
    url = reverse("simulation_try", args=[simulation.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _token(html: str) -> str:
    return re.search(r'name="state" value="([^"]+)"', html).group(1)


def test_start_anywhere_with_chosen_meters_and_the_guards_follow_them(author, simulation):
    page = author.get(_url(simulation, start="mid")).content.decode()
    assert '<option value="mid" selected>' in page  # "play from here" preselects the node
    low = author.get(_url(simulation, node="mid", **{"meter-trust": 40, "meter-risk": 5})).content.decode()
    assert "The middle" in low
    assert 'value="bold"' not in low and "Available when trust is at least 70" in low
    high = author.get(_url(simulation, node="mid", **{"meter-trust": 75, "meter-risk": 5})).content.decode()
    assert 'name="option" value="bold"' in high


def test_choosing_applies_the_learners_rules_and_records_nothing(author, simulation):
    page = author.get(_url(simulation, node="mid", **{"meter-trust": 75, "meter-risk": 5})).content.decode()
    after = author.get(_url(simulation, state=_token(page), option="bold")).content.decode()
    assert "A good end" in after and "Ending: Success" in after
    assert "Risk +5 (now 10)" in after and "the meter stops at its limit" in after  # 5 + 9 clamped to 10
    assert "State after 1 decision" in after
    assert SimulationRun.objects.count() == 0 and SimulationStep.objects.count() == 0


def test_a_tampered_state_or_an_unavailable_option_is_refused(author, simulation):
    page = author.get(_url(simulation, node="mid", **{"meter-trust": 40, "meter-risk": 5})).content.decode()
    token = _token(page)
    response = author.get(_url(simulation, state=token[:-3] + "abc", option="safe"))
    assert response.status_code == 400 and "damaged" in response.content.decode()
    response = author.get(_url(simulation, state=token, option="bold"))
    assert response.status_code == 422
    assert "not available in this state" in response.content.decode()
    response = author.get(_url(simulation, state=token, option="nope"))
    assert response.status_code == 422 and "not one of the choices" in response.content.decode()


def test_meter_values_outside_their_range_are_refused(author, simulation):
    response = author.get(_url(simulation, node="mid", **{"meter-trust": 400, "meter-risk": 5}))
    assert response.status_code == 400
    assert "less than or equal to 100" in response.content.decode()
    response = author.get(_url(simulation, node="nowhere", **{"meter-trust": 4, "meter-risk": 5}))
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_learners_get_a_404(client, learner, simulation):
    client.force_login(learner)
    assert client.get(_url(simulation)).status_code == 404
