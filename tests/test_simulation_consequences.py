"""Simulations where choices have consequences: flags, delayed effects, branches, events, text with state,
principles in the debrief, and the simulation linter."""

from __future__ import annotations

import pytest

from training import simulation as sim
from training.curriculum import simtext
from training.curriculum.exporter import export_course
from training.curriculum.guards import parse_guard
from training.curriculum.lint import lint_course
from training.curriculum.loader import load_texts, read_texts
from training.curriculum.problems import CurriculumError
from training.models import Course, Node, Simulation, SimulationRun

HEAD = """format: 1
course:
  slug: cons-course
  title: Consequences
  summary: S.
modules:
  - slug: m
    title: M
    summary: M.
    objectives:
      - slug: consult
        text: Consult before acting.
    lessons:
      - slug: discretion-lesson
        title: Discretion
        minutes: 5
        objectives: [consult]
        body: Keep channels quiet.
"""

SIM = """simulations:
  - slug: talks
    title: Talks
    module: m
    role: You mediate.
    situation: Talks.
    objectives: [consult]
    meters:
      - key: trust
        label: Trust
        start: 50
    flags:
      - key: press-knows
        label: The press knows
      - key: briefed
        label: The ministry was briefed
    principles:
      - key: discretion
        label: Keep the channel discreet
        objective: consult
    start: open
    nodes:
      - key: open
        title: Opening
        situation: 'Trust is {{ trust }}.{{ if press-knows }} Cameras wait.{{ else }} It is quiet.{{ end }}'
        options:
          - key: brief
            text: Brief the ministry.
            effects: {trust: 10}
            sets: [briefed]
            follows: [discretion]
            feedback: Quiet and careful.
            next: proposal
          - key: leak
            text: Tell a journalist.
            effects: {trust: LEAK}
            sets: [press-knows]
            later:
              - after: 1
                effects: {trust: -60}
            breaks: [discretion]
            feedback: Loud.
            next: proposal
      - key: proposal
        title: The proposal
        situation: 'Trust is {{ trust }}.'
        options:
          - key: propose
            text: Put the proposal.
            effects: {trust: 5}
            feedback: Decisive.
            branches:
              - when: trust >= 60
                next: signed
              - when: press-knows
                next: collapse
            next: partial
          - key: thank-ministry
            text: Thank the ministry.
            guard: briefed and trust >= 50
            unavailable: hide
            feedback: Kind.
            next: partial
      - key: leak-node
        title: The story leaks
        situation: It is out.
        options:
          - key: deny
            text: Deny it.
            effects: {trust: -5}
            feedback: Hm.
      - key: signed
        title: Signed
        ending: true
        outcome: success
        situation: They sign with trust {{ trust }}.
        debrief: Well done.
      - key: partial
        title: Partial
        ending: true
        outcome: mixed
        situation: Half a deal.
        debrief: Some.
      - key: collapse
        title: Collapse
        ending: true
        outcome: failure
        situation: They walk.
        debrief: None.
    events:
      - key: story-leaks
        when: press-knows and trust < 40
        node: leak-node
"""


def course_text(leak: str = "-20", sim: str | None = None) -> str:
    return HEAD + (sim if sim is not None else SIM).replace("LEAK", leak)


def problems_of(text: str) -> list[str]:
    with pytest.raises(CurriculumError) as exc:
        load_texts({"course.yaml": text})
    return [p.message for p in exc.value.problems]


def lint_messages(text: str) -> list[str]:
    courses, problems = read_texts({"course.yaml": text})
    assert not problems, problems
    return [w.message for w in lint_course(courses[0]).warnings if "citation" not in w.message]


@pytest.fixture
def talks(db):
    load_texts({"course.yaml": course_text()})
    return Simulation.objects.get(slug="talks")


def play(user, simulation, *keys):
    run = sim.start_run(user=user, simulation=simulation)
    results = []
    for key in keys:
        run.refresh_from_db()
        results.append(sim.choose(user=user, run_id=run.pk, node_id=run.current_node_id, option_key=key))
    run.refresh_from_db()
    return run, results


# Guards with flags --------------------------------------------------------------------------------------------


def test_a_bare_name_in_a_guard_is_a_flag():
    guard = parse_guard("press-knows and not briefed and trust >= 30")
    assert guard.meters == {"trust"}
    assert guard.flags == {"press-knows", "briefed"}
    assert guard.evaluate({"trust": 30}, {"press-knows"}) is True
    assert guard.evaluate({"trust": 30}, {"press-knows", "briefed"}) is False
    assert guard.evaluate({"trust": 30}) is False
    assert parse_guard("not briefed").describe() == "briefed is not set"


# Text with state ----------------------------------------------------------------------------------------------


def test_text_shows_values_and_conditional_sentences():
    text = "Trust is {{ trust }}.{{ if press-knows }} Cameras wait.{{ else }} It is quiet.{{ end }}"
    assert simtext.render(text, {"trust": 42}, set()) == "Trust is 42. It is quiet."
    assert simtext.render(text, {"trust": 7}, {"press-knows"}) == "Trust is 7. Cameras wait."
    assert simtext.check(text, {"trust"}, {"press-knows"}) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ trust.__class__ }}", "is not understood"),
        ("{% if trust %}x{% endif %} {{ x|safe }}", "is not understood"),
        ("{{ if trust > }}x{{ end }}", "does not parse"),
        ("{{ if briefed }}x", "never closed"),
        ("{{ end }}", "without an open"),
        ("{{ if briefed }}{{ if briefed }}x{{ end }}{{ end }}", "do not nest"),
        ("{{ nothing }}", "names no meter"),
        ("{{ if ghost }}x{{ end }}", "unknown flag `ghost`"),
        ("a {{ b", "without a matching"),
    ],
)
def test_text_syntax_errors_are_reported(text, message):
    assert any(message in problem for problem in simtext.check(text, {"trust"}, {"briefed"}))


def test_text_never_evaluates_author_markup():
    # Only integers are substituted; anything else stays the author's text (rendered as sanitised Markdown).
    assert simtext.render("<b>{{ trust }}</b>", {"trust": 3}, ()) == "<b>3</b>"
    assert simtext.render("{{ trust.__class__ }}", {"trust": 3}, ()) == "{{ trust.__class__ }}"


# Runtime ------------------------------------------------------------------------------------------------------


def test_conditional_transition_succeeds_with_high_trust(talks, learner):
    run, results = play(learner, talks, "brief", "propose")
    assert run.ending.key == "signed" and run.ending.outcome == "success"
    assert run.meters == {"trust": 65}
    assert run.flags == ["briefed"]
    assert results[0].step.flags_after == ["briefed"]


def test_same_move_fails_with_low_trust_after_an_event_and_a_delayed_effect(talks, learner):
    run = sim.start_run(user=learner, simulation=talks)
    first = sim.choose(user=learner, run_id=run.pk, node_id=run.current_node_id, option_key="leak")
    run.refresh_from_db()
    # The event fires on the way to `proposal`: the run is at the leak node and will resume at `proposal`.
    assert run.current_node.key == "leak-node"
    assert (run.resume_key, run.fired, run.flags) == ("proposal", ["story-leaks"], ["press-knows"])
    assert first.step.event == "story-leaks" and "The story leaks" in first.announcement
    assert run.pending == [
        {"due": 2, "after": 1, "effects": {"trust": -60}, "sets": [], "clears": [], "event": ""}
    ]
    second = sim.choose(user=learner, run_id=run.pk, node_id=run.current_node_id, option_key="deny")
    run.refresh_from_db()
    # 30 - 5 (deny) - 60 (delayed) clamps at 0; the option without `next` resumes where the event interrupted.
    assert run.current_node.key == "proposal" and run.meters == {"trust": 0}
    assert (run.pending, run.resume_key) == ([], "")
    change = second.changes[0]
    assert (change.before, change.after, change.intended, change.clamped) == (30, 0, -65, True)
    assert second.step.delayed == [{"effects": {"trust": -60}, "sets": [], "clears": []}]
    sim.choose(user=learner, run_id=run.pk, node_id=run.current_node_id, option_key="propose")
    run.refresh_from_db()
    assert run.ending.key == "collapse"  # trust 5 < 60, the press knows: the second branch


def test_an_event_fires_once_per_run(talks, learner):
    run, _ = play(learner, talks, "leak", "deny")
    assert run.current_node.key == "proposal"  # press-knows and trust < 40 still hold: no second leak


def test_guards_read_flags(talks, learner):
    run, _ = play(learner, talks, "brief")
    options = list(sim.learner_options(run.current_node_id))
    shown = sim.available_options(options, run.meters, run.flags)
    assert [view.option.key for view in shown if view.available] == ["propose", "thank-ministry"]
    hidden = sim.available_options(options, run.meters, [])
    assert [view.option.key for view in hidden] == ["propose"]  # without the flag it is hidden
    SimulationRun.objects.filter(pk=run.pk).update(flags=[])
    with pytest.raises(sim.InvalidChoice):
        sim.choose(user=learner, run_id=run.pk, node_id=run.current_node_id, option_key="thank-ministry")


def test_a_repeated_post_records_one_step_and_one_delayed_effect(talks, learner):
    run = sim.start_run(user=learner, simulation=talks)
    node = run.current_node_id
    sim.choose(user=learner, run_id=run.pk, node_id=node, option_key="leak", step_number=1)
    with pytest.raises(sim.StaleChoice):
        sim.choose(user=learner, run_id=run.pk, node_id=node, option_key="leak", step_number=1)
    run.refresh_from_db()
    assert run.steps.count() == 1 and len(run.pending) == 1


# Loader, exporter ---------------------------------------------------------------------------------------------


def test_new_constructs_round_trip_byte_identical(talks):
    exported = export_course(Course.objects.get(slug="cons-course"))
    for needle in ("flags:", "principles:", "events:", "branches:", "later:", "follows:", "sets:", "when:"):
        assert needle in exported
    Node.objects.filter(key="leak-node").update(title="Changed")
    load_texts({"course.yaml": exported})
    assert export_course(Course.objects.get(slug="cons-course")) == exported


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("sets: [briefed]", "sets: [brefed]", "unknown flag `brefed`"),
        ("when: trust >= 60", "when: trust >= ", "when does not parse"),
        ("next: signed", "next: sined", "unknown node `sined`"),
        ("follows: [discretion]", "follows: [discrete]", "unknown principle `discrete`"),
        ("objective: consult", "objective: consul", "unknown objective `consul`"),
        ("guard: briefed and trust >= 50", "guard: trust and briefed", "`trust` is a meter"),
        ("        node: leak-node", "        node: leek", "unknown node `leek`"),
        ("      - key: briefed\n", "      - key: trust\n", "has the key of a meter"),
        ("next: proposal\n      - key: proposal", "\n      - key: proposal", "`next` is required"),
        ("'Trust is {{ trust }}.'", "'Trust is {{ trust() }}.'", "is not understood"),
        (
            "        effects: {trust: -60}",
            "        effects: {trust: -60}\n                event: nope",
            "unknown event",
        ),
    ],
)
def test_loader_rejects_broken_constructs(db, old, new, message):
    text = course_text()
    assert old in text
    problems = problems_of(text.replace(old, new, 1))
    assert any(message in p for p in problems), problems


# Linter: one failing and one passing simulation per rule ------------------------------------------------------


def test_lint_passes_the_well_made_simulation(db):
    assert lint_messages(course_text()) == []


def test_lint_success_reachable_while_breaking_a_principle(db):
    # With the leak raising trust (and hardly costing later), leaking reaches the success ending.
    messages = lint_messages(course_text(leak="+20").replace("{trust: -60}", "{trust: -1}"))
    assert any(
        "success ending `signed` is reachable while breaking principle `discretion`" in m and "open:leak" in m
        for m in messages
    ), messages


def test_lint_unreachable_ending_and_never_held_guard(db):
    text = course_text().replace("when: trust >= 60", "when: trust >= 99")
    messages = lint_messages(text)
    assert "ending `signed` is never reached under any choices" in messages
    assert any("branch `when: trust >= 99` is never taken" in m for m in messages)
    text = course_text().replace("guard: briefed and trust >= 50", "guard: briefed and press-knows")
    assert any("the guard `briefed and press-knows` can never hold" in m for m in lint_messages(text))


def test_lint_dead_end(db):
    text = course_text().replace(
        "        options:\n          - key: deny",
        "        options:\n          - key: deny\n            guard: trust > 90",
    )
    messages = lint_messages(text)
    assert any("dead end at node `leak-node`: no option is open" in m for m in messages), messages


def test_lint_meter_never_read_or_never_changed(db):
    text = course_text().replace(
        "        start: 50\n",
        "        start: 50\n      - key: momentum\n        label: Momentum\n        start: 5\n",
    )
    messages = lint_messages(text)
    assert "meter `momentum` is never read (no guard, branch, event or text uses it)" in messages
    assert "meter `momentum` never changes (no option's effects move it)" in messages


def test_lint_flag_never_set_or_never_read(db):
    text = course_text().replace("    principles:", "      - key: idle\n        label: Idle\n    principles:")
    messages = lint_messages(text)
    assert "flag `idle` is never set by any option" in messages
    assert "flag `idle` is never read (no guard, branch, event or text uses it)" in messages


def test_lint_event_that_never_happens(db):
    text = course_text().replace("when: press-knows and trust < 40", "when: press-knows and trust > 90")
    messages = lint_messages(text)
    assert "event `story-leaks` never happens under any choices" in messages
    assert "node `leak-node` is never reached under any choices" in messages


def test_lint_samples_when_the_states_explode(db):
    from training.curriculum import simlint

    courses, _ = read_texts({"course.yaml": course_text()})
    found = simlint.explore(courses[0].simulations[0], max_states=3, samples=200)
    assert not found.exact
    assert {"signed", "collapse"} <= found.reached
    notes: list[str] = []
    simlint.lint_simulation(courses[0].simulations[0], lambda *a: None, notes.append)
    assert notes[0].startswith("simulation paths (talks): exact, ")


# Pages --------------------------------------------------------------------------------------------------------


def test_decision_page_shows_state_in_text_and_the_flags_set(talks, learner, client):
    from django.urls import reverse

    client.force_login(learner)
    client.post(reverse("simulation_start", args=["talks"]))
    run = SimulationRun.objects.get(user=learner)
    page = client.get(reverse("simulation_run", args=["talks", run.pk])).content.decode()
    assert "Trust is 50. It is quiet." in page
    assert "What is true now" not in page
    response = client.post(
        reverse("simulation_choose", args=["talks", run.pk]),
        {"node": run.current_node_id, "step": 1, "option": "leak"},
        follow=True,
    )
    page = response.content.decode()
    assert "The story leaks" in page and "What is true now" in page and "The press knows" in page


def test_debrief_lists_principles_followed_and_broken_with_their_lessons(talks, learner, client):
    from django.urls import reverse

    play(learner, talks, "leak", "deny", "propose")
    run = SimulationRun.objects.get(user=learner)
    client.force_login(learner)
    page = client.get(reverse("simulation_run", args=["talks", run.pk])).content.decode()
    assert "How your path measured up" in page
    assert "Keep the channel discreet" in page and "broken</span> (decision 1)" in page
    assert "Discretion" in page  # the objective's lesson, to review
    assert "After decision 1: The story leaks" in page
    assert "Your path beside the recommended one" not in page  # no recommended options here
