"""Sign up, log in, log out, password change and reset, through real HTTP with the test client."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a-Long-unusual-passphrase-42"


def signup(client, username="amira", email="amira@example.org", next_url=None, password=PASSWORD):
    data = {"username": username, "email": email, "password1": password, "password2": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/accounts/signup/", data)


def test_signup_page_renders_a_labelled_form(client):
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_email">' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_signup_creates_the_user_logs_them_in_and_redirects_home(client):
    response = signup(client)
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(username="amira")
    assert user.email == "amira@example.org"
    assert user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    page = client.get("/")
    assert "Signed in as <strong>amira</strong>" in page.content.decode()


def test_signup_follows_a_local_next_but_refuses_an_offsite_one(client):
    assert signup(client, next_url="/healthz")["Location"] == "/healthz"
    client.logout()
    response = signup(client, username="bo", email="bo@example.org", next_url="https://evil.example.com/")
    assert response["Location"] == "/"


def test_signup_rejects_a_duplicate_email_and_mismatched_passwords(client):
    User.objects.create_user("first", "taken@example.org", PASSWORD)
    response = signup(client, username="second", email="TAKEN@example.org")
    assert response.status_code == 200
    assert "An account already uses this email address." in response.content.decode()
    response = client.post(
        "/accounts/signup/",
        {"username": "third", "email": "t@example.org", "password1": PASSWORD, "password2": PASSWORD + "x"},
    )
    assert response.status_code == 200
    assert "The two password fields didn" in response.content.decode()
    assert not User.objects.filter(username__in=["second", "third"]).exists()


def test_login_with_next_and_wrong_password_message(client):
    User.objects.create_user("kofi", "kofi@example.org", PASSWORD)
    bad = client.post("/accounts/login/", {"username": "kofi", "password": "nope"})
    assert bad.status_code == 200
    assert "Please enter a correct username and password" in bad.content.decode()
    good = client.post("/accounts/login/", {"username": "kofi", "password": PASSWORD, "next": "/healthz"})
    assert good.status_code == 302
    assert good["Location"] == "/healthz"
    client.logout()
    offsite = client.post(
        "/accounts/login/", {"username": "kofi", "password": PASSWORD, "next": "//evil.example.com"}
    )
    assert offsite["Location"] == "/"


def test_logout_needs_post_and_ends_the_session(client):
    user = User.objects.create_user("lena", "lena@example.org", PASSWORD)
    client.force_login(user)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change_requires_login_and_changes_the_password(client):
    assert client.get("/accounts/password/change/")["Location"].startswith("/accounts/login/?next=")
    user = User.objects.create_user("mika", "mika@example.org", PASSWORD)
    client.force_login(user)
    new = "another-Long-passphrase-77"
    response = client.post(
        "/accounts/password/change/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response["Location"] == "/accounts/password/change/done/"
    user.refresh_from_db()
    assert user.check_password(new)


def test_password_reset_by_email_round_trip(client):
    user = User.objects.create_user("nia", "nia@example.org", PASSWORD)
    response = client.post("/accounts/password/reset/", {"email": "nia@example.org"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nia@example.org"]
    assert message.subject == "Reset your Diplomacy Tracks password"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    new = "reset-Long-passphrase-99"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done["Location"] == "/accounts/password/reset/done/"
    user.refresh_from_db()
    assert user.check_password(new)


def test_password_reset_for_unknown_email_sends_nothing_but_says_the_same(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"}, follow=True)
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []


def test_instructors_group_exists_after_migrations():
    assert Group.objects.filter(name="Instructors").exists()


def test_demo_accounts_are_refused_with_debug_off():
    with pytest.raises(CommandError, match="refused when DEBUG is off"):
        call_command("create_demo_accounts")


def test_demo_accounts_created_and_reset_with_debug_on(settings, capsys):
    settings.DEBUG = True
    call_command("create_demo_accounts")
    call_command("create_demo_accounts")  # safe to run again
    learner = User.objects.get(username="learner")
    instructor = User.objects.get(username="instructor")
    assert learner.check_password("learn-tracks-demo") and not learner.is_staff
    assert instructor.check_password("teach-tracks-demo") and instructor.is_staff
    assert instructor.groups.filter(name="Instructors").exists()
    out = capsys.readouterr().out
    assert "username: learner" in out and "password: learn-tracks-demo" in out


def test_unknown_page_gets_the_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
