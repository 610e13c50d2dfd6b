"""Every error class of the loader, each with its file, line, path and message; none of them writes."""

from pathlib import Path

import pytest
from django.core.management import call_command

from training.curriculum.loader import load_curriculum
from training.curriculum.problems import CurriculumError
from training.models import Course, Lesson

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "example-course.yaml"


def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


def edit(text: str, old: str, new: str, count: int = 1) -> str:
    assert old in text, f"{old!r} not in the example"
    return text.replace(old, new, count)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing `needle`."""
    hits = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) >= occurrence, f"{needle!r} found {len(hits)} times"
    return hits[occurrence - 1]


def problems_for(tmp_path: Path, text: str, name: str = "course.yaml") -> tuple[Path, list]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CurriculumError) as exc:
        load_curriculum([path])
    return path, exc.value.problems


def assert_problem(problems, file: Path, line: int, path: str, message: str):
    for problem in problems:
        if problem.file == str(file) and problem.path == path and message in problem.message:
            assert problem.line == line, f"{problem} should be on line {line}"
            return
    listing = "\n".join(str(p) for p in problems)
    pytest.fail(f"no problem {file}:{line}: {path}: …{message}… in:\n{listing}")


# (edits, needle for the expected line, occurrence, path, message)
CASES = {
    "yaml syntax": (
        [("    title: The basics", "    title: [The basics")],
        "title: [The basics",
        1,
        "(document)",
        "YAML syntax error: the [ list that starts here is not closed",
    ),
    "duplicate yaml key": (
        [("        minutes: 5\n", "        minutes: 5\n        minutes: 6\n")],
        "minutes: 6",
        1,
        "modules[0].lessons[0].minutes",
        "duplicate key 'minutes' (first given on line",
    ),
    "unknown key suggests the nearest": (
        [("        minutes: 5", "        minuts: 5")],
        "minuts: 5",
        1,
        "modules[0].lessons[0].minuts",
        "unknown key `minuts` (did you mean `minutes`?)",
    ),
    "missing field": (
        [("            prompt: Which channel fits best?\n", "")],
        "- slug: example-check-back-channel",
        1,
        "modules[0].lessons[0].checks[0].prompt",
        "`prompt` is required",
    ),
    "mistyped field": (
        [("pass_mark: 75", "pass_mark: high")],
        "pass_mark: high",
        1,
        "modules[0].quizzes[0].pass_mark",
        "input should be a valid integer, found text",
    ),
    "out of range value": (
        [("pass_mark: 75", "pass_mark: 175")],
        "pass_mark: 175",
        1,
        "modules[0].quizzes[0].pass_mark",
        "less than or equal to 100",
    ),
    "invalid slug": (
        [("- slug: example-q-order", "- slug: Example Q Order")],
        "- slug: Example Q Order",
        1,
        "modules[0].quizzes[0].questions[2].slug",
        "is not a slug",
    ),
    "duplicate slug in a file": (
        [("- slug: example-q-multiple", "- slug: example-q-single")],
        "- slug: example-q-single",
        2,
        "modules[0].quizzes[0].questions[1].slug",
        "duplicate question slug `example-q-single` (first at ",
    ),
    "unknown track": (
        [("            tracks: [example-unofficial]", "            tracks: [example-unoficial]")],
        "tracks: [example-unoficial]",
        1,
        "modules[0].lessons[0].checks[0].tracks[0]",
        "unknown track `example-unoficial` (did you mean `example-unofficial`?)",
    ),
    "unknown objective": (
        [("objectives: [example-choose-channel]", "objectives: [choose]")],
        "objectives: [choose]",
        1,
        "modules[0].lessons[1].objectives[0]",
        "unknown objective `choose`",
    ),
    "unknown key term": (
        [("key_terms: [back-channel]", "key_terms: [backchannel]")],
        "key_terms: [backchannel]",
        1,
        "modules[0].lessons[0].key_terms[0]",
        "unknown glossary term `backchannel` (did you mean `back-channel`?)",
    ),
    "unknown glossary link": (
        [("A [[back-channel]] lets", "A [[back-door]] lets")],
        "body: |",
        1,
        "modules[0].lessons[0].body",
        "unknown glossary term [[back-door]]",
    ),
    "raw html in markdown": (
        [("scenario: Formal talks have stalled", "scenario: Formal talks have <b>stalled</b>")],
        "<b>stalled</b>",
        1,
        "modules[0].quizzes[0].questions[0].scenario",
        "raw HTML is not allowed in Markdown: <b>",
    ),
    "unknown reference": (
        [
            (
                "      - reference: example-handbook\n        locator: ch. 1",
                "      - reference: handbook",
            )
        ],
        "- reference: handbook",
        1,
        "tracks[0].citations[0].reference",
        "unknown reference `handbook`",
    ),
    "unknown source": (
        [
            (
                "          - source: example-briefing\n            section: Risks",
                "          - source: briefing\n            section: Risks",
            )
        ],
        "- source: briefing",
        1,
        "modules[0].lessons[1].citations[0].source",
        "unknown source `briefing` (did you mean `example-briefing`?)",
    ),
    "unknown section": (
        [("            section: Risks\n", "            section: Risk\n")],
        "section: Risk",
        1,
        "modules[0].lessons[1].citations[0].section",
        "source `example-briefing` has no section `Risk` (did you mean `Risks`?)",
    ),
    "paragraph the section does not have": (
        [
            (
                "            section: Risks\n            paragraph: 1",
                "            section: Risks\n            paragraph: 4",
            )
        ],
        "paragraph: 4",
        1,
        "modules[0].lessons[1].citations[0].paragraph",
        "section `Risks` of `example-briefing` has 1 paragraph; there is no paragraph 4",
    ),
    "citation of neither kind": (
        [
            (
                "      - reference: example-handbook\n        locator: ch. 1",
                "      - locator: ch. 1",
            )
        ],
        "- locator: ch. 1",
        1,
        "tracks[0].citations[0]",
        "a citation needs either `source`",
    ),
    "single answer without exactly one correct": (
        [
            (
                "              - text: A press conference announcing the idea.\n",
                "              - text: A press conference announcing the idea.\n"
                "                correct: true\n",
            )
        ],
        "- slug: example-check-back-channel",
        1,
        "modules[0].lessons[0].checks[0]",
        "a single-answer question needs exactly one correct choice (found 2)",
    ),
    "select-all without a correct choice": (
        [
            (
                "              - text: Retired diplomats.\n                correct: true",
                "              - text: Retired diplomats.",
            ),
            (
                "              - text: University researchers.\n                correct: true",
                "              - text: University researchers.",
            ),
        ],
        "- slug: example-q-multiple",
        1,
        "modules[0].quizzes[0].questions[1]",
        "needs at least one correct choice",
    ),
    "order with a duplicate position": (
        [("                position: 3", "                position: 2")],
        "position: 2",
        2,
        "modules[0].quizzes[0].questions[2].choices[2].position",
        "position 2 is given twice",
    ),
    "order with a missing position": (
        [("                position: 3\n", "")],
        "text: Leaders announce formal negotiations.",
        1,
        "modules[0].quizzes[0].questions[2].choices[2]",
        "needs `position`",
    ),
    "order with a gap": (
        [("                position: 3", "                position: 4")],
        "position: 4",
        1,
        "modules[0].quizzes[0].questions[2].choices[2].position",
        "position 4 is out of range: positions are 1…3",
    ),
    "sort with an unknown category": (
        [("                category: unofficial", "                category: unoficial")],
        "category: unoficial",
        1,
        "modules[0].quizzes[0].questions[3].choices[1].category",
        "unknown category `unoficial` (did you mean `unofficial`?)",
    ),
    "sort with an unused category": (
        [("                category: unofficial", "                category: official")],
        "- key: unofficial",
        1,
        "modules[0].quizzes[0].questions[3].categories[1]",
        "category `unofficial` is never used",
    ),
    "field that does not belong to the kind": (
        [
            (
                "                text: Fund a quiet workshop of former officials.\n",
                "                text: Fund a quiet workshop of former officials.\n"
                "                position: 1\n",
            )
        ],
        "position: 1",
        1,
        "modules[0].quizzes[0].questions[0].choices[0].position",
        "`position` does not belong to a single question",
    ),
    "unknown next node": (
        [("            next: leak", "            next: leek")],
        "next: leek",
        1,
        "simulations[0].nodes[0].options[1].next",
        "unknown node `leek` (did you mean `leak`?)",
    ),
    "unknown start node": (
        [("    start: arrival", "    start: arival")],
        "start: arival",
        1,
        "simulations[0].start",
        "unknown start node `arival`",
    ),
    "unknown meter in effects": (
        [("effects: {trust: 20}", "effects: {trusst: 20}")],
        "effects: {trusst: 20}",
        1,
        "simulations[0].nodes[0].options[0].effects.trusst",
        "unknown meter `trusst` (did you mean `trust`?) in effects",
    ),
    "effect larger than the meter's range": (
        [("effects: {trust: 20}", "effects: {trust: 120}")],
        "effects: {trust: 120}",
        1,
        "simulations[0].nodes[0].options[0].effects.trust",
        "effect +120 on `trust` is larger than the meter's whole range (0…100)",
    ),
    "guard that does not parse": (
        [("guard: trust < 90", "guard: trust <")],
        "guard: trust <",
        1,
        "simulations[0].nodes[1].options[1].guard",
        "guard does not parse: expected a meter or a number, found the end",
    ),
    "guard naming an unknown meter": (
        [("guard: trust < 90", "guard: trusts < 90")],
        "guard: trusts < 90",
        1,
        "simulations[0].nodes[1].options[1].guard",
        "guard names unknown meter `trusts` (did you mean `trust`?)",
    ),
    "more than one recommended option": (
        [
            (
                "            feedback: Publicity destroys",
                "            recommended: true\n            feedback: Publicity destroys",
            )
        ],
        "recommended: true",
        2,
        "simulations[0].nodes[0].options[1].recommended",
        "more than one recommended option in this node (also `dinner`)",
    ),
    "unreachable node": (
        [("            next: leak", "            next: framework")],
        "- key: leak",
        1,
        "simulations[0].nodes[3]",
        "node `leak` cannot be reached from the start node `arrival`",
    ),
    "cycle with no exit": (
        [("            next: framework", "            next: substance")],
        "- key: substance",
        1,
        "simulations[0].nodes[1]",
        "no ending can be reached from node `substance` (a cycle with no exit)",
    ),
    "decision node without options": (
        [
            (
                "        title: The story breaks\n        ending: true\n        outcome: failure\n",
                "        title: The story breaks\n",
            ),
            (
                "        debrief: A back channel needs confidentiality;"
                " see the lesson on what a back channel is.\n",
                "",
            ),
        ],
        "- key: leak",
        1,
        "simulations[0].nodes[3]",
        "a decision node needs at least one option",
    ),
    "ending without a debrief": (
        [
            (
                "        debrief: A back channel needs confidentiality;"
                " see the lesson on what a back channel is.\n",
                "",
            )
        ],
        "- key: leak",
        1,
        "simulations[0].nodes[3]",
        "an ending needs a `debrief`",
    ),
    "unknown lesson in a node": (
        [("lessons: [example-what-is-a-back-channel]", "lessons: [what-is-a-back-channel]")],
        "lessons: [what-is-a-back-channel]",
        1,
        "simulations[0].nodes[0].lessons[0]",
        "unknown lesson `what-is-a-back-channel`",
    ),
    "unknown module of a simulation": (
        [("    module: example-basics", "    module: basics")],
        "module: basics",
        1,
        "simulations[0].module",
        "unknown module `basics`",
    ),
    "start outside a meter's range": (
        [("        start: 80", "        start: 180")],
        "start: 180",
        1,
        "simulations[0].meters[1].start",
        "`start` (180) must be between min (0) and max (100)",
    ),
    "unknown final quiz": (
        [("  final_quiz: example-check", "  final_quiz: example-chek")],
        "final_quiz: example-chek",
        1,
        "course.final_quiz",
        "unknown quiz `example-chek` (did you mean `example-check`?)",
    ),
    "javascript url of a reference": (
        [("    url: https://example.org/handbook", "    url: javascript:alert(document.cookie)")],
        "url: javascript:",
        1,
        "references[0].url",
        "must be an http:// or https:// URL",
    ),
    "url of a source that is not a URL": (
        [("    author: Example Institute\n", "    author: Example Institute\n    url: data:text/html,x\n")],
        "url: data:",
        1,
        "sources[0].url",
        "must be an http:// or https:// URL",
    ),
    "title longer than its column": (
        [("        title: What is a back channel?", "        title: " + "w" * 250)],
        "title: www",
        1,
        "modules[0].lessons[0].title",
        "at most 200 characters (found 250)",
    ),
    "short name longer than its column": (
        [('    short_name: "1"', '    short_name: "' + "1" * 21 + '"')],
        'short_name: "111',
        1,
        "tracks[0].short_name",
        "at most 20 characters (found 21)",
    ),
    "option guard longer than its column": (
        [("            guard: trust >= 50", "            guard: " + "trust >= 1 and " * 40 + "trust >= 50")],
        "guard: trust >= 1 and",
        1,
        "simulations[0].nodes[1].options[0].guard",
        "at most 500 characters",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_error_names_file_line_path_and_message(tmp_path, case):
    edits, needle, occurrence, path, message = CASES[case]
    text = example_text()
    for old, new in edits:
        text = edit(text, old, new)
    file, problems = problems_for(tmp_path, text)
    assert_problem(problems, file, line_of(text, needle, occurrence), path, message)
    assert not Course.objects.exists()


UNCLOSED_QUOTE = """\
format: 1
course:
  slug: quotes
  title: Quotes
modules:
  - slug: one
    title: One
    quizzes:
      - slug: q
        title: Q
        questions:
          - slug: first
            prompt: "Which track is this?
            explanation: The quote above is never closed.
          - slug: second
            prompt: "Another question"
            explanation: Fine.
"""


def test_unclosed_quote_is_reported_where_it_opens(tmp_path):
    # The parser only fails at the second question's prompt, where the next quote closes the string.
    file, problems = problems_for(tmp_path, UNCLOSED_QUOTE)
    (problem,) = problems
    assert (problem.file, problem.line, problem.path) == (str(file), 13, "(document)")
    assert "the quoted string that starts here does not seem to be closed" in problem.message
    assert "noticed at line 16" in problem.message


def test_quote_unclosed_at_the_end_is_reported_where_it_opens(tmp_path):
    text = UNCLOSED_QUOTE.replace('"Another question"', "Another question")
    file, problems = problems_for(tmp_path, text)
    (problem,) = problems
    assert (problem.file, problem.line) == (str(file), 13)
    assert "the quoted string that starts here is not closed" in problem.message


def test_bad_indentation_is_reported_on_its_own_line_not_the_mapping_start(tmp_path):
    text = UNCLOSED_QUOTE.replace('"Which track is this?', '"Which track is this?"').replace(
        "            explanation: Fine.", "           explanation: Fine."
    )
    file, problems = problems_for(tmp_path, text)
    (problem,) = problems
    assert (problem.file, problem.line) == (str(file), 17)
    assert "YAML syntax error" in problem.message


@pytest.mark.django_db
def test_all_errors_are_reported_together(tmp_path):
    text = example_text()
    for case in ("unknown key suggests the nearest", "mistyped field", "invalid slug"):
        for old, new in CASES[case][0]:
            text = edit(text, old, new)
    _, structural = problems_for(tmp_path, text)
    # the misspelt key also leaves `minutes` missing
    assert len(structural) == 4

    text = example_text()
    for case in ("unknown track", "unknown next node", "order with a gap", "raw html in markdown"):
        for old, new in CASES[case][0]:
            text = edit(text, old, new)
    file, semantic = problems_for(tmp_path, text)
    for case in ("unknown track", "unknown next node", "order with a gap", "raw html in markdown"):
        _, needle, occurrence, path, message = CASES[case]
        assert_problem(semantic, file, line_of(text, needle, occurrence), path, message)


@pytest.mark.django_db
def test_duplicate_slug_across_files_of_a_folder(tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "00-course.yaml").write_text(example_text(), encoding="utf-8")
    extra = (
        "modules:\n"
        "  - slug: second-module\n"
        "    title: Second\n"
        "    summary: More.\n"
        "    lessons:\n"
        "      - slug: example-what-is-a-back-channel\n"
        "        title: Copy\n"
        "        minutes: 3\n"
        "        body: Copied.\n"
    )
    (folder / "01-more.yaml").write_text(extra, encoding="utf-8")
    with pytest.raises(CurriculumError) as exc:
        load_curriculum([folder])
    (problem,) = exc.value.problems
    assert problem.file == str(folder / "01-more.yaml")
    assert problem.line == 6
    assert problem.path == "modules[0].lessons[0].slug"
    assert problem.message.startswith("duplicate lesson slug `example-what-is-a-back-channel` (first at ")
    assert "00-course.yaml:" in problem.message


@pytest.mark.django_db
def test_duplicate_slug_across_two_courses_loaded_together(tmp_path):
    first = tmp_path / "a.yaml"
    first.write_text(example_text(), encoding="utf-8")
    second = tmp_path / "b.yaml"
    second.write_text(
        edit(example_text(), "  slug: example-course", "  slug: other-course"), encoding="utf-8"
    )
    with pytest.raises(CurriculumError) as exc:
        load_curriculum([first, second])
    assert all(p.file == str(second) for p in exc.value.problems)
    assert any(p.message.startswith("duplicate lesson slug") for p in exc.value.problems)


@pytest.mark.django_db
def test_a_folder_needs_exactly_one_course_mapping(tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "a.yaml").write_text("glossary: []\n", encoding="utf-8")
    with pytest.raises(CurriculumError) as exc:
        load_curriculum([folder])
    assert "no `course:` mapping found" in exc.value.problems[0].message


@pytest.mark.django_db
def test_slug_of_another_course_is_refused_and_nothing_changes(tmp_path):
    load_curriculum([EXAMPLE])
    before = dump()
    text = edit(example_text(), "  slug: example-course", "  slug: intruder")
    file, problems = problems_for(tmp_path, text)
    assert_problem(
        problems,
        file,
        line_of(text, "- slug: example-what-is-a-back-channel"),
        "modules[0].lessons[0].slug",
        "lesson slug `example-what-is-a-back-channel` already belongs to course `example-course`",
    )
    assert dump() == before
    assert Lesson.objects.get(slug="example-what-is-a-back-channel").course.slug == "example-course"


def dump() -> str:
    from io import StringIO

    out = StringIO()
    call_command("dumpdata", "training", "auth.group", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case",
    [
        "yaml syntax",
        "mistyped field",
        "cycle with no exit",
        "unknown source",
        "javascript url of a reference",
        "title longer than its column",
    ],
)
def test_invalid_input_leaves_the_database_exactly_as_it_was(tmp_path, case):
    load_curriculum([EXAMPLE])
    before = dump()
    text = example_text().replace("Talking before the talks", "Renamed")  # a valid change that must not land
    for old, new in CASES[case][0]:
        text = edit(text, old, new)
    problems_for(tmp_path, text)
    assert dump() == before


def test_every_schema_object_names_the_model_its_column_limits_come_from():
    # A class whose model cannot be found would silently lose its length checks.
    from django.apps import apps

    from training.curriculum import schema

    for cls in schema.Item.__subclasses__():
        if cls is not schema.Document:
            assert apps.get_model(cls.APP, cls.STORED_AS or cls.__name__), cls
    assert schema.column_limit(schema.Lesson, "title") == Lesson._meta.get_field("title").max_length
    assert schema.column_limit(schema.Objective, "text") == 500
    assert schema.column_limit(schema.Lesson, "body") is None


def test_every_url_field_of_the_schema_accepts_only_web_links():
    # A new URL field written as plain `str` would let `javascript:` links through again.
    from training.curriculum import schema

    url_fields = [
        (cls.__name__, name, field)
        for cls in schema.Item.__subclasses__()
        for name, field in cls.model_fields.items()
        if "url" in name or "link" in name
    ]
    assert {(cls, name) for cls, name, _ in url_fields} == {
        ("Source", "url"),
        ("Reference", "url"),
        ("CaseDocument", "url"),
    }
    for cls, name, field in url_fields:
        assert any(getattr(m, "func", None) is schema._url for m in field.metadata), f"{cls}.{name}"
    for bad in ("javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,x", "//evil.example/x", "/x"):
        with pytest.raises(ValueError, match="must be an http:// or https:// URL"):
            schema._url(bad)
    assert schema._url("https://example.org/a?b=c#d") == "https://example.org/a?b=c#d"
    assert schema._url("") == ""


def test_load_curriculum_refuses_a_document_with_too_many_nodes_or_too_deep(tmp_path):
    file, problems = problems_for(tmp_path, "format: 1\nsources:\n" + "  - 1\n" * 200_001)
    assert_problem(problems, file, 1, "(document)", "the document has more than 200000 YAML nodes")
    assert len(problems) == 1
    file, problems = problems_for(
        tmp_path, "format: 1\nsources: " + "[" * 101 + "]" * 101 + "\n", "deep.yaml"
    )
    assert_problem(problems, file, 2, "(document)", "nested more than 100 levels deep")
