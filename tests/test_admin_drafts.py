"""Draft first, validate to publish (issue 15): the admin saves incomplete drafts, refuses to publish content
with problems (in the loader's words), lists them on the object's page and the course's readiness page, and
the export leaves incomplete drafts out so that the file always loads."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.admin_forms import change_form_data, inline_index, inline_prefix
from tests.factories import make_course, make_module, make_question, make_quiz
from training import models as m
from training.curriculum.exporter import export_course
from training.curriculum.loader import load_texts
from training.curriculum.problems import CurriculumError
from training.publishing import publishable_export

pytestmark = pytest.mark.django_db

TWO_CORRECT = "a single-answer question needs exactly one correct choice (found 2)"


@pytest.fixture
def quiz(client, instructor):
    client.force_login(instructor)
    module = make_module(make_course(slug="draft-course"))
    return make_quiz(module, slug="draft-quiz")


def change_url(obj) -> str:
    return reverse(f"admin:training_{obj._meta.model_name}_change", args=[obj.pk])


def _second_correct(client, question, status: str):
    page = client.get(change_url(question))
    data = change_form_data(page)
    data["status"] = status
    prefix = inline_prefix(page, "choice")
    data[f"{prefix}-{inline_index(page, 'choice', key='b')}-correct"] = "on"
    return client.post(change_url(question), data)


def _readiness_errors(client, course) -> list[str]:
    html = client.get(reverse("instructor_readiness", args=[course.slug])).content.decode()
    section = re.search(r'<h2 id="errors-heading">.*?</section>', html, re.S).group(0)
    return re.findall(r"<li>(.*?)</li>", section, re.S)


def test_a_draft_with_problems_saves_but_cannot_be_published_until_fixed(client, quiz):
    make_question(quiz, slug="fine")  # a published quiz needs a published question
    question = make_question(quiz, slug="two-right")

    # Published: the problem is refused, as before.
    response = _second_correct(client, question, "published")
    assert response.status_code == 200
    assert any(TWO_CORRECT in e for e in response.context["adminform"].form.non_field_errors())
    assert question.choices.filter(correct=True).count() == 1

    # As a draft the same edit is saved, problem and all.
    response = _second_correct(client, question, "draft")
    assert response.status_code == 302, response.context["adminform"].form.errors
    question.refresh_from_db()
    assert question.status == m.Status.DRAFT
    assert question.choices.filter(correct=True).count() == 2

    # The question's own page and the course's readiness page list the problem in the loader's words, linked.
    page = client.get(change_url(question)).content.decode()
    assert "1 problem to fix before publishing" in page
    assert TWO_CORRECT in page
    errors = _readiness_errors(client, quiz.course)
    assert any(change_url(question) in item and TWO_CORRECT in item for item in errors)

    # Publishing it is refused with the loader's message; nothing changes.
    page = client.get(change_url(question))
    data = change_form_data(page)
    data["status"] = "published"
    response = client.post(change_url(question), data)
    assert response.status_code == 200
    assert any(TWO_CORRECT in e for e in response.context["adminform"].form.non_field_errors())
    question.refresh_from_db()
    assert question.status == m.Status.DRAFT

    # Publishing with the bulk action is refused too.
    client.post(
        reverse("admin:training_question_changelist"),
        {"action": "publish", "_selected_action": [question.pk]},
    )
    question.refresh_from_db()
    assert question.status == m.Status.DRAFT

    # Fixed (b no longer correct) and published in the same save: accepted.
    page = client.get(change_url(question))
    data = change_form_data(page)
    data["status"] = "published"
    prefix = inline_prefix(page, "choice")
    data.pop(f"{prefix}-{inline_index(page, 'choice', key='b')}-correct")
    response = client.post(change_url(question), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    question.refresh_from_db()
    assert question.status == m.Status.PUBLISHED
    assert _readiness_errors(client, quiz.course) == []
    assert (
        "No problems: the loader accepts this question" in client.get(change_url(question)).content.decode()
    )


def test_publishing_a_parent_is_refused_while_what_it_contains_has_problems(client, quiz):
    quiz.status = m.Status.DRAFT
    quiz.save()
    question = make_question(quiz, slug="inside-draft-quiz")
    # The question is published, but its quiz is a draft: learners cannot meet the problem yet.
    response = _second_correct(client, question, "published")
    assert response.status_code == 302
    assert question.choices.filter(correct=True).count() == 2

    page = client.get(change_url(quiz))
    assert TWO_CORRECT in page.content.decode()  # the quiz's page lists its question's problem
    data = change_form_data(page)
    data["status"] = "published"
    response = client.post(change_url(quiz), data)
    assert response.status_code == 200
    assert any(TWO_CORRECT in e for e in response.context["adminform"].form.non_field_errors())
    quiz.refresh_from_db()
    assert quiz.status == m.Status.DRAFT


def test_a_drafts_problem_does_not_hide_a_new_problem_in_published_content(client, quiz):
    draft = make_question(quiz, slug="unfinished", status=m.Status.DRAFT)
    m.Question.objects.filter(pk=draft.pk).update(explanation="")  # stops the loader at reading the file
    question = make_question(quiz, slug="published-one")
    response = _second_correct(client, question, "published")
    assert response.status_code == 200
    assert any(TWO_CORRECT in e for e in response.context["adminform"].form.non_field_errors())


def test_the_export_leaves_incomplete_drafts_out_and_loads(client, quiz):
    make_question(quiz, slug="complete")
    broken = make_question(quiz, slug="incomplete", status=m.Status.DRAFT)
    broken.choices.filter(key="b").update(correct=True)
    finished_draft = make_question(quiz, slug="finished-draft", status=m.Status.DRAFT)

    with pytest.raises(CurriculumError):  # everything, drafts included: the loader refuses it
        load_texts({"draft-course.yaml": export_course(quiz.course)}, dry_run=True, name="test")

    export = publishable_export(quiz.course)
    assert export.left_out == [broken]
    assert export.text.startswith("# Left out of this file: drafts the curriculum loader would refuse")
    assert "# - question “incomplete”" in export.text
    assert "slug: incomplete" not in export.text
    assert f"slug: {finished_draft.slug}" in export.text  # a draft without problems stays in
    load_texts({"draft-course.yaml": export.text}, dry_run=True, name="test")  # no CurriculumError

    response = client.get(reverse("admin:training_course_export", args=[quiz.course.pk]))
    assert response.content.decode() == export.text
