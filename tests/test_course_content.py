"""The shipped course meets its brief: enough of everything, fully cited, and written in our own words."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from training.curriculum.loader import load_curriculum
from training.models import (
    Course,
    GlossaryTerm,
    LearningObjective,
    Lesson,
    Node,
    Question,
    Quiz,
    Reference,
    Simulation,
    Track,
)

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "fixtures" / "diplomacy-tracks"
ARTICLE = ROOT.parent / "shared" / "source" / "track-diplomacy-article.txt"
ARTICLE_README = ROOT.parent / "shared" / "source" / "README.md"
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
RUN = 10  # no run of this many consecutive words of the article may appear in fixtures/

DEBRIS = [
    "AI-Generated Insight",
    "\N{BRAIN}",
    "See also",
    "Similar Posts",
    "diplomacY",
    "Advancing Stability Through Multilateral Peace Negotiations",
    "Diplomatic Efforts for Refugee Repatriation",
    "The Role of Regional Organizations in Facilitating Peace Processes",
]


@pytest.fixture
def course(db) -> Course:
    (report,) = load_curriculum([SHIPPED])
    return Course.objects.get(slug=report.course)


def words(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("\N{RIGHT SINGLE QUOTATION MARK}", "'"))


def test_minimum_counts_from_the_loaded_database(course):
    assert set(Track.objects.filter(course=course).values_list("slug", flat=True)) == {
        "track-1",
        "track-1-5",
        "track-2",
        "multi-track",
    }
    modules = list(course.modules.published().in_order())
    assert 5 <= len(modules) <= 12
    assert GlossaryTerm.objects.filter(course=course).count() >= 25
    assert Reference.objects.filter(course=course).count() >= 10

    lessons = Lesson.objects.published().filter(course=course)
    assert lessons.count() >= 15
    for lesson in lessons.prefetch_related("objectives", "key_terms", "citations", "checks"):
        body_words = len(lesson.body.split())
        assert 300 <= body_words <= 700, f"{lesson.slug}: {body_words} words"
        assert lesson.objectives.exists(), lesson.slug
        assert lesson.key_terms.exists(), lesson.slug
        assert lesson.citations.exists(), lesson.slug
        assert 1 <= lesson.checks.count() <= 2, lesson.slug

    # A quiz per module, and the final assessment.
    for module in modules:
        assert module.quizzes.published().exists(), module.slug
    final = course.final_quiz
    assert final is not None and final.mode == Quiz.Mode.ASSESSMENT

    questions = Question.objects.filter(quiz__course=course, quiz__isnull=False)
    assert questions.count() >= 40
    kinds = Counter(questions.values_list("kind", flat=True))
    for kind in ("single", "multiple", "order", "sort"):
        assert kinds[kind] >= 5, f"only {kinds[kind]} {kind} questions"
    for question in questions.prefetch_related("choices", "citations", "tracks", "objectives"):
        assert question.scenario.strip() and question.explanation.strip(), question.slug
        assert question.citations.exists() and question.tracks.exists() and question.objectives.exists(), (
            question.slug
        )
        assert all(choice.feedback.strip() for choice in question.choices.all()), question.slug

    simulations = Simulation.objects.published().filter(course=course)
    assert simulations.count() >= 3
    for simulation in simulations:
        assert simulation.meters.count() >= 3, simulation.slug
        decisions = Node.objects.filter(simulation=simulation, is_ending=False)
        endings = Node.objects.filter(simulation=simulation, is_ending=True)
        assert decisions.count() >= 4, simulation.slug
        assert endings.count() >= 3, simulation.slug
        assert all(ending.debrief.strip() for ending in endings), simulation.slug
        assert all(node.options.exists() for node in decisions), f"{simulation.slug} has a dead end"


SECOND_EDITION_MODULES = ("ethics-and-risk", "inclusion-and-transfer", "mediation-in-practice")


def test_second_edition_minimums(course):
    """Issue 19: at least 28 lessons in at least 9 modules, at least 90 quiz questions with at least 15 of each
    kind, and a reflection prompt at the end of every module; each new module has at least three lessons and a
    practice quiz of five to seven scenarios that uses all four kinds."""
    modules = list(course.modules.published().in_order())
    assert len(modules) >= 9
    assert {m.slug: m.reflection for m in modules if not m.reflection.strip()} == {}
    lessons = Lesson.objects.published().filter(course=course)
    assert lessons.count() >= 28
    assert len({lesson.module_id for lesson in lessons}) >= 9

    questions = Question.objects.published().filter(quiz__course=course)
    assert questions.count() >= 90
    kinds = Counter(questions.values_list("kind", flat=True))
    assert {kind: kinds[kind] for kind in ("single", "multiple", "order", "sort") if kinds[kind] < 15} == {}

    by_slug = {module.slug: module for module in modules}
    for slug in SECOND_EDITION_MODULES:
        module = by_slug[slug]
        assert module.lessons.published().count() >= 3, slug
        assert all(lesson.checks.exists() for lesson in module.lessons.published()), slug
        (practice,) = module.quizzes.published().filter(mode=Quiz.Mode.PRACTICE)
        practice_kinds = list(practice.questions.published().values_list("kind", flat=True))
        assert 5 <= len(practice_kinds) <= 7, slug
        assert set(practice_kinds) == {"single", "multiple", "order", "sort"}, slug


def test_every_objective_has_two_final_assessment_variants(course):
    """The final assessment is a pool: every scenario comes in at least two versions (`variant_of`), so a retake
    draws different questions, and every learning objective of the course is assessed by at least two of them."""
    final = course.final_quiz
    questions = list(final.questions.published().prefetch_related("objectives"))
    groups = Counter(question.scenario_group for question in questions)
    assert len(groups) >= 15
    assert {group: n for group, n in groups.items() if n < 2} == {}
    tagged = Counter(objective.slug for question in questions for objective in question.objectives.all())
    objectives = LearningObjective.objects.filter(module__course=course, module__status="published")
    assert objectives.count() >= 30
    assert {o.slug: tagged[o.slug] for o in objectives if tagged[o.slug] < 2} == {}
    # Variants of one scenario assess the same objectives.
    by_group: dict[str, set[frozenset[str]]] = {}
    for question in questions:
        slugs = frozenset(o.slug for o in question.objectives.all())
        by_group.setdefault(question.scenario_group, set()).add(slugs)
    assert {group: sets for group, sets in by_group.items() if len(sets) != 1} == {}


def test_final_assessment_progresses_from_classifying_to_designing(course):
    """Classify first (sort and single items on what a track is), then judge, then design (order and
    select-all items on building a process): the design part holds every order question."""
    questions = list(course.final_quiz.questions.published().in_order())
    kinds = [question.kind for question in questions]
    assert kinds.count("order") >= 4 and kinds.count("sort") >= 4 and kinds.count("multiple") >= 6
    first_order = kinds.index("order")
    last_sort = len(kinds) - 1 - kinds[::-1].index("sort")
    assert last_sort < first_order
    correct_counts = {
        sum(choice.correct for choice in question.choices.all())
        for question in questions
        if question.kind == "multiple"
    }
    assert len(correct_counts) >= 3  # select-all items do not always have the same number of right answers


def test_items_vary_in_kind_and_in_their_number_of_right_answers(course):
    """REVIEW-2: 13 of 15 select-all items had exactly 3 right answers, and every lesson check was single-answer."""
    multiple = Question.objects.filter(course=course, kind="multiple", status="published").prefetch_related(
        "choices"
    )
    counts = Counter(sum(choice.correct for choice in question.choices.all()) for question in multiple)
    assert len(counts) >= 3 and max(counts.values()) <= 0.6 * sum(counts.values()), counts
    checks = Question.objects.filter(lesson__course=course, status="published")
    assert checks.exclude(kind="single").count() >= 2


def test_lessons_alone_cite_every_paragraph_of_the_article(course):
    expected = set()
    for line in ARTICLE_README.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| (.+?)(?: \(title; the introduction\))? \| (\d+)", line)
        if match:
            expected |= {(match.group(1), n) for n in range(1, int(match.group(2)) + 1)}
    assert len(expected) == 43
    cited = {
        (citation.section.heading, citation.paragraph)
        for lesson in Lesson.objects.published().filter(course=course).prefetch_related("citations__section")
        for citation in lesson.citations.all()
        if citation.section_id
    }
    assert expected - cited == set()


def test_the_five_corrections_are_taught_with_a_reference(course):
    """Each questionable claim of the article is corrected in a lesson that cites an external reference."""
    corrections = {
        "Track I is ancient; only its label dates from 1981": r"amarna|westphalia|congress of vienna",
        "Camp David was a Track I summit": r"camp david",
        "exiled leaders are not typical Track II actors": r"exiled",
        "capacity, not formality, defines the track": r"capacity",
        "official status does not ensure legitimacy": r"legitima",
    }
    lessons = list(Lesson.objects.published().filter(course=course).prefetch_related("citations"))
    for claim, pattern in corrections.items():
        teaching = [
            lesson
            for lesson in lessons
            if re.search(pattern, lesson.body, re.I) and any(c.reference_id for c in lesson.citations.all())
        ]
        assert teaching, f"no lesson with a reference citation teaches: {claim}"


def _article_paragraphs() -> list[str]:
    if not ARTICLE.exists():
        pytest.fail(f"the source article is missing at {ARTICLE}: the copy check cannot run")
    headings = set()
    for line in ARTICLE_README.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| (.+?)(?: \(title; the introduction\))? \| \d+", line)
        if match:
            headings.add(match.group(1))
    return [
        line
        for line in ARTICLE.read_text(encoding="utf-8").splitlines()
        if line.strip() and line.strip() not in headings
    ]


def _fixture_texts() -> list[tuple[str, str]]:
    """Every string in fixtures/, except section headings (names that citations must spell exactly)."""
    found: list[tuple[str, str]] = []

    def walk(node, where: str, key: str = "") -> None:
        if isinstance(node, dict):
            for child_key, value in node.items():
                walk(value, f"{where}.{child_key}", child_key)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]", key)
        elif isinstance(node, str) and key not in {"section", "heading"}:
            found.append((where, node))

    for path in sorted(ROOT.joinpath("fixtures").rglob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
    return found


def test_no_run_of_ten_words_from_the_article_appears_in_fixtures():
    shingles = set()
    for paragraph in _article_paragraphs():
        tokens = words(paragraph)
        shingles |= {tuple(tokens[i : i + RUN]) for i in range(len(tokens) - RUN + 1)}
    assert len(shingles) > 1500  # the article really was read
    copied = []
    for where, text in _fixture_texts():
        tokens = words(text)
        for i in range(len(tokens) - RUN + 1):
            if tuple(tokens[i : i + RUN]) in shingles:
                copied.append(f"{where}: {' '.join(tokens[i : i + RUN])}")
                break
    assert copied == []


def test_the_copy_check_would_catch_a_copied_sentence():
    paragraph = _article_paragraphs()[3]
    tokens = words(paragraph)
    shingles = {tuple(tokens[i : i + RUN]) for i in range(len(tokens) - RUN + 1)}
    pasted = words("As the article puts it, " + paragraph[:200])
    assert any(tuple(pasted[i : i + RUN]) in shingles for i in range(len(pasted) - RUN + 1))


def test_no_web_debris_in_fixtures():
    text = "\n".join(path.read_text(encoding="utf-8") for path in ROOT.joinpath("fixtures").rglob("*.yaml"))
    assert [fragment for fragment in DEBRIS if fragment in text] == []


def test_case_library_and_capstone_minimums(course):
    """Issue 19: at least twelve case pages, each with actors on at least two tracks (or a Track I case said
    to be one) and a source; a published capstone whose pass mark is reachable, required for the certificate."""
    from training.models import Capstone, Case

    cases = list(Case.objects.visible().filter(course=course).prefetch_related("references"))
    assert len(cases) >= 12
    for case in cases:
        assert len(case.actors) >= 1 and case.references.exists(), case.slug
        tracks = {actor["track"] for actor in case.actors}
        assert len(tracks) >= 2 or "Track I case" in case.moved, case.slug
    (capstone,) = Capstone.objects.visible().filter(course=course)
    assert len(capstone.rubric) >= 4
    assert 0 < capstone.pass_mark <= capstone.max_points
    assert course.completion.get("capstone") == "passed"
