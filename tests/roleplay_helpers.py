"""A small role-play defined in the tests (loaded through the curriculum loader, so the tests do not depend on
the shipped content), and helpers to run a session through the product's own workflow functions.

The confidential fields carry markers (NORTH-SECRET…, SOUTH-SECRET…) that the secrecy test scans for; the
browser tests (JavaScript off here, on in the realtime tests) reuse `load_scenario` and the page helpers."""

from __future__ import annotations

import itertools
from textwrap import dedent

COURSE_SLUG = "rp-test-course"
ROLEPLAY_SLUG = "river-talks"

SCENARIO = dedent(
    """\
    format: 1
    course:
      slug: rp-test-course
      title: Role-play test course
      summary: A course with one small role-play.
    references:
      - slug: rp-handbook
        title: A handbook of workshops
    modules:
      - slug: rp-module
        title: Workshops
        summary: Problem-solving workshops.
        objectives:
          - slug: rp-objective
            text: Negotiate a package across issues.
    roleplays:
      - slug: river-talks
        title: River talks
        summary: Two delegations share a river.
        module: rp-module
        objectives: [rp-objective]
        references: [rp-handbook]
        minutes: 30
        background: |
          Two towns share the **Kessel river**. PUBLIC-BACKGROUND.
        roles:
          - slug: north
            title: Northern delegation
            public_brief: North speaks for the upstream town. NORTH-PUBLIC.
            confidential_brief: NORTH-SECRET-BRIEF you need monitoring more than water.
            objectives:
              - NORTH-SECRET-OBJECTIVE keep the dam open
            walk_away: 20
          - slug: south
            title: Southern delegation
            public_brief: South speaks for the downstream town. SOUTH-PUBLIC.
            confidential_brief: SOUTH-SECRET-BRIEF you cannot go home without a share.
            objectives:
              - SOUTH-SECRET-OBJECTIVE secure the dry-season share
            walk_away: 20
          - slug: mediator
            title: Mediator
            optional: true
            public_brief: A neutral convenor. MEDIATOR-PUBLIC.
            confidential_brief: MEDIATOR-SECRET-BRIEF your funders want a text.
            walk_away: 0
        issues:
          - slug: water
            title: Dry-season water
            description: How the river is shared in the dry months.
            options:
              - key: a
                text: Upstream first
                points: {north: 30, south: 0, mediator: 5}
              - key: b
                text: Shared by season
                points: {north: 15, south: 18, mediator: 20}
              - key: c
                text: Downstream first
                points: {north: 0, south: 30, mediator: 5}
          - slug: monitoring
            title: Monitoring
            options:
              - key: a
                text: No monitoring
                points: {north: 20, south: 5, mediator: 0}
              - key: b
                text: Joint commission
                points: {north: 12, south: 25, mediator: 20}
              - key: c
                text: Outside inspectors
                points: {north: 0, south: 10, mediator: 10}
        phases:
          - slug: preparation
            title: Preparation
            kind: preparation
            minutes: 5
            instructions: Read your brief and plan with your side.
          - slug: private-talks
            title: Private talks
            kind: private
            minutes: 10
            instructions: Talk to the other delegation one to one.
          - slug: plenary
            title: Plenary
            kind: plenary
            minutes: 15
            instructions: Agree a package in the open.
        injects:
          - slug: drought-report
            title: Drought report
            text: A leaked report says the dry season will be long. INJECT-TO-SOUTH.
            to: [south]
            phase: private-talks
          - slug: press-leak
            title: Press leak
            text: The press has heard of the talks. INJECT-TO-ALL.
        debrief:
          - slug: interests
            prompt: Which of the other side's interests did you learn in private?
          - slug: next-time
            prompt: What would you do differently?
        debrief_guide: |
          FACILITATOR-ONLY-GUIDE ask each side what it really needed.
    """
)

# Each role's score for each package of the scenario above: water + monitoring points.
BEST_PACKAGE = {"water": "b", "monitoring": "b"}  # the joint-gain maximum: north 27, south 43, mediator 40
SECRET_MARKERS = (
    "NORTH-SECRET",
    "SOUTH-SECRET",
    "MEDIATOR-SECRET",
    "FACILITATOR-ONLY",
)


def scenario_text(*edits: tuple[str, str]) -> str:
    """The scenario with textual edits applied (each `old` must occur)."""
    text = SCENARIO
    for old, new in edits:
        assert old in text, f"{old!r} not in the scenario"
        text = text.replace(old, new, 1)
    return text


def load_scenario(text: str | None = None):
    """Load the scenario through the curriculum loader; returns the RolePlay."""
    from roleplay.models import RolePlay
    from training.curriculum.loader import load_texts

    load_texts({"roleplay.yaml": text or SCENARIO})
    return RolePlay.objects.get(slug=ROLEPLAY_SLUG)


def make_cohort_with(instructor, *learners):
    """A cohort of the scenario's course taught by `instructor` with `learners` as members."""
    from training.cohorts import create_cohort, join_cohort
    from training.models import Course

    cohort = create_cohort(
        name="Workshop cohort", course=Course.objects.get(slug=COURSE_SLUG), instructor=instructor
    )
    for user in learners:
        join_cohort(user=user, cohort=cohort)
    return cohort


_numbers = itertools.count(1)


def make_roleplay(course, *, slug: str | None = None):
    """A minimal two-role role-play written straight to the database (for worlds built with factories)."""
    from roleplay.models import DebriefQuestion, Inject, Issue, IssueOption, Phase, Role, RolePlay

    slug = slug or f"small-roleplay-{next(_numbers)}"
    rp = RolePlay.objects.create(
        course=course, slug=slug, title="A small negotiation", summary="Two parties.", background="Two towns."
    )
    for position, (role_slug, title) in enumerate((("north", "North"), ("south", "South"))):
        Role.objects.create(
            roleplay=rp,
            slug=role_slug,
            title=title,
            position=position,
            public_brief=f"{title} in public.",
            confidential_brief=f"{title.upper()}-SECRET-BRIEF",
            objectives=[f"{title.upper()}-SECRET-OBJECTIVE"],
            walk_away=10,
        )
    issue = Issue.objects.create(roleplay=rp, slug="water", title="Water")
    for position, (key, north, south) in enumerate((("a", 30, 0), ("b", 20, 20), ("c", 0, 30))):
        IssueOption.objects.create(
            issue=issue,
            key=key,
            position=position,
            text=f"Option {key}",
            points={"north": north, "south": south},
        )
    for position, (phase_slug, kind) in enumerate(
        (("prep", "preparation"), ("talks", "private"), ("open", "plenary"))
    ):
        Phase.objects.create(
            roleplay=rp,
            slug=phase_slug,
            title=phase_slug.title(),
            kind=kind,
            minutes=5,
            position=position,
            instructions="Talk.",
        )
    Inject.objects.create(roleplay=rp, slug="news", title="News", text="Something happened.")
    DebriefQuestion.objects.create(roleplay=rp, slug="learned", prompt="What did you learn?")
    return rp


# Browser helpers (tests/test_browser_roleplay.py; reusable with JavaScript on) ---------------------------------


def log_in(page, base: str, username: str) -> None:
    from playwright.sync_api import expect

    from tests.learner_data import PASSWORD

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(f"Signed in as {username}")


def start_session(page, base: str, *, roleplay_title: str, cohort_name: str) -> str:
    """As the facilitator: start a session from /roleplays/run/; returns its join code."""
    page.goto(f"{base}/roleplays/run/")
    page.get_by_label("Role-play").select_option(label=roleplay_title)
    page.get_by_label("Cohort").select_option(label=cohort_name)
    page.get_by_role("button", name="Start session").click()
    return page.locator("code.join-code").first.inner_text().strip()


def join_with_code(page, base: str, code: str) -> None:
    page.goto(f"{base}/roleplays/")
    page.get_by_label("Session code").fill(code)
    page.get_by_role("button", name="Join session").click()


def join_with_link(page, base: str, code: str) -> None:
    page.goto(f"{base}/roleplays/code/{code}/")
    page.get_by_role("button", name="Join the session").click()


def open_channel(page, label: str) -> None:
    page.get_by_role("navigation", name="Channels").get_by_role("link", name=label).click()


def send_message(page, channel_label: str, text: str) -> None:
    open_channel(page, channel_label)
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name=f"Send to {channel_label}").click()


def clock(page, button: str) -> None:
    """As the facilitator on the console: Start the clock, Pause, Resume or Next phase."""
    page.get_by_role("button", name=button).click()
