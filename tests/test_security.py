"""Security properties of every endpoint, found by walking the URL configuration (tests/endpoints.py).

A new URL is covered the moment it exists: it must be classified in tests/endpoints.py RULES (the test
`test_every_url_is_classified_and_its_parameters_can_be_filled` fails until it is), and from then on every
test below runs against it.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.test import Client
from django.utils.crypto import get_random_string
from django.utils.http import url_has_allowed_host_and_scheme

from tests.endpoints import (  # noqa: F401
    ADMIN,
    LEARNER_ROWS,
    LOGIN,
    LTI,
    OWNER,
    PASSWORD,
    PUBLIC,
    STAFF,
    Endpoint,
    learner_data_model,
    walk,
    world_fixture,
)

pytestmark = pytest.mark.django_db

# Each of these is a way browsers or sloppy checks have been tricked into leaving the site.
HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "http:evil.example",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https://testserver.evil.example/",
    "javascript:alert(1)",
    " //evil.example/",
]


def _classified(*accesses: str) -> list[Endpoint]:
    """Endpoints with one of these access kinds; unclassified ones fail the first test below instead."""
    chosen = []
    for endpoint in walk():
        try:
            if endpoint.rule.access in accesses:
                chosen.append(endpoint)
        except LookupError:
            continue
    return chosen


def _ids(endpoints: list[Endpoint]) -> list[str]:
    return [endpoint.name for endpoint in endpoints]


ALL = walk()
NON_ADMIN = [e for e in ALL if not e.name.startswith("admin:")]


def logged_in(user, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def csrf_client(user=None) -> tuple[Client, str]:
    """A client that enforces CSRF, with a valid token (as a browser would have from any page)."""
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    token = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
    client.cookies[settings.CSRF_COOKIE_NAME] = token  # an unmasked secret is a valid token for itself
    return client, token


def request(client: Client, method: str, path: str, token: str | None = None, data: dict | None = None):
    if method == "GET":
        return client.get(path, data or {})
    payload = dict(data or {})
    if token:
        payload["csrfmiddlewaretoken"] = token
    return client.post(path, payload)


def is_login_redirect(response, path: str | None, login_path: str = "/accounts/login/") -> bool:
    """A redirect to the login page that comes back to `path` (None: to any page of this site; a POST-only
    action sends the visitor back to the page it was on, e.g. the lesson for "Mark complete")."""
    if response.status_code != 302:
        return False
    location = urlsplit(response["Location"])
    back_to = parse_qs(location.query).get("next", [""])
    if path is None:
        return location.path == login_path and back_to[0].startswith("/") and not back_to[0].startswith("//")
    return location.path == login_path and back_to == [path]


def main_method(endpoint: Endpoint) -> str:
    return "GET" if "GET" in endpoint.rule.methods else "POST"


# ---- The map itself ----------------------------------------------------------------------------------------------


def test_every_url_is_classified_and_its_parameters_can_be_filled(world):
    problems = []
    for endpoint in ALL:
        try:
            rule = endpoint.rule
            endpoint.path(world)
        except (LookupError, AssertionError) as error:
            problems.append(str(error))
            continue
        if rule.access == PUBLIC and not rule.why:
            problems.append(f"{endpoint.name} is PUBLIC without a reason (Rule(..., why=...))")
    assert not problems, "\n".join(problems)


def test_the_walker_sees_the_reserved_learner_urls():
    names = set(_ids(ALL))
    # The walker must see what the site serves; these exist from the foundation on.
    assert {"home", "healthz", "login", "signup", "admin:index"} <= names


# ---- CSRF --------------------------------------------------------------------------------------------------------


# LTI's platform-to-tool endpoints take cross-site POSTs from the LMS by design (tested below instead).
CSRF_CHECKED = [e for e in ALL if e.rule.access != LTI]


@pytest.mark.parametrize("endpoint", CSRF_CHECKED, ids=_ids(CSRF_CHECKED))
def test_post_without_csrf_token_is_refused(world, endpoint):
    path = endpoint.path(world)
    # The admin's endpoints share one CSRF path (admin_view); one logged-in probe each keeps this quick.
    users = (
        (world.instructor,) if endpoint.name.startswith("admin:") else (None, world.learner, world.instructor)
    )
    for user in users:
        client = Client(enforce_csrf_checks=True)
        if user is not None:
            client.force_login(user)
        response = client.post(path, {"anything": "1"})
        assert response.status_code == 403, f"POST {path} as {user or 'visitor'} without a CSRF token"
        htmx = client.post(path, {"anything": "1"}, headers={"HX-Request": "true"})
        assert htmx.status_code == 403, f"htmx POST {path} as {user or 'visitor'} without a CSRF token"


# ---- Methods -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", NON_ADMIN, ids=_ids(NON_ADMIN))
def test_methods_the_endpoint_does_not_serve_get_405(world, endpoint):
    path = endpoint.path(world)
    client, token = csrf_client(world.instructor if endpoint.rule.access == STAFF else world.learner)
    for method in {"GET", "POST"} - set(endpoint.rule.methods):
        response = request(client, method, path, token)
        assert response.status_code == 405, f"{method} {path}"
    assert client.put(path).status_code in (403, 405), f"PUT {path}"  # 403: CSRF refuses it first


# ---- Visitors ----------------------------------------------------------------------------------------------------

PUBLIC_PAGES = [e for e in _classified(PUBLIC) if "GET" in e.rule.methods]


@pytest.mark.parametrize("endpoint", PUBLIC_PAGES, ids=_ids(PUBLIC_PAGES))
def test_public_pages_are_public_by_design(world, endpoint):
    response = Client().get(endpoint.path(world), follow=True)  # the old /tracks/ URLs redirect into a course
    assert response.status_code == 200


LOGIN_ONLY = _classified(LOGIN, OWNER)


@pytest.mark.parametrize("endpoint", LOGIN_ONLY, ids=_ids(LOGIN_ONLY))
def test_visitor_is_sent_to_log_in(world, endpoint):
    path = endpoint.path(world)
    client, token = csrf_client()
    for method in endpoint.rule.methods:
        response = request(client, method, path, token)
        back_to = path if method == "GET" else None
        assert is_login_redirect(response, back_to), f"{method} {path} → {response.status_code}"


LTI_ENDPOINTS = _classified(LTI)


@pytest.mark.parametrize("endpoint", LTI_ENDPOINTS, ids=_ids(LTI_ENDPOINTS))
def test_lti_endpoints_refuse_anything_but_a_platforms_signed_message(world, endpoint):
    """Without a registered platform's parameters and signed id_token: a 400 page saying why, for visitors and
    signed-in learners alike, and nobody is signed in by it."""
    path = endpoint.path(world)
    for user in (None, world.learner):
        client = Client(enforce_csrf_checks=True)
        if user is not None:
            client.force_login(user)
        for method in endpoint.rule.methods:
            data = {"id_token": "not.a.jwt", "state": "state-x"} if method == "POST" else {}
            response = client.get(path, data) if method == "GET" else client.post(path, data)
            assert response.status_code == 400, f"{method} {path} as {user or 'visitor'}"
            assert b"could not be" in response.content or b"open the link" in response.content
            assert client.session.get("_auth_user_id") == (str(user.pk) if user else None)


STAFF_ONLY = _classified(STAFF)


@pytest.mark.parametrize("endpoint", STAFF_ONLY, ids=_ids(STAFF_ONLY))
def test_visitor_cannot_reach_instructor_pages(world, endpoint):
    path = endpoint.path(world)
    client, token = csrf_client()
    for method in endpoint.rule.methods:
        response = request(client, method, path, token)
        assert is_login_redirect(response, path) or response.status_code in (403, 404), f"{method} {path}"


# ---- Learner A's objects -----------------------------------------------------------------------------------------

OWNED = _classified(OWNER)


@pytest.mark.parametrize("endpoint", OWNED, ids=_ids(OWNED))
def test_another_learner_gets_404_for_learner_as_object(world, endpoint):
    path = endpoint.path(world)
    client, token = csrf_client(world.other)
    for method in endpoint.rule.methods:
        for headers in ({}, {"HX-Request": "true"}):
            if method == "GET":
                response = client.get(path, headers=headers)
            else:
                body = {**(endpoint.rule.sample or {}), "csrfmiddlewaretoken": token}
                response = client.post(path, body, headers=headers)
            assert response.status_code == 404, f"{method} {path} {headers} as learner B"


@pytest.mark.parametrize("endpoint", OWNED, ids=_ids(OWNED))
def test_the_owner_reaches_their_own_object(world, endpoint):
    # Without this, the 404 above could come from a wrongly filled URL rather than from the ownership check.
    path = endpoint.path(world)
    client, token = csrf_client(world.learner)
    method = main_method(endpoint)
    response = request(client, method, path, token, data=endpoint.rule.sample)
    if method == "GET":
        # 200, or a redirect to where the object stands (e.g. results of an attempt still open → the attempt)
        assert response.status_code in (200, 302), f"GET {path} as its owner → {response.status_code}"
        if response.status_code == 302:
            assert not response["Location"].startswith("/accounts/login/"), response["Location"]
    else:
        assert response.status_code not in (403, 404, 405), (
            f"POST {path} as its owner → {response.status_code}"
        )
        assert response.status_code < 500


# ---- Instructor area and admin -----------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", STAFF_ONLY, ids=_ids(STAFF_ONLY))
def test_instructor_pages_refuse_learners(world, endpoint):
    path = endpoint.path(world)
    client, token = csrf_client(world.learner)
    for method in endpoint.rule.methods:
        response = request(client, method, path, token)
        assert response.status_code in (403, 404), f"{method} {path} as a learner → {response.status_code}"


INSTRUCTOR_PAGES = [e for e in STAFF_ONLY if "GET" in e.rule.methods]


@pytest.mark.parametrize("endpoint", INSTRUCTOR_PAGES, ids=_ids(INSTRUCTOR_PAGES))
def test_instructor_pages_serve_instructors(world, endpoint):
    response = logged_in(world.instructor).get(endpoint.path(world))
    assert response.status_code == 200


ADMIN_PAGES = _classified(ADMIN)


@pytest.mark.parametrize("endpoint", ADMIN_PAGES, ids=_ids(ADMIN_PAGES))
def test_the_admin_refuses_learners_and_visitors(world, endpoint):
    path = endpoint.path(world)
    for user, methods in ((world.learner, ("GET", "POST")), (None, ("GET",))):
        client, token = csrf_client(user)
        for method in methods:
            response = request(client, method, path, token)
            assert is_login_redirect(response, path, login_path="/admin/login/") or (
                response.status_code in (403, 404)
            ), f"{method} {path} as {user or 'visitor'} → {response.status_code}"


def test_the_admin_serves_instructors(world):
    assert logged_in(world.instructor).get("/admin/").status_code == 200


# Learner data in the admin: the list and the object pages of every learner-data model (its row: learner A's).
LEARNER_DATA_PAGES = [
    e
    for e in ADMIN_PAGES
    if learner_data_model(e.name) and e.name.endswith(("_changelist", "_change", "_history"))
]


def test_every_learner_data_admin_is_walked():
    models = {learner_data_model(e.name) for e in LEARNER_DATA_PAGES}
    assert models == set(LEARNER_ROWS)
    assert len(LEARNER_DATA_PAGES) == 3 * len(LEARNER_ROWS)


def _row(world, endpoint: Endpoint):
    return getattr(world, LEARNER_ROWS[learner_data_model(endpoint.name)])


@pytest.mark.parametrize("endpoint", LEARNER_DATA_PAGES, ids=_ids(LEARNER_DATA_PAGES))
def test_an_instructor_of_another_cohort_sees_none_of_learner_as_data_in_the_admin(world, endpoint):
    path = endpoint.path(world)
    response = logged_in(world.other_instructor).get(path)
    if endpoint.name.endswith("_changelist"):
        assert response.status_code == 200, path
        assert _row(world, endpoint).pk not in {row.pk for row in response.context["cl"].result_list}, path
        html = response.content.decode()
        assert world.learner.username not in html and world.cohort.code not in html, path
    else:
        # An object outside the admin's queryset: Django's "doesn't exist" redirect, as for an unknown id.
        assert (response.status_code, response.get("Location")) == (302, "/admin/"), path


@pytest.mark.parametrize("endpoint", LEARNER_DATA_PAGES, ids=_ids(LEARNER_DATA_PAGES))
def test_the_instructor_of_learner_as_cohort_sees_their_data_in_the_admin(world, endpoint):
    # Without this, the refusals above could come from a wrongly filled URL rather than from the rule.
    path = endpoint.path(world)
    response = logged_in(world.instructor).get(path)
    assert response.status_code == 200, path
    if endpoint.name.endswith("_changelist"):
        assert _row(world, endpoint).pk in {row.pk for row in response.context["cl"].result_list}, path


# ---- `next` ------------------------------------------------------------------------------------------------------


def stays_on_site(response) -> bool:
    if response.status_code not in (301, 302, 303, 307, 308):
        return True
    location = response["Location"]
    return url_has_allowed_host_and_scheme(
        location, allowed_hosts={"testserver"}
    ) and not location.startswith(("//", "/\\", "\\"))


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_login_refuses_to_redirect_off_site(world, hostile):
    client, token = csrf_client()
    response = client.post(
        f"/accounts/login/?next={hostile}",
        {"username": "learner-a", "password": PASSWORD, "next": hostile, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    # Already logged in: the login page redirects too (redirect_authenticated_user), and must stay on site.
    again = client.get("/accounts/login/", {"next": hostile})
    assert again.status_code == 302 and stays_on_site(again), again["Location"]


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_signup_refuses_to_redirect_off_site(world, hostile):
    client, token = csrf_client()
    response = client.post(
        f"/accounts/signup/?next={hostile}",
        {
            "username": "newcomer",
            "email": "new@example.org",
            "next": hostile,
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/accounts/signup/sent/"
    # The emailed link finishes the sign-up; it carries `next` and must not lead off site either.
    link = re.search(r"http://testserver(/accounts/signup/confirm/\S+/)", mail.outbox[-1].body).group(1)
    response = client.post(
        link, {"new_password1": PASSWORD, "new_password2": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/"
    again = client.get("/accounts/signup/", {"next": hostile})
    assert again.status_code == 302 and stays_on_site(again), again["Location"]


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_admin_login_refuses_to_redirect_off_site(world, hostile):
    client, token = csrf_client()
    response = client.post(
        "/admin/login/",
        {"username": "instructor-i", "password": PASSWORD, "next": hostile, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert stays_on_site(response), response["Location"]


NEXT_TAKERS = [
    e for e in ALL if _classified(PUBLIC, LOGIN, OWNER, STAFF, ADMIN).count(e) and e.rule.takes_next
]


def test_the_views_that_take_next_are_all_tested():
    tested = {"login", "signup", "admin:login"}
    untested = {e.name for e in NEXT_TAKERS} - tested
    assert not untested, f"write a test like test_login_refuses_to_redirect_off_site for {untested}"


@pytest.mark.parametrize("endpoint", NON_ADMIN, ids=_ids(NON_ADMIN))
def test_no_endpoint_redirects_off_site_whatever_next_says(world, endpoint):
    # Every endpoint, whatever it does with `next`: a hostile one in the query or the form never leads away.
    path = endpoint.path(world)
    for user in (world.learner, None):
        client, token = csrf_client(user)
        for hostile in HOSTILE_NEXT[:3]:
            for method in endpoint.rule.methods:
                if method == "GET":
                    response = client.get(path, {"next": hostile})
                else:
                    response = client.post(
                        f"{path}?next={hostile}", {"next": hostile, "csrfmiddlewaretoken": token}
                    )
                assert response.status_code < 500, f"{method} {path} next={hostile}"
                assert stays_on_site(response), f"{method} {path} next={hostile} → {response['Location']}"


@pytest.mark.parametrize("odd", ["0", "home", "evil.example", "javascript:alert(1)"])
def test_a_next_that_is_not_a_path_falls_back_to_home(world, odd):
    # Found by tests/test_fuzz.py: redirect() used to try reversing "0" as a view name (a 500).
    client, token = csrf_client(world.learner)
    response = client.post("/accounts/signup/", {"next": odd, "csrfmiddlewaretoken": token})
    assert (response.status_code, response["Location"]) == (302, "/")
