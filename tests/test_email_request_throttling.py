"""Sign-up and password-reset requests send email: each is limited per client address and per email address."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a-Long-unusual-passphrase-42"
LIMITED = "Too many requests"


@pytest.fixture
def limits(settings):
    settings.EMAIL_REQUESTS_PER_HOUR = {"address": 3, "email": 2}
    return settings.EMAIL_REQUESTS_PER_HOUR


def signup(client, n, email=None, remote="203.0.113.7"):
    data = {"username": f"person{n}", "email": email or f"person{n}@example.org"}
    return client.post("/accounts/signup/", data, REMOTE_ADDR=remote)


def reset(client, email, remote="203.0.113.7"):
    return client.post("/accounts/password/reset/", {"email": email}, REMOTE_ADDR=remote)


def test_signups_from_one_address_are_limited_and_the_refusal_sends_and_creates_nothing(client, limits):
    for n in range(limits["address"]):
        assert signup(client, n).status_code == 302
    assert len(mail.outbox) == limits["address"]
    refused = signup(client, 99)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert LIMITED in page
    assert "Try again in an hour" in page
    assert len(mail.outbox) == limits["address"]
    assert not User.objects.exists()
    # Another address is not affected.
    assert signup(client, 100, remote="198.51.100.20").status_code == 302


def test_signups_for_one_email_are_limited_whatever_the_address(client, limits):
    for n in range(limits["email"]):
        assert signup(client, n, email="target@example.org", remote=f"198.51.100.{n}").status_code == 302
    refused = signup(client, 99, email="TARGET@example.org", remote="192.0.2.1")
    assert refused.status_code == 429
    assert LIMITED in refused.content.decode()
    assert len(mail.outbox) == limits["email"]


def test_signup_limit_counts_the_same_for_a_registered_email(client, limits):
    User.objects.create_user("owner", "taken@example.org", PASSWORD)
    for n in range(limits["email"]):
        signup(client, n, email="taken@example.org", remote=f"198.51.100.{n}")
    assert signup(client, 99, email="taken@example.org", remote="192.0.2.1").status_code == 429
    assert len(mail.outbox) == limits["email"]
    assert User.objects.count() == 1


def test_password_resets_are_limited_per_email_and_per_address(client, limits):
    User.objects.create_user("nia", "nia@example.org", PASSWORD)
    for n in range(limits["email"]):
        assert reset(client, "nia@example.org", remote=f"198.51.100.{n}").status_code == 302
    refused = reset(client, "nia@example.org", remote="192.0.2.1")
    assert refused.status_code == 429
    assert LIMITED in refused.content.decode()
    assert len(mail.outbox) == limits["email"]
    for n in range(limits["address"]):
        assert reset(client, f"nobody{n}@example.org", remote="192.0.2.50").status_code == 302
    assert reset(client, "nia@example.org", remote="192.0.2.50").status_code == 429


def test_signup_and_reset_count_separately(client, limits):
    User.objects.create_user("nia", "nia@example.org", PASSWORD)
    for n in range(limits["address"]):
        signup(client, n)
    assert reset(client, "nia@example.org").status_code == 302
    assert len(mail.outbox) == limits["address"] + 1


def test_behind_a_proxy_the_limit_keys_on_the_address_the_proxy_saw(client, limits, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    settings.IPWARE_STRICT = False
    for n in range(limits["address"]):
        response = client.post(
            "/accounts/signup/",
            {"username": f"p{n}", "email": f"p{n}@example.org"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7",
        )
        assert response.status_code == 302
    spoofed = client.post(
        "/accounts/signup/",
        {"username": "p9", "email": "p9@example.org"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.7",
    )
    assert spoofed.status_code == 429
    other = client.post(
        "/accounts/signup/",
        {"username": "p10", "email": "p10@example.org"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )
    assert other.status_code == 302
