"""Checking a course as it stands in the database with the loader's own rules.

The course is exported (training.curriculum.exporter) to the data the loader would read from a file — in
memory: the YAML text itself is neither written nor parsed, which would cost seconds — then parsed, validated
and linted by the loader's own code: so a page that lists problems (the simulation graph, a course's readiness) says
what `load_curriculum` and `lint_curriculum` would say about the same content, in the same words, and no rule
is written twice. Each problem keeps its path inside the exported document (`simulations[0].nodes[3]
.options[1].guard`), which `simulation_problem_places` turns back into the node and option it concerns.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db.models import Model

from training import models as m
from training.curriculum import schema as s
from training.curriculum.exporter import export_document
from training.curriculum.lint import lint_course
from training.curriculum.problems import Problem
from training.curriculum.validate import CourseDocument, assemble, validate_courses
from training.curriculum.yamlio import LineMap, YamlFile

__all__ = ["CourseCheck", "ProblemPlace", "check_course", "simulation_problem_places"]


@dataclass
class CourseCheck:
    course: m.Course
    data: dict  # the exported document, as the loader would read it from a file
    document: CourseDocument | None  # None when the export does not even parse (see `errors`)
    errors: list[Problem] = field(default_factory=list)  # what would stop `load_curriculum`
    warnings: list[Problem] = field(default_factory=list)  # what `lint_curriculum --strict` would refuse

    @property
    def problems(self) -> list[Problem]:
        return self.errors + self.warnings

    def simulation(self, slug: str) -> tuple[int, dict] | None:
        """The simulation's position in the exported document and its exported data."""
        for index, simulation in enumerate(self.data.get("simulations") or []):
            if simulation.get("slug") == slug:
                return index, simulation
        return None


def check_course(course: m.Course, *, lint: bool = True, leave_out: Collection[Model] = ()) -> CourseCheck:
    """Validate (and lint) the course's active content, drafts included (but those in `leave_out`), as the
    loader would its files."""
    name = f"{course.slug}.yaml"
    # The exporter builds its objects without validating them (model_construct), so whatever an author saved
    # is exported; parsing it is what finds an empty required field, with its path.
    data = export_document(course, leave_out).model_dump(exclude_defaults=True, warnings=False)
    document, problems = s.parse_document(YamlFile(name, data, LineMap()))
    if document is None:
        return CourseCheck(course, data, None, sorted(problems))
    assembled, problems = assemble(name, [document])
    if assembled is not None:
        problems += validate_courses([assembled])
    check = CourseCheck(course, data, assembled, sorted(problems))
    if lint and check.document is not None:
        # The linter also runs beside errors (an unreachable draft node, say), so an author sees every
        # problem at once; its simulation exploration skips what the errors make unplayable.
        check.warnings = sorted(lint_course(check.document).warnings)
    return check


@dataclass(frozen=True)
class ProblemPlace:
    """Where in one simulation a problem lies: the simulation itself, a node, or one option of a node."""

    problem: Problem
    node_key: str = ""
    option_key: str = ""
    field: str = ""  # the rest of the path below the simulation, node or option (`situation`, `meters[2]`)

    @property
    def message(self) -> str:
        """The loader's line without the file and the path to the object: `situation: must not be empty`."""
        prefix = f"{self.field}: " if self.field else ""
        kind = "warning: " if self.problem.warning else ""
        return f"{prefix}{kind}{self.problem.message}"


_SIM_PATH = re.compile(r"^simulations\[(\d+)\](?:\.nodes\[(\d+)\](?:\.options\[(\d+)\])?)?")
_EVENT_PATH = re.compile(r"^simulations\[(\d+)\]\.events\[(\d+)\]")


def simulation_problem_places(check: CourseCheck, slug: str) -> list[ProblemPlace]:
    """The check's problems that concern simulation `slug`, each placed on its node and option (an event's
    problem on the node the event inserts)."""
    found = check.simulation(slug)
    if found is None:
        return []
    index, simulation = found
    nodes = simulation.get("nodes") or []
    events = simulation.get("events") or []
    places = []
    for problem in check.problems:
        event = _EVENT_PATH.match(problem.path)
        if event and int(event.group(1)) == index:
            number = int(event.group(2))
            node_key = str(events[number].get("node") or "") if number < len(events) else ""
            places.append(ProblemPlace(problem, node_key=node_key, field=_rest(problem.path, event.end())))
            continue
        match = _SIM_PATH.match(problem.path)
        if not match or int(match.group(1)) != index:
            continue
        node_key = option_key = ""
        if match.group(2) is not None and int(match.group(2)) < len(nodes):
            node = nodes[int(match.group(2))]
            node_key = str(node.get("key") or "")
            options = node.get("options") or []
            if match.group(3) is not None and int(match.group(3)) < len(options):
                option_key = str(options[int(match.group(3))].get("key") or "")
        places.append(
            ProblemPlace(
                problem, node_key=node_key, option_key=option_key, field=_rest(problem.path, match.end())
            )
        )
    return places


def _rest(path: str, end: int) -> str:
    return path[end:].lstrip(".")
