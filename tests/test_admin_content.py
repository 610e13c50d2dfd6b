"""The content admin: instructors edit the curriculum; every save passes the loader's validator."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.admin_forms import change_form_data, inline_index, inline_prefix
from tests.factories import make_course, make_lesson, make_module, make_question, make_quiz, make_simulation
from training import models as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in_instructor(client, instructor):
    client.force_login(instructor)
    return instructor


@pytest.fixture
def quiz():
    course = make_course(slug="small-course")
    module = make_module(course)
    return make_quiz(module, slug="small-quiz")


def change_url(obj) -> str:
    return reverse(f"admin:training_{obj._meta.model_name}_change", args=[obj.pk])


def test_instructor_edits_a_choice_feedback_through_the_question_page(client, signed_in_instructor, quiz):
    question = make_question(quiz)
    page = client.get(change_url(question))
    assert page.status_code == 200
    data = change_form_data(page)
    prefix = inline_prefix(page, "choice")
    index = inline_index(page, "choice", key="b")
    data[f"{prefix}-{index}-feedback"] = "Pushing now hardens positions; see the section on sequencing."
    response = client.post(change_url(question), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    choice = question.choices.get(key="b")
    assert choice.feedback == "Pushing now hardens positions; see the section on sequencing."


def test_second_correct_choice_on_a_single_question_is_refused_with_the_loader_message(
    client, signed_in_instructor, quiz
):
    question = make_question(quiz)
    page = client.get(change_url(question))
    data = change_form_data(page)
    prefix = inline_prefix(page, "choice")
    data[f"{prefix}-{inline_index(page, 'choice', key='b')}-correct"] = "on"
    data[f"{prefix}-{inline_index(page, 'choice', key='a')}-feedback"] = "Changed too."
    response = client.post(change_url(question), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert any("a single-answer question needs exactly one correct choice (found 2)" in e for e in errors)
    assert any("Not saved" in e for e in errors)
    content = response.content.decode()
    assert "a single-answer question needs exactly one correct choice (found 2)" in content
    # Nothing was written: neither the second correct choice nor the other change in the same form.
    assert list(question.choices.filter(correct=True).values_list("key", flat=True)) == ["a"]
    assert question.choices.get(key="a").feedback == "Because."


def test_invalid_slug_is_refused_on_the_slug_field(client, signed_in_instructor, quiz):
    question = make_question(quiz, slug="good-slug")
    page = client.get(change_url(question))
    data = change_form_data(page)
    data["slug"] = "Bad_Slug"
    response = client.post(change_url(question), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "'Bad_Slug' is not a slug (lowercase letters, digits and single hyphens)" in form.errors["slug"]
    question.refresh_from_db()
    assert question.slug == "good-slug"


def test_problem_about_an_inline_row_is_shown_on_that_row(client, signed_in_instructor, quiz):
    question = make_question(quiz, kind="order")
    page = client.get(change_url(question))
    data = change_form_data(page)
    prefix = inline_prefix(page, "choice")
    index = inline_index(page, "choice", key="c")
    data[f"{prefix}-{index}-correct_position"] = "1"  # two steps in first place
    response = client.post(change_url(question), data)
    assert response.status_code == 200
    formset = next(i.formset for i in response.context["inline_admin_formsets"] if i.formset.prefix == prefix)
    assert formset.forms[index].errors["correct_position"] == ["position 1 is given twice (also choice `a`)"]
    assert question.choices.get(key="c").correct_position == 3


def test_markdown_problems_in_feedback_are_refused(client, signed_in_instructor, quiz):
    question = make_question(quiz)
    page = client.get(change_url(question))
    data = change_form_data(page)
    prefix = inline_prefix(page, "choice")
    index = inline_index(page, "choice", key="b")
    data[f"{prefix}-{index}-feedback"] = "See [[no-such-term]]."
    response = client.post(change_url(question), data)
    assert response.status_code == 200
    formset = next(i.formset for i in response.context["inline_admin_formsets"] if i.formset.prefix == prefix)
    assert formset.forms[index].errors["feedback"] == ["unknown glossary term [[no-such-term]]"]


def test_meter_start_outside_its_range_is_refused_in_the_simulation_inline(
    client, signed_in_instructor, quiz
):
    simulation = make_simulation(quiz.module)
    page = client.get(change_url(simulation))
    data = change_form_data(page)
    prefix = inline_prefix(page, "meter")
    index = inline_index(page, "meter", key="trust")
    data[f"{prefix}-{index}-start"] = "150"
    response = client.post(change_url(simulation), data)
    assert response.status_code == 200
    formset = next(i.formset for i in response.context["inline_admin_formsets"] if i.formset.prefix == prefix)
    assert formset.forms[index].errors["start"] == ["`start` (150) must be between min (0) and max (100)"]
    assert simulation.meters.get(key="trust").start == 40


def test_node_page_edits_options_inline(client, signed_in_instructor, quiz):
    simulation = make_simulation(quiz.module)
    start = simulation.nodes.get(key="start")
    page = client.get(change_url(start))
    data = change_form_data(page)
    prefix = inline_prefix(page, "option")
    data[f"{prefix}-{inline_index(page, 'option', key='a')}-text"] = "Listen to both sides first."
    response = client.post(change_url(start), data)
    assert response.status_code == 302
    assert start.options.get(key="a").text == "Listen to both sides first."
    # The simulation page links each node to its own page (nested editing).
    assert change_url(start) in client.get(change_url(simulation)).content.decode()


def test_deleting_the_only_correct_choice_is_refused(client, signed_in_instructor, quiz):
    question = make_question(quiz)
    right = question.choices.get(key="a")
    url = reverse("admin:training_choice_delete", args=[right.pk])
    response = client.post(url, {"post": "yes"}, follow=True)
    assert m.Choice.objects.filter(pk=right.pk).exists()
    text = response.content.decode()
    assert "Not deleted" in text
    assert "a single-answer question needs exactly one correct choice (found 0)" in text


def test_positions_are_editable_in_the_list(client, signed_in_instructor, quiz):
    first = make_question(quiz, prompt="First?")
    second = make_question(quiz, prompt="Second?")
    url = reverse("admin:training_question_changelist")
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": str(first.pk),
        "form-0-position": "5",
        "form-1-id": str(second.pk),
        "form-1-position": "1",
        "_save": "Save",
    }
    response = client.post(url + "?o=1", data)
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.position, second.position) == (5, 1)


def test_draft_and_publish_actions(client, signed_in_instructor, quiz):
    question = make_question(quiz)
    url = reverse("admin:training_quiz_changelist")
    client.post(url, {"action": "make_draft", "_selected_action": [quiz.pk]})
    quiz.refresh_from_db()
    assert quiz.status == m.Status.DRAFT
    client.post(url, {"action": "publish", "_selected_action": [quiz.pk]})
    quiz.refresh_from_db()
    assert quiz.status == m.Status.PUBLISHED
    # Archiving the only question would leave an empty quiz, which the loader rejects.
    response = client.post(
        reverse("admin:training_question_changelist"),
        {"action": "archive", "_selected_action": [question.pk]},
        follow=True,
    )
    question.refresh_from_db()
    assert not question.archived
    assert "Nothing changed" in response.content.decode()


def test_course_cannot_be_added_in_the_admin_only_imported(client, signed_in_instructor):
    assert client.get(reverse("admin:training_course_add")).status_code == 403
    page = client.get(reverse("admin:training_course_changelist"))
    assert reverse("admin:training_course_import") in page.content.decode()


def test_every_admin_page_of_the_shipped_course_renders(client, signed_in_instructor):
    call_command("load_curriculum", "fixtures/diplomacy-tracks", stdout=None)
    for model in (
        m.Course,
        m.Module,
        m.Lesson,
        m.Quiz,
        m.Question,
        m.Simulation,
        m.Node,
        m.Track,
        m.GlossaryTerm,
        m.Source,
        m.Reference,
        m.LearningObjective,
        m.Choice,
        m.Option,
        m.Meter,
        m.Category,
        m.Citation,
        m.SourceSection,
    ):
        name = model._meta.model_name
        assert client.get(reverse(f"admin:training_{name}_changelist")).status_code == 200, name
        obj = model.objects.first()
        assert client.get(change_url(obj)).status_code == 200, name
    # Search and filters work.
    response = client.get(reverse("admin:training_question_changelist"), {"q": "ministry", "kind": "single"})
    assert response.status_code == 200


def test_unchanged_save_of_a_shipped_question_passes_validation(client, signed_in_instructor):
    call_command("load_curriculum", "fixtures/diplomacy-tracks", stdout=None)
    question = m.Question.objects.filter(kind="sort", archived=False).first()
    page = client.get(change_url(question))
    response = client.post(change_url(question), change_form_data(page))
    assert response.status_code == 302


def test_view_on_site_links_to_the_learner_page(client, signed_in_instructor, quiz):
    question = make_question(quiz)
    response = client.get(change_url(question))
    assert f'href="{quiz.get_absolute_url()}"' in response.content.decode()
    lesson_page = client.get(change_url(make_lesson(quiz.module, slug="a-lesson")))
    assert "/admin/r/" in lesson_page.content.decode()  # Django's view-on-site redirect to /lessons/a-lesson/
