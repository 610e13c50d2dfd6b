"""Sign up, log in, log out, password change and reset, through real HTTP with the test client."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a-Long-unusual-passphrase-42"


def signup(client, username="amira", email="amira@example.org", next_url=None, **extra):
    data = {"username": username, "email": email}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/accounts/signup/", data, **extra)


def emailed_link(message) -> str:
    return re.search(r"http://testserver(/accounts/\S+/)", message.body).group(1)


def confirm(client, link, password=PASSWORD, password2=None):
    return client.post(link, {"new_password1": password, "new_password2": password2 or password})


def visible_text(response) -> str:
    """The page as a person reads it: tags, the CSRF token and whitespace runs removed."""
    html = re.sub(r'<input type="hidden" name="csrfmiddlewaretoken"[^>]*>', "", response.content.decode())
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_signup_page_renders_a_labelled_form(client):
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_email">' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_signup_emails_a_link_that_creates_the_account_and_logs_in(client):
    response = signup(client)
    assert (response.status_code, response["Location"]) == (302, "/accounts/signup/sent/")
    assert not User.objects.filter(username="amira").exists()  # nothing exists until the link is followed
    assert "Check your email" in client.get("/accounts/signup/sent/").content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amira@example.org"]
    assert message.subject == "Confirm your Diplomacy Tracks account"
    link = emailed_link(message)
    page = client.get(link)
    assert page.status_code == 200
    assert "Choose a password for amira" in page.content.decode()
    response = confirm(client, link)
    assert (response.status_code, response["Location"]) == (302, "/")
    user = User.objects.get(username="amira")
    assert user.email == "amira@example.org"
    assert user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert "Signed in as <strong>amira</strong>" in client.get("/").content.decode()


def test_a_signup_link_works_once(client):
    signup(client)
    link = emailed_link(mail.outbox[0])
    confirm(client, link)
    client.logout()
    again = client.get(link)
    assert again.status_code == 200
    assert "This link no longer works" in again.content.decode()
    confirm(client, link, password="another-Long-passphrase-77")
    assert User.objects.filter(username="amira").count() == 1
    assert User.objects.get(username="amira").check_password(PASSWORD)


def test_a_tampered_signup_link_creates_nothing(client):
    signup(client)
    link = emailed_link(mail.outbox[0])
    forged = link.replace("/confirm/", "/confirm/x")
    assert "This link no longer works" in client.get(forged).content.decode()
    confirm(client, forged)
    assert not User.objects.exists()


def test_an_expired_signup_link_creates_nothing(client, settings):
    signup(client)
    link = emailed_link(mail.outbox[0])
    settings.PASSWORD_RESET_TIMEOUT = -1  # links last as long as password reset links
    assert "This link no longer works" in client.get(link).content.decode()
    confirm(client, link)
    assert not User.objects.exists()


def test_signup_follows_a_local_next_but_refuses_an_offsite_one(client):
    signup(client, next_url="/healthz")
    assert confirm(client, emailed_link(mail.outbox[-1]))["Location"] == "/healthz"
    client.logout()
    signup(client, username="bo", email="bo@example.org", next_url="https://evil.example.com/")
    assert confirm(client, emailed_link(mail.outbox[-1]))["Location"] == "/"


def test_signup_with_a_registered_email_looks_the_same_and_tells_the_owner(client):
    owner = User.objects.create_user("first", "taken@example.org", PASSWORD)
    fresh = signup(client, username="newcomer", email="new@example.org", follow=True)
    taken = signup(client, username="second", email="TAKEN@example.org", follow=True)
    assert fresh.redirect_chain == taken.redirect_chain == [("/accounts/signup/sent/", 302)]
    assert fresh.status_code == taken.status_code == 200
    assert [t.name for t in fresh.templates] == [t.name for t in taken.templates]
    assert visible_text(fresh) == visible_text(taken)
    assert "Check your email" in visible_text(taken)
    assert not User.objects.filter(username="second").exists()
    assert list(User.objects.filter(email__iexact="taken@example.org")) == [owner]
    assert len(mail.outbox) == 2
    notice = mail.outbox[1]
    assert notice.to == ["taken@example.org"]
    assert notice.subject == "Someone tried to sign up with your email address"
    assert "If it was you, log in as first" in notice.body
    assert "http://testserver/accounts/login/" in notice.body
    assert "http://testserver/accounts/password/reset/" in notice.body
    assert "second" not in notice.body  # the requester's chosen name is theirs, not the owner's business


def test_a_link_for_an_address_registered_meanwhile_creates_nothing(client):
    signup(client)
    link = emailed_link(mail.outbox[0])
    User.objects.create_user("quicker", "amira@example.org", PASSWORD)
    assert "This link no longer works" in client.get(link).content.decode()
    confirm(client, link)
    assert not User.objects.filter(username="amira").exists()


def test_signup_still_reports_a_taken_username_and_the_link_checks_the_passwords(client):
    User.objects.create_user("amira", "someone@example.org", PASSWORD)
    taken = signup(client, email="other@example.org")
    assert taken.status_code == 200
    assert "A user with that username already exists." in taken.content.decode()
    assert mail.outbox == []
    signup(client, username="third", email="t@example.org")
    response = confirm(client, emailed_link(mail.outbox[0]), password2=PASSWORD + "x")
    assert response.status_code == 200
    assert "The two password fields didn" in response.content.decode()
    assert not User.objects.filter(username="third").exists()


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


@override_settings(SITE_NAME="Peace Academy")
def test_every_account_email_names_the_site_from_settings(client):
    """Sign-up, the note to an address's owner and password reset all say SITE_NAME, never the shipped name."""
    User.objects.create_user("owner", "taken@example.org", PASSWORD)
    signup(client, username="newcomer", email="new@example.org")
    signup(client, username="second", email="taken@example.org")
    client.post("/accounts/password/reset/", {"email": "taken@example.org"})
    confirm, taken_note, reset = mail.outbox
    assert confirm.subject == "Confirm your Peace Academy account"
    assert "create a Peace Academy account" in confirm.body
    assert "new Peace Academy account" in taken_note.body
    assert reset.subject == "Reset your Peace Academy password"
    assert "your Peace Academy account" in reset.body
    for message in mail.outbox:
        assert "Diplomacy Tracks" not in message.subject + message.body
