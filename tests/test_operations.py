"""Operations: one log line per request with a request id, and the health check of the shared Redis cache."""

from __future__ import annotations

import logging
import socket

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_settings(url: str) -> dict:
    return {
        "REDIS_URL": url,
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}},
    }


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "training.requests"]


@pytest.mark.django_db
def test_every_response_carries_a_new_request_id_and_one_log_line(client, caplog):
    caplog.set_level(logging.INFO, logger="training.requests")
    first = client.get("/healthz", secure=True)
    second = client.get("/healthz", secure=True)
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert len(first["X-Request-ID"]) == 32
    records = request_lines(caplog)
    assert len(records) == 2
    record = records[0]
    assert record.request_id == first["X-Request-ID"]
    assert (record.method, record.path, record.status_code, record.user_id) == ("GET", "/healthz", 200, "-")
    assert record.duration_ms >= 0
    message = record.getMessage()
    assert message.startswith(f"request_id={first['X-Request-ID']} method=GET path=/healthz status=200 ")
    assert message.endswith(" user=-")


@pytest.mark.django_db
def test_a_sane_incoming_request_id_is_kept(client, caplog):
    caplog.set_level(logging.INFO, logger="training.requests")
    response = client.get("/healthz", secure=True, headers={"X-Request-ID": "lb-7f3a9c2e-0001"})
    assert response["X-Request-ID"] == "lb-7f3a9c2e-0001"
    assert request_lines(caplog)[0].request_id == "lb-7f3a9c2e-0001"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming",
    ["short", "has space in it", "line\\nbreak-forged", "x" * 201, 'quote"injection', "ümlaut-123456"],
)
def test_an_unsafe_incoming_request_id_is_replaced(client, caplog, incoming):
    caplog.set_level(logging.INFO, logger="training.requests")
    response = client.get("/healthz", secure=True, headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32
    assert request_lines(caplog)[0].request_id == response["X-Request-ID"]


@pytest.mark.django_db
def test_the_log_line_names_the_logged_in_user_and_the_error_status(client, caplog):
    user = get_user_model().objects.create_user("logged", password="a-long-pass-phrase")
    client.force_login(user)
    caplog.set_level(logging.INFO, logger="training.requests")
    response = client.get("/no-such-page/", secure=True)
    assert response.status_code == 404
    record = request_lines(caplog)[-1]
    assert (record.status_code, record.user_id, record.path) == (404, user.pk, "/no-such-page/")
    assert record.request_id == response["X-Request-ID"]


@pytest.mark.django_db
def test_a_newline_in_the_path_cannot_forge_a_log_line(client, caplog):
    caplog.set_level(logging.INFO, logger="training.requests")
    client.get("/x%0Arequest_id=forged/", secure=True)
    message = request_lines(caplog)[-1].getMessage()
    assert "\n" not in message
    assert " path=/x%0Arequest_id=forged/ status=404 " in message


@pytest.mark.django_db
def test_healthz_checks_the_shared_redis_cache_when_configured(client):
    with override_settings(**redis_settings(REDIS_URL)):
        response = client.get("/healthz", secure=True)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


@pytest.mark.django_db
def test_healthz_is_503_when_redis_does_not_answer(client):
    with override_settings(**redis_settings(f"redis://127.0.0.1:{unused_port()}/0")):
        response = client.get("/healthz", secure=True)
    assert response.status_code == 503
    payload = response.json()
    assert payload["status"] == "unavailable"
    assert payload["checks"]["database"] == "ok"
    assert payload["checks"]["cache"] == "error: ConnectionError"


@pytest.mark.django_db
def test_healthz_does_not_check_a_cache_when_no_redis_is_configured(client):
    with override_settings(REDIS_URL=""):
        response = client.get("/healthz", secure=True)
    assert response.json()["checks"] == {"database": "ok"}
