"""Role-play scenarios in the curriculum: loaded, exported byte-identically, archived on removal, and every
validation error of the format (ROLEPLAY-FORMAT / docs/curriculum-format.md#roleplays) named with its file,
line and path; nothing is written when one is found."""

from __future__ import annotations

import pytest

from roleplay.models import DebriefQuestion, Inject, Issue, IssueOption, Phase, Role, RolePlay
from tests.roleplay_helpers import SCENARIO, load_scenario, scenario_text
from training.curriculum.exporter import export_course
from training.curriculum.loader import load_texts
from training.curriculum.problems import CurriculumError
from training.models import Course

pytestmark = pytest.mark.django_db


def test_scenario_loads_every_part_in_order():
    rp = load_scenario()
    assert rp.title == "River talks" and rp.module.slug == "rp-module" and rp.minutes == 30
    assert [r.slug for r in rp.active_roles()] == ["north", "south", "mediator"]
    assert [r.optional for r in rp.active_roles()] == [False, False, True]
    north = Role.objects.get(roleplay=rp, slug="north")
    assert north.walk_away == 20 and north.caucus == "north"
    assert north.objectives == ["NORTH-SECRET-OBJECTIVE keep the dam open"]
    assert [p.kind for p in rp.active_phases()] == ["preparation", "private", "plenary"]
    water = Issue.objects.get(roleplay=rp, slug="water")
    assert [(o.key, o.points) for o in water.options.order_by("position")][1] == (
        "b",
        {"north": 15, "south": 18, "mediator": 20},
    )
    assert Inject.objects.get(roleplay=rp, slug="drought-report").to == ["south"]
    assert DebriefQuestion.objects.filter(roleplay=rp).count() == 2
    assert list(rp.objectives.values_list("slug", flat=True)) == ["rp-objective"]
    assert list(rp.references.values_list("slug", flat=True)) == ["rp-handbook"]


def test_loading_twice_changes_nothing_and_export_round_trips_byte_identically():
    load_scenario()
    reports = load_texts({"roleplay.yaml": SCENARIO})
    assert reports[0].total("created") == 0 and reports[0].total("updated") == 0
    course = Course.objects.get(slug="rp-test-course")
    first = export_course(course)
    assert "roleplays:" in first and "points: {north: 15, south: 18, mediator: 20}" in first
    load_texts({"export.yaml": first})
    assert export_course(course) == first


def test_removed_roleplay_parts_are_archived_and_come_back():
    load_scenario()
    without = scenario_text(
        (
            "      - slug: press-leak\n        title: Press leak\n"
            "        text: The press has heard of the talks. INJECT-TO-ALL.\n",
            "",
        )
    )
    report = load_texts({"roleplay.yaml": without})[0]
    assert report.counts["injects"].archived == 1
    leak = Inject.objects.get(slug="press-leak")
    assert leak.archived and leak.status == "draft"
    assert "press-leak" not in export_course(Course.objects.get(slug="rp-test-course"))
    load_texts({"roleplay.yaml": SCENARIO})
    leak.refresh_from_db()
    assert not leak.archived


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


# (edits, needle on the expected line (or (needle, lines below it)), path, message)
ERRORS = {
    "points missing for a role": (
        [("points: {north: 30, south: 0, mediator: 5}", "points: {north: 30, south: 0}")],
        "points: {north: 30, south: 0}",
        "roleplays[0].issues[0].options[0].points",
        "points are missing for role `mediator`",
    ),
    "points for an unknown role": (
        [
            (
                "points: {north: 15, south: 18, mediator: 20}",
                "points: {north: 15, south: 18, mediator: 20, east: 3}",
            )
        ],
        "east: 3",
        "roleplays[0].issues[0].options[1].points.east",
        "points for unknown role `east`",
    ),
    "points out of range": (
        [("points: {north: 0, south: 30, mediator: 5}", "points: {north: 0, south: 300, mediator: 5}")],
        "south: 300",
        "roleplays[0].issues[0].options[2].points.south",
        "less than or equal to 100",
    ),
    "unknown module": (
        [("  module: rp-module\n", "  module: rp-modul\n")],
        "module: rp-modul",
        "roleplays[0].module",
        "unknown module `rp-modul` (did you mean `rp-module`?)",
    ),
    "unknown objective": (
        [("objectives: [rp-objective]", "objectives: [rp-objectiv]")],
        "objectives: [rp-objectiv]",
        "roleplays[0].objectives[0]",
        "unknown objective `rp-objectiv`",
    ),
    "unknown reference": (
        [("references: [rp-handbook]", "references: [no-such-book]")],
        "references: [no-such-book]",
        "roleplays[0].references[0]",
        "unknown reference `no-such-book`",
    ),
    "fewer than two required roles": (
        [
            (
                "        walk_away: 20\n      - slug: south",
                "        walk_away: 20\n      - slug: south\n        optional: true",
            )
        ],
        "  roles:",
        "roleplays[0].roles",
        "at least 2 roles that are not optional (found 1)",
    ),
    "no deal beats every walk-away": (
        [("        walk_away: 20\n      - slug: south", "        walk_away: 60\n      - slug: south")],
        "  issues:",
        "roleplays[0].issues",
        "no package gives every required role more than its walk_away",
    ),
    "inject to an unknown role": (
        [("to: [south]", "to: [sout]")],
        "to: [sout]",
        "roleplays[0].injects[0].to[0]",
        "unknown role `sout` (did you mean `south`?)",
    ),
    "inject for an unknown phase": (
        [("phase: private-talks", "phase: private")],
        "phase: private",
        "roleplays[0].injects[0].phase",
        "unknown phase `private`",
    ),
    "duplicate role slug": (
        [("      - slug: mediator", "      - slug: south")],
        ("title: Mediator", -1),
        "roleplays[0].roles[2].slug",
        "duplicate role slug `south`",
    ),
    "duplicate option key": (
        [
            (
                "          - key: c\n            text: Downstream first",
                "          - key: b\n            text: Downstream first",
            )
        ],
        ("text: Downstream first", -1),
        "roleplays[0].issues[0].options[2].key",
        "duplicate option key `b`",
    ),
    "option key outside a..e": (
        [
            (
                "          - key: c\n            text: Outside inspectors",
                "          - key: f\n            text: Outside inspectors",
            )
        ],
        "key: f",
        "roleplays[0].issues[1].options[2].key",
        "input should be 'a', 'b', 'c', 'd' or 'e'",
    ),
    "too many roles": (
        [
            (
                "    roles:\n",
                "    roles:\n"
                + "".join(
                    f"      - slug: extra-{n}\n        title: Extra\n        optional: true\n"
                    f"        public_brief: x\n        confidential_brief: y\n        walk_away: 0\n"
                    for n in range(6)
                ),
            )
        ],
        "  roles:",
        "roleplays[0].roles",
        "at most 8 items",
    ),
    "an issue with one option": (
        [
            (
                "          - key: b\n            text: Joint commission\n            points: {north: 12, south: 25, mediator: 20}\n"
                "          - key: c\n            text: Outside inspectors\n            points: {north: 0, south: 10, mediator: 10}\n"
                "          - key: a\n            text: No monitoring",
                "          - key: a\n            text: No monitoring",
            )
        ],
        ("- slug: monitoring", 2),  # `options` is two lines below
        "roleplays[0].issues[1].options",
        "at least 2 items",
    ),
    "unknown phase kind": (
        [("kind: plenary", "kind: plenum")],
        "kind: plenum",
        "roleplays[0].phases[2].kind",
        "input should be 'preparation', 'private', 'caucus' or 'plenary'",
    ),
    "no debrief questions": (
        [
            (
                "    debrief:\n      - slug: interests\n        prompt: Which of the other side's interests did you learn in private?\n"
                "      - slug: next-time\n        prompt: What would you do differently?\n",
                "    debrief: []\n",
            )
        ],
        "debrief: []",
        "roleplays[0].debrief",
        "at least 1 item",
    ),
}


@pytest.mark.parametrize("case", list(ERRORS), ids=list(ERRORS))
def test_each_validation_error_names_file_line_and_path_and_writes_nothing(case):
    edits, needle, path, message = ERRORS[case]
    if case == "an issue with one option":
        # Remove options b and c of `monitoring` (keep a): the edit above moved `a` to the end.
        text = SCENARIO
        start = text.index("          - key: b\n            text: Joint commission")
        end = text.index("    phases:")
        text = text[:start] + text[end:]
    else:
        text = scenario_text(*edits)
    with pytest.raises(CurriculumError) as exc:
        load_texts({"roleplay.yaml": text})
    problems = exc.value.problems
    found = [p for p in problems if p.path == path and message.lower() in p.message.lower()]
    assert found, "\n".join(str(p) for p in problems)
    assert found[0].file == "roleplay.yaml"
    needle, offset = needle if isinstance(needle, tuple) else (needle, 0)
    expected = line_of(text, needle) + offset
    assert found[0].line == expected, str(found[0])
    assert not RolePlay.objects.exists() and not Course.objects.exists()


def test_two_roleplays_with_one_slug_are_refused():
    start = SCENARIO.index("  - slug: river-talks")
    second = SCENARIO[start:]
    with pytest.raises(CurriculumError) as exc:
        load_texts({"roleplay.yaml": SCENARIO + second.replace("roleplays:\n", "")})
    assert any("duplicate role-play slug `river-talks`" in p.message for p in exc.value.problems)


def test_points_stay_a_mapping_of_role_to_integer():
    load_scenario()
    option = IssueOption.objects.get(issue__slug="monitoring", key="b")
    assert option.points == {"north": 12, "south": 25, "mediator": 20}
    assert Phase.objects.get(slug="plenary").minutes == 15
