"""The live preview of Markdown fields in the admin (issue 15): rendered by the app's own pipeline, refreshed by
htmx as the author types, a Preview button without JavaScript; staff only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_course, make_glossary_term, make_lesson, make_module

pytestmark = pytest.mark.django_db

PREVIEW = reverse("markdown_preview", args=["lesson"])


def test_the_preview_renders_the_text_as_a_learner_sees_it_with_the_loaders_problems(client, instructor):
    client.force_login(instructor)
    data = {"body": "## Why\n\nA **bold** start.\n\n<script>x()</script>"}
    page = client.post(PREVIEW, data).content.decode()
    assert "<h1>Preview of the lesson body</h1>" in page
    assert "<strong>bold</strong>" in page
    assert "<h2>Why</h2>" in page  # the lesson page's heading level
    assert "<script>x()" not in page
    assert "raw HTML is not allowed in Markdown: &lt;script&gt;" in page  # the loader's own message

    fragment = client.post(PREVIEW, data, HTTP_HX_REQUEST="true").content.decode()
    assert "<strong>bold</strong>" in fragment and "<html" not in fragment and "<h1>" not in fragment

    empty = client.post(PREVIEW, {"body": " "}, HTTP_HX_REQUEST="true").content.decode()
    assert "Nothing to preview yet." in empty
    assert client.post(reverse("markdown_preview", args=["nothing"]), data).status_code == 404
    assert client.get(PREVIEW).status_code == 405


def test_learners_cannot_use_the_preview(client, learner):
    client.force_login(learner)
    assert client.post(PREVIEW, {"body": "x"}).status_code in (403, 404)


def test_the_lesson_page_wires_its_body_to_the_preview(client, instructor):
    client.force_login(instructor)
    course = make_course()
    make_glossary_term(course, slug="ripeness", term="Ripeness")
    lesson = make_lesson(make_module(course))
    html = client.get(reverse("admin:training_lesson_change", args=[lesson.pk])).content.decode()
    assert f'hx-post="{PREVIEW}"' in html
    assert 'hx-trigger="input changed delay:600ms, load"' in html
    assert f'formaction="{PREVIEW}" formtarget="_blank" formnovalidate>Preview</button>' in html
    assert 'class="markdown-field"' in html
    assert "htmx" in html  # the script is loaded from our own static files
    assert "<li><code>[[ripeness]]</code> Ripeness</li>" in html  # the [[term]] helper
