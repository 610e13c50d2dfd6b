"""Login throttling (django-axes) and the Content-Security-Policy header."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db
PASSWORD = "Throttle-test-passphrase-1"


def test_five_failures_lock_the_account_out_with_a_clear_message(client, settings):
    get_user_model().objects.create_user("target", "t@example.org", PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/login/", {"username": "target", "password": "wrong"})
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    locked = client.post("/accounts/login/", {"username": "target", "password": "wrong"})
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed log-in attempts" in page
    assert "paused for 15 minutes after 5 failed attempts" in page
    # Even the right password is refused during the cool-off.
    still = client.post("/accounts/login/", {"username": "target", "password": PASSWORD})
    assert still.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_resets_the_count(client, settings):
    get_user_model().objects.create_user("steady", "s@example.org", PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/accounts/login/", {"username": "steady", "password": "wrong"})
    assert client.post("/accounts/login/", {"username": "steady", "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/accounts/login/", {"username": "steady", "password": "wrong"}).status_code == 200


def test_other_accounts_are_not_locked_by_someone_elses_failures(client, settings):
    get_user_model().objects.create_user("bystander", "b@example.org", PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "victim", "password": "wrong"})
    assert client.post("/accounts/login/", {"username": "bystander", "password": PASSWORD}).status_code == 302


def test_every_page_sends_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
