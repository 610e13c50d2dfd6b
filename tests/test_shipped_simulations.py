"""The shipped simulations have consequences (issue "Simulations where choices have consequences").

Every complete path of each shipped simulation is enumerated with the engine's pure step function
(training.simulation_rules, what learners play and what the linter explores), and the tests show:

(a) the same option leads to different next nodes or endings depending on earlier choices (named below);
(b) no path that breaks a principle ends at a debrief that praises it. "Praises" is concrete: each principle
    has a praise sentence (PRAISE below), authored into the debriefs only where the path earns it (inside
    `{{ if … }}` on the flags an option breaking the principle sets). The debrief is rendered with the
    path's final meters and flags, exactly as the learner sees it, and must not contain the praise sentence
    of any principle broken on that path. Each praise sentence does appear on some path (the test is not
    vacuous), and no success ending is reached on a path that broke any principle;
(c) each simulation has at least two state-dependent decisions (an option whose availability or
    destination differs between states reaching the same node), at least one delayed effect that falls due
    and at least one event that fires;
and an early mistake (named below) never reaches a success ending.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from training import simulation_rules as rules
from training.curriculum import simtext
from training.curriculum.loader import read_course
from training.curriculum.simlint import _rules

SHIPPED = Path(__file__).resolve().parent.parent / "fixtures" / "diplomacy-tracks"

# Principle → the praise sentence its debriefs use (lower case; matched in the rendered debrief).
PRAISE = {
    "lakeside-channel": {
        "discretion": "you kept the channel discreet",
        "quiet-awareness": "you kept the officials quietly informed",
        "authority": "you left commitments to those with authority",
        "consent": "you built consent beyond the table",
    },
    "harbour-standoff": {
        "keep-channels": "you kept the official military channels open",
        "authorised-envoys": "you authorised and briefed the unofficial envoy",
        "own-before-announce": "you let officials own the text before it went public",
        "consent": "you won consent beyond the signatures",
    },
    "listed-group": {
        "lawful": "you took legal advice before engaging a listed group",
        "protect": "you kept the participants' names out of other hands",
        "inclusion": "you widened the circle beyond the leaders' advisers",
    },
}

# (node, option, path A, ending or node after A, path B, ending or node after B): the same option, two outcomes.
SAME_OPTION_DIFFERENT_OUTCOMES = {
    "lakeside-channel": [
        # The last decision: outreach after a quiet, informed channel holds; after an early public summit it
        # can only save a fragile declaration.
        (
            "implementation",
            "multi-track-implementation",
            ["workshops", "upgrade", "interim-plus", "joint-condemnation"],
            "lasting-framework",
            ["summit", "pivot", "upgrade", "interim-plus", "joint-condemnation"],
            "fragile-declaration",
        ),
        # Leaving implementation to the committees: fragile after a joint condemnation of the bombing, fatal
        # after a crackdown has drained public support.
        (
            "implementation",
            "committees-only",
            ["workshops", "upgrade", "interim-plus", "joint-condemnation"],
            "fragile-declaration",
            ["workshops", "upgrade", "interim-plus", "crackdown"],
            "spoilers-win",
        ),
    ],
    "harbour-standoff": [
        # Explaining the code at home: it holds after open channels and a briefed envoy; after an unbriefed
        # envoy's calls it only keeps a code on sufferance.
        (
            "keep-it-alive",
            "win-consent",
            ["hotline", "brief-admiral", "track-one-five-group", "correct-quietly", "table-officially"],
            "rules-that-hold",
            ["admiral-call", "track-one-five-group", "restate", "table-officially"],
            "code-holds-shakily",
        ),
        # Announcing the draft: disowned without an approved envoy's line to Northmark's navy chief,
        # survives (damaged) with one.
        (
            "draft-code",
            "announce",
            ["hotline", "keep-out", "track-one-five-group"],
            "code-disowned",
            ["hotline", "brief-admiral", "track-one-five-group", "correct-quietly"],
            "keep-it-alive",
        ),
    ],
    "listed-group": [
        # The inclusive paper: it succeeds after legal advice, a reporting protocol and a planned return; after
        # the names went to the donor, trust is too thin for the delay and the armed group walks out.
        (
            "the-paper",
            "inclusive",
            ["legal-dialogue", "protocol", "return-plan"],
            "paper-many-own",
            ["legal-dialogue", "hand-over", "return-plan"],
            "too-slow",
        ),
        # Flying everyone home as usual: harmless while the names stayed with the centre; after they went to
        # the donor, safety is low and a participant is detained on return (event).
        (
            "going-home",
            "as-usual",
            ["legal-dialogue", "protocol"],
            "the-paper",
            ["legal-dialogue", "hand-over"],
            "detained-on-return",
        ),
        # The fast elite-only paper: a paper for the few after a lawful start; after training the listed group
        # and moving the course abroad when the bank wrote, the programme is shut down.
        (
            "the-paper",
            "fast-elite",
            ["legal-dialogue", "protocol", "return-plan"],
            "paper-for-the-few",
            ["train-them", "decline", "as-usual", "move-abroad"],
            "shut-down",
        ),
    ],
}

# Early mistakes that must cost: no path through them ends in success.
EARLY_MISTAKES = {
    "lakeside-channel": [
        ("open-channel", "summit"),
        ("open-channel", "tell-no-one"),
        ("open-channel", "journalist"),
    ],
    "harbour-standoff": [
        ("first-48-hours", "cut-contact"),
        ("first-48-hours", "admiral-call"),
        ("draft-code", "announce"),
    ],
    "listed-group": [
        ("the-request", "train-them"),
        ("the-request", "refuse"),
        ("donor-request", "hand-over"),
        ("going-home", "communique"),
    ],
}

SLUGS = sorted(PRAISE)


@cache
def simulations():
    course, problems = read_course(SHIPPED)
    assert course is not None and not problems, problems
    return {sim.slug: sim for sim in course.simulations}


@dataclass
class Path_:
    steps: list[tuple[str, str, str]]  # (node, option, destination)
    ending: str
    state: rules.RunState
    broken: frozenset[str]
    events: list[str]
    applied: int  # delayed items that fell due


class Engine:
    def __init__(self, sim):
        self.sim = sim
        self.meters, self.events, self.nodes, self.options = _rules(sim)

    def start(self) -> rules.RunState:
        return rules.RunState.initial(self.meters)

    def open_options(self, node_key: str, state: rules.RunState) -> list[str]:
        return [
            o.key
            for o in self.nodes[node_key].options
            if rules.condition_holds(self.options[(node_key, o.key)].guard, state.values, state.flags)
        ]

    def step(self, node_key: str, option_key: str, state: rules.RunState, number: int) -> rules.StepResult:
        return rules.step(
            meters=self.meters,
            events=self.events,
            state=state,
            option=self.options[(node_key, option_key)],
            number=number,
            is_ending=lambda key: self.nodes[key].ending,
        )

    def play(self, keys: list[str]) -> tuple[str, rules.RunState]:
        node, state = self.sim.start, self.start()
        for number, key in enumerate(keys, start=1):
            assert key in self.open_options(node, state), (node, key, self.open_options(node, state))
            result = self.step(node, key, state, number)
            node, state = result.destination, result.state
        return node, state

    def paths(self) -> list[Path_]:
        found: list[Path_] = []
        stack = [(self.sim.start, self.start(), [], frozenset(), [], 0)]
        while stack:
            node, state, steps, broken, events, applied = stack.pop()
            if self.nodes[node].ending:
                found.append(Path_(steps, node, state, broken, events, applied))
                continue
            assert len(steps) < 40, steps
            for key in self.open_options(node, state):
                result = self.step(node, key, state, len(steps) + 1)
                stack.append(
                    (
                        result.destination,
                        result.state,
                        [*steps, (node, key, result.destination)],
                        broken | frozenset(self.options[(node, key)].breaks),
                        [*events, result.event] if result.event else events,
                        applied + len(result.applied),
                    )
                )
        return found


@cache
def engine(slug: str) -> Engine:
    return Engine(simulations()[slug])


@cache
def all_paths(slug: str) -> list[Path_]:
    paths = engine(slug).paths()
    assert paths
    return paths


def debrief(slug: str, path: Path_) -> str:
    text = engine(slug).nodes[path.ending].debrief or ""
    return " ".join(simtext.render(text, path.state.values, path.state.flags).lower().split())


def test_every_shipped_simulation_is_covered_here():
    # Adding a simulation means adding it to PRAISE and the tables above.
    assert set(SLUGS) == set(simulations())


@pytest.mark.parametrize("slug", SLUGS)
def test_the_same_option_leads_to_different_outcomes_after_different_earlier_choices(slug):
    sim_engine = engine(slug)
    for node, option, first, after_first, second, after_second in SAME_OPTION_DIFFERENT_OUTCOMES[slug]:
        assert after_first != after_second
        for prefix, expected in ((first, after_first), (second, after_second)):
            reached, _ = sim_engine.play(prefix)
            assert reached == node, (prefix, reached)
            assert sim_engine.play([*prefix, option])[0] == expected, (prefix, option)


@pytest.mark.parametrize("slug", SLUGS)
def test_no_path_breaking_a_principle_ends_at_a_debrief_that_praises_it(slug):
    sim = simulations()[slug]
    praise = PRAISE[slug]
    assert set(praise) == {p.key for p in sim.principles}, "every principle needs its praise sentence"
    outcomes = {n.key: n.outcome for n in sim.nodes if n.ending}
    praised = set()
    for path in all_paths(slug):
        text = debrief(slug, path)
        for principle, sentence in praise.items():
            if principle in path.broken:
                assert sentence not in text, (principle, path.ending, [s[:2] for s in path.steps])
            elif sentence in text:
                praised.add(principle)
        if path.broken:
            assert outcomes[path.ending] != "success", (path.broken, [s[:2] for s in path.steps])
    assert praised == set(praise), f"never praised on any path: {set(praise) - praised}"


@pytest.mark.parametrize("slug", SLUGS)
def test_early_mistakes_never_reach_a_success_ending(slug):
    outcomes = {n.key: n.outcome for n in simulations()[slug].nodes if n.ending}
    for mistake in EARLY_MISTAKES[slug]:
        through = [p for p in all_paths(slug) if mistake in [s[:2] for s in p.steps]]
        assert through, mistake
        assert {outcomes[p.ending] for p in through} <= {"mixed", "failure"}, mistake
    assert "success" in {outcomes[p.ending] for p in all_paths(slug)}


@pytest.mark.parametrize("slug", SLUGS)
def test_state_dependent_decisions_delayed_effects_and_events(slug):
    sim_engine = engine(slug)
    # For every decision node: the options open and the destination of each option, per state reaching it.
    seen: dict[str, set[tuple]] = {}
    for path in all_paths(slug):
        node, state = sim_engine.sim.start, sim_engine.start()
        for number, (at, key, _) in enumerate(path.steps, start=1):
            assert at == node
            opened = tuple(sim_engine.open_options(node, state))
            outcome = tuple((k, sim_engine.step(node, k, state, number).destination) for k in opened)
            seen.setdefault(node, set()).add((opened, outcome))
            result = sim_engine.step(node, key, state, number)
            node, state = result.destination, result.state
    dependent = set()
    for node, variants in seen.items():
        opened = {v[0] for v in variants}
        destinations: dict[str, set[str]] = {}
        for _, outcome in variants:
            for key, target in outcome:
                destinations.setdefault(key, set()).add(target)
        if len(opened) > 1 or any(len(targets) > 1 for targets in destinations.values()):
            dependent.add(node)
    assert len(dependent) >= 2, dependent
    assert any(p.applied for p in all_paths(slug)), "no delayed effect ever falls due"
    assert any(p.events for p in all_paths(slug)), "no event ever fires"
    assert any(o.later for n in sim_engine.sim.nodes for o in n.options)
    assert sim_engine.sim.events
