"""Learners never see drafts; instructors preview them (issue 15): a draft lesson or quiz page as a learner
will see it, with a "Draft — preview" banner, for instructors only; nothing recorded."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_course, make_lesson, make_module, make_question, make_quiz
from training.models import CheckAnswer, LessonProgress, QuizAttempt, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def module():
    return make_module(make_course(slug="preview-course"), slug="preview-module")


@pytest.fixture
def draft_lesson(module):
    lesson = make_lesson(
        module,
        slug="draft-lesson",
        title="A lesson in progress",
        body="Quiet **channels** first.",
        status=Status.DRAFT,
    )
    make_question(lesson=lesson, slug="draft-check", prompt="Which channel is quiet?", status=Status.DRAFT)
    return lesson


@pytest.fixture
def draft_quiz(module):
    quiz = make_quiz(module, slug="draft-quiz", title="A quiz in progress", status=Status.DRAFT)
    make_question(quiz, slug="q-published", prompt="First question?")
    make_question(quiz, slug="q-draft", kind="order", prompt="Put these in order.", status=Status.DRAFT)
    return quiz


LESSON_PREVIEW = reverse("instructor_lesson_preview", args=["draft-lesson"])
QUIZ_PREVIEW = reverse("instructor_quiz_preview", args=["draft-quiz"])


def test_an_instructor_previews_a_draft_lesson_as_a_learner_will_see_it(client, instructor, draft_lesson):
    client.force_login(instructor)
    page = client.get(LESSON_PREVIEW)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Draft — preview" in content and "learners cannot open it now" in content
    assert "<h1>A lesson in progress</h1>" in content
    assert "Quiet <strong>channels</strong> first." in content
    # Its draft check is shown, marked, with its fields disabled and no form to send.
    assert "Which channel is quiet?" in content and "Draft check" in content
    assert 'class="question-fields" id="check-' in content and " disabled>" in content
    assert reverse("lesson_check", args=["draft-lesson", draft_lesson.checks.get().pk]) not in content
    assert reverse("lesson_complete", args=["draft-lesson"]) not in content
    assert reverse("admin:training_lesson_change", args=[draft_lesson.pk]) in content
    # Nothing recorded for the instructor.
    assert not LessonProgress.objects.exists() and not CheckAnswer.objects.exists()


def test_learners_get_404_for_a_draft_and_its_preview(client, learner, draft_lesson, draft_quiz):
    client.force_login(learner)
    assert client.get(reverse("lesson_detail", args=["draft-lesson"])).status_code == 404
    assert client.get(reverse("quiz_detail", args=["draft-quiz"])).status_code == 404
    assert client.get(LESSON_PREVIEW).status_code == 404
    assert client.get(QUIZ_PREVIEW).status_code == 404
    client.logout()
    visitor = client.get(LESSON_PREVIEW)
    assert visitor.status_code == 302 and reverse("login") in visitor["Location"]


def test_the_preview_of_a_published_lesson_says_learners_see_it(client, instructor, module):
    make_lesson(module, slug="live-lesson", title="Live")
    client.force_login(instructor)
    content = client.get(reverse("instructor_lesson_preview", args=["live-lesson"])).content.decode()
    assert "Draft — preview" not in content and "<strong>Preview</strong>" in content


def test_an_instructor_previews_a_draft_quiz_with_every_question(client, instructor, draft_quiz):
    client.force_login(instructor)
    page = client.get(QUIZ_PREVIEW)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Draft — preview" in content and "<h1>A quiz in progress</h1>" in content
    assert "First question?" in content and "Put these in order." in content
    assert content.count('<span class="badge">Draft</span>') == 1  # the draft question, marked
    assert content.count(" disabled>") == 2
    assert reverse("quiz_start", args=["draft-quiz"]) not in content
    assert not QuizAttempt.objects.exists()


def test_the_admin_change_pages_link_to_the_preview(client, instructor, draft_lesson, draft_quiz):
    client.force_login(instructor)
    lesson_page = client.get(reverse("admin:training_lesson_change", args=[draft_lesson.pk]))
    assert LESSON_PREVIEW in lesson_page.content.decode()
    question = draft_quiz.questions.get(slug="q-draft")
    question_page = client.get(reverse("admin:training_question_change", args=[question.pk]))
    assert QUIZ_PREVIEW in question_page.content.decode()
    assert "Preview as a learner" in question_page.content.decode()
