"""Scale-out of the role-play's real time (issue 18, acceptance 2): two ASGI servers (uvicorn, separate
processes, production settings) on one PostgreSQL and one Redis. A learner whose socket is open on server A
is told within 2 s about a message the other learner posted through server B, and the fragment A then
serves shows it; and the other way round.

Like tests/test_two_servers.py it needs a PostgreSQL server where it may create a scratch database, so it runs
when DATABASE_URL points at PostgreSQL (`make test-postgres` in CI); it uses REDIS_URL, or Redis on
127.0.0.1:6379 (database 0), with a channel prefix of its own so nothing else on that Redis hears it.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import two_servers as ts  # noqa: E402  (scratch database, server environment, browser, form parsing)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="two app servers need a shared PostgreSQL: run with DATABASE_URL=postgres://… (make test-postgres)",
    ),
]

PASSWORD = "Lantern-river-talks-73"

# Run by `manage.py shell` on the scratch database: the test role-play (tests/roleplay_helpers.py), a cohort
# taught by tess with lena and omar, a session with roles assigned, moved on to its plenary (whole-group talk).
SETUP = f"""
import json
from tests.learner_data import make_user
from tests.roleplay_helpers import load_scenario, make_cohort_with
from roleplay import sessions
tess = make_user("tess", instructor=True)
lena, omar = make_user("lena"), make_user("omar")
for user in (tess, lena, omar):
    user.set_password({PASSWORD!r}); user.save()
roleplay = load_scenario()
session = sessions.start_session(roleplay=roleplay, cohort=make_cohort_with(tess, lena, omar), instructor=tess)
for user in (lena, omar):
    sessions.join_session(session=session, user=user)
(group,) = sessions.assign_roles(session=session)
sessions.start_clock(session=session)
while sessions.current_phase(session).kind != "plenary":
    session = sessions.advance_phase(session=session)
print("SETUP " + json.dumps({{"group": group.pk}}))
"""


def log_in(server: ts.Server, username: str) -> ts.Browser:
    browser = ts.Browser(timeout=20)
    browser.get(server, "/accounts/login/")
    status, url, _ = browser.post(server, "/accounts/login/", {"username": username, "password": PASSWORD})
    assert status == 200 and "/accounts/login/" not in url, f"{username} could not log in on {server.name}"
    return browser


def socket_of(browser: ts.Browser, server: ts.Server, group: int):
    cookies = "; ".join(f"{c.name}={c.value}" for c in browser.jar)
    return connect(
        f"ws://127.0.0.1:{server.port}/ws/roleplay/groups/{group}/",
        origin=server.base,
        additional_headers={"Cookie": cookies},
        open_timeout=10,
    )


def post_message(browser: ts.Browser, server: ts.Server, group: int, text: str) -> None:
    status, _, html = browser.get(server, f"/roleplays/groups/{group}/?channel=group")
    assert status == 200, f"play page on {server.name}: {status}"
    forms = ts.Forms()
    forms.feed(html)
    form = next(f for f in forms.forms if f["action"].endswith(f"/roleplays/groups/{group}/messages/"))
    fields = {name: value for name, value, kind in form["fields"] if kind == "hidden"}
    status, url, _ = browser.post(server, form["action"], {**fields, "text": text})
    assert status == 200 and f"/roleplays/groups/{group}/" in url, (
        f"message through {server.name}: {status} {url}"
    )


def messages_fragment(browser: ts.Browser, server: ts.Server, group: int) -> str:
    request = urllib.request.Request(
        f"{server.base}/roleplays/groups/{group}/?channel=group",
        headers={"HX-Request": "true", "HX-Target": "rp-messages"},
    )
    with browser.opener.open(request, timeout=20) as response:
        return response.read().decode()


def wait_for_ping(socket, seconds: float) -> float:
    """Seconds until the socket said "changed" (fails after `seconds`)."""
    started = time.monotonic()
    while True:
        left = seconds - (time.monotonic() - started)
        assert left > 0, f"no notification within {seconds} s"
        message = json.loads(socket.recv(timeout=left))
        assert message == {"type": "changed"}, message  # never any content
        return time.monotonic() - started


def test_learners_on_two_asgi_servers_see_each_others_messages_through_redis():
    admin_url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres").geturl()
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    with ts.scratch_database(admin_url, "realtime_servers") as (_, database_url, temp):
        env = ts.server_env(
            temp, database_url, REDIS_URL=redis_url, CHANNELS_PREFIX=f"test-{secrets.token_hex(4)}"
        )
        python = str(ts.BIN / "python")
        ts.run([python, "manage.py", "migrate", "--noinput"], env)
        ts.run([python, "manage.py", "collectstatic", "--noinput"], env)
        out = ts.run([python, "manage.py", "shell", "-c", SETUP], env)
        group = json.loads(next(line for line in out.splitlines() if line.startswith("SETUP "))[6:])["group"]

        servers: list[ts.Server] = []
        try:
            for name in ("A", "B"):
                port = ts.free_port()
                log = temp / f"server-{name}.log"
                process = subprocess.Popen(
                    [
                        str(ts.BIN / "uvicorn"),
                        "diplomacy.asgi:application",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--lifespan",
                        "off",
                        "--ws",
                        "websockets-sansio",
                        "--no-access-log",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log.open("wb"),
                    stderr=subprocess.STDOUT,
                )
                servers.append(ts.Server(name, port, process, temp / f"{name}.pid", log))
            a, b = servers
            deadline = time.monotonic() + 60
            for server in servers:
                assert ts.wait_healthy(server, deadline)["checks"] == {"database": "ok", "cache": "ok"}

            lena, omar = log_in(a, "lena"), log_in(b, "omar")
            with socket_of(lena, a, group) as lena_socket, socket_of(omar, b, group) as omar_socket:
                post_message(omar, b, group, "Omar through B: shall we talk about monitoring?")
                assert wait_for_ping(lena_socket, 2.0) < 2.0
                assert "Omar through B: shall we talk about monitoring?" in messages_fragment(lena, a, group)
                assert wait_for_ping(omar_socket, 2.0) < 2.0  # the author's own page hears it too

                post_message(lena, a, group, "Lena through A: a joint commission could work.")
                assert wait_for_ping(omar_socket, 2.0) < 2.0
                fragment = messages_fragment(omar, b, group)
                # Both messages, in the order they were posted, each once.
                first = fragment.index("Omar through B: shall we talk about monitoring?")
                second = fragment.index("Lena through A: a joint commission could work.")
                assert first < second
                assert fragment.count("Lena through A: a joint commission could work.") == 1
        finally:
            for server in servers:
                server.stop()
