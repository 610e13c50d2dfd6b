"""Real Chromium: sign up → log out → log in → change password, with and without JavaScript, axe on every page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import Page, expect

from tests.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Chromium-journey-passphrase-1"
NEW_PASSWORD = "Chromium-journey-passphrase-2"


def emailed_path(body: str) -> str:
    """The path of the sign-up link in an email (the live server shares this process's mail outbox)."""
    return re.search(r"https?://[^/\s]+(/accounts/signup/confirm/\S+/)", body).group(1)


def account_journey(page: Page, base: str, username: str, scanner: Page | None = None) -> None:
    page.goto(base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Diplomacy Tracks")
    assert_accessible(page, "home (visitor)", scanner=scanner)

    page.get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    assert_accessible(page, "sign up", scanner=scanner)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page, "sign-up email sent", scanner=scanner)
    page.goto(base + emailed_path(mail.outbox[-1].body))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Choose a password for {username}")
    assert_accessible(page, "sign-up: choose a password", scanner=scanner)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text(f"Welcome, {username}!")
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(f"Signed in as {username}")
    assert_accessible(page, "home (learner)", scanner=scanner)

    page.get_by_role("navigation", name="Account").get_by_text("Signed in as").click()  # the account menu
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    assert_accessible(page, "log in", scanner=scanner)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    assert_accessible(page, "log in with error", scanner=scanner)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(f"Signed in as {username}")

    page.get_by_role("navigation", name="Account").get_by_text("Signed in as").click()  # the account menu
    page.get_by_role("link", name="Password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    assert_accessible(page, "password change", scanner=scanner)
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password:", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Password changed")
    assert_accessible(page, "password changed", scanner=scanner)

    user = get_user_model().objects.get(username=username)
    assert user.check_password(NEW_PASSWORD)


def test_account_journey_with_javascript(page: Page, live_server):
    account_journey(page, live_server.url, "journey_js")


def test_account_journey_without_javascript(no_js_page: Page, axe_scanner: Page, live_server):
    account_journey(no_js_page, live_server.url, "journey_nojs", scanner=axe_scanner)
