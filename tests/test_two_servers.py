"""Scale-out: two gunicorn processes on one PostgreSQL (and one Redis when REDIS_URL is set) stay consistent.

Runs bench/two_servers.py with two learners. It needs a PostgreSQL server where it may create a scratch
database, so it runs when DATABASE_URL points at PostgreSQL (`make test-postgres` in CI); on SQLite there is
no shared database server to put two app servers in front of.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="two app servers need a shared PostgreSQL: run with DATABASE_URL=postgres://… (make test-postgres)",
    ),
]


def test_two_app_servers_on_one_database_show_each_learner_the_same_progress():
    admin_url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres").geturl()
    command = [
        sys.executable,
        "bench/two_servers.py",
        "--learners",
        "2",
        "--postgres",
        admin_url,
        "--deadline",
        "150",
    ]
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "consistent: every learner's progress" in result.stdout
    # 15 requests a learner, following the emailed sign-up link included.
    assert "2 learners, 30 requests alternating between A and B" in result.stdout
    if os.environ.get("REDIS_URL"):
        assert "read through B's: ok" in result.stdout
