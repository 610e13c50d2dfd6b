#!/usr/bin/env python3
"""Two app servers, one PostgreSQL: learners driven through both alternately see one consistent state.

    .venv/bin/python bench/two_servers.py [--learners 3] [--postgres postgres://postgres@127.0.0.1:5432/postgres]

Creates a scratch database on that PostgreSQL server, migrates it, loads the shipped course, collects the
static files into a temporary folder and starts two gunicorn processes (DEBUG off, a random secret key,
plain HTTP) on two free loopback ports. Each learner then signs up on A, logs out on B, logs in on A, opens
and completes a lesson on B, starts a quiz and answers a question on A, starts a simulation on B and makes
a choice on A, and finally reads their own data export on B — which must show exactly what was done,
whichever server did it. With REDIS_URL set, both servers also use that Redis as their cache: a value
written through one server's configuration is read back through the other's, and both health checks report
the cache. Everything is bounded (a request timeout, a deadline for the whole run) and the servers and the
scratch database are removed at the end. Exit status 0 when everything is consistent.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COURSE = ROOT / "fixtures" / "diplomacy-tracks"
# Unlike the usernames ("two-servers-…"): Django's similarity validator refused about 1 sign-up in 20 when
# the password shared their prefix, which made this check fail at random.
PASSWORD = "Quiet-harbour-lantern-58"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Forms(HTMLParser):
    """Every POST form of a page: its action and its fields (name, value, type)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": []}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "button", "textarea") and a.get("name"):
            self._form["fields"].append((a["name"], a.get("value") or "", a.get("type") or tag))
        elif self._form is not None and tag == "select":
            self._select = a.get("name")
        elif self._form is not None and tag == "option" and self._select and a.get("value"):
            self._form["fields"].append((self._select, a["value"], "option"))
            self._select = None  # take the first real option

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def answer_payload(fields: list[tuple[str, str, str]]) -> dict[str, list[str]]:
    """A plausible answer: hidden fields kept, the first radio of each group, every number input numbered."""
    data: dict[str, list[str]] = {}
    numbers = 0
    for name, value, kind in fields:
        if kind in ("hidden", "option", "submit") and name not in data:
            data.setdefault(name, []).append(value)
        elif kind in ("radio", "checkbox") and name not in data:
            data[name] = [value]
        elif kind == "number":
            numbers += 1
            data[name] = [str(numbers)]
    return data


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    pid_file: Path
    log: Path | None = None  # its output, where the console email backend prints the emails it sends

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Browser:
    """One learner's cookie jar, shared by both servers (as behind a load balancer on one host name)."""

    def __init__(self, timeout: float) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.timeout = timeout
        self.requests = 0

    def csrf(self) -> str:
        return next(c.value or "" for c in self.jar if c.name == "csrftoken")

    def get(self, server: Server, path: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(server.base + path), server)

    def post(self, server: Server, path: str, data: dict) -> tuple[int, str, str]:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}, doseq=True).encode()
        return self._open(urllib.request.Request(server.base + path, data=body, method="POST"), server)

    def _open(self, request: urllib.request.Request, server: Server) -> tuple[int, str, str]:
        self.requests += 1
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, response.geturl().removeprefix(server.base), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, request.full_url.removeprefix(server.base), error.read().decode()


def run(command: list[str], env: dict, timeout: float = 300) -> str:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def wait_healthy(server: Server, deadline: float) -> dict:
    while True:
        try:
            with urllib.request.urlopen(server.base + "/healthz", timeout=5) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            return json.loads(error.read())
        except OSError:
            if server.process.poll() is not None:
                output = server.log.read_text(errors="replace") if server.log else ""
                raise SystemExit(f"server {server.name} exited:\n{output}") from None
            if time.monotonic() > deadline:
                raise SystemExit(f"server {server.name} did not answer in time") from None
            time.sleep(0.2)


@contextmanager
def scratch_database(admin_url: str, prefix: str) -> Iterator[tuple[str, str, Path]]:
    """A scratch database (its name and URL) on the PostgreSQL server at `admin_url`, whose user may create
    databases, and a temporary folder; both removed at the end, whatever happens."""
    import psycopg  # only needed here

    name = f"{prefix}_{secrets.token_hex(4)}"
    database_url = urllib.parse.urlunsplit(urllib.parse.urlsplit(admin_url)._replace(path=f"/{name}"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    temp = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    try:
        yield name, database_url, temp
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(temp, ignore_errors=True)


def server_env(temp: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production-like app server (DEBUG off, a random secret key, plain HTTP on
    loopback) on `database_url`, with its home and static files in `temp`."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(temp),
        "DJANGO_SETTINGS_MODULE": "diplomacy.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_STATIC_ROOT": str(temp / "static"),
        "DATABASE_URL": database_url,
        **extra,
    }


def prepare_database(env: dict[str, str]) -> None:
    """Migrate the scratch database, load the shipped course and collect the static files."""
    python = str(BIN / "python")
    run([python, "manage.py", "migrate", "--noinput"], env)
    run([python, "manage.py", "load_curriculum", str(COURSE)], env)
    run([python, "manage.py", "collectstatic", "--noinput"], env)


def course_slugs(env: dict) -> dict:
    script = (
        "import json;"
        "from training.models import Lesson, Quiz, Simulation;"
        "q = [x for x in Quiz.objects.published().in_order() if x.questions.published().exists()];"
        "quiz = next(x for x in q if x.questions.published().in_order().first().kind == 'single');"
        "print(json.dumps({'lesson': Lesson.objects.published().in_order().first().slug, 'quiz': quiz.slug,"
        " 'simulation': Simulation.objects.published().in_order().first().slug}))"
    )
    return json.loads(
        run([str(BIN / "python"), "manage.py", "shell", "-c", script], env).strip().splitlines()[-1]
    )


def emailed_link(servers: list[Server], email: str, timeout: float = 20) -> str | None:
    """The path of the sign-up link emailed to `email` by either server (printed to its log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for server in servers:
            text = server.log.read_text(errors="replace") if server.log else ""
            start = text.find(f"To: {email}")
            match = (
                re.search(r"https?://\S+?(/accounts/signup/confirm/\S+/)", text[start:])
                if start >= 0
                else None
            )
            if match:
                return match[1]
        time.sleep(0.5)
    return None


def drive_learner(index: int, a: Server, b: Server, slugs: dict, timeout: float) -> tuple[list[str], int]:
    """One learner's journey alternating servers; returns the problems found and the requests made."""
    problems: list[str] = []
    browser = Browser(timeout)
    username = f"two-servers-{index}-{secrets.token_hex(3)}"

    def expect(condition: bool, what: str) -> None:
        if not condition:
            problems.append(f"{username}: {what}")

    email = f"{username}@example.org"
    browser.get(a, "/accounts/signup/")
    status, url, _ = browser.post(a, "/accounts/signup/", {"username": username, "email": email})
    expect(status == 200 and url == "/accounts/signup/sent/", f"sign up on A landed on {status} {url}")
    link = emailed_link([a, b], email)
    expect(link is not None, "no sign-up email arrived")
    if link is None:
        return problems, browser.requests
    browser.get(b, link)
    status, url, _ = browser.post(b, link, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    expect(status == 200 and url == "/", f"choosing the password on B landed on {status} {url}")
    status, url, _ = browser.post(b, "/accounts/logout/", {})
    expect(status == 200, f"log out on B → {status}")
    browser.get(a, "/accounts/login/")
    status, url, _ = browser.post(a, "/accounts/login/", {"username": username, "password": PASSWORD})
    expect(status == 200 and url == "/", f"log in on A landed on {status} {url}")

    lesson = f"/lessons/{slugs['lesson']}/"
    status, _, _ = browser.get(b, lesson)
    expect(status == 200, f"lesson on B → {status}")
    status, url, _ = browser.post(b, lesson + "complete/", {})
    expect(status == 200 and url.startswith(lesson), f"complete on B → {status} {url}")

    status, url, html = browser.post(a, f"/quizzes/{slugs['quiz']}/start/", {})
    expect(status == 200 and "/questions/1/" in url, f"quiz start on A → {status} {url}")
    forms = Forms()
    forms.feed(html)
    question_form = next((f for f in forms.forms if f["action"] in ("", url)), None)
    expect(question_form is not None, f"no answer form on {url}")
    if question_form is not None:
        status, _, _ = browser.post(a, url, answer_payload(question_form["fields"]))
        expect(status == 200, f"answer on A → {status}")

    status, url, html = browser.post(b, f"/simulations/{slugs['simulation']}/start/", {})
    expect(status == 200 and "/runs/" in url, f"simulation start on B → {status} {url}")
    forms = Forms()
    forms.feed(html)
    choose = next((f for f in forms.forms if f["action"].endswith("/choose/")), None)
    expect(choose is not None, f"no choice form on {url}")
    if choose is not None:
        status, _, _ = browser.post(a, choose["action"], answer_payload(choose["fields"]))
        expect(status == 200, f"choice on A → {status}")

    status, _, _ = browser.get(b, "/progress/")
    expect(status == 200, f"progress on B → {status}")
    status, url, body = browser.get(b, "/account/data/export/")
    expect(status == 200, f"export on B → {status}")
    data = None
    if status == 200:
        try:
            data = json.loads(body)
        except ValueError:
            problems_here = f"export on B at {url!r} was not JSON: {body[:300]!r}"
            expect(False, problems_here)
    if data is not None:
        done = [
            row for row in data["lesson_progress"] if row["lesson"] == slugs["lesson"] and row["completed_at"]
        ]
        expect(len(done) == 1, f"lesson completed on B not in the export: {data['lesson_progress']}")
        responses = [r for attempt in data["quiz_attempts"] for r in attempt["responses"]]
        expect(
            len(data["quiz_attempts"]) == 1 and len(responses) == 1, f"answer on A: {data['quiz_attempts']}"
        )
        steps = [s for run_ in data["simulation_runs"] for s in run_["steps"]]
        expect(
            len(data["simulation_runs"]) == 1 and len(steps) == 1, f"choice on A: {data['simulation_runs']}"
        )
    return problems, browser.requests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=3)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL URL whose user may create databases (a scratch database is made and dropped)",
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--deadline", type=float, default=240, help="seconds for the whole run")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.deadline

    with scratch_database(args.postgres, "two_servers") as (scratch, database_url, temp):
        servers: list[Server] = []
        try:
            env = server_env(temp, database_url, **({"REDIS_URL": args.redis_url} if args.redis_url else {}))
            python = str(BIN / "python")
            prepare_database(env)
            slugs = course_slugs(env)
            for name in ("A", "B"):
                port = free_port()
                pid_file = temp / f"gunicorn-{name}.pid"
                process = subprocess.Popen(
                    [
                        str(BIN / "gunicorn"),
                        "diplomacy.wsgi:application",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        "1",
                        "--pid",
                        str(pid_file),
                        "--no-control-socket",
                        "--log-level",
                        "warning",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=(temp / f"server-{name}.log").open("wb"),
                    stderr=subprocess.STDOUT,
                )
                servers.append(Server(name, port, process, pid_file, temp / f"server-{name}.log"))
            a, b = servers
            problems: list[str] = []
            for server in servers:
                health = wait_healthy(server, deadline)
                expected = {"database": "ok", **({"cache": "ok"} if args.redis_url else {})}
                if health.get("checks") != expected:
                    problems.append(f"health of {server.name}: {health}")
            print(f"two servers up: A on :{a.port}, B on :{b.port}, one database {scratch}")

            if args.redis_url:
                # Each server's configuration (same environment, separate processes): written by one, read by the other.
                key, value = secrets.token_hex(6), secrets.token_hex(6)
                run([python, "manage.py", "cache_probe", "set", key, value], {**env, "SERVER": "A"})
                seen = run([python, "manage.py", "cache_probe", "get", key], {**env, "SERVER": "B"}).strip()
                print(
                    f"shared cache: written through A's configuration, read through B's: {'ok' if seen == value else 'NO'}"
                )
                if seen != value:
                    problems.append(f"cache value written by A not seen by B ({seen!r} != {value!r})")

            total = 0
            for index in range(args.learners):
                if time.monotonic() > deadline:
                    problems.append("deadline reached before every learner finished")
                    break
                found, made = drive_learner(index, a, b, slugs, timeout=20)
                problems += found
                total += made
            print(f"{args.learners} learners, {total} requests alternating between A and B")
            if problems:
                print("INCONSISTENT:\n  " + "\n  ".join(problems))
                return 1
            print(
                "consistent: every learner's progress, answers and choices are the same through both servers"
            )
            return 0
        finally:
            for server in servers:
                server.stop()


if __name__ == "__main__":
    sys.exit(main())
