"""The simulation graph page (issue 15): every node and option edge of each shipped simulation and no false
problem; a broken copy shows each problem on the node (and option) it concerns, in the loader's words; the
one-step "option to a new node" form saves both as drafts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from training.curriculum.loader import load_curriculum
from training.models import Meter, Node, Option, Simulation, Status

pytestmark = pytest.mark.django_db

SHIPPED = Path(__file__).resolve().parent.parent / "fixtures" / "diplomacy-tracks"


@pytest.fixture
def shipped():
    load_curriculum([SHIPPED])


@pytest.fixture
def author(client, instructor):
    client.force_login(instructor)
    return client


def _card(html: str, key: str) -> str:
    """The node's card in the list under the graph."""
    match = re.search(
        rf'<article class="card graph-node-card[^"]*" id="node-{re.escape(key)}".*?</article>', html, re.S
    )
    assert match, f"no card for node {key}"
    return match.group(0)


def _static_edges(simulation: Simulation) -> int:
    keys = set(Node.objects.active().filter(simulation=simulation).values_list("key", flat=True))
    count = 0
    for option in Option.objects.active().filter(node__simulation=simulation):
        count += sum(1 for b in option.branches if b.get("next") in keys)
        count += option.next_node_id is not None
    return count


@pytest.mark.parametrize("slug", ["lakeside-channel", "harbour-standoff", "listed-group"])
def test_each_shipped_graph_shows_every_node_and_edge_and_no_problem(shipped, author, slug):
    simulation = Simulation.objects.get(slug=slug)
    response = author.get(reverse("simulation_graph", args=[slug]))
    assert response.status_code == 200
    html = response.content.decode()
    nodes = list(Node.objects.active().filter(simulation=simulation).values_list("key", flat=True))
    assert sorted(re.findall(r'id="graph-node-([\w-]+)"', html)) == sorted(nodes)
    drawn = re.findall(r'<g class="edge edge-(next|branch)', html)
    assert len(drawn) == _static_edges(simulation) >= len(nodes) - 1
    # An event node's options without `next` resume the story: drawn to where play returned.
    resuming = Option.objects.active().filter(node__simulation=simulation, next_node=None, branches=[])
    assert (len(re.findall(r'<g class="edge edge-resume', html)) > 0) == resuming.exists()
    assert '<h2 id="problems-heading">No problems</h2>' in html
    assert "has-problem" not in html and "node-warning" not in html
    # Each node links to its change page, and the start is marked.
    for node in Node.objects.filter(simulation=simulation):
        assert reverse("admin:training_node_change", args=[node.pk]) in html
    assert "Start · Decision</text>" in html


def test_a_broken_copy_shows_each_problem_on_its_node(shipped, author):
    simulation = Simulation.objects.get(slug="lakeside-channel")
    start = simulation.start_node
    ending = Node.objects.filter(simulation=simulation, is_ending=True).first()
    # 1. a node nothing leads to (error: cannot be reached)
    orphan = Node.objects.create(
        simulation=simulation, key="orphan", title="Orphan", situation="Alone.", position=90
    )
    Option.objects.create(node=orphan, key="a", text="Leave", next_node=ending, feedback="Gone.")
    # 2. a reachable cycle with no exit (error: no ending can be reached)
    loop = Node.objects.create(
        simulation=simulation, key="loop", title="Loop", situation="Round.", position=91
    )
    Option.objects.create(node=loop, key="a", text="Again", next_node=loop, feedback="Again.")
    Option.objects.create(
        node=start, key="z", text="Into the loop", next_node=loop, feedback="Hm.", position=99
    )
    # 3. a node whose every option has a guard that can never hold (warnings: guards, dead end)
    first_rounds = Node.objects.get(simulation=simulation, key="first-rounds")
    meter = Meter.objects.filter(simulation=simulation).first()
    first_rounds.options.update(guard=f"{meter.key} > 50 and {meter.key} < 10")
    # 4. a meter nothing reads (warning on the simulation)
    Meter.objects.create(simulation=simulation, key="morale", label="Morale", start=5, position=9)

    html = author.get(reverse("simulation_graph", args=[simulation.slug])).content.decode()
    assert "cannot be reached from the start node" in _card(html, "orphan")
    assert "no ending can be reached from node `loop`" in _card(html, "loop")
    card = _card(html, "first-rounds")
    assert "dead end at node `first-rounds`" in card
    guard_keys = sorted(first_rounds.options.values_list("key", flat=True))
    lines = {line.split("</strong>")[0]: line for line in card.split("<li><strong>")[1:]}
    assert sorted(lines) == guard_keys
    for key in guard_keys:
        assert re.search(r"⚠ warning: the guard `[^`]+` can never hold when node `first-rounds`", lines[key])
    general = re.search(r'<ul class="graph-problems">(.*?)</ul>', html, re.S).group(1)
    assert "meter `morale` is never read" in general
    # The problem marks are on those nodes in the SVG too.
    for key in ("orphan", "loop", "first-rounds"):
        assert re.search(rf'id="graph-node-{key}"[^>]*problem', html)
    # Nodes the breakage does not touch are not marked (those after first-rounds are: never reached now).
    marked = set(re.findall(r'id="graph-node-([\w-]+)"[^>]*problem', html))
    assert not marked & {"open-channel", "summit-fallout", "channel-burned"}


def test_the_graph_and_the_try_page_are_for_instructors_only(shipped, client, learner):
    client.force_login(learner)
    for name in ("simulation_graph", "simulation_try"):
        assert client.get(reverse(name, args=["lakeside-channel"])).status_code == 404


def test_adding_an_option_to_a_new_node_saves_both_as_drafts(shipped, author):
    simulation = Simulation.objects.get(slug="lakeside-channel")
    start = simulation.start_node
    before = Option.objects.filter(node=start).count()
    response = author.post(
        reverse("simulation_graph_add", args=[simulation.slug]),
        {
            "node": start.key,
            "text": "Call the envoy",
            "new_key": "envoy-call",
            "new_title": "The envoy calls back",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("/graph/#node-envoy-call")
    node = Node.objects.get(simulation=simulation, key="envoy-call")
    option = Option.objects.get(node=start, next_node=node)
    assert (node.status, option.status, option.text) == (Status.DRAFT, Status.DRAFT, "Call the envoy")
    assert option.key not in set(
        Option.objects.filter(node=start).exclude(pk=option.pk).values_list("key", flat=True)
    )
    assert Option.objects.filter(node=start).count() == before + 1
    html = author.get(response["Location"]).content.decode()
    card = _card(html, "envoy-call")
    assert "draft" in card and "situation" in card  # the loader's words: the new node has no situation yet
    # Learners see neither.
    assert option.key not in [o.key for o in Option.objects.visible().filter(node=start)]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"node": "open-channel", "text": "", "new_key": "x", "new_title": "X"}, "This field is required."),
        (
            {"node": "open-channel", "text": "Go", "new_key": "open-channel", "new_title": "X"},
            "already has a node",
        ),
        ({"node": "no-such-node", "text": "Go", "new_key": "x", "new_title": "X"}, "Select a valid choice"),
        ({"node": "open-channel", "text": "Go", "new_key": "Bad Key!", "new_title": "X"}, "valid"),
    ],
)
def test_bad_input_to_the_add_form_is_refused_with_a_message(shipped, author, data, message):
    simulation = Simulation.objects.get(slug="lakeside-channel")
    count = Node.objects.count(), Option.objects.count()
    response = author.post(reverse("simulation_graph_add", args=[simulation.slug]), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert (Node.objects.count(), Option.objects.count()) == count


def test_the_new_node_can_be_an_ending_with_its_situation_in_the_same_step(shipped, author):
    simulation = Simulation.objects.get(slug="lakeside-channel")
    start = simulation.start_node
    response = author.post(
        reverse("simulation_graph_add", args=[simulation.slug]),
        {
            "node": start.key,
            "text": "Walk away",
            "new_key": "walked-away",
            "new_title": "You walked away",
            "new_kind": "failure",
            "new_situation": "The channel *closes*.",
        },
    )
    assert response.status_code == 302
    node = Node.objects.get(simulation=simulation, key="walked-away")
    assert (node.is_ending, node.outcome, node.situation, node.status) == (
        True,
        "failure",
        "The channel *closes*.",
        Status.DRAFT,
    )
    card = _card(author.get(response["Location"]).content.decode(), "walked-away")
    assert "debrief" in card  # the loader's problem: an ending needs its debrief before publishing


def test_a_node_cards_link_opens_the_form_with_that_node_chosen(shipped, author):
    simulation = Simulation.objects.get(slug="lakeside-channel")
    graph = reverse("simulation_graph", args=[simulation.slug])
    page = author.get(graph).content.decode()
    assert f'href="?from={simulation.start_node.key}#grow"' in page
    chosen = author.get(graph, {"from": simulation.start_node.key})
    assert chosen.context["form"]["node"].value() == simulation.start_node.key
    assert f'<option value="{simulation.start_node.key}" selected>' in chosen.content.decode()
