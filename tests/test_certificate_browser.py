"""Real Chromium: claim and print a certificate, verify it as a visitor, export my data and delete my account —
with and without JavaScript, axe on every page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from tests.axe import assert_accessible
from tests.factories import make_course, make_lesson, make_module, make_question, make_quiz
from tests.test_certificates import finish_course
from training.models import Certificate, LessonProgress, Quiz

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Browser-certificate-passphrase-1"


def build_course():
    course = make_course(title="Track I and Track II Diplomacy")
    module = make_module(course)
    make_lesson(module, title="Lesson one")
    make_lesson(module, title="Lesson two")
    practice = make_quiz(module, title="Practice quiz")
    make_question(practice)
    assessment = make_quiz(module, title="Module assessment", mode=Quiz.Mode.ASSESSMENT)
    make_question(assessment)
    final = make_quiz(module, title="Final assessment", mode=Quiz.Mode.ASSESSMENT)
    make_question(final)
    course.final_quiz = final
    course.save()
    return course


def journey(
    page: Page, base: str, username: str, scanner: Page | None, visitor: Page, *, javascript: bool
) -> None:
    course = build_course()
    user = get_user_model().objects.create_user(
        username, f"{username}@example.org", PASSWORD, first_name="Noor"
    )
    finish_course(user, course)

    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(base + "/progress/")
    page.get_by_role("link", name="Claim your certificate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your certificate")
    assert_accessible(page, "certificate claim", scanner=scanner)
    page.get_by_label("Your name as it should appear").fill("Noor Al-Amin")
    page.get_by_role("button", name="Issue my certificate").click()
    expect(page.get_by_role("heading", name="Certificate of completion")).to_be_visible()
    expect(page.locator(".certificate")).to_contain_text("Noor Al-Amin")
    # With JavaScript, a button prints (or saves as PDF), itself left out of the print; without, the page says
    # how to print instead of showing a button that cannot work.
    if javascript:
        expect(page.get_by_role("button", name="Print / Save as PDF")).to_be_visible()
        expect(page.locator(".no-print [data-print]")).to_have_count(1)
    else:
        expect(page.locator("[data-print]")).to_be_hidden()
    expect(page.locator(".no-print").first).to_contain_text("Print it with your browser's Print command")
    assert_accessible(page, "certificate print page", scanner=scanner)
    code = Certificate.objects.get(user=user).code
    expect(page.locator(".certificate")).to_contain_text(code)

    # A visitor (another browser, signed out) verifies the code by typing it.
    visitor.goto(base + "/certificates/verify/")
    assert_accessible(visitor, "verify form")
    visitor.get_by_label("Verification code").fill(code.lower())
    visitor.get_by_role("button", name="Verify").click()
    expect(visitor).to_have_url(re.compile(rf"/certificates/{code}/$"))
    expect(visitor.get_by_role("heading", name="Valid certificate")).to_be_visible()
    main = visitor.locator("main").inner_text()
    assert "Noor Al-Amin" in main and "Track I and Track II Diplomacy" in main
    assert username not in main and "@example.org" not in main
    assert_accessible(visitor, "verification page")

    # My data: export, then delete.
    page.goto(base + "/account/data/")
    assert_accessible(page, "my data", scanner=scanner)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data (JSON)").click()
    data = json.loads(Path(download_info.value.path()).read_text(encoding="utf-8"))
    assert data["account"]["username"] == username
    assert data["certificates"][0]["code"] == code

    page.get_by_label("Your password").fill("not my password")
    page.get_by_label("I understand that my account and data will be deleted permanently.").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("alert")).to_contain_text("That password is not right.")
    assert_accessible(page, "my data with error", scanner=scanner)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("I understand that my account and data will be deleted permanently.").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator("#messages")).to_contain_text("Your account and all your data have been deleted.")
    expect(page.get_by_role("link", name="Log in", exact=True)).to_be_visible()
    assert not get_user_model().objects.filter(username=username).exists()
    assert not LessonProgress.objects.filter(user_id=user.pk).exists()

    visitor.reload()
    expect(visitor.get_by_role("heading", name="Not a valid certificate")).to_be_visible()


def test_certificate_and_my_data_with_javascript(page: Page, browser, live_server):
    context = browser.new_context(locale="en-GB")
    try:
        journey(page, live_server.url, "cert_js", None, context.new_page(), javascript=True)
    finally:
        context.close()


def test_certificate_and_my_data_without_javascript(
    no_js_page: Page, axe_scanner: Page, browser, live_server
):
    context = browser.new_context(locale="en-GB")
    try:
        journey(no_js_page, live_server.url, "cert_nojs", axe_scanner, context.new_page(), javascript=False)
    finally:
        context.close()
