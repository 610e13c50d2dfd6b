"""Real Chromium: a learner's answers (some wrong) show on the dashboard as percentages and mastery levels; the
wrong ones come back in /review/ once due; reviewing them empties the queue and raises mastery. With and
without JavaScript, axe on every page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.axe import assert_accessible
from tests.factories import make_course, make_lesson, make_module, make_objective, make_question, make_quiz
from training import review, scheduling, versions
from training.models import QuizAttempt, Response, ReviewCard, ReviewLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Browser-progress-passphrase-1"


def build_world(username: str):
    """A course with objective A (three questions) and objective B (two), and a learner who answered all five:
    A right, wrong, right; B wrong, wrong."""
    course = make_course(title="Tracks in practice")
    module = make_module(course, title="Foundations")
    make_lesson(module, title="Who takes part")
    objective_a = make_objective(module, text="Tell Track I from Track II")
    objective_b = make_objective(module, text="Choose a channel for a crisis")
    quiz = make_quiz(module, title="Foundations practice", pass_mark=60)
    questions = []
    for n, objective in enumerate([objective_a] * 3 + [objective_b] * 2):
        question = make_question(quiz, prompt=f"Scenario question {n + 1}: what is your best move?")
        question.objectives.add(objective)
        questions.append(question)
    user = get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD)
    results = [True, False, True, False, False]
    now = timezone.now()
    attempt = QuizAttempt.objects.create(
        user=user,
        quiz=quiz,
        number=1,
        started_at=now - timedelta(minutes=10),
        submitted_at=now,
        question_ids=[q.pk for q in questions],
        score=2,
        max_score=5,
        percent=40,
        passed=False,
    )
    for question, correct in zip(questions, results, strict=True):
        Response.objects.create(
            attempt=attempt,
            question=question,
            answer={},
            score=float(correct),
            correct=correct,
            snapshot={},
            answered_at=now,
        )
        scheduling.schedule_review(user=user, question=question, correct=correct, source="quiz", when=now)
    wrong = [q for q, correct in zip(questions, results, strict=True) if not correct]
    return user, questions, wrong


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(f"Signed in as {username}")


def mastery_row(page: Page, objective: str):
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=objective))


def check_dashboard_before(page: Page, base: str, scanner) -> None:
    page.goto(base + "/progress/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My progress")
    # A: 2 of 3 right → familiar (50); B: 0 of 2 → attempted (0); course mastery 25%.
    expect(mastery_row(page, "Tell Track I from Track II")).to_contain_text("Familiar")
    expect(mastery_row(page, "Choose a channel for a crisis")).to_contain_text("Attempted")
    expect(page.locator(".stat").filter(has_text="Course mastery")).to_contain_text("25%")
    expect(page.get_by_role("img", name="Quiz score history")).to_be_visible()
    expect(page.get_by_role("table", name="Score history (the chart's data)")).to_contain_text("40%")
    expect(page.locator(".stat").filter(has_text="Days active")).to_contain_text("1")
    expect(page.get_by_role("link", name=re.compile(r"^Review \(none due\)"))).to_be_visible()
    assert_accessible(page, "dashboard before review", scanner=scanner)


def make_wrong_ones_due(user, wrong) -> None:
    ReviewCard.objects.filter(user=user, question__in=wrong).update(due=timezone.now() - timedelta(minutes=5))
    # A raw update, not a workflow: bump the learner's version as every writer does (the navigation's due
    # count is cached under it until the next card falls due, which this update moved into the past).
    versions.bump_learner(user.pk)


def check_dashboard_after(page: Page, base: str, scanner) -> None:
    page.goto(base + "/progress/")
    # A: all three right now (the review fixed question 2) → mastered; B: 1 of 2 right → familiar.
    expect(mastery_row(page, "Tell Track I from Track II")).to_contain_text("Mastered")
    expect(mastery_row(page, "Choose a channel for a crisis")).to_contain_text("Familiar")
    expect(page.locator(".stat").filter(has_text="Course mastery")).to_contain_text("75%")
    expect(page.locator(".activity-list")).to_contain_text("Reviewed")
    assert_accessible(page, "dashboard after review", scanner=scanner)


def test_answers_dashboard_and_review_queue_with_javascript(page: Page, live_server):
    user, questions, wrong = build_world("rev_js")
    base = live_server.url
    log_in(page, base, "rev_js")
    check_dashboard_before(page, base, None)

    make_wrong_ones_due(user, wrong)
    page.reload()
    expect(page.get_by_role("link", name="Review (3 due)")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("Review"))
    ).to_contain_text("3")

    page.get_by_role("link", name="Review (3 due)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review")
    expect(page.locator("#review-panel")).to_contain_text("3 questions due")
    expect(page.locator("#progress-summary")).to_contain_text("3 reviews due")
    assert_accessible(page, "review question")

    # First due question: answer it right (in place, htmx), then say it was easy.
    url_before = page.url
    page.get_by_label("Right move", exact=True).check()
    page.get_by_role("button", name="Check my answer").click()
    feedback = page.get_by_role("status").filter(has_text="Correct")
    expect(feedback).to_be_visible()
    expect(feedback).to_be_focused()
    assert page.url == url_before  # swapped in place, no reload
    # The progress bar heard `progress-changed` and refreshed itself.
    expect(page.locator("#progress-summary")).to_contain_text("2 reviews due")
    assert_accessible(page, "review feedback")
    page.get_by_role("button", name="That was easy").click()
    expect(page.locator(".review-meta")).to_contain_text("Rated: Easy")

    # Second: answer it wrong; third: right.
    page.get_by_role("link", name="Next question").click()
    expect(page.locator("#review-panel")).to_contain_text("2 questions due")
    page.get_by_label("Wrong move", exact=True).check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("status").filter(has_text="Not quite")).to_be_visible()
    expect(page.get_by_role("button", name="That was easy")).to_have_count(0)
    page.get_by_role("link", name="Next question").click()
    page.get_by_label("Right move", exact=True).check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("status").filter(has_text="Correct")).to_be_visible()
    expect(page.locator("#review-panel")).to_contain_text("That was the last question due.")
    assert_accessible(page, "review finished")

    logs = ReviewLog.objects.filter(card__user=user, source="review").order_by("reviewed_at")
    assert [log.correct for log in logs] == [True, False, True]
    assert logs[0].rating == 4  # Easy
    assert review.due_count(user) == 0

    page.goto(base + "/review/")
    expect(page.get_by_text("Nothing is due for review.")).to_be_visible()
    assert_accessible(page, "review empty")
    check_dashboard_after(page, base, None)


def test_review_flow_without_javascript(no_js_page: Page, axe_scanner: Page, live_server):
    page = no_js_page
    user, questions, wrong = build_world("rev_nojs")
    base = live_server.url
    log_in(page, base, "rev_nojs")
    check_dashboard_before(page, base, axe_scanner)
    make_wrong_ones_due(user, wrong)

    page.goto(base + "/review/")
    expect(page.locator("#review-panel")).to_contain_text("3 questions due")
    assert_accessible(page, "review question (no JS)", scanner=axe_scanner)
    # Submitting nothing: a clear message, nothing logged.
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose one answer.")
    assert_accessible(page, "review error (no JS)", scanner=axe_scanner)
    assert not ReviewLog.objects.filter(card__user=user, source="review").exists()

    page.get_by_label("Right move", exact=True).check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page).to_have_url(re.compile(r"/review/\?reviewed=\d+$"))
    expect(page.get_by_role("status").filter(has_text="Correct")).to_be_visible()
    assert_accessible(page, "review feedback (no JS)", scanner=axe_scanner)
    page.get_by_role("button", name="That was hard").click()
    expect(page.locator(".review-meta")).to_contain_text("Rated: Hard")
    expect(page.locator("#messages")).to_contain_text("Noted: hard.")

    for label in ("Wrong move", "Right move"):
        page.get_by_role("link", name="Next question").click()
        page.get_by_label(label, exact=True).check()
        page.get_by_role("button", name="Check my answer").click()
        expect(page).to_have_url(re.compile(r"/review/\?reviewed=\d+$"))
    expect(page.locator("#review-panel")).to_contain_text("That was the last question due.")

    logs = ReviewLog.objects.filter(card__user=user, source="review").order_by("reviewed_at")
    assert [(log.correct, log.rating) for log in logs] == [(True, 2), (False, 1), (True, 3)]
    check_dashboard_after(page, base, axe_scanner)
