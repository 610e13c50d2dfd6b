"""The bare Django page that bench/run measures every page against (bench/bare) takes the app's session: a
learner logged in through the app's own login form is logged in there too, with the app's secret, database
and session settings, and the bare project adds nothing of the app's per-page work."""

from __future__ import annotations

import importlib

from django.conf import global_settings, settings
from django.test import override_settings

from tests.learner_data import PASSWORD

bare = importlib.import_module("bench.bare.settings")


def as_bare_project():
    """The bare project's request handling (its URLs, middleware, templates and backends) in this process."""
    return override_settings(
        ROOT_URLCONF=bare.ROOT_URLCONF,
        MIDDLEWARE=bare.MIDDLEWARE,
        TEMPLATES=bare.TEMPLATES,
        AUTHENTICATION_BACKENDS=bare.AUTHENTICATION_BACKENDS,
        LOGIN_URL=bare.LOGIN_URL,
    )


def test_bare_settings_are_the_apps_for_secret_database_cache_and_sessions():
    assert bare.SECRET_KEY == settings.SECRET_KEY
    assert bare.DATABASES == settings.DATABASES
    assert bare.CACHES == settings.CACHES
    for name in dir(global_settings):
        if name.startswith("SESSION_"):
            assert getattr(bare, name, getattr(global_settings, name)) == getattr(settings, name), name
    assert bare.MIDDLEWARE == [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ]


def test_a_session_from_the_apps_login_form_opens_the_bare_page(client, learner):
    response = client.post("/accounts/login/", {"username": learner.username, "password": PASSWORD})
    assert response.status_code == 302
    with as_bare_project():
        page = client.get("/")
    assert page.status_code == 200
    assert f"Signed in as {learner.username}" in page.content.decode()
    assert page.content.decode().count("<li>") == 5


def test_the_bare_page_sends_a_visitor_to_log_in(client, db):
    with as_bare_project():
        page = client.get("/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/login/?next=/")
