"""Loading, reloading, archiving, exporting and linting curriculum files, through the real database."""

import importlib.util
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from training.curriculum.exporter import export_course
from training.curriculum.loader import load_curriculum
from training.models import Choice, Citation, Course, Lesson, Node, Option, Question, Quiz, Simulation, Track

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "example-course.yaml"

_spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load_curriculum.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

# A second, unrelated course: nothing in the code may be specific to one course.
NEGOTIATION = """\
format: 1
course:
  slug: negotiation-basics
  title: Negotiation basics
  summary: Interests, positions and walking away.
modules:
  - slug: interests
    title: Interests before positions
    summary: Why people want what they ask for.
    objectives:
      - slug: tell-interest-from-position
        text: Tell an interest from a position.
    lessons:
      - slug: interests-and-positions
        title: Interests and positions
        minutes: 6
        objectives: [tell-interest-from-position]
        body: A position is what you ask for; an interest is why.
        citations:
          - reference: getting-to-yes
            locator: ch. 3
    quizzes:
      - slug: interests-quiz
        title: Interests quiz
        questions:
          - slug: orange-dispute
            kind: single
            scenario: Two cooks both demand the only orange.
            prompt: What do you ask first?
            explanation: Asking why reveals that one needs the peel and the other the juice.
            citations:
              - reference: getting-to-yes
            choices:
              - text: Why do you need it?
                correct: true
                feedback: It uncovers the interests.
              - text: Who asked first?
                feedback: That argues about positions.
references:
  - slug: getting-to-yes
    title: Getting to Yes
    author: Fisher and Ury
    year: 1981
"""


def write(tmp_path: Path, text: str, name: str = "course.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def dump() -> str:
    out = StringIO()
    call_command("dumpdata", "training", stdout=out)
    return out.getvalue()


def run(command: str, *args) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.django_db
def test_example_course_loads_with_every_feature():
    (report,) = load_curriculum([EXAMPLE])
    assert report.course == "example-course"
    assert report.total("updated") == report.total("archived") == 0
    course = Course.objects.get(slug="example-course")
    assert course.final_quiz.slug == "example-check"
    assert set(Question.objects.values_list("kind", flat=True)) == {"single", "multiple", "order", "sort"}
    check = Question.objects.get(slug="example-check-back-channel")
    assert check.lesson.slug == "example-what-is-a-back-channel" and check.quiz is None
    assert list(check.choices.values_list("key", "correct")) == [("a", True), ("b", False)]
    order = Question.objects.get(slug="example-q-order")
    assert list(order.choices.in_order().values_list("correct_position", flat=True)) == [1, 2, 3]
    sort = Question.objects.get(slug="example-q-sort")
    assert [c.category.key for c in sort.choices.in_order()] == ["official", "unofficial"]
    lesson = Lesson.objects.get(slug="example-what-is-a-back-channel")
    assert [t.slug for t in lesson.key_terms.all()] == ["back-channel"]
    assert [str(c) for c in lesson.citations.in_order()] == [
        "Why quiet contacts matter, ¶1",
        "Handbook of Dialogue Processes, p. 12",
    ]
    assert Lesson.objects.get(slug="example-when-channels-fail").status == "draft"
    simulation = Simulation.objects.get(slug="example-quiet-talks")
    assert simulation.start_node.key == "arrival"
    draft = Option.objects.get(node__simulation=simulation, key="draft")
    assert (draft.guard, draft.effects, draft.next_node.key, draft.recommended) == (
        "trust >= 50 and not (secrecy < 30)",
        {"trust": 10},
        "framework",
        True,
    )
    assert Node.objects.get(simulation=simulation, key="leak").outcome == "failure"
    quiz = Quiz.objects.get(slug="example-check")
    assert (quiz.mode, quiz.pass_mark, quiz.attempts_allowed, quiz.shuffle) == ("assessment", 75, 3, True)
    assert Lesson.objects.published().count() == 1


@pytest.mark.django_db
def test_example_course_lints_clean_in_strict_mode():
    output = run("lint_curriculum", "--strict", str(EXAMPLE))
    assert "source coverage (example-briefing): 3/3 paragraphs cited" in output
    assert "0 warning(s)" in output


@pytest.mark.django_db
def test_second_course_loads_side_by_side(tmp_path):
    load_curriculum([EXAMPLE])
    load_curriculum([write(tmp_path, NEGOTIATION)])
    assert set(Course.objects.values_list("slug", flat=True)) == {"example-course", "negotiation-basics"}
    assert Question.objects.get(slug="orange-dispute").course.slug == "negotiation-basics"
    # Reloading one course leaves the other untouched (nothing archived across courses).
    (report,) = load_curriculum([EXAMPLE])
    assert report.total("archived") == 0
    assert not Lesson.objects.filter(archived=True).exists()
    assert export_course(Course.objects.get(slug="negotiation-basics")).count("slug: orange-dispute") == 1


@pytest.mark.django_db
def test_loading_the_same_files_twice_changes_nothing(tmp_path):
    load_curriculum([EXAMPLE, write(tmp_path, NEGOTIATION)])
    before = dump()
    reports = load_curriculum([EXAMPLE, write(tmp_path, NEGOTIATION)])
    for report in reports:
        assert report.total("created") == report.total("updated") == report.total("archived") == 0
        assert report.total("unchanged") > 0
    assert dump() == before
    output = run("load_curriculum", str(EXAMPLE))
    assert "choices          0 created, 0 updated, 0 archived, 12 unchanged" in output


@pytest.mark.django_db
def test_export_round_trip_is_byte_identical(tmp_path):
    for source in (EXAMPLE, write(tmp_path, NEGOTIATION, "negotiation.yaml")):
        (report,) = load_curriculum([source])
        first = export_course(Course.objects.get(slug=report.course))
        (again,) = load_curriculum([write(tmp_path, first, "exported.yaml")])
        assert again.total("created") == again.total("updated") == 0
        assert export_course(Course.objects.get(slug=report.course)) == first
    # The export of the example keeps what was authored (defaults omitted, block scalars for paragraphs).
    exported = export_course(Course.objects.get(slug="example-course"))
    assert (
        yaml.safe_load(exported)["modules"][0]["lessons"][0]["body"]
        == yaml.safe_load(EXAMPLE.read_text())["modules"][0]["lessons"][0]["body"]
    )
    assert "body: |" in exported
    assert "status: published" not in exported and "pass_mark: 70" not in exported


@pytest.mark.django_db
def test_export_command_writes_a_file_and_refuses_unknown_courses(tmp_path):
    load_curriculum([EXAMPLE])
    target = tmp_path / "out.yaml"
    assert "Wrote course example-course" in run("export_curriculum", "example-course", "-o", str(target))
    assert target.read_text(encoding="utf-8") == export_course(Course.objects.get(slug="example-course"))
    with pytest.raises(CommandError) as exc:
        run("export_curriculum", "no-such-course")
    assert exc.value.returncode == 2


@pytest.mark.django_db
def test_removed_content_is_archived_not_deleted_and_comes_back(tmp_path):
    load_curriculum([EXAMPLE])
    counts = {model: model.objects.count() for model in (Question, Choice, Lesson, Node, Option, Citation)}
    text = EXAMPLE.read_text(encoding="utf-8")
    # Drop the second lesson, one choice of a question and one option of a node.
    start = text.index("      - slug: example-when-channels-fail")
    end = text.index("    quizzes:")
    smaller = text[:start] + text[end:]
    smaller = smaller.replace(
        "              - text: A serving foreign minister, on the record.\n"
        "                feedback: A serving minister on the record makes it official.\n",
        "",
    )
    (report,) = load_curriculum([write(tmp_path, smaller)])
    assert report.counts["lessons"].archived == 1
    assert report.counts["choices"].archived == 1
    assert report.counts["citations"].archived == 1
    assert {model: model.objects.count() for model in counts} == counts  # nothing deleted
    gone = Lesson.objects.get(slug="example-when-channels-fail")
    assert (gone.archived, gone.status) == (True, "draft")
    assert Choice.objects.get(question__slug="example-q-multiple", key="c").archived
    assert not Lesson.objects.published().filter(slug="example-when-channels-fail").exists()
    assert "example-when-channels-fail" not in export_course(Course.objects.get(slug="example-course"))

    (report,) = load_curriculum([EXAMPLE])
    assert report.counts["lessons"].updated == 1
    restored = Lesson.objects.get(slug="example-when-channels-fail")
    assert (restored.archived, restored.status) == (False, "draft")  # draft, as the file says
    assert not Choice.objects.filter(archived=True).exists()


@pytest.mark.django_db
def test_an_edit_is_counted_as_one_update(tmp_path):
    load_curriculum([EXAMPLE])
    text = (
        EXAMPLE.read_text(encoding="utf-8")
        .replace("minutes: 5", "minutes: 7")
        .replace(
            "tracks: [example-official, example-unofficial]\n"
            "        objectives: [example-define-back-channel]",
            "tracks: [example-official]\n        objectives: [example-define-back-channel]",
        )
    )
    (report,) = load_curriculum([write(tmp_path, text)])
    assert report.counts["lessons"].updated == 1
    assert report.total("updated") == 1
    assert report.total("created") == 0
    lesson = Lesson.objects.get(slug="example-what-is-a-back-channel")
    assert (lesson.minutes, [t.slug for t in lesson.tracks.all()]) == (7, ["example-official"])


@pytest.mark.django_db
def test_dry_run_prints_the_plan_and_writes_nothing():
    before = dump()
    output = run("load_curriculum", "--dry-run", str(EXAMPLE))
    assert "Would load course example-course:" in output
    assert "questions        5 created" in output
    assert "Dry run: nothing was written." in output
    assert dump() == before
    assert not Track.objects.exists()


@pytest.mark.django_db
def test_command_exit_codes(tmp_path):
    with pytest.raises(CommandError) as exc:
        run("load_curriculum", str(tmp_path / "missing.yaml"))
    assert exc.value.returncode == 2
    with pytest.raises(CommandError) as exc:
        run("lint_curriculum", str(tmp_path / "missing"))
    assert exc.value.returncode == 2
    bad = write(tmp_path, EXAMPLE.read_text(encoding="utf-8").replace("minutes: 5", "minuts: 5"))
    err = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("load_curriculum", str(bad), stdout=StringIO(), stderr=err)
    assert exc.value.returncode == 1
    assert f"{bad}:" in err.getvalue() and "did you mean `minutes`?" in err.getvalue()
    assert "nothing was loaded" in str(exc.value)
    assert not Course.objects.exists()


@pytest.mark.django_db
def test_lint_warns_and_strict_fails(tmp_path):
    text = (
        EXAMPLE.read_text(encoding="utf-8")
        .replace("                feedback: Going public first removes the room to retreat.\n", "")
        .replace("        key_terms: [back-channel]\n", "")
        .replace("A [[back-channel]] lets", "A back channel lets")
        .replace(
            "          - source: example-briefing\n            section: Risks\n            paragraph: 1\n",
            "          - reference: example-handbook\n",
        )
    )
    path = write(tmp_path, text)
    output = run("lint_curriculum", str(path))
    assert "choice `b` of question `example-check-back-channel` has no feedback" in output
    assert "glossary term `back-channel` is never used" in output
    assert "source coverage (example-briefing): 2/3 paragraphs cited" in output
    assert "uncited: Risks ¶1" in output
    with pytest.raises(CommandError) as exc:
        run("lint_curriculum", "--strict", str(path))
    assert exc.value.returncode == 1


@pytest.mark.django_db
def test_lint_warns_about_missing_citations_and_objectives(tmp_path):
    text = NEGOTIATION.replace("        objectives: [tell-interest-from-position]\n", "").replace(
        "            citations:\n              - reference: getting-to-yes\n", ""
    )
    output = run("lint_curriculum", str(write(tmp_path, text)))
    assert "lesson `interests-and-positions` has no objectives" in output
    assert "question `orange-dispute` has no citation" in output


def _queries_for(size: int, tmp_path: Path) -> int:
    path = bench.write_course(bench.synthetic_course(size, slug=f"size{size}"), tmp_path)
    with CaptureQueriesContext(connection) as ctx:
        load_curriculum([path])
    return len(ctx)


@pytest.mark.django_db
def test_queries_stay_bounded_as_the_course_grows(tmp_path):
    small = _queries_for(8, tmp_path)
    large = _queries_for(60, tmp_path)
    # Bulk writes: more rows only add insert batches (a few hundred rows each), never a query per object.
    assert large <= small + 10, (small, large)
    assert small < 80
