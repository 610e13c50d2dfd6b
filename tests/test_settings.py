"""Settings come from environment variables; bad values stop start-up with a message naming the variable."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from diplomacy.env import env_bool, env_int, env_list, env_origins

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a clean environment holding only what the test gives (plus PATH)."""
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("1", True), ("On", True), ("no", False), ("0", False)]
)
def test_env_bool_accepts_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG", not expected) is expected


def test_env_bool_rejects_maybe_naming_the_variable(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
        env_bool("X_FLAG", False)


def test_env_int_and_list(monkeypatch):
    monkeypatch.setenv("X_NUM", "12")
    monkeypatch.setenv("X_LIST", " a.org, b.org ,,")
    assert env_int("X_NUM", 3) == 12
    assert env_list("X_LIST") == ["a.org", "b.org"]
    monkeypatch.setenv("X_NUM", "twelve")
    with pytest.raises(ImproperlyConfigured, match="X_NUM='twelve' is not a whole number"):
        env_int("X_NUM", 3)


def test_env_origins_need_a_scheme(monkeypatch):
    monkeypatch.setenv("X_ORIGINS", "example.org")
    with pytest.raises(ImproperlyConfigured, match="X_ORIGINS has 'example.org'"):
        env_origins("X_ORIGINS")


def test_malformed_debug_stops_startup_with_the_variable_named():
    result = run_manage("check", env={"DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG='maybe' is not a boolean" in result.stderr


def test_missing_secret_key_with_debug_off_stops_startup():
    result = run_manage("check", env={"DJANGO_ALLOWED_HOSTS": "example.org"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_bad_redis_url_is_refused():
    result = run_manage("check", env={"DJANGO_DEBUG": "true", "REDIS_URL": "localhost:6379"})
    assert result.returncode != 0
    assert "REDIS_URL='localhost:6379' must start with redis://" in result.stderr


def test_check_deploy_is_clean_with_only_the_three_production_variables(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "tracks.example.org",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_defaults_are_secure(tmp_path):
    script = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.STORAGES['staticfiles']['BACKEND'])"
    )
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "diplomacy.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "tracks.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "True",
        "31536000",
        "True",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]


def test_database_url_and_sqlite_options(settings):
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        assert db["OPTIONS"] == {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    else:
        assert db["ENGINE"] == "django.db.backends.postgresql"
        assert db["CONN_HEALTH_CHECKS"] is True
    assert db["CONN_MAX_AGE"] == 60


def test_a_sqlite_file_runs_in_wal_mode_with_persistent_connections(tmp_path):
    """Connections persist on SQLite too (no schema re-read per request), with WAL so readers and the
    writer of several worker processes do not wait for each other."""
    script = (
        "import django; django.setup(); from django.conf import settings as s; from django.db import connection;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); mode = c.fetchone()[0];"
        "c.execute('PRAGMA synchronous'); sync = c.fetchone()[0];"
        "print(mode, sync, s.DATABASES['default']['CONN_MAX_AGE'], s.SESSION_ENGINE)"
    )
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "diplomacy.settings",
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wal.sqlite3'}",
    }
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    # synchronous 1 is NORMAL; without a cache the sessions stay in the database alone.
    assert result.stdout.split() == ["wal", "1", "60", "django.contrib.sessions.backends.db"], result.stderr


def test_with_redis_sessions_are_read_from_the_cache():
    script = "import django; django.setup(); from django.conf import settings as s; print(s.SESSION_ENGINE)"
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "diplomacy.settings",
        "DJANGO_DEBUG": "true",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "django.contrib.sessions.backends.cached_db", result.stderr


def _client_address_settings(**env: str) -> subprocess.CompletedProcess[str]:
    script = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.AXES_IPWARE_META_PRECEDENCE_ORDER, s.AXES_IPWARE_PROXY_COUNT, getattr(s, 'IPWARE_STRICT', None))"
    )
    clean = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "diplomacy.settings",
        "DJANGO_DEBUG": "true",
    }
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_without_a_proxy_count_only_the_connecting_address_counts():
    result = _client_address_settings()
    assert result.stdout.strip() == "['REMOTE_ADDR'] None None", result.stderr


def test_proxy_count_reads_the_address_our_proxy_added_to_x_forwarded_for():
    # tests/test_login_throttling.py's behind_one_proxy fixture uses these values.
    result = _client_address_settings(DJANGO_PROXY_COUNT="1")
    assert result.stdout.strip() == "['HTTP_X_FORWARDED_FOR', 'REMOTE_ADDR'] 0 False", result.stderr
    result = _client_address_settings(DJANGO_PROXY_COUNT="2")
    assert result.stdout.strip() == "['HTTP_X_FORWARDED_FOR', 'REMOTE_ADDR'] 1 False", result.stderr


def test_a_negative_proxy_count_stops_startup_with_the_variable_named():
    result = run_manage("check", env={"DJANGO_DEBUG": "true", "DJANGO_PROXY_COUNT": "-1"})
    assert result.returncode != 0
    assert "DJANGO_PROXY_COUNT='-1' must be at least 0" in result.stderr
