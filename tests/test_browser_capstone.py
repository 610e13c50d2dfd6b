"""Real Chromium (acceptance 4 of issue 19): a learner writes and submits the capstone, an instructor of
their cohort grades it against the rubric, and the learner sees the grade and the feedback; axe on each page
at phone and desktop widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.axe import assert_accessible
from tests.casework_data import load
from tests.learner_data import PASSWORD, make_cohort, make_user
from training.models import CapstoneSubmission, Course

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEMO = (
    "Open a quiet workshop of former officials from both sides, hosted by a university, and let its"
    " drafts reach the envoy through a named liaison; keep the official talks on the agenda the workshop"
    " cannot settle, and report back to both ministries after each round."
)


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base + "/")


def test_submit_grade_and_read_the_feedback(browser: Browser, live_server):
    load()
    course = Course.objects.get()
    learner, teacher = make_user("ana"), make_user("tia", instructor=True)
    cohort = make_cohort(course, instructors=[teacher], learners=[learner])
    base = live_server.url

    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    log_in(page, base, "ana")
    page.goto(base + "/capstone/example-memo/")
    expect(page.get_by_role("heading", name="A multi-track strategy memo")).to_be_visible()
    assert_accessible(page, "capstone page (phone)")
    page.get_by_label("Your work").fill("Too short.")
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.get_by_role("alert")).to_contain_text("Write at least 5 words to submit")
    page.get_by_label("Your work").fill(MEMO)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.get_by_role("heading", name="Submitted on")).to_be_visible()
    expect(page.get_by_role("button", name="Submit for grading")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page, "capstone submitted (phone)")

    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    teacher_page = desk.new_page()
    log_in(teacher_page, base, "tia")
    teacher_page.goto(f"{base}/instructor/cohorts/{cohort.pk}/capstones/")
    expect(teacher_page.get_by_text("To grade", exact=True)).to_be_visible()
    assert_accessible(teacher_page, "capstones to grade")
    teacher_page.get_by_role("link", name="ana").click()
    expect(teacher_page.get_by_text("Open a quiet workshop")).to_be_visible()
    assert_accessible(teacher_page, "grading page")
    teacher_page.get_by_role("group", name="Analysis of the conflict").get_by_label(
        "Thorough (4 points)"
    ).check()
    teacher_page.get_by_role("group", name="Design of the tracks").get_by_label("Sound (3 points)").check()
    teacher_page.get_by_label("Feedback to the learner").fill("A sound design; say who carries the drafts.")
    teacher_page.get_by_role("button", name="Save the grade").click()
    expect(teacher_page.get_by_text("Graded: 7 of 7 points, a pass.")).to_be_visible()
    assert CapstoneSubmission.objects.get().total == 7

    page.reload()
    expect(page.get_by_role("heading", name="Your grade: 7 of 7 points — passed")).to_be_visible()
    expect(page.get_by_text("A sound design; say who carries the drafts.")).to_be_visible()
    expect(page.get_by_text("Your level: Thorough (4 points)")).to_be_visible()
    assert_accessible(page, "capstone graded (phone)")
    phone.close()
    desk.close()
