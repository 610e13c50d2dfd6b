"""Fixes from trying the product as a learner (issue 14): the re-rated review says its new rating, the
navigation's due count follows an htmx answer, a styled 403 with the navigation and no traceback in the log,
/favicon.ico answers, the certificate has a print button."""

from __future__ import annotations

import logging
import re

import pytest

from tests.test_review import choice_token, make_due, question, quiz  # noqa: F401 (fixtures)
from training.models import ReviewLog

pytestmark = pytest.mark.django_db


def test_a_re_rated_review_says_its_new_rating(client, learner, question):  # noqa: F811
    card = make_due(learner, question, correct=True)
    client.force_login(learner)
    client.post(f"/review/{card.pk}/answer/", {"choice": choice_token(card, "Build trust first")})
    log = ReviewLog.objects.get(card=card, source="review")
    page = client.get(f"/review/?reviewed={log.pk}").content.decode()
    assert "Right, rated good." in page
    client.post(f"/review/rate/{log.pk}/", {"rating": "easy"})
    page = client.get(f"/review/?reviewed={log.pk}").content.decode()
    assert "Right, rated easy." in page and "rated good" not in page
    assert "Rated: <strong>Easy</strong>" in page


def test_the_due_count_in_the_navigation_follows_an_htmx_answer(client, learner, question):  # noqa: F811
    card = make_due(learner, question)
    client.force_login(learner)
    page = client.get("/review/").content.decode()
    assert '<span class="badge" id="review-due-badge">1<' in page
    response = client.post(
        f"/review/{card.pk}/answer/",
        {"choice": choice_token(card, "Build trust first")},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    # The header is not in the fragment: the badges come out of band, now at zero (hidden).
    assert re.search(r'<span class="badge" id="review-due-badge" hx-swap-oob="true" hidden>0<', html)
    assert re.search(
        r'<span class="badge" id="menu-due-badge" aria-hidden="true" hx-swap-oob="true" hidden>0<', html
    )


def test_forbidden_is_a_page_with_the_navigation_and_one_log_line(client, learner, caplog):
    client.force_login(learner)
    with caplog.at_level(logging.INFO):
        response = client.get("/instructor/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>This page is not open to you</h1>" in html
    assert "The instructor area is for instructors." in html
    assert 'aria-label="Main"' in html and 'href="/review/"' in html  # the site's navigation
    forbidden = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in forbidden] == ["Forbidden (Permission denied): /instructor/"]
    assert all(r.exc_info is None and not r.exc_text for r in forbidden)
    assert "Traceback" not in caplog.text


def test_favicon_ico_answers_with_the_icon_and_is_cached(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")
    assert "max-age=86400" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/favicon.ico", "/courses/", "/healthz", "/accounts/login/"])
def test_a_head_request_gets_the_get_status_and_headers_without_a_body(client, path):
    """Uptime monitors and link checkers send HEAD: every page that answers GET answers HEAD the same way."""
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code == 200, path
    assert head["Content-Type"] == got["Content-Type"]
    assert head.content == b""


def test_a_head_request_to_a_post_only_endpoint_is_still_405(client):
    assert client.head("/accounts/logout/").status_code == 405
