"""Checks the schema cannot express: references between objects, question rules per kind, simulation graphs,
citations into sources, and the Markdown in every text. Every problem is collected; nothing stops early."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from training.curriculum import schema as s
from training.curriculum import simtext as simulation_text
from training.curriculum.guards import GuardError, parse_guard
from training.curriculum.problems import Problem
from training.markup import check_markdown, glossary_links

ItemT = TypeVar("ItemT", bound=s.Item)


@dataclass
class CourseDocument:
    """One course as read from a file or a folder: the top-level lists of all its files, joined."""

    name: str
    course: s.Course
    documents: list[s.Document]
    sources: list[s.Source] = field(default_factory=list)
    references: list[s.Reference] = field(default_factory=list)
    tracks: list[s.Track] = field(default_factory=list)
    glossary: list[s.GlossaryTerm] = field(default_factory=list)
    modules: list[s.Module] = field(default_factory=list)
    simulations: list[s.Simulation] = field(default_factory=list)
    roleplays: list[s.RolePlay] = field(default_factory=list)
    cases: list[s.Case] = field(default_factory=list)
    capstones: list[s.Capstone] = field(default_factory=list)

    def objectives(self) -> Iterator[s.Objective]:
        for module in self.modules:
            yield from module.objectives

    def lessons(self) -> Iterator[s.Lesson]:
        for module in self.modules:
            yield from module.lessons

    def quizzes(self) -> Iterator[s.Quiz]:
        for module in self.modules:
            yield from module.quizzes

    def questions(self) -> Iterator[s.Question]:
        for module in self.modules:
            for lesson in module.lessons:
                yield from lesson.checks
            for quiz in module.quizzes:
                yield from quiz.questions

    def citing(self) -> Iterator[s.Track | s.Lesson | s.Question | s.Node]:
        """Every object that carries citations."""
        yield from self.tracks
        yield from self.lessons()
        yield from self.questions()
        for simulation in self.simulations:
            yield from simulation.nodes

    def items(self) -> Iterator[s.Item]:
        """Every object of the course, depth first."""
        yield self.course
        stack: list = [*self.sources, *self.references, *self.tracks, *self.glossary, *self.modules]
        stack += self.simulations
        stack += self.roleplays
        stack += self.cases
        stack += self.capstones
        for item in stack:
            yield from _items(item)


def _items(item: s.Item) -> Iterator[s.Item]:
    yield item
    for name in type(item).model_fields:
        value = getattr(item, name)
        if isinstance(value, s.Item):
            yield from _items(value)
        elif isinstance(value, list):
            for element in value:
                if isinstance(element, s.Item):
                    yield from _items(element)


def assemble(name: str, documents: list[s.Document]) -> tuple[CourseDocument | None, list[Problem]]:
    """Join the files of one course. Exactly one file has `course:` (and `format: 1`)."""
    problems = []
    with_course = [document for document in documents if document.course is not None]
    if not with_course:
        first = documents[0].file
        where = name if len(documents) > 1 else first.name
        return None, [
            first.problem((), f"no `course:` mapping found in {where}; exactly one file must have it")
        ]
    for extra in with_course[1:]:
        problems.append(extra.problem(f"`course` is already given in {with_course[0].file.name}", "course"))
    main = with_course[0]
    if main.format is None:
        problems.append(main.problem("`format: 1` is required beside `course`"))
    assert main.course is not None  # with_course holds only the documents that have one
    course = CourseDocument(name=name, course=main.course, documents=documents)
    for document in documents:
        course.sources += document.sources
        course.references += document.references
        course.tracks += document.tracks
        course.glossary += document.glossary
        course.modules += document.modules
        course.simulations += document.simulations
        course.roleplays += document.roleplays
        course.cases += document.cases
        course.capstones += document.capstones
    if not course.modules:
        problems.append(main.problem("`modules` is required: a course needs at least one module", "modules"))
    return course, problems


def _where(item: s.Item) -> str:
    return f"{item.file.name}:{item.file.lines.line(item._path)}"


def _suggest(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


class _Checker:
    def __init__(self, courses: list[CourseDocument]):
        self.courses = courses
        self.problems: list[Problem] = []

    def add(self, item: s.Item, message: str, *subpath: str | int) -> None:
        self.problems.append(item.problem(message, *subpath))

    # Slugs ------------------------------------------------------------------------------------------------

    def unique_slugs(self) -> None:
        """Course, module, lesson, quiz, question, simulation and role-play slugs (in URLs) are unique across
        everything loaded together; the slugs of what lives inside a course (sources, references, tracks,
        glossary terms, objectives) are unique within that course."""
        site_wide = {
            "course": lambda c: [c.course],
            "module": lambda c: c.modules,
            "lesson": lambda c: c.lessons(),
            "quiz": lambda c: c.quizzes(),
            "question": lambda c: c.questions(),
            "simulation": lambda c: c.simulations,
            "role-play": lambda c: c.roleplays,
            "case": lambda c: c.cases,
            "capstone": lambda c: c.capstones,
        }
        in_course = {
            "source": lambda c: c.sources,
            "reference": lambda c: c.references,
            "track": lambda c: c.tracks,
            "glossary term": lambda c: c.glossary,
            "objective": lambda c: c.objectives(),
        }
        for kind, items in site_wide.items():
            self._unique(kind, [item for course in self.courses for item in items(course)])
        for kind, items in in_course.items():
            for course in self.courses:
                self._unique(kind, list(items(course)))

    def _unique(self, kind: str, items: list) -> None:
        seen: dict[str, s.Item] = {}
        for item in items:
            if item.slug in seen:
                self.add(
                    item, f"duplicate {kind} slug `{item.slug}` (first at {_where(seen[item.slug])})", "slug"
                )
            else:
                seen[item.slug] = item

    def unique_keys(self, items: Sequence[ItemT], attribute: str, what: str) -> dict[str, ItemT]:
        seen: dict[str, ItemT] = {}
        for item in items:
            key = getattr(item, attribute)
            if key in seen:
                self.add(item, f"duplicate {what} `{key}` (first at {_where(seen[key])})", attribute)
            else:
                seen[key] = item
        return seen

    # One course -------------------------------------------------------------------------------------------

    def course(self, course: CourseDocument) -> None:
        self.tracks = {t.slug: t for t in course.tracks}
        self.glossary = {g.slug: g for g in course.glossary}
        self.references = {r.slug: r for r in course.references}
        self.sources = {source.slug: source for source in course.sources}
        self.sections = {
            source.slug: self.unique_keys(source.sections, "heading", "section heading")
            for source in course.sources
        }
        self.objectives = {o.slug: o for o in course.objectives()}
        self.lessons = {lesson.slug: lesson for lesson in course.lessons()}
        self.modules = {m.slug: m for m in course.modules}
        quizzes = {q.slug: q for q in course.quizzes()}

        if course.course.final_quiz and course.course.final_quiz not in quizzes:
            slug = course.course.final_quiz
            self.add(course.course, f"unknown quiz `{slug}`{_suggest(slug, quizzes)}", "final_quiz")
        rule = course.course.completion
        if rule is not None and rule.practice == "none" and rule.practice_min_percent:
            self.add(
                rule, "`practice_min_percent` needs `practice: attempted` or `passed`", "practice_min_percent"
            )

        if course.tracks:
            dimensions = list(course.tracks[0].comparison)
            for track in course.tracks[1:]:
                if sorted(track.comparison) != sorted(dimensions):
                    self.add(
                        track,
                        "comparison dimensions must match the first track's"
                        f" ({', '.join(dimensions) or 'none'}),"
                        f" found: {', '.join(track.comparison) or 'none'}",
                        "comparison",
                    )
        for term in course.glossary:
            self.refs(term, "tracks", self.tracks, "track")
        for lesson in course.lessons():
            self.refs(lesson, "tracks", self.tracks, "track")
            self.refs(lesson, "objectives", self.objectives, "objective")
            self.refs(lesson, "key_terms", self.glossary, "glossary term")
        for question in course.questions():
            self.question(question)
        for lesson in course.lessons():
            for check in lesson.checks:
                if check.variant_of is not None:
                    self.add(check, "`variant_of` is for quiz questions, not lesson checks", "variant_of")
                if check.hints:
                    self.add(check, "`hints` are for practice quiz questions, not lesson checks", "hints")
        in_quiz = {q.slug: quiz for quiz in quizzes.values() for q in quiz.questions}
        for quiz in quizzes.values():
            self.pool(quiz, in_quiz)
        for simulation in course.simulations:
            self.simulation(simulation)
        for roleplay in course.roleplays:
            self.roleplay(roleplay)
        for case in course.cases:
            self.case(case)
        for capstone in course.capstones:
            self.capstone(capstone)
        if rule is not None and rule.capstone != "none" and not course.capstones:
            self.add(rule, f"`capstone: {rule.capstone}` needs a capstone in the course", "capstone")
        for owner in course.citing():
            for index, citation in enumerate(owner.citations):
                self.citation(citation, index)
        for item in course.items():
            self.markdown(item)

    def refs(self, item: s.Item, attribute: str, known: dict, what: str) -> None:
        for index, slug in enumerate(getattr(item, attribute)):
            if slug not in known:
                self.add(item, f"unknown {what} `{slug}`{_suggest(slug, known)}", attribute, index)

    def citation(self, citation: s.Citation, index: int) -> None:
        if citation.reference is not None:
            if citation.reference not in self.references:
                slug = citation.reference
                self.add(
                    citation, f"unknown reference `{slug}`{_suggest(slug, self.references)}", "reference"
                )
            return
        # Citation's own validator guarantees a source citation has its section and paragraph.
        assert citation.source is not None and citation.section is not None and citation.paragraph is not None
        if citation.source not in self.sources:
            self.add(
                citation,
                f"unknown source `{citation.source}`{_suggest(citation.source, self.sources)}",
                "source",
            )
            return
        sections = self.sections[citation.source]
        section = sections.get(citation.section)
        if section is None:
            self.add(
                citation,
                f"source `{citation.source}` has no section `{citation.section}`"
                + _suggest(citation.section, sections),
                "section",
            )
        elif citation.paragraph > section.paragraphs:
            self.add(
                citation,
                f"section `{citation.section}` of `{citation.source}` has {section.paragraphs} paragraph"
                f"{'s' if section.paragraphs != 1 else ''}; there is no paragraph {citation.paragraph}",
                "paragraph",
            )

    def markdown(self, item: s.Item) -> None:
        for name in item.MARKDOWN:
            value = getattr(item, name)
            texts: list[tuple[str, tuple[str | int, ...]]] = (
                [(value, (name,))]
                if isinstance(value, str)
                else [(v, (name, i)) for i, v in enumerate(value)]
            )
            for text, subpath in texts:
                if not text:
                    continue
                for message in check_markdown(text):
                    self.add(item, message, *subpath)
                for slug, _shown in glossary_links(text):
                    if slug not in self.glossary:
                        self.add(
                            item, f"unknown glossary term [[{slug}]]{_suggest(slug, self.glossary)}", *subpath
                        )

    # Questions --------------------------------------------------------------------------------------------

    def question(self, question: s.Question) -> None:
        self.refs(question, "tracks", self.tracks, "track")
        self.refs(question, "objectives", self.objectives, "objective")
        self.unique_keys(question.choices, "key", "choice key")
        kind = question.kind
        belongs = {"correct": ("single", "multiple"), "position": ("order",), "category": ("sort",)}
        for choice in question.choices:
            for name, kinds in belongs.items():
                if kind not in kinds and name in choice.model_fields_set:
                    self.add(
                        choice,
                        f"`{name}` does not belong to a {kind} question"
                        f" (it is for {' and '.join(kinds)} questions)",
                        name,
                    )
        if kind != "order" and question.ties:
            self.add(question, f"`ties` does not belong to a {kind} question (only order questions)", "ties")
        if kind != "sort" and question.categories:
            self.add(
                question,
                f"`categories` does not belong to a {kind} question (only sort questions)",
                "categories",
            )
        if kind in ("single", "multiple"):
            correct = sum(choice.correct for choice in question.choices)
            if kind == "single" and correct != 1:
                self.add(
                    question, f"a single-answer question needs exactly one correct choice (found {correct})"
                )
            if kind == "multiple" and correct < 1:
                self.add(question, "a select-all question needs at least one correct choice (found 0)")
        elif kind == "order":
            self.order(question)
        else:
            self.sort(question)

    def pool(self, quiz: s.Quiz, in_quiz: dict[str, s.Quiz]) -> None:
        """Scenario groups (`variant_of`) stay inside one quiz and name the group's first question; a draw
        fits the pool (published questions, the variants of one scenario counted once)."""
        own = {q.slug: q for q in quiz.questions}
        for question in quiz.questions:
            root = question.variant_of
            if root is None:
                continue
            if root == question.slug:
                self.add(question, "a question cannot be a variant of itself", "variant_of")
            elif root not in in_quiz:
                self.add(question, f"unknown quiz question `{root}`{_suggest(root, in_quiz)}", "variant_of")
            elif root not in own:
                self.add(
                    question,
                    f"`{root}` is in quiz `{in_quiz[root].slug}`: the variants of one scenario belong to one quiz",
                    "variant_of",
                )
            elif own[root].variant_of is not None:
                self.add(
                    question,
                    f"`{root}` is itself a variant of `{own[root].variant_of}`: name the group's first question",
                    "variant_of",
                )
        if quiz.draw is None:
            return
        groups: dict[str, list[s.Question]] = {}
        for question in quiz.questions:
            if question.status == "published":
                groups.setdefault(question.variant_of or question.slug, []).append(question)
        if quiz.draw.count is not None and quiz.draw.count > len(groups):
            self.add(
                quiz.draw,
                f"a draw of {quiz.draw.count} is larger than the pool: {len(groups)} scenario"
                f"{'s' if len(groups) != 1 else ''} (published questions, variants counted once)",
                "count",
            )
        wanted = quiz.draw.per_objective
        if wanted is None:
            return
        buckets: dict[str, int] = {}
        for members in groups.values():
            if not members[0].objectives:
                self.add(
                    members[0], "a quiz drawn per objective needs objectives on every question", "objectives"
                )
                continue
            buckets[members[0].objectives[0]] = buckets.get(members[0].objectives[0], 0) + 1
        for objective, size in buckets.items():
            if size < wanted:
                self.add(
                    quiz.draw,
                    f"a draw of {wanted} per objective is larger than the pool of objective `{objective}`:"
                    f" {size} scenario{'s' if size != 1 else ''}",
                    "per_objective",
                )

    def order(self, question: s.Question) -> None:
        seen: dict[int, s.Choice] = {}
        n = len(question.choices)
        for choice in question.choices:
            if choice.position is None:
                self.add(
                    choice, "each step of an order question needs `position` (its place in the right order)"
                )
            elif choice.position in seen:
                self.add(
                    choice,
                    f"position {choice.position} is given twice (also choice `{seen[choice.position].key}`)",
                    "position",
                )
            elif choice.position > n:
                self.add(
                    choice, f"position {choice.position} is out of range: positions are 1…{n}", "position"
                )
            else:
                seen[choice.position] = choice
        missing = [str(p) for p in range(1, n + 1) if p not in seen]
        given = all(choice.position is not None for choice in question.choices)
        if missing and given:
            self.add(question, f"positions must be exactly 1…{n}; missing {', '.join(missing)}", "choices")
        self.ties(question)

    def ties(self, question: s.Question) -> None:
        """`ties`: groups of steps that may come in either order: known keys, each step in one group at most,
        and the steps of a group in consecutive positions (a gap would make the step between them movable)."""
        choices = {choice.key: choice for choice in question.choices}
        grouped: dict[str, int] = {}
        for index, group in enumerate(question.ties):
            for key in group:
                if key not in choices:
                    self.add(question, f"unknown choice `{key}`{_suggest(key, choices)}", "ties", index)
                elif key in grouped:
                    self.add(
                        question, f"choice `{key}` is in more than one tie (or twice in one)", "ties", index
                    )
                grouped.setdefault(key, index)
            positions = sorted(
                p for key in set(group) if key in choices and (p := choices[key].position) is not None
            )
            if positions and positions != list(range(positions[0], positions[0] + len(positions))):
                self.add(
                    question,
                    f"tied steps must be in consecutive positions (found {', '.join(map(str, positions))})",
                    "ties",
                    index,
                )

    def sort(self, question: s.Question) -> None:
        categories = self.unique_keys(question.categories, "key", "category key")
        if len(question.categories) < 2:
            self.add(question, "a sort question needs at least two `categories`", "categories")
        used = set()
        for choice in question.choices:
            if choice.category is None:
                self.add(
                    choice, "each item of a sort question needs `category` (the key of its right category)"
                )
            elif choice.category not in categories:
                self.add(
                    choice,
                    f"unknown category `{choice.category}`{_suggest(choice.category, categories)}"
                    f" (categories: {', '.join(categories) or 'none'})",
                    "category",
                )
            else:
                used.add(choice.category)
        for index, category in enumerate(question.categories):
            if category.key not in used:
                self.add(
                    question, f"category `{category.key}` is never used by a choice", "categories", index
                )

    # Simulations ------------------------------------------------------------------------------------------

    def simulation(self, sim: s.Simulation) -> None:
        if sim.module not in self.modules:
            self.add(sim, f"unknown module `{sim.module}`{_suggest(sim.module, self.modules)}", "module")
        self.refs(sim, "tracks", self.tracks, "track")
        self.refs(sim, "objectives", self.objectives, "objective")
        meters = self.unique_keys(sim.meters, "key", "meter key")
        for meter in sim.meters:
            if not meter.min < meter.max:
                self.add(meter, f"`min` ({meter.min}) must be below `max` ({meter.max})")
            elif not meter.min <= meter.start <= meter.max:
                self.add(
                    meter,
                    f"`start` ({meter.start}) must be between min ({meter.min}) and max ({meter.max})",
                    "start",
                )
        nodes = self.unique_keys(sim.nodes, "key", "node key")
        flags = self.unique_keys(sim.flags, "key", "flag key")
        for flag in sim.flags:
            if flag.key in meters:
                self.add(flag, f"flag `{flag.key}` has the key of a meter: guards could not tell them apart")
        principles = self.unique_keys(sim.principles, "key", "principle key")
        for principle in sim.principles:
            if principle.objective is not None and principle.objective not in self.objectives:
                slug = principle.objective
                self.add(
                    principle, f"unknown objective `{slug}`{_suggest(slug, self.objectives)}", "objective"
                )
        events = self.unique_keys(sim.events, "key", "event key")
        scheduled = {item.event for n in sim.nodes for o in n.options for item in o.later if item.event}
        for event in sim.events:
            if event.node not in nodes:
                self.add(event, f"unknown node `{event.node}`{_suggest(event.node, nodes)}", "node")
            if event.when is None and event.key not in scheduled:
                self.add(
                    event, "an event needs `when`, or an option's `later` naming it: it could never happen"
                )
            if event.when is not None:
                self.condition(event, event.when, "when", meters, flags)
        event_nodes = {event.node for event in sim.events}
        context = _SimContext(meters, nodes, flags, principles, events, event_nodes)
        if sim.start not in nodes:
            self.add(sim, f"unknown start node `{sim.start}`{_suggest(sim.start, nodes)}", "start")
        if not any(node.ending for node in sim.nodes):
            self.add(sim, "a simulation needs at least one ending node (`ending: true`)", "nodes")

        edges: dict[str, set[str]] = defaultdict(set)
        resumes: set[str] = set()
        for node in sim.nodes:
            self.refs(node, "lessons", self.lessons, "lesson")
            for name in ("situation", "debrief"):
                for message in simulation_text.check(getattr(node, name), meters, flags):
                    self.add(node, message, name)
            if node.ending:
                if node.options:
                    self.add(
                        node, "an ending has no options (remove them, or remove `ending: true`)", "options"
                    )
                if not node.debrief.strip():
                    self.add(node, "an ending needs a `debrief`")
                if node.outcome is None:
                    self.add(node, "an ending needs an `outcome` (success, mixed or failure)")
            else:
                if not node.options:
                    self.add(node, "a decision node needs at least one option (or `ending: true`)")
                for name in ("outcome", "debrief"):
                    if name in node.model_fields_set:
                        self.add(node, f"`{name}` belongs to endings only", name)
            self.unique_keys(node.options, "key", "option key")
            recommended = [option for option in node.options if option.recommended]
            for option in recommended[1:]:
                self.add(
                    option,
                    f"more than one recommended option in this node (also `{recommended[0].key}`)",
                    "recommended",
                )
            for option in node.options:
                self.option(option, context, node)
                for target in [option.next, *(branch.next for branch in option.branches)]:
                    if target in nodes and not node.ending:
                        edges[node.key].add(target)
                if option.next is None and not node.ending:
                    resumes.add(node.key)

        if sim.start in nodes:
            # Event nodes can be inserted anywhere; an option that resumes returns to the story, which ends.
            reachable = _reach({sim.start} | (event_nodes & set(nodes)), edges)
            for node in sim.nodes:
                if node.key not in reachable and nodes.get(node.key) is node:
                    self.add(node, f"node `{node.key}` cannot be reached from the start node `{sim.start}`")
            reverse: dict[str, set[str]] = defaultdict(set)
            for source, targets in edges.items():
                for target in targets:
                    reverse[target].add(source)
            can_end = _reach({node.key for node in sim.nodes if node.ending} | resumes, reverse)
            for node in sim.nodes:
                if node.key in reachable and node.key not in can_end and node.options and not node.ending:
                    self.add(node, f"no ending can be reached from node `{node.key}` (a cycle with no exit)")

    def option(self, option: s.Option, sim: _SimContext, node: s.Node) -> None:
        if option.next is None:
            if node.key not in sim.event_nodes:
                self.add(option, "`next` is required (only the options of an event's node may leave it out)")
        elif option.next not in sim.nodes:
            self.add(option, f"unknown node `{option.next}`{_suggest(option.next, sim.nodes)}", "next")
        self.effects(option, option.effects, sim.meters, ("effects",))
        self.flag_refs(option, option.sets, sim.flags, "sets")
        self.flag_refs(option, option.clears, sim.flags, "clears")
        for item in option.later:
            self.effects(item, item.effects, sim.meters, ("effects",))
            self.flag_refs(item, item.sets, sim.flags, "sets")
            self.flag_refs(item, item.clears, sim.flags, "clears")
            if item.event is not None and item.event not in sim.events:
                self.add(item, f"unknown event `{item.event}`{_suggest(item.event, sim.events)}", "event")
        for name in ("follows", "breaks"):
            for key in getattr(option, name):
                if key not in sim.principles:
                    self.add(option, f"unknown principle `{key}`{_suggest(key, sim.principles)}", name)
        for branch in option.branches:
            self.condition(branch, branch.when, "when", sim.meters, sim.flags)
            if branch.next not in sim.nodes:
                self.add(branch, f"unknown node `{branch.next}`{_suggest(branch.next, sim.nodes)}", "next")
        if option.guard is not None:
            self.condition(option, option.guard, "guard", sim.meters, sim.flags)

    def effects(
        self, item: s.Item, effects: dict[str, int], meters: dict[str, s.Meter], where: tuple
    ) -> None:
        for key, change in effects.items():
            meter = meters.get(key)
            if meter is None:
                self.add(item, f"unknown meter `{key}`{_suggest(key, meters)} in effects", *where, key)
            elif abs(change) > meter.max - meter.min:
                self.add(
                    item,
                    f"effect {change:+d} on `{key}` is larger than the meter's whole range"
                    f" ({meter.min}…{meter.max})",
                    *where,
                    key,
                )

    def flag_refs(self, item: s.Item, keys: list[str], flags: dict[str, s.SimFlag], name: str) -> None:
        for key in keys:
            if key not in flags:
                self.add(item, f"unknown flag `{key}`{_suggest(key, flags)}", name)

    def condition(self, item: s.Item, text: str, name: str, meters: dict, flags: dict) -> None:
        """A guard, a branch's `when` or an event's `when`: it parses and names only meters and flags."""
        try:
            guard = parse_guard(text)
        except GuardError as exc:
            self.add(item, f"{name} does not parse: {exc}", name)
            return
        for key in sorted(guard.meters - set(meters)):
            self.add(
                item,
                f"{name} names unknown meter `{key}`{_suggest(key, meters)} (meters: {', '.join(meters)})",
                name,
            )
        for key in sorted(guard.flags - set(flags)):
            hint = f" (`{key}` is a meter: compare it, e.g. `{key} >= 30`)" if key in meters else ""
            self.add(item, f"{name} names unknown flag `{key}`{hint or _suggest(key, flags)}", name)

    # Role-plays ------------------------------------------------------------------------------------------

    def case(self, case: s.Case) -> None:
        """A case page names the course's references, lessons and tracks; each actor's track is one of them."""
        self.refs(case, "references", self.references, "reference")
        self.refs(case, "lessons", self.lessons, "lesson")
        self.refs(case, "tracks", self.tracks, "track")
        for index, actor in enumerate(case.actors):
            if actor.track not in self.tracks:
                slug = actor.track
                self.add(
                    case, f"unknown track `{slug}`{_suggest(slug, self.tracks)}", "actors", index, "track"
                )

    def capstone(self, capstone: s.Capstone) -> None:
        """Unique criterion keys, distinct level points within a criterion, a pass mark that can be reached,
        a word range that makes sense."""
        self.refs(capstone, "references", self.references, "reference")
        self.unique_keys(capstone.rubric, "key", "criterion key")
        for index, criterion in enumerate(capstone.rubric):
            points = [level.points for level in criterion.levels]
            if len(set(points)) != len(points):
                self.add(
                    capstone, "two levels of a criterion give the same points", "rubric", index, "levels"
                )
        most = sum(max(level.points for level in c.levels) for c in capstone.rubric)
        if capstone.pass_mark > most:
            self.add(
                capstone,
                f"`pass_mark` ({capstone.pass_mark}) is more than the rubric's total ({most})",
                "pass_mark",
            )
        if capstone.min_words > capstone.max_words:
            self.add(capstone, f"`min_words` ({capstone.min_words}) is above `max_words`", "min_words")

    def roleplay(self, rp: s.RolePlay) -> None:
        """References, unique keys, complete points tables, and a deal that every required role prefers to
        walking away (otherwise no agreement is possible). Format: docs/curriculum-format.md#roleplays."""
        from roleplay.scoring import Table, deals_beating_walk_away

        if rp.module is not None and rp.module not in self.modules:
            self.add(rp, f"unknown module `{rp.module}`{_suggest(rp.module, self.modules)}", "module")
        self.refs(rp, "objectives", self.objectives, "objective")
        self.refs(rp, "references", self.references, "reference")
        roles = self.unique_keys(rp.roles, "slug", "role slug")
        self.unique_keys(rp.issues, "slug", "issue slug")
        phases = self.unique_keys(rp.phases, "slug", "phase slug")
        self.unique_keys(rp.injects, "slug", "inject slug")
        self.unique_keys(rp.debrief, "slug", "debrief question slug")
        required = [role.slug for role in rp.roles if not role.optional]
        if len(set(required)) < 2:
            self.add(
                rp,
                f"a role-play needs at least 2 roles that are not optional (found {len(required)})",
                "roles",
            )
        complete = True
        for issue in rp.issues:
            self.unique_keys(issue.options, "key", "option key")
            for option in issue.options:
                for slug in option.points:
                    if slug not in roles:
                        self.add(
                            option, f"points for unknown role `{slug}`{_suggest(slug, roles)}", "points", slug
                        )
                        complete = False
                missing = [slug for slug in roles if slug not in option.points]
                if missing:
                    self.add(
                        option,
                        f"points are missing for role{'s' if len(missing) > 1 else ''} `{'`, `'.join(missing)}`"
                        " (every role needs points for every option)",
                        "points",
                    )
                    complete = False
        for inject in rp.injects:
            for index, slug in enumerate(inject.to):
                if slug not in roles:
                    self.add(inject, f"unknown role `{slug}`{_suggest(slug, roles)}", "to", index)
            if inject.phase is not None and inject.phase not in phases:
                self.add(inject, f"unknown phase `{inject.phase}`{_suggest(inject.phase, phases)}", "phase")
        if complete and len(set(required)) >= 2 and len(roles) == len(rp.roles):
            table = Table(
                roles=tuple(roles),
                issues=tuple((i.slug, tuple(o.key for o in i.options)) for i in rp.issues),
                points={(i.slug, o.key): dict(o.points) for i in rp.issues for o in i.options},
                walk_away={role.slug: role.walk_away for role in rp.roles},
            )
            if not deals_beating_walk_away(table, required):
                self.add(
                    rp,
                    "no package gives every required role more than its walk_away: no agreement is possible"
                    " (raise some points or lower a walk_away)",
                    "issues",
                )


@dataclass
class _SimContext:
    """What an option's references are checked against."""

    meters: dict[str, s.Meter]
    nodes: dict[str, s.Node]
    flags: dict[str, s.SimFlag]
    principles: dict[str, s.Principle]
    events: dict[str, s.Event]
    event_nodes: set[str]


def _reach(starts: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(starts)
    stack = list(starts)
    while stack:
        for target in edges.get(stack.pop(), ()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def validate_courses(courses: list[CourseDocument]) -> list[Problem]:
    """Every semantic problem of courses loaded together (URL slugs are unique across all of them)."""
    checker = _Checker(courses)
    checker.unique_slugs()
    for course in courses:
        checker.course(course)
    return checker.problems
