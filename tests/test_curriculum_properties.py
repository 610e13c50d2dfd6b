"""Property tests: generated courses round-trip; corrupted files never crash the loader nor change the DB."""

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from training.curriculum.exporter import export_course
from training.curriculum.loader import load_curriculum
from training.curriculum.problems import CurriculumError
from training.models import Course

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "example-course.yaml"
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

words = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ0123456789.,;:!?'\"()-*_/&%#", min_size=1, max_size=40
)
text = st.lists(words, min_size=1, max_size=3).map(lambda parts: "\n".join(parts)).filter(lambda t: t.strip())
line = words.filter(lambda t: t.strip())


@st.composite
def questions(draw, prefix: str, count: int):
    result = []
    for index in range(count):
        kind = draw(st.sampled_from(["single", "multiple", "order", "sort"]))
        n = draw(st.integers(min_value=2, max_value=4))
        question = {
            "slug": f"{prefix}-q{index}",
            "kind": kind,
            "scenario": draw(text),
            "prompt": draw(line),
            "explanation": draw(text),
        }
        if draw(st.booleans()):
            question["status"] = "draft"
        if kind in ("single", "multiple"):
            right = draw(st.integers(min_value=0, max_value=n - 1))
            choices = [{"text": draw(line), "correct": i == right} for i in range(n)]
            if kind == "multiple":
                for choice in choices:
                    choice["correct"] = choice["correct"] or draw(st.booleans())
        elif kind == "order":
            order = draw(st.permutations(list(range(1, n + 1))))
            choices = [{"text": draw(line), "position": order[i]} for i in range(n)]
        else:
            question["categories"] = [{"key": "x", "label": draw(line)}, {"key": "y", "label": draw(line)}]
            choices = [{"text": draw(line), "category": "xy"[i % 2]} for i in range(n)]
        for choice in choices:
            if draw(st.booleans()):
                choice["feedback"] = draw(text)
        question["choices"] = choices
        result.append(question)
    return result


@st.composite
def courses(draw):
    modules = []
    for m in range(draw(st.integers(min_value=1, max_value=2))):
        lessons = [
            {
                "slug": f"gen-m{m}-l{i}",
                "title": draw(line),
                "minutes": draw(st.integers(min_value=1, max_value=120)),
                "body": draw(text),
                "checks": draw(questions(f"gen-m{m}-l{i}-check", draw(st.integers(0, 1)))),
            }
            for i in range(draw(st.integers(min_value=0, max_value=2)))
        ]
        quizzes = [
            {
                "slug": f"gen-m{m}-quiz{i}",
                "title": draw(line),
                "mode": draw(st.sampled_from(["practice", "assessment"])),
                "pass_mark": draw(st.integers(0, 100)),
                "shuffle": draw(st.booleans()),
                "questions": draw(questions(f"gen-m{m}-quiz{i}", draw(st.integers(1, 3)))),
            }
            for i in range(draw(st.integers(min_value=0, max_value=2)))
        ]
        modules.append(
            {
                "slug": f"gen-m{m}",
                "title": draw(line),
                "summary": draw(text),
                "lessons": lessons,
                "quizzes": quizzes,
            }
        )
    return {
        "format": 1,
        "course": {"slug": "gen", "title": draw(line), "summary": draw(text)},
        "modules": modules,
    }


def _dump() -> str:
    out = StringIO()
    call_command("dumpdata", "training", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@SETTINGS
@given(course=courses())
def test_generated_courses_round_trip(tmp_path, course):
    path = tmp_path / "generated.yaml"
    path.write_text(yaml.safe_dump(course, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with transaction.atomic():
        load_curriculum([path])
        first = export_course(Course.objects.get(slug="gen"))
        path.write_text(first, encoding="utf-8")
        (report,) = load_curriculum([path])
        assert report.total("created") == report.total("updated") == report.total("archived") == 0
        assert export_course(Course.objects.get(slug="gen")) == first
        transaction.set_rollback(True)


EXAMPLE_LINES = EXAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
junk = st.sampled_from(
    [
        "{",
        "}",
        "[",
        "]",
        ":",
        "- ",
        "\t",
        "&a ",
        "*a",
        "!!python/object:os.system ",
        '"',
        "'",
        "%",
        "\x00",
        "---\n",
        "? ",
    ]
)
values = st.one_of(
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.none(),
    st.just([]),
    st.just({}),
    st.just("<b>x</b>"),
    st.just("[[nope]]"),
)


@st.composite
def corruptions(draw):
    lines = list(EXAMPLE_LINES)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        index = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        how = draw(st.sampled_from(["delete", "retype", "junk", "indent"]))
        current = lines[index]
        if how == "delete":
            del lines[index]
        elif how == "retype" and ":" in current:
            key, _ = current.split(":", 1)
            value = yaml.safe_dump(draw(values), default_flow_style=True).strip().removesuffix("...").strip()
            lines[index] = f"{key}: {value}\n"
        elif how == "junk":
            at = draw(st.integers(min_value=0, max_value=len(current)))
            lines[index] = current[:at] + draw(junk) + current[at:]
        else:
            lines[index] = " " * draw(st.integers(1, 3)) + current
    return "".join(lines)


@pytest.mark.django_db
@SETTINGS
@given(corrupted=corruptions())
def test_corrupted_files_never_crash_and_never_change_the_database(tmp_path, corrupted):
    load_curriculum([EXAMPLE])
    before = _dump()
    path = tmp_path / "corrupted.yaml"
    path.write_text(corrupted, encoding="utf-8")
    with transaction.atomic():
        try:
            load_curriculum([path])
        except CurriculumError as exc:
            assert exc.problems
            assert all(problem.line >= 1 and problem.file == str(path) for problem in exc.problems)
            assert _dump() == before
        transaction.set_rollback(True)
