"""Simulation pages through real HTTP: intro, start/resume/replay, decisions (htmx and plain POST), endings with
the debrief, double and stale posts, other learners' runs, bad input, query bounds and the instructor map."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from tests.factories import make_course, make_lesson, make_module, make_sim_graph, make_simulation
from training import simulation as sim
from training.models import SimulationRun, SimulationStep

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _signed_in(user) -> tuple[Client, object]:
    client = Client()
    client.force_login(user)
    return client, user


@pytest.fixture
def module():
    return make_module(make_course())


@pytest.fixture
def learner_session(learner):
    return _signed_in(learner)


@pytest.fixture
def other_session(other_learner):
    return _signed_in(other_learner)


@pytest.fixture
def simulation(module):
    """trust 40, risk 0..10 at 5; start → (talk +20 trust, recommended) → table → endings; a guarded option."""
    lesson = make_lesson(module, title="Sequencing the tracks")
    return make_sim_graph(
        module,
        title="Harbour talks",
        meters=[("trust", 0, 100, 40), ("risk", 0, 10, 5)],
        nodes={
            "start": {
                "title": "First contact",
                "situation": "Ships are **close**.",
                "lessons": [lesson],
                "options": [
                    {
                        "key": "talk",
                        "text": "Open a hotline.",
                        "effects": {"trust": 20, "risk": -8},
                        "recommended": True,
                        "feedback": "SECRET-FEEDBACK-TALK",
                        "next": "table",
                    },
                    {"key": "shout", "text": "Warn them off.", "effects": {"trust": -10}, "next": "lose"},
                    {
                        "key": "deal",
                        "text": "Propose a treaty.",
                        "guard": "trust >= 70",
                        "reason": "They do not trust you enough yet.",
                        "next": "win",
                    },
                    {
                        "key": "hide",
                        "text": "A hidden move.",
                        "guard": "trust >= 99",
                        "unavailable": "hide",
                        "next": "win",
                    },
                ],
            },
            "table": {
                "title": "At the table",
                "options": [
                    {"key": "sign", "text": "Sign the rules.", "next": "win", "recommended": True},
                    {"key": "walk", "text": "Walk out.", "next": "lose", "effects": {"trust": -50}},
                ],
            },
            "win": {"ending": "success", "title": "Rules that hold", "debrief": "You built **trust** first."},
            "lose": {"ending": "failure", "title": "Shots at sea", "debrief": "Escalation."},
        },
    )


def _start(client, simulation) -> SimulationRun:
    response = client.post(reverse("simulation_start", args=[simulation.slug]))
    assert response.status_code == 302
    run = SimulationRun.objects.get(
        simulation=simulation, finished_at__isnull=True, user__username=_who(client)
    )
    assert response["Location"] == reverse("simulation_run", args=[simulation.slug, run.pk])
    return run


def _who(client) -> str:
    return get_user_model().objects.get(pk=client.session["_auth_user_id"]).username


def _choose(client, run, option, *, node=None, step=None, htmx=False):
    run.refresh_from_db()
    data = {"node": node if node is not None else run.current_node_id, "option": option}
    if step is not None:
        data["step"] = step
    return client.post(
        reverse("simulation_choose", args=[run.simulation.slug, run.pk]), data, **(HTMX if htmx else {})
    )


# Intro --------------------------------------------------------------------------------------------------------


def test_visitor_sees_the_intro_with_meters_and_a_login_link_that_comes_back(simulation):
    response = Client().get(f"/simulations/{simulation.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Harbour talks</h1>" in html
    assert "You are a mediator." in html and "Talks have stalled." in html
    assert re.search(r"<th scope=\"row\">Trust</th><td class=\"num\">40</td>", html)
    assert f'href="/accounts/login/?next=/simulations/{simulation.slug}/"' in html
    assert f'href="/accounts/signup/?next=/simulations/{simulation.slug}/"' in html
    assert "Start the simulation" not in html


def test_unknown_or_draft_simulation_is_404(simulation):
    assert Client().get("/simulations/nope/").status_code == 404
    simulation.status = "draft"
    simulation.save()
    assert Client().get(f"/simulations/{simulation.slug}/").status_code == 404


def test_visitor_is_sent_to_log_in_for_runs_and_choices(simulation, learner_session):
    client, _ = learner_session
    run = _start(client, simulation)
    visitor = Client()
    url = reverse("simulation_run", args=[simulation.slug, run.pk])
    response = visitor.get(url)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={url}"
    response = visitor.post(reverse("simulation_start", args=[simulation.slug]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert _choose(visitor, run, "talk").status_code == 302
    assert SimulationStep.objects.count() == 0


def test_learner_starts_then_the_intro_offers_resume_and_start_over(simulation, learner_session):
    client, _ = learner_session
    html = client.get(f"/simulations/{simulation.slug}/").content.decode()
    assert "Start the simulation" in html
    run = _start(client, simulation)
    html = client.get(f"/simulations/{simulation.slug}/").content.decode()
    assert f'href="/simulations/{simulation.slug}/runs/{run.pk}/"' in html
    assert "Resume where you stopped" in html and "Start over from the beginning" in html


def test_double_click_on_start_opens_one_run(simulation, learner_session):
    client, _ = learner_session
    first = _start(client, simulation)
    second = _start(client, simulation)
    assert first.pk == second.pk
    assert SimulationRun.objects.count() == 1


def test_start_over_closes_the_unfinished_run_and_opens_a_new_one(simulation, learner_session):
    client, _ = learner_session
    run = _start(client, simulation)
    _choose(client, run, "talk")
    response = client.post(reverse("simulation_start", args=[simulation.slug]), {"restart": run.pk})
    new = SimulationRun.objects.get(finished_at__isnull=True)
    assert response["Location"] == reverse("simulation_run", args=[simulation.slug, new.pk])
    assert new.pk != run.pk and new.current_node_id == simulation.start_node_id
    run.refresh_from_db()
    assert run.finished_at and run.ending is None and run.steps.count() == 1


def test_start_over_posted_many_times_leaves_one_fresh_run(simulation, learner_session):
    client, _ = learner_session
    run = _start(client, simulation)
    _choose(client, run, "talk")
    for _ in range(20):  # a double click, a second tab, a replayed form: the same run named each time
        response = client.post(reverse("simulation_start", args=[simulation.slug]), {"restart": run.pk})
        assert response.status_code == 302
    assert SimulationRun.objects.count() == 2
    assert SimulationRun.objects.filter(finished_at__isnull=True).count() == 1


def test_start_over_with_a_malformed_run_is_a_400_and_changes_nothing(simulation, learner_session):
    client, _ = learner_session
    run = _start(client, simulation)
    _choose(client, run, "talk")
    for bad in ("abc", "-1", "1.5"):
        response = client.post(reverse("simulation_start", args=[simulation.slug]), {"restart": bad})
        assert response.status_code == 400
    assert SimulationRun.objects.get().pk == run.pk


# Decision page ------------------------------------------------------------------------------------------------


def test_decision_page_shows_situation_meters_and_options_without_leaking_answers(
    simulation, learner_session
):
    client, _ = learner_session
    run = _start(client, simulation)
    response = client.get(reverse("simulation_run", args=[simulation.slug, run.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h2 id="node-heading">First contact</h2>' in html
    assert "Ships are <strong>close</strong>." in html
    # low/high/optimum colour a meter by which way is good (trust: higher).
    assert (
        '<meter id="meter-trust" min="0" max="100" low="33" high="67" optimum="100" value="40">40 of 100</meter>'
        in html
    )
    assert '<label for="meter-trust">Trust</label>' in html
    assert re.search(
        r'<meter id="meter-risk" min="0" max="10" low="3" high="7" optimum="\d+" value="5">', html
    )
    assert f'<input type="hidden" name="node" value="{simulation.start_node_id}">' in html
    assert '<input type="hidden" name="step" value="1">' in html
    assert 'name="option" value="talk"' in html and 'name="option" value="shout"' in html
    # Unavailable and shown with the reason (not a button); hidden ones absent.
    assert 'value="deal"' not in html and "Propose a treaty." in html
    assert "They do not trust you enough yet." in html
    assert "A hidden move." not in html and 'value="hide"' not in html
    # Nothing that tells the answer: no feedback, no recommendation, no effects.
    assert "SECRET-FEEDBACK-TALK" not in html and "ecommended" not in html and "+20" not in html
    assert 'hx-post="/simulations/' in html and 'hx-target="#run-panel" hx-swap="innerHTML"' in html


def test_plain_post_records_the_choice_and_redirects_to_the_next_decision(simulation, learner_session):
    client, _ = learner_session
    run = _start(client, simulation)
    response = _choose(client, run, "talk", step=1)
    assert response.status_code == 302
    assert response["Location"] == reverse("simulation_run", args=[simulation.slug, run.pk])
    run.refresh_from_db()
    assert run.current_node.key == "table" and run.meters == {"trust": 60, "risk": 0}
    step = SimulationStep.objects.get()
    assert (step.number, step.option.key, step.meters_before, step.meters_after) == (
        1,
        "talk",
        {"trust": 40, "risk": 5},
        {"trust": 60, "risk": 0},
    )
    html = client.get(response["Location"]).content.decode()
    assert "At the table" in html
    assert "Your last choice: Open a hotline. — Trust +20 (now 60); Risk -5 (now 0)" in html
    assert 'max="100" low="33" high="67" optimum="100" value="60">' in html
    assert '<input type="hidden" name="step" value="2">' in html


def test_htmx_post_returns_the_panel_with_the_announcement(simulation, learner_session):
    client, _ = learner_session
    run = _start(client, simulation)
    response = _choose(client, run, "talk", step=1, htmx=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="sim-announce"')
    assert "<html" not in html and "<h1>" not in html
    assert 'role="status" id="sim-announce" data-focus-after-swap' in html
    assert "You chose: Open a hotline. — Trust +20 (now 60); Risk -5 (now 0)" in html
    assert "At the table" in html and "+20" in html
    assert SimulationStep.objects.count() == 1


def test_htmx_post_to_an_ending_returns_the_debrief_panel(simulation, learner_session):
    client, _ = learner_session
    run = _start(client, simulation)
    _choose(client, run, "talk")
    response = _choose(client, run, "sign", htmx=True)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div class="sim-announce"')
    assert "Rules that hold" in html and "Outcome: Success" in html and "Debrief" in html
    run.refresh_from_db()
    assert run.finished_at is not None and run.ending.key == "win"


def test_double_click_records_exactly_one_step(simulation, learner_session):
    client, _ = learner_session
    run = _start(client, simulation)
    node = run.current_node_id
    first = _choose(client, run, "talk", node=node, step=1)
    second = _choose(client, run, "talk", node=node, step=1)
    assert first.status_code == 302 and second.status_code == 302
    assert SimulationStep.objects.filter(run=run).count() == 1
    run.refresh_from_db()
    assert run.current_node.key == "table" and run.meters["trust"] == 60
    html = client.get(second["Location"]).content.decode()
    assert "That choice was already recorded" in html


def test_stale_tab_cannot_skip_a_node(simulation, learner_session):
    client, _ = learner_session
    run = _start(client, simulation)
    start = run.current_node_id
    _choose(client, run, "talk", node=start, step=1)  # tab A moves on to "table"
    # Tab B still shows the start node and picks a different option there.
    response = _choose(client, run, "shout", node=start, step=1, htmx=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "That choice was already recorded" in html and "At the table" in html
    run.refresh_from_db()
    assert run.current_node.key == "table" and run.steps.count() == 1 and run.finished_at is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"node": "x", "option": "talk"}, "not understood"),
        ({"option": "talk"}, "not understood"),
        ({"node": "START"}, "Please choose one of the options"),
        ({"node": "START", "option": "nope"}, "not one of the choices here"),
        ({"node": "START", "option": "deal"}, "They do not trust you enough yet."),
        ({"node": "START", "option": "hide"}, "not available now"),
        ({"node": "START", "option": "talk", "step": "two"}, "not understood"),
    ],
)
def test_bad_choices_are_422_with_a_message_and_write_nothing(simulation, learner_session, data, message):
    client, _ = learner_session
    run = _start(client, simulation)
    data = {k: (simulation.start_node_id if v == "START" else v) for k, v in data.items()}
    url = reverse("simulation_choose", args=[simulation.slug, run.pk])
    for extra in ({}, HTMX):
        response = client.post(url, data, **extra)
        assert response.status_code == 422
        assert message in response.content.decode()
        if extra:  # the fragment: the message in an alert that htmx swaps in and focuses
            assert '<div class="sim-announce sim-announce-error" role="alert"' in response.content.decode()
    assert SimulationStep.objects.count() == 0
    run.refresh_from_db()
    assert run.current_node_id == simulation.start_node_id


def test_get_on_choose_is_405(simulation, learner_session):
    client, _ = learner_session
    run = _start(client, simulation)
    assert client.get(reverse("simulation_choose", args=[simulation.slug, run.pk])).status_code == 405


def test_another_learners_run_is_404_to_view_and_to_play(simulation, learner_session, other_session):
    client, _ = learner_session
    run = _start(client, simulation)
    intruder, _ = other_session
    assert intruder.get(reverse("simulation_run", args=[simulation.slug, run.pk])).status_code == 404
    response = intruder.post(
        reverse("simulation_choose", args=[simulation.slug, run.pk]),
        {"node": run.current_node_id, "option": "talk"},
    )
    assert response.status_code == 404
    assert SimulationStep.objects.count() == 0


def test_a_run_under_another_simulations_address_is_404(simulation, module, learner_session):
    client, _ = learner_session
    run = _start(client, simulation)
    elsewhere = make_simulation(module)
    assert client.get(reverse("simulation_run", args=[elsewhere.slug, run.pk])).status_code == 404


def test_a_run_in_progress_resumes_where_it_stopped(simulation, learner_session):
    client, _ = learner_session
    run = _start(client, simulation)
    _choose(client, run, "talk")
    again = _start(client, simulation)  # e.g. "Start" from another device
    assert again.pk == run.pk
    html = client.get(reverse("simulation_run", args=[simulation.slug, run.pk])).content.decode()
    assert "At the table" in html and 'value="60"' in html


# Ending and debrief -------------------------------------------------------------------------------------------


def test_ending_page_has_the_debrief_path_beside_the_recommended_one_effects_feedback_and_lessons(
    simulation, learner_session
):
    client, _ = learner_session
    run = _start(client, simulation)
    _choose(client, run, "talk")
    _choose(client, run, "walk")
    run.refresh_from_db()
    assert run.ending.key == "lose"
    html = client.get(reverse("simulation_run", args=[simulation.slug, run.pk])).content.decode()
    assert "Shots at sea" in html and "Outcome: Failure" in html and "Escalation." in html
    # Path taken beside the recommendation.
    assert "✓ Same as yours" in html  # step 1 followed the recommendation
    assert "Differs:</span> Sign the rules." in html  # step 2 did not
    assert re.search(r"<li><strong>First contact:</strong> Open a hotline\.</li>", html)
    assert re.search(r"<li><strong>At the table:</strong> Sign the rules\.</li>", html)
    assert "<li><strong>Ending:</strong> Rules that hold (Success)</li>" in html
    # Meter table: before → after with the change, clamping noted.
    assert '40 → 60 <span class="delta">(+20)</span>' in html
    assert '5 → 0 <span class="delta">(-5, limit 0)</span>' in html
    assert '60 → 10 <span class="delta">(-50)</span>' in html
    # Feedback per choice, and the related lessons of each decision (a link once lesson pages exist).
    assert "SECRET-FEEDBACK-TALK" in html
    assert "Sequencing the tracks" in html
    try:
        lesson_url = reverse("lesson_detail", args=["x"]).rsplit("x", 1)[0]
        assert f'<a href="{lesson_url}' in html
    except NoReverseMatch:
        pass
    assert "Replay from the start" in html
    assert 'max="100" low="33" high="67" optimum="100" value="10">' in html


def test_replay_from_the_ending_starts_a_fresh_run(simulation, learner_session):
    client, _ = learner_session
    run = _start(client, simulation)
    _choose(client, run, "shout")
    replay = _start(client, simulation)
    assert replay.pk != run.pk and replay.meters == {"trust": 40, "risk": 5}
    html = client.get(f"/simulations/{simulation.slug}/").content.decode()
    assert "Your endings" in html and "Shots at sea" in html


def test_a_post_on_a_finished_run_shows_the_debrief_politely(simulation, learner_session):
    client, _ = learner_session
    run = _start(client, simulation)
    _choose(client, run, "shout")
    response = _choose(client, run, "talk", htmx=True)
    assert response.status_code == 200 and "This run has already ended." in response.content.decode()
    assert SimulationStep.objects.count() == 1


# Query bounds -------------------------------------------------------------------------------------------------


def _looping_run(module, user, steps: int) -> SimulationRun:
    simulation = make_sim_graph(
        module,
        meters=[("trust", 0, 100, 50), ("momentum", 0, 100, 0)],
        nodes={
            "loop": {
                "options": [
                    {"key": "again", "next": "loop", "effects": {"trust": 1, "momentum": 2}},
                    {"key": "other", "next": "loop", "guard": "trust > 60", "reason": "Later."},
                    {"key": "stop", "next": "end"},
                ]
            },
            "end": {"ending": "success"},
        },
    )
    run = sim.start_run(user=user, simulation=simulation)
    for number in range(1, steps + 1):
        sim.choose(
            user=user, run_id=run.pk, node_id=simulation.start_node_id, option_key="again", step_number=number
        )
    return run


def _count_queries(client, run) -> int:
    url = reverse("simulation_run", args=[run.simulation.slug, run.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_decision_page_queries_do_not_grow_with_run_length(module, learner_session):
    client, user = learner_session
    short = _looping_run(module, user, 2)
    long = _looping_run(module, user, 50)
    assert long.steps.count() == 50
    client.get("/")  # the navigation's figures are cached per learner: the first page fills the cache
    short_count, long_count = _count_queries(client, short), _count_queries(client, long)
    assert short_count == long_count
    # 12: two of them read the simulation's graph for "Decision n of about m", once per content version.
    assert long_count <= 12


def test_ending_page_queries_do_not_grow_with_run_length(module, learner_session):
    client, user = learner_session
    counts = []
    for steps in (2, 50):
        run = _looping_run(module, user, steps)
        sim.choose(user=user, run_id=run.pk, node_id=run.simulation.start_node_id, option_key="stop")
        counts.append(_count_queries(client, run))
    assert counts[0] == counts[1] and counts[1] <= 14


def test_choice_post_queries_are_bounded(module, learner_session):
    client, user = learner_session
    counts = []
    for steps in (2, 50):
        run = _looping_run(module, user, steps)
        url = reverse("simulation_choose", args=[run.simulation.slug, run.pk])
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                url, {"node": run.simulation.start_node_id, "option": "again", "step": steps + 1}, **HTMX
            )
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[1] <= 25


def test_intro_queries_do_not_grow_with_past_runs(module, learner_session):
    client, user = learner_session
    counts = []
    for finished in (0, 30):
        simulation = make_simulation(module)
        for _ in range(finished):
            run = sim.start_run(user=user, simulation=simulation)
            sim.choose(user=user, run_id=run.pk, node_id=simulation.start_node_id, option_key="a")
        sim.start_run(user=user, simulation=simulation)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/simulations/{simulation.slug}/")
        assert response.status_code == 200
        assert response.content.decode().count("Agreement</a>") == min(finished, 20)
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[1] <= 8


# Instructor map -----------------------------------------------------------------------------------------------


def test_map_is_for_instructors_only(simulation, learner_session):
    url = reverse("simulation_map", args=[simulation.slug])
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={url}"
    client, _ = learner_session
    assert client.get(url).status_code == 404


def test_instructor_map_shows_nodes_options_paths_and_choices(simulation, learner_session, instructor):
    client, _ = learner_session
    run = _start(client, simulation)
    _choose(client, run, "talk")
    teacher, _ = _signed_in(instructor)
    response = teacher.get(reverse("simulation_map", args=[simulation.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Map: Harbour talks" in html
    assert "4 nodes, 2 endings, 3 distinct paths" in html
    assert "Every ending can be reached." in html and "This simulation has no cycles." in html
    assert '<a href="#node-table">At the table</a>' in html
    assert "<code>trust &gt;= 70</code>" in html and "Open on 0 of 1 arrival." in html
    assert "trust +20<br>risk -8" in html
    # Paths: talk→sign (win), talk→walk (lose), shout (lose), with meter ranges.
    assert "<li>start: <strong>talk</strong></li><li>table: <strong>sign</strong></li>" in html
    assert "40–60" in html and "10–60" in html


def test_instructor_sees_a_link_to_the_map_on_the_intro(simulation, instructor):
    teacher, _ = _signed_in(instructor)
    html = teacher.get(f"/simulations/{simulation.slug}/").content.decode()
    assert f'href="/simulations/{simulation.slug}/map/"' in html
