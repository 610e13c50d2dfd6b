"""Every kind creatable in the admin in one pass (issue 15): a question's categories and choices on one form,
keys and positions filled in, a sort item naming its category from the same form; new content starts as a
draft."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.admin_forms import change_form_data
from tests.factories import make_course, make_module, make_question, make_quiz
from training import models as m

pytestmark = pytest.mark.django_db

ADD = reverse("admin:training_question_add")


@pytest.fixture
def quiz(client, instructor):
    client.force_login(instructor)
    quiz = make_quiz(make_module(make_course(slug="new-course")), slug="new-quiz")
    make_question(quiz, slug="already-there")
    return quiz


def _new_question(client, quiz, kind: str, slug: str, choices: list[dict], categories=()) -> dict:
    page = client.get(ADD)
    assert page.status_code == 200
    data = change_form_data(page)
    assert data["status"] == "draft"  # draft first
    for name in ("tracks", "objectives"):  # a browser sends nothing for an empty multiple select
        data.pop(name, None)
    data.update(
        quiz=str(quiz.pk),
        slug=slug,
        kind=kind,
        status="published",
        scenario="Two delegations meet after a ceasefire.",
        prompt="Which move comes first?",
        explanation="Because trust is built before terms.",
    )
    for name in ("categories", "choices"):
        rows = categories if name == "categories" else choices
        data[f"{name}-TOTAL_FORMS"] = str(len(rows))
        for index, row in enumerate(rows):
            for field, value in row.items():
                data[f"{name}-{index}-{field}"] = value
    return data


def test_a_sort_question_with_its_categories_and_items_is_created_in_one_pass(client, quiz):
    data = _new_question(
        client,
        quiz,
        "sort",
        "sort-in-one-pass",
        choices=[
            {"text": "Official talks between ministers", "category_key": "Track I", "feedback": "Officials."},
            {
                "text": "A workshop of retired officials",
                "category_key": "track-ii",
                "feedback": "Unofficial.",
            },
            {"text": "A summit communiqué", "category_key": "track-i", "feedback": "Official again."},
        ],
        categories=[{"label": "Track I"}, {"label": "Track II"}],
    )
    response = client.post(ADD, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    question = m.Question.objects.get(slug="sort-in-one-pass")
    assert question.status == m.Status.PUBLISHED
    assert question.course_id == quiz.course_id
    assert [(c.key, c.label, c.position) for c in question.categories.order_by("position")] == [
        ("track-i", "Track I", 0),
        ("track-ii", "Track II", 1),
    ]
    assert [(c.key, c.position, c.category.key) for c in question.choices.order_by("position")] == [
        ("a", 0, "track-i"),
        ("b", 1, "track-ii"),
        ("c", 2, "track-i"),
    ]
    # The page shows each item's category by key when it is opened again.
    page = client.get(reverse("admin:training_question_change", args=[question.pk]))
    assert 'name="choices-1-category_key" value="track-ii"' in page.content.decode()


def test_a_single_question_saves_without_choice_keys_or_positions(client, quiz):
    data = _new_question(
        client,
        quiz,
        "single",
        "single-no-keys",
        choices=[
            {"text": "Listen first", "correct": "on", "feedback": "Yes."},
            {"text": "Table demands", "feedback": "Too early."},
        ],
    )
    response = client.post(ADD, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    question = m.Question.objects.get(slug="single-no-keys")
    assert [(c.key, c.position, c.correct) for c in question.choices.order_by("position")] == [
        ("a", 0, True),
        ("b", 1, False),
    ]


def test_an_unknown_category_is_refused_on_its_field_and_nothing_is_saved(client, quiz):
    data = _new_question(
        client,
        quiz,
        "sort",
        "sort-typo",
        choices=[{"text": "Official talks", "category_key": "Track 3", "feedback": "."}],
        categories=[{"label": "Track I"}],
    )
    response = client.post(ADD, data)
    assert response.status_code == 200
    assert "unknown category `Track 3` (categories: `track-i`)" in response.content.decode()
    assert not m.Question.objects.filter(slug="sort-typo").exists()
