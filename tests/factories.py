"""Small hand-written factories for content objects. Every argument has a sensible default; slugs are unique.

course = make_course()
module = make_module(course)
lesson = make_lesson(module, body="Read [[back-channel]].")
quiz = make_quiz(module, mode="assessment")
question = make_question(quiz, kind="single", choices=[("Yes", True), ("No", False)])
check = make_question(lesson=lesson, kind="multiple")
simulation = make_simulation(module)  # two meters, a decision node and two endings
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from training.models import (
    Category,
    Choice,
    Citation,
    Course,
    GlossaryTerm,
    LearningObjective,
    Lesson,
    Meter,
    Module,
    Node,
    Option,
    Question,
    Quiz,
    Reference,
    Simulation,
    Source,
    SourceSection,
    Track,
)

_counter = itertools.count(1)


def _slug(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}"


def _next_position(queryset) -> int:
    return queryset.count()


def make_course(**fields: Any) -> Course:
    fields.setdefault("slug", _slug("course"))
    fields.setdefault("title", "A course")
    fields.setdefault("summary", "What the course is about.")
    return Course.objects.create(**fields)


def make_track(course: Course, **fields: Any) -> Track:
    fields.setdefault("slug", _slug("track"))
    fields.setdefault("name", "Track")
    fields.setdefault("summary", "One line.")
    fields.setdefault("definition", "A definition.")
    fields.setdefault("participants", "Who takes part.")
    fields.setdefault("outputs", "What it produces.")
    fields.setdefault("strengths", ["A strength."])
    fields.setdefault("limits", ["A limit."])
    fields.setdefault("position", _next_position(course.tracks.all()))
    return Track.objects.create(course=course, **fields)


def make_glossary_term(course: Course, **fields: Any) -> GlossaryTerm:
    fields.setdefault("slug", _slug("term"))
    fields.setdefault("term", "A term")
    fields.setdefault("definition", "What it means.")
    return GlossaryTerm.objects.create(course=course, **fields)


def make_module(course: Course, **fields: Any) -> Module:
    fields.setdefault("slug", _slug("module"))
    fields.setdefault("title", "A module")
    fields.setdefault("summary", "What the module covers.")
    fields.setdefault("position", _next_position(course.modules.all()))
    return Module.objects.create(course=course, **fields)


def make_objective(module: Module, **fields: Any) -> LearningObjective:
    fields.setdefault("slug", _slug("objective"))
    fields.setdefault("text", "Explain something.")
    fields.setdefault("position", _next_position(module.objectives.all()))
    return LearningObjective.objects.create(module=module, course_id=module.course_id, **fields)


def make_lesson(module: Module, **fields: Any) -> Lesson:
    fields.setdefault("slug", _slug("lesson"))
    fields.setdefault("title", "A lesson")
    fields.setdefault("minutes", 5)
    fields.setdefault("body", "Lesson text in *Markdown*.")
    fields.setdefault("position", _next_position(module.lessons.all()))
    return Lesson.objects.create(module=module, course_id=module.course_id, **fields)


def make_quiz(module: Module, *, mode: str = Quiz.Mode.PRACTICE, **fields: Any) -> Quiz:
    fields.setdefault("slug", _slug("quiz"))
    fields.setdefault("title", "A quiz")
    fields.setdefault("position", _next_position(module.quizzes.all()))
    return Quiz.objects.create(module=module, course_id=module.course_id, mode=mode, **fields)


ChoiceSpec = tuple[str, Any] | str | dict


def make_question(
    quiz: Quiz | None = None,
    *,
    lesson: Lesson | None = None,
    kind: str = Question.Kind.SINGLE,
    choices: Sequence[ChoiceSpec] | None = None,
    categories: Sequence[tuple[str, str]] | None = None,
    **fields: Any,
) -> Question:
    """A question in a quiz (or, with lesson=, an inline check) with its choices.

    `choices` items are `(text, answer)` where answer is: True/False for single and multiple, the correct
    position (1…n) for order, the category key for sort; or a dict of Choice fields. Defaults give a valid
    question of the kind. `categories` (sort only) are `(key, label)` pairs; default two.
    """
    assert (quiz is None) != (lesson is None), "give exactly one of quiz or lesson"
    parent = quiz or lesson
    fields.setdefault("slug", _slug("question"))
    fields.setdefault("scenario", "You advise a ministry whose talks have stalled.")
    fields.setdefault("prompt", "What is your best next move?")
    fields.setdefault("explanation", "Why the best answer is best.")
    siblings = quiz.questions.all() if quiz else lesson.checks.all()
    fields.setdefault("position", _next_position(siblings))
    question = Question.objects.create(
        quiz=quiz, lesson=lesson, course_id=parent.course_id, kind=kind, **fields
    )

    by_key: dict[str, Category] = {}
    if kind == Question.Kind.SORT:
        for position, (key, label) in enumerate(
            categories or [("track-1", "Track I"), ("track-2", "Track II")]
        ):
            by_key[key] = Category.objects.create(question=question, key=key, label=label, position=position)
    if choices is None:
        choices = {
            Question.Kind.SINGLE: [
                ("Right move", True),
                ("Wrong move", False),
                ("Another wrong move", False),
            ],
            Question.Kind.MULTIPLE: [("Right", True), ("Also right", True), ("Wrong", False)],
            Question.Kind.ORDER: [("First step", 1), ("Second step", 2), ("Third step", 3)],
            Question.Kind.SORT: [(f"Item for {key}", key) for key in by_key],
        }[kind]
    for position, spec in enumerate(choices):
        values: dict[str, Any] = {
            "key": chr(ord("a") + position),
            "position": position,
            "feedback": "Because.",
        }
        if isinstance(spec, dict):
            values.update(spec)
        else:
            text, answer = (spec, None) if isinstance(spec, str) else spec
            values["text"] = text
            if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
                values["correct"] = bool(answer)
            elif kind == Question.Kind.ORDER:
                values["correct_position"] = answer if answer is not None else position + 1
            else:
                values["category"] = by_key[answer]
        Choice.objects.create(question=question, **values)
    return question


def make_source(
    course: Course, sections: Sequence[tuple[str, int]] = (("Introduction", 2),), **fields
) -> Source:
    fields.setdefault("slug", _slug("source"))
    fields.setdefault("title", "A source")
    source = Source.objects.create(course=course, **fields)
    for position, (heading, paragraphs) in enumerate(sections):
        SourceSection.objects.create(source=source, heading=heading, paragraphs=paragraphs, position=position)
    return source


def make_reference(course: Course, **fields: Any) -> Reference:
    fields.setdefault("slug", _slug("reference"))
    fields.setdefault("title", "A reference")
    return Reference.objects.create(course=course, **fields)


def make_citation(
    owner, *, section: SourceSection | None = None, paragraph: int | None = None, **fields
) -> Citation:
    """Cite a section paragraph (default: the first section of a new source), or a reference=."""
    owner_field = {Lesson: "lesson", Question: "question", Node: "node", Track: "track"}[type(owner)]
    course_id = owner.simulation.course_id if isinstance(owner, Node) else owner.course_id
    if section is None and "reference" not in fields:
        section = make_source(Course.objects.get(pk=course_id)).sections.get()
        paragraph = paragraph or 1
    position = Citation.objects.filter(**{owner_field: owner}).count()
    return Citation.objects.create(
        course_id=course_id,
        section=section,
        paragraph=paragraph,
        position=position,
        **{owner_field: owner},
        **fields,
    )


def make_simulation(module: Module, **fields: Any) -> Simulation:
    """A small simulation: meters trust (40) and momentum (20); node `start` with a recommended option `a`
    (trust +20 → ending `success`) and a guarded option `b` (needs trust >= 50 → ending `failure`)."""
    fields.setdefault("slug", _slug("simulation"))
    fields.setdefault("title", "A simulation")
    fields.setdefault("role", "You are a mediator.")
    fields.setdefault("situation", "Talks have stalled.")
    fields.setdefault("position", _next_position(module.simulations.all()))
    simulation = Simulation.objects.create(module=module, course_id=module.course_id, **fields)
    Meter.objects.create(
        simulation=simulation, key="trust", label="Trust", min=0, max=100, start=40, position=0
    )
    Meter.objects.create(
        simulation=simulation, key="momentum", label="Momentum", min=0, max=100, start=20, position=1
    )
    start = Node.objects.create(
        simulation=simulation, key="start", title="Start", situation="Where it begins."
    )
    success = Node.objects.create(
        simulation=simulation,
        key="success",
        title="Agreement",
        situation="They sign.",
        is_ending=True,
        outcome=Node.Outcome.SUCCESS,
        debrief="Trust paid off.",
        position=1,
    )
    failure = Node.objects.create(
        simulation=simulation,
        key="failure",
        title="Collapse",
        situation="They walk out.",
        is_ending=True,
        outcome=Node.Outcome.FAILURE,
        debrief="Pushing too early backfired.",
        position=2,
    )
    Option.objects.create(
        node=start,
        key="a",
        text="Build trust first.",
        effects={"trust": 20},
        recommended=True,
        feedback="Trust first.",
        next_node=success,
    )
    Option.objects.create(
        node=start,
        key="b",
        text="Push for a deal.",
        effects={"momentum": 30, "trust": -10},
        guard="trust >= 50",
        reason="Not enough trust yet.",
        feedback="Too early.",
        next_node=failure,
        position=1,
    )
    simulation.start_node = start
    simulation.save(update_fields=["start_node"])
    return simulation


def make_sim_graph(
    module: Module,
    *,
    meters: Sequence[tuple[str, int, int, int]] = (("trust", 0, 100, 50),),
    nodes: dict[str, dict],
    start: str | None = None,
    **fields: Any,
) -> Simulation:
    """A simulation built from a small graph description (simulations' tests).

    `meters`: (key, min, max, start). `nodes`: key → {"ending": "success"|"mixed"|"failure"} for an ending,
    or {"options": [{"key", "next", optional "effects", "guard", "unavailable", "reason", "recommended",
    "feedback", "text", "archived", "status"}]}; a node may also give "title", "situation", "lessons".
    `start` defaults to the first node."""
    fields.setdefault("slug", _slug("simulation"))
    fields.setdefault("title", "A graph simulation")
    fields.setdefault("role", "You are a mediator.")
    fields.setdefault("situation", "Talks have stalled.")
    fields.setdefault("position", _next_position(module.simulations.all()))
    simulation = Simulation.objects.create(module=module, course_id=module.course_id, **fields)
    for position, (key, low, high, initial) in enumerate(meters):
        Meter.objects.create(
            simulation=simulation,
            key=key,
            label=key.title(),
            min=low,
            max=high,
            start=initial,
            position=position,
        )
    made: dict[str, Node] = {}
    for position, (key, spec) in enumerate(nodes.items()):
        ending = spec.get("ending")
        made[key] = Node.objects.create(
            simulation=simulation,
            key=key,
            title=spec.get("title", f"Node {key}"),
            situation=spec.get("situation", f"The situation at {key}."),
            is_ending=bool(ending),
            outcome=ending or "",
            debrief=spec.get("debrief", f"Debrief of {key}." if ending else ""),
            position=position,
        )
        if spec.get("lessons"):
            made[key].related_lessons.set(spec["lessons"])
    for key, spec in nodes.items():
        for position, option in enumerate(spec.get("options", [])):
            values = dict(option)
            next_key = values.pop("next")
            values.setdefault("text", f"Option {values['key']} at {key}.")
            values.setdefault("feedback", f"Feedback on {values['key']}.")
            Option.objects.create(node=made[key], next_node=made[next_key], position=position, **values)
    simulation.start_node = made[start or next(iter(nodes))]
    simulation.save(update_fields=["start_node"])
    return simulation
