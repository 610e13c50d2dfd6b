"""The quiz flow through HTTP: intro, start/resume, practice and assessment answers, submit, results, retake."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from tests import factories as f
from tests.learn_helpers import right_answer_data, wrong_answer_data
from training import quizzes
from training.models import QuizAttempt, Response, ReviewCard, ReviewLog

pytestmark = pytest.mark.django_db


def build_quiz(mode="practice", **fields):
    course = f.make_course()
    module = f.make_module(course)
    quiz = f.make_quiz(module, mode=mode, slug=f"{mode}-quiz", title=f"{mode.title()} quiz", **fields)
    single = f.make_question(quiz, kind="single")
    f.make_citation(single, paragraph=1)
    f.make_question(quiz, kind="multiple")
    f.make_question(quiz, kind="order")
    f.make_question(quiz, kind="sort")
    return quiz


@pytest.fixture
def practice():
    return build_quiz("practice", pass_mark=60)


@pytest.fixture
def assessment():
    return build_quiz("assessment", pass_mark=75, attempts_allowed=2)


def start(client, quiz) -> QuizAttempt:
    response = client.post(reverse("quiz_start", args=[quiz.slug]))
    assert response.status_code == 302
    return QuizAttempt.objects.get(quiz=quiz, submitted_at__isnull=True)


def question_url(attempt, number):
    return reverse("quiz_question", args=[attempt.quiz.slug, attempt.pk, number])


def questions_of(attempt):
    from training.models import Question

    by_id = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    return [by_id[pk] for pk in attempt.question_ids]


def test_intro_shows_mode_pass_mark_questions_and_attempts_left(client, learner, assessment):
    client.force_login(learner)
    html = client.get(assessment.get_absolute_url()).content.decode()
    assert "Assessment: feedback when you submit the whole attempt" in html
    assert "<dt>Pass mark</dt><dd>75%</dd>" in html
    assert "<dt>Questions</dt><dd>4</dd>" in html
    assert "<dt>Attempts left</dt><dd>2 of 2</dd>" in html
    assert "Start the quiz" in html


def test_visitor_reads_the_intro_and_is_asked_to_log_in(client, practice):
    html = client.get(practice.get_absolute_url()).content.decode()
    assert "Practice: feedback after each answer" in html
    assert f"/accounts/login/?next=%2Fquizzes%2F{practice.slug}%2F" in html
    assert "Start the quiz" not in html
    response = client.post(reverse("quiz_start", args=[practice.slug]))
    assert response["Location"] == f"/accounts/login/?next=/quizzes/{practice.slug}/"
    assert QuizAttempt.objects.count() == 0


def test_attempt_pages_need_login(client, learner, practice):
    client.force_login(learner)
    attempt = start(client, practice)
    client.logout()
    response = client.get(question_url(attempt, 1))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_start_opens_question_one_and_a_second_start_resumes_the_same_attempt(client, learner, practice):
    client.force_login(learner)
    response = client.post(reverse("quiz_start", args=[practice.slug]))
    attempt = QuizAttempt.objects.get()
    assert response["Location"] == question_url(attempt, 1)
    html = client.get(response["Location"]).content.decode()
    assert "Question 1 of 4" in html
    client.post(question_url(attempt, 1), right_answer_data(questions_of(attempt)[0], attempt))
    again = client.post(reverse("quiz_start", args=[practice.slug]), follow=True)
    assert QuizAttempt.objects.count() == 1
    assert again.redirect_chain[0][0] == question_url(attempt, 2)  # the first unanswered question
    assert "You already have attempt 1 open" in again.content.decode()


def test_practice_answer_without_javascript_shows_feedback_after_redirect(client, learner, practice):
    client.force_login(learner)
    attempt = start(client, practice)
    question = questions_of(attempt)[0]
    response = client.post(question_url(attempt, 1), wrong_answer_data(question, attempt))
    assert response.status_code == 302
    assert response["Location"] == question_url(attempt, 1) + "#question"
    html = client.get(question_url(attempt, 1)).content.decode()
    assert "Not quite" in html
    assert "Right move" in html and "Why the best answer is best." in html
    assert "Source: Introduction, ¶1" in html
    assert "Next question" in html
    row = Response.objects.get()
    assert (row.score, row.correct) == (0.0, False)
    assert row.snapshot["prompt"] == question.prompt and row.snapshot["chosen"] == row.answer
    assert [c["key"] for c in row.snapshot["choices"]] == [
        c.key
        for c in sorted(
            question.choices.all(), key=lambda c: attempt.choice_order[str(question.pk)].index(c.pk)
        )
    ]
    assert ReviewCard.objects.filter(user=learner, question=question).exists()
    assert ReviewLog.objects.get().source == "quiz"


def test_practice_answer_with_htmx_swaps_in_feedback(client, learner, practice):
    client.force_login(learner)
    attempt = start(client, practice)
    questions = questions_of(attempt)
    for number, question in enumerate(questions, start=1):
        response = client.post(
            question_url(attempt, number),
            right_answer_data(question, attempt),
            headers={"HX-Request": "true"},
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert response["HX-Trigger"] == "progress-changed"
        assert html.lstrip().startswith('<section class="card question" id="question"')
        assert "<html" not in html
        assert "Correct" in html and "data-focus-after-swap" in html
    assert "Submit and see results" in html
    assert Response.objects.filter(attempt=attempt, correct=True).count() == 4


def test_bad_answer_is_a_422_with_the_message_and_nothing_recorded(client, learner, practice):
    client.force_login(learner)
    attempt = start(client, practice)
    response = client.post(question_url(attempt, 1), {})
    assert response.status_code == 422
    assert "Choose one answer." in response.content.decode()
    order_number = next(i for i, q in enumerate(questions_of(attempt), start=1) if q.kind == "order")
    response = client.post(question_url(attempt, order_number), {}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Give every step a position." in response.content.decode()
    assert Response.objects.count() == 0 and ReviewLog.objects.count() == 0


def test_a_wrong_answer_keeps_what_the_learner_chose_in_the_form(client, learner, practice):
    client.force_login(learner)
    attempt = start(client, practice)
    number, question = next((i, q) for i, q in enumerate(questions_of(attempt), start=1) if q.kind == "order")
    data = right_answer_data(question, attempt)
    first = next(iter(data))
    data[first] = "9"
    html = client.post(question_url(attempt, number), data).content.decode()
    assert "Positions go from 1 to 3." in html
    assert '<option value="2" selected>' in html or '<option value="1" selected>' in html


def test_assessment_holds_feedback_until_results(client, learner, assessment):
    client.force_login(learner)
    attempt = start(client, assessment)
    questions = questions_of(attempt)
    client.post(question_url(attempt, 1), right_answer_data(questions[0], attempt))
    html = client.get(question_url(attempt, 1)).content.decode()
    assert "Answer saved. You will see feedback with your results." in html
    assert "Because." not in html and "Why the best answer is best." not in html and "Correct" not in html
    htmx = client.post(
        question_url(attempt, 2), wrong_answer_data(questions[1], attempt), headers={"HX-Request": "true"}
    )
    assert "Answer saved." in htmx.content.decode() and "Because." not in htmx.content.decode()
    # Submit with two unanswered: the summary warns, the results score them 0.
    summary = client.get(reverse("quiz_attempt", args=[assessment.slug, attempt.pk])).content.decode()
    assert "2 questions not answered" in summary
    response = client.post(reverse("quiz_submit", args=[assessment.slug, attempt.pk]))
    assert response["Location"] == reverse("quiz_results", args=[assessment.slug, attempt.pk])
    attempt.refresh_from_db()
    assert attempt.is_submitted and attempt.max_score == 4 and attempt.passed is False
    assert attempt.score == 1.0 + Response.objects.get(attempt=attempt, question=questions[1]).score
    results = client.get(response["Location"]).content.decode()
    assert f"{attempt.percent:.0f}%" in results
    assert "Not passed — the pass mark is 75%." in results
    assert results.count("Not answered (0 points).") == 2
    assert "Retake the quiz" in results and "1 attempt left." in results
    # Not passed with an attempt left: the answer key waits (the default results policy).
    assert "The answers are shown after your last attempt or once you pass." in results
    assert "Why the best answer is best." not in results and "Because." not in results
    second = start(client, assessment)
    client.post(reverse("quiz_submit", args=[assessment.slug, second.pk]))
    results = client.get(response["Location"]).content.decode()
    assert "Why the best answer is best." in results and "Because." in results


def test_full_marks_pass_and_results_show_a_full_review(client, learner, practice):
    client.force_login(learner)
    attempt = start(client, practice)
    for number, question in enumerate(questions_of(attempt), start=1):
        client.post(question_url(attempt, number), right_answer_data(question, attempt))
    results = client.post(
        reverse("quiz_submit", args=[practice.slug, attempt.pk]), follow=True
    ).content.decode()
    assert "<strong>100%</strong> (4 of 4 points)" in results
    assert "Passed — the pass mark is 60%." in results
    assert results.count('class="feedback feedback-correct"') == 4


def test_retake_within_the_attempts_allowed_then_refused(client, learner, assessment):
    client.force_login(learner)
    for expected in (1, 2):
        attempt = start(client, assessment)
        assert attempt.number == expected
        client.post(reverse("quiz_submit", args=[assessment.slug, attempt.pk]))
    response = client.post(reverse("quiz_start", args=[assessment.slug]), follow=True)
    assert "You have used all 2 attempts at this quiz." in response.content.decode()
    assert QuizAttempt.objects.count() == 2
    intro = client.get(assessment.get_absolute_url()).content.decode()
    assert "<dt>Attempts left</dt><dd>0 of 2</dd>" in intro
    assert "Retake the quiz" not in intro and "You have used all your attempts" in intro


def test_choice_order_is_shuffled_per_attempt_and_stable_within_it(learner):
    quiz = build_quiz("practice", shuffle=True)
    question = quiz.questions.get(kind="single")
    extra = [f"Option {n}" for n in range(6)]
    from training.models import Choice

    for n, text in enumerate(extra, start=10):
        Choice.objects.create(question=question, key=f"x{n}", text=text, position=n)
    first, _ = quizzes.start_attempt(user=learner, quiz=quiz, rng=random.Random(1))
    again, created = quizzes.start_attempt(user=learner, quiz=quiz, rng=random.Random(2))
    assert not created and again.choice_order == first.choice_order
    quizzes.submit_attempt(user=learner, attempt=first)
    second, _ = quizzes.start_attempt(user=learner, quiz=quiz, rng=random.Random(2))
    authored = list(question.choices.order_by("position", "pk").values_list("pk", flat=True))
    assert sorted(first.choice_order[str(question.pk)]) == sorted(authored)
    assert first.choice_order[str(question.pk)] != second.choice_order[str(question.pk)]
    assert first.choice_order[str(question.pk)] != authored


def test_unshuffled_quiz_shows_choices_in_authored_order(learner, practice):
    attempt, _ = quizzes.start_attempt(user=learner, quiz=practice)
    for question in practice.questions.all():
        assert attempt.choice_order[str(question.pk)] == list(
            question.choices.order_by("position", "pk").values_list("pk", flat=True)
        )


def test_question_pages_have_previous_next_and_the_count(client, learner, practice):
    client.force_login(learner)
    attempt = start(client, practice)
    html = client.get(question_url(attempt, 2)).content.decode()
    assert "Question 2 of 4" in html
    assert f'href="{question_url(attempt, 1)}" rel="prev"' in html
    assert f'href="{question_url(attempt, 3)}" rel="next"' in html


def test_results_before_submitting_redirect_to_the_summary(client, learner, practice):
    client.force_login(learner)
    attempt = start(client, practice)
    response = client.get(reverse("quiz_results", args=[practice.slug, attempt.pk]))
    assert response["Location"] == reverse("quiz_attempt", args=[practice.slug, attempt.pk])


def test_draft_quiz_is_404(client, learner):
    quiz = build_quiz("practice", status="draft")
    client.force_login(learner)
    assert client.get(quiz.get_absolute_url()).status_code == 404
    assert client.post(reverse("quiz_start", args=[quiz.slug])).status_code == 404
