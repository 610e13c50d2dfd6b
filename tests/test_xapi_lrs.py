"""Acceptance (issue 20, 2): a real learning record store — Ralph's LRS with its filesystem backend, started
here from its own venv (`make lrs` builds .venv-lrs) — receives every statement type of a scripted learner
journey; each validates against Ralph's xAPI models; stopping the LRS mid-journey loses nothing (the worker
fails, backs off, and after the restart every statement arrives once) and the pages keep their query budget.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from ralph.models.xapi.base.statements import BaseXapiStatement

from tests.learner_data import make_user
from tests.xapi_journey import (
    EVENTS,
    ROLEPLAY_EVENTS,
    claim_certificate,
    learner_journey,
    load_example_course,
    play_simulation,
    read_lessons,
    review_one,
    roleplay_negotiation,
    take_quiz,
)
from training.models import Quiz, Simulation
from xapi import sender
from xapi.models import QueuedStatement

ROOT = Path(__file__).resolve().parent.parent
LRS_VENV = Path(os.environ.get("LRS_VENV", ROOT / ".venv-lrs"))
USER, PASSWORD = "tracks-test", "tracks-test-password"  # the Makefile's test-only credentials
PORTS = range(8910, 8991)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8910–8990")


class RalphLRS:
    """Ralph's LRS with its filesystem backend (tests/ralph_lrs_server.py) on a loopback port, storing into
    `directory`; start, stop, start again."""

    def __init__(self, directory: Path, port: int):
        self.directory = directory
        self.port = port
        self.process: subprocess.Popen | None = None
        self.log = directory.parent / "ralph.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI"

    def start(self) -> None:
        env = {
            **os.environ,
            "RALPH_AUTH_FILE": str(LRS_VENV / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "PYTHONPATH": "",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.directory),
        }
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [
                    str(LRS_VENV / "bin" / "python"),
                    str(ROOT / "tests" / "ralph_lrs_server.py"),
                    str(self.port),
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=2
                ) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise AssertionError("Ralph did not start within 180 s:\n" + self.log.read_text()[-3000:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def statements(self) -> list[dict]:
        """Every statement the LRS holds (GET /xAPI/statements, following `more`)."""
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
        found: list[dict] = []
        path = "/xAPI/statements?limit=100"
        while path:
            request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers)
            with urllib.request.urlopen(request, timeout=10) as answer:
                page = json.load(answer)
            found += page["statements"]
            path = page.get("more") or ""
        return found


@pytest.fixture
def ralph(tmp_path):
    if not (LRS_VENV / "bin" / "ralph").exists() or not (LRS_VENV / "auth.json").exists():
        if os.environ.get("CI"):
            pytest.fail(f"Ralph's LRS is not installed in {LRS_VENV}: run `make lrs`")
        pytest.skip(f"Ralph's LRS is not installed in {LRS_VENV}: run `make lrs` (make test does)")
    store = tmp_path / "lrs-store"
    store.mkdir()
    lrs = RalphLRS(store, free_port())
    lrs.start()
    yield lrs
    lrs.stop()


def lrs_settings(lrs: RalphLRS):
    return override_settings(
        XAPI_LRS_URL=lrs.url,
        XAPI_LRS_USERNAME=USER,
        XAPI_LRS_PASSWORD=PASSWORD,
        XAPI_ACTIVITY_BASE="https://tracks.example.org/xapi/activities",
        XAPI_ACCOUNT_HOMEPAGE="https://tracks.example.org/",
        XAPI_TIMEOUT_SECONDS=5,
        XAPI_BATCH_SIZE=10,
    )


def second_half(client, user, course) -> None:
    play_simulation(client, Simulation.objects.get(course=course), user, ["dinner", "draft"])
    review_one(client, user)
    claim_certificate(client, course)


def first_half(client, user, course) -> None:
    read_lessons(client, course)
    for quiz in Quiz.objects.visible().filter(course=course):
        take_quiz(client, quiz, user)


def is_outbox_insert(sql: str) -> bool:
    return sql.lstrip().upper().startswith("INSERT") and "xapi_queuedstatement" in sql


@pytest.mark.django_db
def test_every_statement_reaches_ralphs_lrs_once_even_when_it_is_down_mid_journey(client, ralph):
    course = load_example_course()
    warm = make_user("warm-up")  # fills the content caches, so the measured halves below compare alike
    client.force_login(warm)
    learner_journey(client, warm, course)

    # The twin learner, with no LRS configured: the query budget of the second half.
    twin = make_user("twin")
    client.force_login(twin)
    first_half(client, twin, course)
    with CaptureQueriesContext(connection) as without_lrs:
        second_half(client, twin, course)
    assert QueuedStatement.objects.count() == 0

    lena = make_user("lena-lrs")
    client.force_login(lena)
    with lrs_settings(ralph):
        first_half(client, lena, course)
        call_command("send_xapi_statements", stdout=open(os.devnull, "w"))  # noqa: SIM115
        first = set(QueuedStatement.objects.values_list("statement_id", flat=True))
        assert first and QueuedStatement.objects.unsent().count() == 0
        assert {s["id"] for s in ralph.statements()} == {str(i) for i in first}

        ralph.stop()  # the LRS goes down mid-journey: the pages only insert rows
        started = time.monotonic()
        with CaptureQueriesContext(connection) as with_lrs_down:
            second_half(client, lena, course)
        elapsed = time.monotonic() - started
        inserts = [q for q in with_lrs_down.captured_queries if is_outbox_insert(q["sql"])]
        assert len(inserts) == QueuedStatement.objects.unsent().count() > 0
        assert len(with_lrs_down.captured_queries) - len(inserts) == len(without_lrs.captured_queries)
        # A role-play negotiated while the LRS is down: a proposal and the agreement (lena and her twin).
        roleplay_negotiation(lena, twin, make_user("tess-lrs", instructor=True))

        failed_at = timezone.now()
        report = sender.send_due(now=failed_at)
        assert report.sent == 0 and report.failed > 0
        waiting = QueuedStatement.objects.unsent()
        assert {r.attempts for r in waiting} == {1}
        assert all(r.next_attempt_at > failed_at and "LRS unreachable" in r.last_error for r in waiting)
        assert sender.send_due(now=failed_at + timedelta(seconds=1)).batches == 0  # backing off

        ralph.start()  # same store, same port
        report = sender.send_due(now=failed_at + timedelta(hours=2))
        assert report.failed == 0 and QueuedStatement.objects.unsent().count() == 0

        rows = list(QueuedStatement.objects.order_by("pk"))
        stored = ralph.statements()
        ids = [s["id"] for s in stored]
        assert len(ids) == len(set(ids)) == len(rows)  # every statement, each once
        assert set(ids) == {str(r.statement_id) for r in rows}
        by_id = {s["id"]: s for s in stored}
        for row in rows:
            BaseXapiStatement.model_validate(by_id[str(row.statement_id)])
            assert by_id[str(row.statement_id)]["verb"] == row.statement["verb"]
        assert [
            e for e in EVENTS + ROLEPLAY_EVENTS if e in {r.verb for r in rows}
        ] == EVENTS + ROLEPLAY_EVENTS

        # A worker that died after posting, before marking: the resend is stored once (same id).
        resent = rows[0]
        QueuedStatement.objects.filter(pk=resent.pk).update(sent_at=None)
        assert sender.send_due().sent == 1
        # A statement id the LRS already holds with other content: 409, counted as delivered, not resent.
        clash = rows[1]
        changed = {**clash.statement, "timestamp": "2020-01-01T00:00:00.000Z"}
        QueuedStatement.objects.filter(pk=clash.pk).update(sent_at=None, statement=changed)
        assert sender.send_due().sent == 1
        clash.refresh_from_db()
        assert clash.sent_at is not None and clash.last_error == sender.ALREADY_STORED
        after = ralph.statements()
        assert len(after) == len(rows)
        assert {s["id"]: s["timestamp"] for s in after}[str(clash.statement_id)] != changed["timestamp"]
    # Pages with the LRS down never waited on it (no network call from a page; generous for a busy CI box).
    assert elapsed < 60
