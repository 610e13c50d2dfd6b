"""Learner pages show a content change on the very next request, whoever made it.

Pages cache what they derive from the curriculum; each way of changing it (the loader, an admin form, an admin
delete, an inline row, a bulk action, a raw `update()` followed by `bump_course_content`) must reach them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.admin_forms import change_form_data, inline_index, inline_prefix
from training import models as m
from training.curriculum.loader import load_texts
from training.versions import bump_course_content

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "example-course.yaml"
LESSON = "/lessons/example-what-is-a-back-channel/"
DRAFT_LESSON = "/lessons/example-when-channels-fail/"
QUIZ = "/quizzes/example-check/"
PATH = "/"
GLOSSARY = "/courses/example-course/glossary/"


def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


def edit(text: str, old: str, new: str) -> str:
    assert old in text, f"{old!r} not in the example"
    return text.replace(old, new, 1)


@pytest.fixture
def course():
    load_texts({"example-course.yaml": example_text()})
    return m.Course.objects.get(slug="example-course")


@pytest.fixture
def reader(client, learner, course):
    """The learner, logged in, having seen every page once (so whatever the pages cache is warm)."""
    client.force_login(learner)
    for url in (LESSON, QUIZ, PATH, GLOSSARY):
        assert client.get(url).status_code == 200, url
    return client


@pytest.fixture
def editor(superuser):
    client = Client()
    client.force_login(superuser)
    return client


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def change_url(obj) -> str:
    return reverse(f"admin:training_{obj._meta.model_name}_change", args=[obj.pk])


def post_change(editor, obj, **changes) -> None:
    form_page = editor.get(change_url(obj))
    data = change_form_data(form_page)
    data.update(changes)
    response = editor.post(change_url(obj), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors


def bulk(editor, model, action: str, *objects) -> None:
    changelist = reverse(f"admin:training_{model._meta.model_name}_changelist")
    response = editor.post(changelist, {"action": action, "_selected_action": [obj.pk for obj in objects]})
    assert response.status_code == 302


def test_a_load_of_changed_yaml_is_seen_on_every_page(reader):
    text = example_text()
    text = edit(text, "lets two sides test ideas", "lets two sides try out ideas")
    text = edit(text, "prompt: Which channel fits best?", "prompt: Which channel suits them?")
    text = edit(text, "A confidential line of communication", "A discreet line of communication")
    text = edit(text, "title: The quiet talks", "title: The lodge talks")
    text = edit(text, "title: Back channels check", "title: Back channels quiz")
    text = edit(
        text, "intro: Four questions, one of each kind.", "intro: Four questions, each a different kind."
    )
    text = edit(text, "    term: Ripeness", "    term: Ripe moment")
    (report,) = load_texts({"example-course.yaml": text})
    assert report.total("updated") >= 6

    lesson = page(reader, LESSON)
    assert "lets two sides try out ideas" in lesson  # the body
    assert "Which channel suits them?" in lesson and "Which channel fits best?" not in lesson  # a check
    assert "A discreet line of communication" in lesson  # a key term's definition
    assert "Next: The lodge talks" in lesson  # the course outline
    quiz = page(reader, QUIZ)
    assert "Back channels quiz" in quiz and "Four questions, each a different kind." in quiz
    assert "The lodge talks" in page(reader, PATH)
    glossary = page(reader, GLOSSARY)
    assert "Ripe moment" in glossary and "Ripeness" not in glossary


def test_a_dry_run_load_changes_nothing_a_learner_sees(reader):
    text = edit(example_text(), "prompt: Which channel fits best?", "prompt: Which channel suits them?")
    load_texts({"example-course.yaml": text}, dry_run=True)
    assert "Which channel fits best?" in page(reader, LESSON)


def test_an_admin_change_form_save_is_seen(reader, editor):
    lesson = m.Lesson.objects.get(slug="example-what-is-a-back-channel")
    post_change(editor, lesson, title="Back channels, defined", body="A back channel is a quiet line.")
    content = page(reader, LESSON)
    assert "Back channels, defined" in content and "A back channel is a quiet line." in content
    assert "Back channels, defined" in page(reader, PATH)

    simulation = m.Simulation.objects.get(slug="example-quiet-talks")
    post_change(editor, simulation, title="The lodge talks")
    assert "Next: The lodge talks" in page(reader, LESSON)

    quiz = m.Quiz.objects.get(slug="example-check")
    post_change(editor, quiz, title="The back-channel quiz")
    assert "The back-channel quiz" in page(reader, QUIZ)


def test_an_admin_delete_is_seen(reader, editor):
    check = m.Question.objects.get(slug="example-check-back-channel")
    assert "Which channel fits best?" in page(reader, LESSON)
    response = editor.post(reverse("admin:training_question_delete", args=[check.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not m.Question.objects.filter(pk=check.pk).exists()
    assert "Which channel fits best?" not in page(reader, LESSON)


def test_an_inline_edit_of_a_choice_is_seen_on_the_lesson(reader, editor):
    check = m.Question.objects.get(slug="example-check-back-channel")
    assert "A press conference announcing the idea." in page(reader, LESSON)
    form_page = editor.get(change_url(check))
    data = change_form_data(form_page)
    prefix = inline_prefix(form_page, "choice")
    index = inline_index(form_page, "choice", text="A press conference announcing the idea.")
    data[f"{prefix}-{index}-text"] = "A televised statement announcing the idea."
    response = editor.post(change_url(check), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    content = page(reader, LESSON)
    assert "A televised statement announcing the idea." in content
    assert "A press conference announcing the idea." not in content


def test_an_inline_reorder_of_lessons_in_a_module_is_seen_in_previous_and_next(reader, editor):
    module = m.Module.objects.get(slug="example-basics")
    bulk(editor, m.Lesson, "publish", m.Lesson.objects.get(slug="example-when-channels-fail"))
    assert "Next: When quiet channels fail" in page(reader, LESSON)

    form_page = editor.get(change_url(module))
    data = change_form_data(form_page)
    prefix = inline_prefix(form_page, "lesson")
    first = inline_index(form_page, "lesson", slug="example-what-is-a-back-channel")
    second = inline_index(form_page, "lesson", slug="example-when-channels-fail")
    data[f"{prefix}-{first}-position"], data[f"{prefix}-{second}-position"] = "1", "0"
    response = editor.post(change_url(module), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    content = page(reader, LESSON)
    assert "Previous: When quiet channels fail" in content and "Next: When quiet channels fail" not in content


def test_bulk_make_draft_and_publish_are_seen(reader, editor):
    check = m.Question.objects.get(slug="example-check-back-channel")
    bulk(editor, m.Question, "make_draft", check)
    assert m.Question.objects.get(pk=check.pk).status == m.Status.DRAFT
    assert "Which channel fits best?" not in page(reader, LESSON)

    draft = m.Lesson.objects.get(slug="example-when-channels-fail")
    assert reader.get(DRAFT_LESSON).status_code == 404
    bulk(editor, m.Lesson, "publish", draft)
    assert "When quiet channels fail" in page(reader, DRAFT_LESSON)
    assert "Next: When quiet channels fail" in page(reader, LESSON)

    bulk(editor, m.Lesson, "make_draft", draft)
    assert reader.get(DRAFT_LESSON).status_code == 404
    assert "When quiet channels fail" not in page(reader, LESSON)
    assert "When quiet channels fail" not in page(reader, PATH)


def test_a_raw_update_followed_by_a_bump_is_seen(reader, course):
    m.Lesson.objects.filter(slug="example-what-is-a-back-channel").update(
        title="Quiet lines", body="Quiet lines carry what cannot be said aloud."
    )
    m.Simulation.objects.filter(slug="example-quiet-talks").update(title="The lodge talks")
    m.GlossaryTerm.objects.filter(slug="ripeness").update(term="Readiness")
    bump_course_content([course.pk])
    content = page(reader, LESSON)
    assert "Quiet lines carry what cannot be said aloud." in content and "Next: The lodge talks" in content
    assert "Quiet lines" in page(reader, PATH)
    assert "Readiness" in page(reader, GLOSSARY)


def test_no_learner_page_reads_a_fingerprint_of_the_content_tables(reader):
    """Freshness comes from versions the writers bump, not from a query over every content table on each
    request: no query of a learner page touches even half of the content tables (the old fingerprint read all
    of them)."""
    from django.apps import apps
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tables = {
        model._meta.db_table
        for model in apps.get_app_config("training").get_models()
        if issubclass(model, m.Content)
    }
    quiz_intro = reader.get(QUIZ)
    assert quiz_intro.status_code == 200
    for url in (LESSON, QUIZ, PATH, GLOSSARY, "/progress/", "/review/"):
        with CaptureQueriesContext(connection) as queries:
            assert reader.get(url).status_code == 200, url
        for query in queries.captured_queries:
            touched = {table for table in tables if f'"{table}"' in query["sql"]}
            assert len(touched) < len(tables) // 2, (url, sorted(touched))
