"""The debrief that replays a run: the timeline chart and its table, flags raised and when, what a different
choice at the two most consequential decisions would have led to, and the reflection (saved, validated,
another learner's run a 404, in "my data", visible to the learner's instructors)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_course, make_module, make_sim_graph
from tests.learner_data import make_cohort
from training import content_cache, debrief, mydata
from training import simulation as sim
from training.models import SimulationReflection, SimulationRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def simulation():
    """trust 50; start: quiet (+20, recommended) or leak (−20, sets press) → mid: sign (recommended; trust >= 60
    → win, else draw) or walk (→ lose)."""
    module = make_module(make_course())
    return make_sim_graph(
        module,
        title="Quiet channel",
        meters=[("trust", 0, 100, 50), ("risk", 0, 10, 5)],
        flags=[{"key": "press", "label": "The press knows"}],
        nodes={
            "start": {
                "title": "First contact",
                "options": [
                    {
                        "key": "quiet",
                        "text": "Keep it quiet.",
                        "effects": {"trust": 20},
                        "recommended": True,
                        "next": "mid",
                    },
                    {
                        "key": "leak",
                        "text": "Tell a journalist.",
                        "effects": {"trust": -20, "risk": 3},
                        "sets": ["press"],
                        "next": "mid",
                    },
                ],
            },
            "mid": {
                "title": "At the table",
                "options": [
                    {
                        "key": "sign",
                        "text": "Sign the text.",
                        "recommended": True,
                        "branches": [{"when": "trust >= 60", "next": "win"}],
                        "next": "draw",
                    },
                    {"key": "walk", "text": "Walk out.", "effects": {"trust": -30}, "next": "lose"},
                ],
            },
            "win": {"ending": "success", "title": "A signed text"},
            "draw": {"ending": "mixed", "title": "A thin text"},
            "lose": {"ending": "failure", "title": "Talks collapse"},
        },
    )


def _play(user, simulation, keys) -> SimulationRun:
    run = sim.start_run(user=user, simulation=simulation)
    for key in keys:
        run.refresh_from_db()
        sim.choose(user=user, run_id=run.pk, node_id=run.current_node_id, option_key=key)
    run.refresh_from_db()
    return run


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(run, name="simulation_run") -> str:
    return reverse(name, args=[run.simulation.slug, run.pk])


def test_the_debrief_shows_the_timeline_chart_and_its_table_with_the_same_numbers(learner, simulation):
    run = _play(learner, simulation, ["leak", "sign"])
    html = _client(learner).get(_url(run)).content.decode()
    assert '<h2 id="timeline-heading">Your run, decision by decision</h2>' in html
    chart = html[
        html.index('<svg class="timeline-chart"') : html.index("</svg>", html.index("timeline-chart"))
    ]
    assert '<title id="timeline-title">The meters after each decision</title>' in chart
    assert "At the end: Trust 30, Risk 8." in chart
    # One line per meter with three points (start, after 1, after 2); the table holds the same numbers.
    assert chart.count("<polyline") == 2 and chart.count("<circle") == 6
    table = html[html.index('class="sim-table timeline-table"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    cells = [re.findall(r'<td class="num">(\d+)', row) for row in rows[1:]]
    assert cells == [["50", "5"], ["1", "30", "8"], ["2", "30", "8"]]
    assert "(-20)" in rows[2] and "(+3)" in rows[2]
    assert "The press knows" in rows[2] and "The press knows" not in rows[3]


def test_meters_with_different_ranges_are_drawn_as_a_share_of_their_range(learner, simulation):
    run = _play(learner, simulation, ["quiet", "sign"])
    meters = sim.learner_meters(simulation.pk)
    steps = list(run.steps.select_related("node", "option").order_by("number"))
    points = debrief.timeline(meters, steps, flag_labels={}, event_titles={})
    chart = debrief.chart_for(meters, points)
    assert chart.scale == "as a percentage of each meter's range"
    assert [label for _, label in chart.y_ticks] == ["0%", "25%", "50%", "75%", "100%"]
    # Trust 50 of 0–100 and risk 5 of 0–10 sit at the same height at the start.
    assert chart.lines[0].marks[0][1] == chart.lines[1].marks[0][1]


def test_what_a_different_choice_would_have_led_to_at_the_two_most_consequential_decisions(
    learner, simulation
):
    run = _play(learner, simulation, ["quiet", "sign"])
    nodes, options = sim.simulation_graph(simulation)
    steps = list(run.steps.select_related("node", "option").order_by("number"))
    found = debrief.what_if(sim.learner_meters(simulation.pk), simulation.events, nodes, options, steps)
    assert [w.number for w in found] == [1, 2]
    first, second = found
    # Decision 1: leaking keeps only the thin text (via the recommended signing) or a collapse in reach.
    (leak,) = first.alternatives
    assert leak.option_key == "leak" and leak.continuation.key == "draw"
    assert [e.key for e in leak.reachable] == ["draw", "lose"] and leak.complete
    assert [e.key for e in first.chosen_reachable] == ["win", "lose"]
    assert first.score == (1, 0, 2)
    # Decision 2: walking out ends in failure; the best-outcome spread (success vs failure) is the widest.
    (walk,) = second.alternatives
    assert walk.continuation.key == "lose" and walk.continuation.outcome_label == "Failure"
    assert second.score == (2, 2, 2)
    html = _client(learner).get(_url(run)).content.decode()
    assert "What a different choice would have led to" in html
    assert "Decision 1: First contact" in html and "Decision 2: At the table" in html
    assert "A thin text (Mixed)" in html and "Talks collapse (Failure)" in html


def test_only_the_two_most_consequential_decisions_are_shown(learner):
    module = make_module(make_course())
    chain = {
        f"n{i}": {"options": [{"key": "a", "next": f"n{i + 1}"}, {"key": "b", "next": f"n{i + 1}"}]}
        for i in range(3)
    }
    chain["n1"]["options"][1]["next"] = "bad"  # only n1's and n2's alternatives change the outcome
    chain["n2"]["options"][1]["next"] = "bad"
    chain["n3"] = {"ending": "success"}
    chain["bad"] = {"ending": "failure"}
    simulation = make_sim_graph(module, nodes=chain)
    run = _play(learner, simulation, ["a", "a", "a"])
    nodes, options = sim.simulation_graph(simulation)
    steps = list(run.steps.select_related("node", "option").order_by("number"))
    found = debrief.what_if(sim.learner_meters(simulation.pk), [], nodes, options, steps)
    assert [w.number for w in found] == [2, 3]


def test_the_what_if_is_cached_per_run(learner, simulation, django_assert_max_num_queries):
    run = _play(learner, simulation, ["quiet", "sign"])
    content_cache.clear()
    client = _client(learner)
    client.get(_url(run))
    with CaptureQueriesContext(connection) as first:
        client.get(_url(run))
    more = _play(learner, simulation, ["leak", "walk"])
    client.get("/")  # playing changed the learner's version: refill the navigation's cached figures first
    with CaptureQueriesContext(connection) as second:
        client.get(_url(more))
    assert len(second) <= len(first) + 1  # a new run computes, then caches: no query grows with it


def test_the_debrief_lists_the_flags_raised_and_when(learner, simulation):
    run = _play(learner, simulation, ["leak", "walk"])
    html = _client(learner).get(_url(run)).content.decode()
    assert re.search(
        r"<td class=\"num\">1</td>\s*<th scope=\"row\">Tell a journalist\.</th>.*?The press knows", html, re.S
    )


# Reflection ---------------------------------------------------------------------------------------------------


def test_the_learner_saves_a_reflection_and_sees_it_again(learner, simulation):
    run = _play(learner, simulation, ["quiet", "sign"])
    client = _client(learner)
    response = client.post(_url(run, "simulation_reflect"), {"text": "  I would brief the press later.  "})
    assert response.status_code == 302
    assert response["Location"] == _url(run) + "#reflection-heading"
    reflection = SimulationReflection.objects.get(run=run)
    assert reflection.text == "I would brief the press later."
    html = client.get(_url(run)).content.decode()
    assert "Your reflection is saved." in html
    assert "I would brief the press later.</textarea>" in html
    client.post(_url(run, "simulation_reflect"), {"text": "Second thoughts."})
    assert SimulationReflection.objects.get(run=run).text == "Second thoughts."
    assert SimulationReflection.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 4001, "Ensure this value has at most 4000 characters"),
        ("bad\x07bell", "Remove the control characters"),
    ],
)
def test_an_invalid_reflection_is_refused_with_the_reason(learner, simulation, text, message):
    run = _play(learner, simulation, ["quiet", "sign"])
    response = _client(learner).post(_url(run, "simulation_reflect"), {"text": text})
    if "\x07" in text:  # the middleware refuses control characters in any request before the view
        assert response.status_code == 400
    else:
        assert response.status_code == 422
        html = response.content.decode()
        assert message in html and 'aria-invalid="true"' in html
    assert not SimulationReflection.objects.exists()


def test_the_form_refuses_control_characters_too():
    form = __import__("training.views.sims", fromlist=["ReflectionForm"]).ReflectionForm({"text": "a\x00b"})
    assert not form.is_valid() and form.errors.as_data()["text"][0].code == "control_characters"


def test_another_learners_run_is_a_404_for_the_reflection(learner, other_learner, simulation):
    run = _play(learner, simulation, ["quiet", "sign"])
    response = _client(other_learner).post(_url(run, "simulation_reflect"), {"text": "Mine now."})
    assert response.status_code == 404
    assert not SimulationReflection.objects.exists()


def test_an_unfinished_run_takes_no_reflection(learner, simulation):
    run = _play(learner, simulation, ["quiet"])
    response = _client(learner).post(_url(run, "simulation_reflect"), {"text": "Too early."})
    assert response.status_code == 302 and response["Location"] == _url(run)
    assert not SimulationReflection.objects.exists()


def test_the_reflection_is_in_my_data(learner, other_learner, simulation):
    run = _play(learner, simulation, ["quiet", "sign"])
    debrief.save_reflection(user=learner, run_id=run.pk, text="Mine.")
    other = _play(other_learner, simulation, ["leak", "walk"])
    debrief.save_reflection(user=other_learner, run_id=other.pk, text="Not lena's.")
    data = mydata.export_for(learner)
    assert len(data["reflections"]) == 1
    (item,) = data["reflections"]
    assert item["simulation"] == simulation.slug and item["text"] == "Mine."
    assert item["ending"] == "win" and item["saved_at"]


def test_the_learners_instructor_reads_the_reflection_and_another_instructor_does_not(
    learner, other_learner, instructor, other_instructor, simulation
):
    course = simulation.course
    cohort = make_cohort(course, instructors=[instructor], learners=[learner])
    other_cohort = make_cohort(course, instructors=[other_instructor], learners=[other_learner])
    run = _play(learner, simulation, ["quiet", "sign"])
    debrief.save_reflection(user=learner, run_id=run.pk, text="Brief the press later.")
    page = reverse("instructor_simulation", args=[cohort.pk, simulation.slug])
    html = _client(instructor).get(page).content.decode()
    assert "Brief the press later." in html
    other_page = reverse("instructor_simulation", args=[other_cohort.pk, simulation.slug])
    assert "Brief the press later." not in _client(other_instructor).get(other_page).content.decode()
    assert _client(other_instructor).get(page).status_code == 404
