"""Real Chromium, no JavaScript: a learner answers a certainty-marked quiz with plain forms, submits, and sees the
certainty-based mark and the calibration chart with its data table on the results page and the dashboard; axe
on each page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from tests.axe import assert_accessible
from tests.factories import make_course, make_module, make_question, make_quiz

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Browser-calibration-passphrase-1"


def test_certainty_marking_and_calibration_chart_without_javascript(
    no_js_page: Page, axe_scanner: Page, live_server
):
    course = make_course(title="Tracks in practice")
    module = make_module(course, title="Foundations")
    quiz = make_quiz(module, title="Confidence practice", slug="confidence", certainty=True, pass_mark=50)
    make_question(quiz, prompt="First: what is your best move?")
    make_question(quiz, prompt="Second: what is your best move?")
    get_user_model().objects.create_user("carla", "carla@example.org", PASSWORD)
    page, base = no_js_page, live_server.url

    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill("carla")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(base + quiz.get_absolute_url())
    page.get_by_role("button", name="Start").first.click()

    # Question 1: right, very sure. The certainty group is its own fieldset.
    certainty = page.get_by_role("group", name="How sure are you of this answer?")
    expect(certainty).to_be_visible()
    assert_accessible(page, "question with certainty", scanner=axe_scanner)
    page.get_by_label("Right move").check()
    certainty.get_by_label("High: very sure (right +3, wrong −6)").check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.locator(".certainty-note")).to_have_text("Your certainty: high (3). Mark: +3.")

    # Question 2: wrong, unsure.
    page.get_by_role("link", name="Next question").first.click()
    page.get_by_label("Wrong move", exact=True).check()
    page.get_by_role("group", name="How sure are you of this answer?").get_by_label(
        "Low: a guess, or I am not sure (right +1, wrong 0)"
    ).check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.locator(".certainty-note")).to_have_text("Your certainty: low (1). Mark: +0.")
    page.get_by_role("button", name="Submit and see results").click()

    expect(page.locator(".cbm-score")).to_contain_text("1.50")
    chart = page.get_by_role("img", name="Accuracy at each certainty level")
    expect(chart).to_be_visible()
    table = page.get_by_role("table", name="Accuracy at each certainty level (the chart's data)")
    expect(table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="High"))).to_contain_text(
        "100%"
    )
    expect(table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Low"))).to_contain_text(
        "0%"
    )
    expect(page.get_by_text("Well calibrated means")).to_be_visible()
    assert_accessible(page, "results with calibration", scanner=axe_scanner)

    page.goto(base + "/progress/")
    expect(page.get_by_role("heading", name="Calibration (certainty-based marking)")).to_be_visible()
    expect(page.get_by_role("img", name="Accuracy at each certainty level")).to_be_visible()
    assert_accessible(page, "dashboard with calibration", scanner=axe_scanner)
