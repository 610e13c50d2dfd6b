"""Results and motivation (issue 14): the results summary, the pass message and what to review after a fail;
the streak and the weekly goal (with bad input); relative times with the exact time in <time>."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_course, make_lesson, make_module, make_objective, make_question, make_quiz
from tests.learn_helpers import right_answer_data, wrong_answer_data
from training import motivation, quizzes
from training.models import LessonProgress, Question, WeeklyGoal
from training.templatetags.time_tags import relative_day_text, relative_text, relative_time

pytestmark = pytest.mark.django_db


# --- Results -------------------------------------------------------------------------------------------------


@pytest.fixture
def quiz_world():
    course = make_course()
    module = make_module(course)
    framing = make_objective(module, text="Frame the offer")
    timing = make_objective(module, text="Time the move")
    framing_lesson = make_lesson(module, title="Framing lesson")
    framing_lesson.objectives.add(framing)
    timing_lesson = make_lesson(module, title="Timing lesson")
    timing_lesson.objectives.add(timing)
    quiz = make_quiz(module, title="Moves quiz", pass_mark=60)
    questions = [make_question(quiz) for _ in range(3)]
    questions[0].objectives.add(framing)
    questions[1].objectives.add(framing)
    questions[2].objectives.add(timing)
    return {"quiz": quiz, "questions": questions}


def take(client, learner, quiz, right: list[bool]):
    """Answer the quiz through its pages (right or wrong per question, in the attempt's order), submit it."""
    client.force_login(learner)
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    for number, question_id in enumerate(attempt.question_ids, start=1):
        question = Question.objects.get(pk=question_id)
        data = (
            right_answer_data(question, attempt)
            if right[number - 1]
            else wrong_answer_data(question, attempt)
        )
        client.post(reverse("quiz_question", args=[quiz.slug, attempt.pk, number]), data)
    client.post(reverse("quiz_submit", args=[quiz.slug, attempt.pk]))
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None
    return attempt


def results_html(client, attempt) -> str:
    response = client.get(reverse("quiz_results", args=[attempt.quiz.slug, attempt.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_results_open_with_a_line_per_question_and_a_failed_attempt_says_what_to_review(
    client, learner, quiz_world
):
    quiz = quiz_world["quiz"]
    quiz.pass_mark = 80
    quiz.save()
    attempt = take(client, learner, quiz, [False, True, True])  # 2 of 3: 67 %, not passed
    assert not attempt.passed
    html = results_html(client, attempt)
    summary = html[html.index('id="summary-heading"') : html.index('id="review-heading"')]
    lines = re.findall(
        r'<a href="#(question-\d)">Question \d</a>: <span aria-hidden="true">(.)</span> (\w[\w ]*\w)', summary
    )
    assert lines == [("question-1", "✗", "Wrong"), ("question-2", "✓", "Right"), ("question-3", "✓", "Right")]
    assert "· 0%" in summary and "· 100%" in summary
    assert 'id="question-1"' in html and 'id="question-3"' in html  # the summary's links land on the review
    assert html.index('id="summary-heading"') < html.index('id="review-heading"')
    # What to review: the objective that went worst (framing: 1 of 2), with its lesson; timing went right.
    review = html[html.index('id="review-next-heading"') : html.index('id="review-heading"')]
    assert "Frame the offer" in review and "(50% in this attempt)" in review
    assert ">Framing lesson</a>" in review
    assert "Time the move" not in review
    assert 'id="celebration"' not in html


def test_a_pass_is_celebrated_without_review_advice(client, learner, quiz_world):
    attempt = take(client, learner, quiz_world["quiz"], [True, True, True])
    html = results_html(client, attempt)
    assert 'id="celebration"' in html and "Well done!" in html and "with every question right" in html
    assert "What to review next" not in html


# --- Streak and weekly goal ----------------------------------------------------------------------------------


def test_streak_counts_days_in_a_row_ending_today_or_yesterday():
    today = date(2026, 12, 3)  # a Thursday
    days = {today - timedelta(days=n) for n in (0, 1, 2, 4)}
    assert motivation.streak(days, today) == 3
    assert motivation.streak(days - {today}, today) == 2  # not yet active today: yesterday's streak holds
    assert motivation.streak({today - timedelta(days=2)}, today) == 0
    assert motivation.days_this_week(days, today) == 3  # Tue, Wed, Thu (Sunday 29 Nov was last week)
    assert motivation.week_start(today) == date(2026, 11, 30)


def test_learner_sets_a_weekly_goal_and_sees_progress_and_streak(client, learner):
    course = make_course()
    module = make_module(course)
    lessons = [make_lesson(module) for _ in range(3)]
    now = timezone.now()
    for n, lesson in enumerate(lessons):  # active today, yesterday and the day before
        LessonProgress.objects.create(user=learner, lesson=lesson, viewed_at=now - timedelta(days=n))
    client.force_login(learner)
    page = client.get(reverse("progress")).content.decode()
    assert re.search(r"<dt>Streak</dt>\s*<dd><span class=\"stat-value\">3 days</span>", page)
    assert "in a row (UTC)" in page and "set a goal" in page

    response = client.post(reverse("progress_goal"), {"days": "5"})
    assert response.status_code == 302 and response["Location"] == "/progress/#goal"
    assert WeeklyGoal.objects.get(user=learner).days == 5
    page = client.get(reverse("progress")).content.decode()
    assert "Your weekly goal is now 5 days of study." in page
    week = motivation.days_this_week({(now - timedelta(days=n)).date() for n in range(3)}, now.date())
    assert f"{week} of 5 days" in page
    assert '<option value="5" selected>' in page


@pytest.mark.parametrize("value", ["0", "8", "-1", "many", ""])
def test_a_bad_weekly_goal_is_refused_with_a_message_and_nothing_stored(client, learner, value):
    make_course()
    client.force_login(learner)
    response = client.post(reverse("progress_goal"), {"days": value})
    assert response.status_code == 422
    html = response.content.decode()
    assert "A weekly goal is 1 to 7 days." in html or "Choose how many days a week" in html
    assert not WeeklyGoal.objects.filter(user=learner).exists()


def test_a_visitor_cannot_set_a_goal(client):
    response = client.post(reverse("progress_goal"), {"days": "3"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Relative times ------------------------------------------------------------------------------------------


def test_relative_times_read_naturally_and_keep_the_exact_time():
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert relative_text(now + timedelta(minutes=5), now) == "in 5 minutes"
    assert relative_text(now - timedelta(minutes=1), now) == "1 minute ago"
    assert relative_text(now - timedelta(seconds=10), now) == "just now"
    assert relative_text(now + timedelta(hours=3), now) == "in 3 hours"
    assert relative_text(now - timedelta(days=2), now) == "2 days ago"
    assert relative_text(now + timedelta(days=90), now) == "on 1 March 2027"
    assert relative_day_text(now, now.date()) == "today at 12:00 UTC"
    assert relative_day_text(now - timedelta(days=1), now.date()) == "yesterday at 12:00 UTC"
    assert relative_day_text(now - timedelta(days=6), now.date()) == "6 days ago"
    html = relative_time(timezone.now() + timedelta(minutes=5, seconds=20))
    assert re.fullmatch(
        r'<time datetime="[^"]+\+00:00" title="\d+ \w+ \d{4}, \d\d:\d\d UTC">in 5 minutes</time>', html
    )
    assert relative_time(None) == ""
