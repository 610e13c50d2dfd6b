"""YAML in the admin: upload → validation report or dry-run plan → confirm → load; export per course."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from training.admin.yaml_io import IMPORT_SESSION_KEY
from training.curriculum.exporter import export_course
from training.models import Course, Question

pytestmark = pytest.mark.django_db

EXAMPLE = Path("docs/examples/example-course.yaml")
IMPORT = reverse("admin:training_course_import")


@pytest.fixture
def signed_in_instructor(client, instructor):
    client.force_login(instructor)


def upload(client, name: str, text: str):
    return client.post(
        IMPORT, {"files": SimpleUploadedFile(name, text.encode(), content_type="application/yaml")}
    )


def broken_example() -> str:
    """The example course with a second correct choice in its first single-answer question."""
    text = EXAMPLE.read_text(encoding="utf-8")
    wrong = "              - text: A press conference announcing the idea.\n"
    assert wrong in text
    return text.replace(wrong, wrong + "                correct: true\n", 1)


def test_import_page_needs_an_instructor(client, learner, instructor):
    client.force_login(learner)
    assert client.get(IMPORT).status_code == 302  # to the admin login
    client.logout()
    client.force_login(instructor)
    page = client.get(IMPORT)
    assert page.status_code == 200
    assert b"Curriculum file(s)" in page.content


def test_broken_file_shows_line_numbered_errors_and_loads_nothing(client, signed_in_instructor):
    text = broken_example()
    response = upload(client, "my-course.yaml", text)
    assert response.status_code == 400
    problems = response.context["problems"]
    assert problems
    (problem,) = problems
    assert problem.file == "my-course.yaml"
    # The question's line in the file (the problem is about the question, not one choice).
    question_line = text.splitlines().index("          - slug: example-check-back-channel") + 1
    assert problem.line == question_line
    content = response.content.decode()
    assert f"my-course.yaml:{problem.line}" in content
    assert "a single-answer question needs exactly one correct choice (found 2)" in content
    assert "/tmp" not in content and "curriculum-upload" not in content
    assert Course.objects.count() == 0
    assert IMPORT_SESSION_KEY not in client.session


def test_yaml_syntax_error_names_the_line(client, signed_in_instructor):
    response = upload(client, "bad.yaml", "format: 1\ncourse:\n  slug: x\n  title: [unclosed\n")
    assert response.status_code == 400
    (problem,) = response.context["problems"]
    assert problem.file == "bad.yaml" and problem.line >= 4
    assert "YAML syntax error" in problem.message


def test_valid_file_shows_the_plan_then_loads_on_confirm(client, signed_in_instructor):
    text = EXAMPLE.read_text(encoding="utf-8")
    preview = upload(client, "example.yaml", text)
    assert preview.status_code == 200
    (report,) = preview.context["reports"]
    assert report.total("created") > 0
    assert Course.objects.count() == 0  # a dry run
    token = preview.context["token"]
    assert b"Load this curriculum" in preview.content
    done = client.post(IMPORT, {"confirm": "1", "token": token})
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:training_course_changelist")
    assert Course.objects.count() == 1
    assert IMPORT_SESSION_KEY not in client.session
    # Same result as the command on the same file: loading it again changes nothing.
    call_command("load_curriculum", str(EXAMPLE), stdout=open("/dev/null", "w"))  # noqa: SIM115
    course = Course.objects.get()
    assert export_course(course) == export_course(course)


def test_confirm_without_a_waiting_preview_loads_nothing(client, signed_in_instructor):
    response = client.post(IMPORT, {"confirm": "1", "token": "forged"}, follow=True)
    assert "no longer waiting" in response.content.decode()
    assert Course.objects.count() == 0


def test_confirm_loads_what_was_previewed_not_a_new_file(client, signed_in_instructor):
    preview = upload(client, "example.yaml", EXAMPLE.read_text(encoding="utf-8"))
    token = preview.context["token"]
    # A re-posted file beside the confirmation is ignored: the previewed text comes from the session.
    text = broken_example()
    client.post(
        IMPORT, {"confirm": "1", "token": token, "files": SimpleUploadedFile("x.yaml", text.encode())}
    )
    assert Course.objects.count() == 1


def test_non_yaml_and_non_utf8_uploads_are_refused(client, signed_in_instructor):
    response = upload(client, "notes.txt", "hello")
    assert response.status_code == 400
    assert "choose .yaml files" in response.content.decode()
    response = client.post(IMPORT, {"files": SimpleUploadedFile("latin.yaml", "caf\xe9".encode("latin-1"))})
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()


def test_several_files_of_one_course_load_together(client, signed_in_instructor):
    folder = Path("fixtures/diplomacy-tracks")
    files = [SimpleUploadedFile(p.name, p.read_bytes()) for p in sorted(folder.glob("*.yaml"))]
    preview = client.post(IMPORT, {"files": files})
    assert preview.status_code == 200, preview.context.get("problems")
    client.post(IMPORT, {"confirm": "1", "token": preview.context["token"]})
    assert Course.objects.filter(slug="diplomacy-tracks").exists()


def test_export_downloads_the_course_yaml(client, signed_in_instructor):
    call_command("load_curriculum", str(EXAMPLE), stdout=open("/dev/null", "w"))  # noqa: SIM115
    course = Course.objects.get()
    response = client.get(reverse("admin:training_course_export", args=[course.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{course.slug}.yaml"'
    assert response.content.decode() == export_course(course)
    # The course page links to it.
    page = client.get(reverse("admin:training_course_change", args=[course.pk]))
    assert reverse("admin:training_course_export", args=[course.pk]).encode() in page.content


def test_edited_export_uploaded_again_applies_the_change(client, signed_in_instructor):
    call_command("load_curriculum", str(EXAMPLE), stdout=open("/dev/null", "w"))  # noqa: SIM115
    course = Course.objects.get()
    question = Question.objects.filter(course=course).first()
    text = export_course(course).replace(question.prompt, "An edited prompt?", 1)
    preview = upload(client, f"{course.slug}.yaml", text)
    assert preview.status_code == 200
    assert preview.context["reports"][0].counts["questions"].updated == 1
    client.post(IMPORT, {"confirm": "1", "token": preview.context["token"]})
    question.refresh_from_db()
    assert question.prompt == "An edited prompt?"


def test_an_upload_over_the_cap_is_refused_before_it_is_read(client, signed_in_instructor, settings):
    assert settings.CURRICULUM_UPLOAD_MAX_BYTES == 1024 * 1024  # the default
    text = EXAMPLE.read_text(encoding="utf-8")
    big = text + "# " + "x" * (1024 * 1024) + "\n"
    response = upload(client, "big.yaml", big)
    assert response.status_code == 400
    assert "The upload is too large (1 MB at most)." in response.content.decode()
    assert not Course.objects.exists()
    settings.CURRICULUM_UPLOAD_MAX_BYTES = 2000
    response = upload(client, "course.yaml", text)
    assert response.status_code == 400
    assert "The upload is too large (2000 bytes at most)." in response.content.decode()
    assert IMPORT_SESSION_KEY not in client.session


def test_a_document_with_too_many_nodes_is_refused_with_a_message(client, signed_in_instructor):
    # 250,000 one-character list items: under 1 MB of text, but each one a YAML node to build and walk.
    text = "format: 1\nsources: [" + ",".join(["1"] * 250_000) + "]\n"
    assert len(text.encode()) < 1024 * 1024
    response = upload(client, "many.yaml", text)
    assert response.status_code == 400
    assert "the document has more than 200000 YAML nodes" in response.content.decode()
    assert not Course.objects.exists()


def test_a_document_nested_too_deeply_is_refused_with_a_message(client, signed_in_instructor):
    text = "format: 1\nsources: " + "[" * 150 + "]" * 150 + "\n"
    response = upload(client, "deep.yaml", text)
    assert response.status_code == 400
    assert "nested more than 100 levels deep" in response.content.decode()
    assert not Course.objects.exists()


def edited_example() -> str:
    """The example course with one lesson changed (minutes, title, a track linked), a choice removed and
    a glossary term added."""
    text = EXAMPLE.read_text(encoding="utf-8")
    edits = [
        (
            "        title: When quiet channels fail\n        minutes: 4\n",
            "        title: When quiet channels break\n        minutes: 6\n        tracks: [example-official]\n",
        ),
        (
            "              - text: A serving foreign minister, on the record.\n"
            "                feedback: A serving minister on the record makes it official.\n",
            "",
        ),
        (
            "\nmodules:\n",
            "  - slug: track-two\n    term: Track two\n    definition: Unofficial dialogue.\n\nmodules:\n",
        ),
    ]
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    return text


def test_the_import_preview_lists_each_added_changed_and_archived_object_and_writes_nothing(
    client, signed_in_instructor
):
    call_command("load_curriculum", str(EXAMPLE), stdout=open("/dev/null", "w"))  # noqa: SIM115
    course = Course.objects.get()
    before = export_course(course)
    preview = upload(client, "example.yaml", edited_example())
    assert preview.status_code == 200
    (report,) = preview.context["reports"]
    changed = {
        (c.kind, c.name): [(f.field, f.old, f.new) for f in c.fields] for c in report.changes_of_updated
    }
    assert changed == {
        (
            "lessons",
            "example-when-channels-fail",
        ): [
            ("title", "When quiet channels fail", "When quiet channels break"),
            ("minutes", "4", "6"),
            ("tracks", "(none)", "example-official"),
        ]
    }
    added = {(c.kind, c.name) for c in report.changes_of_created}
    assert added == {("glossary terms", "track-two")}
    archived = {(c.kind, c.name) for c in report.changes_of_archived}
    assert archived == {("choices", "example-q-multiple / c")}
    # The page shows each row: the kind, the object, the field with its old and new value.
    content = preview.content.decode()
    assert "Changed: 1 object" in content
    assert (
        '<td class="diff-old">When quiet channels fail</td><td class="diff-new">When quiet channels break</td>'
        in content
    )
    assert '<code>minutes</code></td><td class="diff-old">4</td><td class="diff-new">6</td>' in content
    assert "Added: 1 object" in content and "Glossary terms <code>track-two</code>" in content
    assert "Archived: 1 object" in content and "Choices <code>example-q-multiple / c</code>" in content
    # Nothing is written before the confirmation.
    assert export_course(Course.objects.get()) == before
    client.post(IMPORT, {"confirm": "1", "token": preview.context["token"]})
    after = export_course(Course.objects.get())
    assert "title: When quiet channels break" in after and "slug: track-two" in after
    assert "A serving foreign minister" not in after


def test_the_diff_truncates_long_values():
    from training.curriculum.loader import SHOWN_LENGTH, shown_value

    shown = shown_value("word " * 100)
    assert len(shown) == SHOWN_LENGTH and shown.endswith("…")
    assert shown_value("two\nlines") == "two lines"
    assert shown_value({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'
    assert shown_value("") == "(empty)"


def test_an_upload_identical_to_the_course_says_nothing_changes(client, signed_in_instructor):
    call_command("load_curriculum", str(EXAMPLE), stdout=open("/dev/null", "w"))  # noqa: SIM115
    preview = upload(client, "example.yaml", EXAMPLE.read_text(encoding="utf-8"))
    assert preview.status_code == 200
    assert preview.context["reports"][0].changes == []
    assert "Nothing: the file matches the course as it is." in preview.content.decode()
