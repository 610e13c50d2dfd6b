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


# ---- Behind a proxy: the lock keys on the address the proxy saw, never on what the client claims. -------------
# With DJANGO_PROXY_COUNT=1 our one proxy appends the address it received the request from to X-Forwarded-For,
# so the rightmost entry is the real client; everything to its left is whatever the client sent.
PROXY = "10.0.0.2"  # REMOTE_ADDR of every request that came through the proxy
WRONG = "wrong"


def attempt(client, *, remote, xff=None, password=WRONG, username="target"):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


@pytest.fixture
def behind_one_proxy(settings):
    # The values diplomacy/settings.py derives from DJANGO_PROXY_COUNT=1 (tests/test_settings.py checks that).
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    settings.IPWARE_STRICT = False
    return settings


def test_behind_a_proxy_rotating_spoofed_xff_still_locks_the_real_client(client, behind_one_proxy):
    get_user_model().objects.create_user("target", "t@example.org", PASSWORD)
    for n in range(behind_one_proxy.AXES_FAILURE_LIMIT - 1):
        response = attempt(client, remote=PROXY, xff=f"198.51.100.{n}, 203.0.113.7")
        assert response.status_code == 200
    assert attempt(client, remote=PROXY, xff="198.51.100.99, 203.0.113.7").status_code == 429
    # A fresh spoofed prefix, or none at all, does not escape the lock either.
    assert attempt(client, remote=PROXY, xff="192.0.2.1, 192.0.2.2, 203.0.113.7").status_code == 429
    assert attempt(client, remote=PROXY, xff="203.0.113.7", password=PASSWORD).status_code == 429


def test_behind_a_proxy_spoofing_another_address_does_not_lock_that_person_out(client, behind_one_proxy):
    get_user_model().objects.create_user("target", "t@example.org", PASSWORD)
    victim = "203.0.113.50"
    for _ in range(behind_one_proxy.AXES_FAILURE_LIMIT + 1):
        # The attacker claims the victim's address.
        attempt(client, remote=PROXY, xff=f"{victim}, 203.0.113.7")
    assert attempt(client, remote=PROXY, xff="203.0.113.7").status_code == 429
    response = attempt(client, remote=PROXY, xff=victim, password=PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_without_a_proxy_x_forwarded_for_is_ignored_entirely(client, settings):
    assert settings.AXES_IPWARE_META_PRECEDENCE_ORDER == ["REMOTE_ADDR"]
    get_user_model().objects.create_user("target", "t@example.org", PASSWORD)
    attacker, victim = "203.0.113.7", "203.0.113.50"
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, remote=attacker, xff=f"{victim}, 198.51.100.{n}")
    # Locked on the connecting address whatever the header says...
    assert attempt(client, remote=attacker, xff="198.51.100.200").status_code == 429
    assert attempt(client, remote=attacker, xff=victim, password=PASSWORD).status_code == 429
    # ...and the address the header named is untouched.
    assert attempt(client, remote=victim, password=PASSWORD).status_code == 302
