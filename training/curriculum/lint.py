"""Quality warnings on valid curriculum files: what a reviewer would ask for before publishing."""

from __future__ import annotations

from dataclasses import dataclass, field

from training.curriculum import schema as s
from training.curriculum.itemlint import lint_items
from training.curriculum.problems import Problem
from training.curriculum.simlint import lint_simulation
from training.curriculum.validate import CourseDocument
from training.markup import glossary_links


@dataclass
class LintResult:
    warnings: list[Problem] = field(default_factory=list)
    coverage: list[str] = field(default_factory=list)


def _markdown_texts(course: CourseDocument):
    for item in course.items():
        for name in item.MARKDOWN:
            value = getattr(item, name)
            yield from [value] if isinstance(value, str) else value


def lint_course(course: CourseDocument) -> LintResult:
    result = LintResult()

    def warn(item: s.Item, message: str, *subpath):
        result.warnings.append(item.problem(message, *subpath, warning=True))

    for lesson in course.lessons():
        if not lesson.citations:
            warn(lesson, f"lesson `{lesson.slug}` has no citation")
        if not lesson.objectives:
            warn(lesson, f"lesson `{lesson.slug}` has no objectives")
    for question in course.questions():
        if not question.citations:
            warn(question, f"question `{question.slug}` has no citation")
        for choice in question.choices:
            if not choice.feedback.strip():
                warn(choice, f"choice `{choice.key}` of question `{question.slug}` has no feedback")
    for simulation in course.simulations:
        lint_simulation(simulation, warn, result.coverage.append)
        for node in simulation.nodes:
            for option in node.options:
                if not option.feedback.strip():
                    warn(option, f"option `{option.key}` of node `{node.key}` has no feedback")

    used = {slug for lesson in course.lessons() for slug in lesson.key_terms}
    for text in _markdown_texts(course):
        used.update(slug for slug, _ in glossary_links(text))
    for term in course.glossary:
        if term.slug not in used:
            warn(
                term,
                f"glossary term `{term.slug}` is never used (no lesson key term, no [[{term.slug}]] link)",
            )

    cited: set[tuple[str, str | None, int | None]] = set()  # a source citation has both (its validator)
    for item in course.citing():
        for citation in item.citations:
            if citation.source is not None:
                cited.add((citation.source, citation.section, citation.paragraph))
    for source in course.sources:
        paragraphs = [(sec.heading, n) for sec in source.sections for n in range(1, sec.paragraphs + 1)]
        uncited = [(heading, n) for heading, n in paragraphs if (source.slug, heading, n) not in cited]
        count = len(paragraphs) - len(uncited)
        result.coverage.append(f"source coverage ({source.slug}): {count}/{len(paragraphs)} paragraphs cited")
        if uncited:
            listed = "; ".join(f"{heading} ¶{n}" for heading, n in uncited)
            result.coverage.append(f"  uncited: {listed}")
            warn(source, f"{len(uncited)} paragraph{'s' if len(uncited) != 1 else ''} never cited: {listed}")
    lint_items(course, warn)
    result.warnings.sort()
    return result
