"""A course's readiness page (issue 15): every problem of the loader (errors) and the strict linter
(warnings), in their words, each linked to the admin page and field that fixes it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from training.curriculum.loader import load_curriculum
from training.models import Choice, Course, Lesson, Node, Status

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "example-course.yaml"


@pytest.fixture
def course():
    load_curriculum([EXAMPLE])
    return Course.objects.get()


def _page(client, course) -> str:
    response = client.get(reverse("instructor_readiness", args=[course.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _items(html: str, heading: str) -> list[str]:
    section = re.search(rf'<h2 id="{heading}-heading">.*?</section>', html, re.S).group(0)
    return re.findall(r"<li>(.*?)</li>", section, re.S)


def test_problems_are_listed_in_the_loaders_words_with_a_link_to_the_field(client, instructor, course):
    client.force_login(instructor)
    assert _items(_page(client, course), "errors") == []
    question_choice = Choice.objects.filter(question__course=course, correct=False).first()
    Choice.objects.filter(pk=question_choice.pk).update(feedback="")
    node = Node.objects.filter(simulation__course=course, is_ending=True).first()
    Node.objects.filter(pk=node.pk).update(debrief="")

    html = _page(client, course)
    errors = _items(html, "errors")
    node_url = reverse("admin:training_node_change", args=[node.pk])
    assert any(node_url in item and "an ending needs a `debrief`" in item for item in errors)
    warnings = _items(html, "warnings")
    choice_url = reverse("admin:training_choice_change", args=[question_choice.pk])
    assert any(choice_url in item and "has no feedback" in item for item in warnings)

    # A field the format requires, emptied: the loader stops at reading the file, and so does the page.
    lesson = Lesson.objects.filter(course=course).first()
    Lesson.objects.filter(pk=lesson.pk).update(body="", status=Status.DRAFT)
    html = _page(client, course)
    lesson_url = reverse("admin:training_lesson_change", args=[lesson.pk]) + "#id_body"
    assert any(
        f'href="{lesson_url}"' in item and "must not be empty" in item for item in _items(html, "errors")
    )
    assert "must be fixed before the course can be published" in html


def test_learners_cannot_see_readiness(client, learner, course):
    client.force_login(learner)
    assert client.get(reverse("instructor_readiness", args=[course.slug])).status_code == 403
