"""Real Chromium: a 2-minute assessment shows its timer (axe-clean), the timer can be hidden (remembered for the
attempt) and announces the last minute; an answer posted after the deadline and its grace is refused and the
learner lands on the results; an attempt left open in a closed tab is submitted as of its deadline by the
scheduled command, with no further request from the learner."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.axe import assert_accessible
from tests.factories import make_course, make_module, make_question, make_quiz
from training.models import Quiz, QuizAttempt, Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Browser-timer-passphrase-1"


def test_a_two_minute_assessment_is_timed_in_the_browser_and_on_the_server(page: Page, live_server):
    course = make_course(title="Tracks in practice")
    quiz = make_quiz(
        make_module(course, title="Foundations"),
        title="Timed check",
        slug="timed-check",
        mode=Quiz.Mode.ASSESSMENT,
        time_limit=2,
    )
    make_question(quiz, prompt="First: what is your best move?")
    make_question(quiz, prompt="Second: what is your best move?")
    get_user_model().objects.create_user("tara", "tara@example.org", PASSWORD)
    base = live_server.url

    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill("tara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(base + quiz.get_absolute_url())
    expect(page.get_by_text("2 minutes per attempt")).to_be_visible()
    page.get_by_role("button", name="Start").first.click()

    # The timer counts down from 2:00 (m:ss) and shows the deadline.
    timer = page.get_by_role("region", name="Time limit")
    expect(timer).to_be_visible()
    expect(timer.locator("[data-timer-text]")).to_have_text(re.compile(r"^[12]:[0-5]\d$"))
    attempt = QuizAttempt.objects.get()
    expect(timer.locator("time")).to_have_attribute("datetime", attempt.deadline.isoformat())
    assert_accessible(page, "question with a timer")

    # Hidden, and still hidden on the next page of the same attempt; shown again.
    page.get_by_role("button", name="Hide timer").click()
    expect(timer.locator("[data-timer-display]")).to_be_hidden()
    expect(page.get_by_role("button", name="Show timer")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("link", name="Next question").first.click()
    expect(page.get_by_role("region", name="Time limit").locator("[data-timer-display]")).to_be_hidden()
    page.get_by_role("button", name="Show timer").click()
    expect(page.get_by_role("region", name="Time limit").locator("[data-timer-display]")).to_be_visible()

    # A minute and a second left: the polite live region announces the last minute.
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline=datetime.now(UTC) + timedelta(seconds=62))
    page.reload()
    expect(page.locator("[data-timer-announce]")).to_have_text("1 minute left.", timeout=10_000)

    # The deadline passes while the page is open (the clock on the page does not know): the answer is refused.
    QuizAttempt.objects.filter(pk=attempt.pk).update(
        started_at=datetime.now(UTC) - timedelta(minutes=3), deadline=datetime.now(UTC) - timedelta(minutes=1)
    )
    page.get_by_label("Right move").check()
    page.get_by_role("button", name="Save answer").click()
    expect(page.get_by_text("Time is up: this attempt ended at")).to_be_visible()
    expect(page).to_have_url(f"{base}/quizzes/timed-check/attempts/{attempt.pk}/results/")
    assert not Response.objects.exists()
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline

    # A second attempt left open in a closed tab: the scheduled job submits it as of its deadline.
    page.goto(base + quiz.get_absolute_url())
    page.get_by_role("button", name="Retake the quiz").click()
    expect(page.get_by_role("region", name="Time limit")).to_be_visible()
    page.close()
    second = QuizAttempt.objects.get(number=2)
    deadline = datetime.now(UTC) - timedelta(seconds=31)
    QuizAttempt.objects.filter(pk=second.pk).update(deadline=deadline)
    call_command("submit_expired_attempts")
    second.refresh_from_db()
    assert second.submitted_at == deadline
