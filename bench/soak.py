#!/usr/bin/env python3
"""Soak test: two app servers on one PostgreSQL (and Redis), simulated learners and an instructor for N minutes.

    bench/soak [--minutes 10] [--learners 8] [--workers 2] [--postgres URL] [--redis-url URL]

Creates a scratch database, migrates it, loads the shipped course, collects the static files and starts two
gunicorn servers (DEBUG off, `--workers` sync workers each) on loopback ports, both on that database and, with
`--redis-url` (default: $REDIS_URL, else redis://127.0.0.1:6379/15 when a Redis answers there), on one Redis
cache. Then, until the time is up, each simulated learner — one thread, a cookie jar, every request sent to
either server at random as a load balancer would — signs up, joins the cohort, and loops over a mixed
workload: read a lesson and mark it complete, take a quiz (start, answer every question, submit), play a
simulation to an ending, answer due review cards, open the dashboard. An instructor reads the cohort's
statistics pages and CSVs. Think time between requests: 0–`--think` seconds.

It reports the requests, the responses by status, p50/p99 per page, and each server's memory (RSS of the
gunicorn master and workers) after the warm-up and at the end. Then it checks the database against what the
clients saw acknowledged: every acknowledged answer is stored exactly once in its attempt, every
acknowledged submission is scored from its responses (nothing counted twice), every acknowledged simulation
choice is one step, every acknowledged review is logged. Exit status 0 when there was no server error and
nothing was lost or duplicated. Everything is bounded (request timeouts, the duration, a grace period) and the
servers and the scratch database are removed at the end. Loopback only.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from two_servers import (  # noqa: E402
    BIN,
    ROOT,
    Browser,
    Forms,
    Server,
    emailed_link,
    free_port,
    prepare_database,
    run,
    scratch_database,
    server_env,
    wait_healthy,
)

PASSWORD = "Quiet-harbour-lantern-58"
QUESTION_URL = re.compile(r"^/quizzes/(?P<slug>[^/]+)/attempts/(?P<attempt>\d+)/questions/1/")
RUN_URL = re.compile(r"^/simulations/(?P<slug>[^/]+)/runs/(?P<run>\d+)/")


# --- What the clients saw ---------------------------------------------------------------------------------


@dataclass
class Ledger:
    """Every request's outcome, and what the server acknowledged (to check against the database)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    answers: set[tuple[int, int]] = field(default_factory=set)  # (attempt id, question number)
    submitted: set[int] = field(default_factory=set)  # attempt ids
    steps: set[tuple[int, int]] = field(default_factory=set)  # (run id, step number)
    reviews: Counter = field(default_factory=Counter)  # username → review answers acknowledged
    usernames: list[str] = field(default_factory=list)

    def record(self, page: str, method: str, status: int, seconds: float, url: str) -> None:
        with self.lock:
            self.timings[page].append(seconds)
            self.statuses[status] += 1
            if status >= 500:
                self.server_errors.append(f"{status} {method} {url}")


class Client:
    """One simulated person: a Browser whose requests go to either server at random."""

    def __init__(
        self,
        servers: list[Server],
        ledger: Ledger,
        timeout: float,
        think: float,
        rng: random.Random,
        address: str,
    ):
        self.browser = Browser(timeout)
        # As behind the proxy the servers are told about (DJANGO_PROXY_COUNT=1): each person has an address of
        # their own (from TEST-NET-3, a documentation range: only ever a header value, never a destination).
        self.browser.opener.addheaders.append(("X-Forwarded-For", address))
        self.servers = servers
        self.ledger = ledger
        self.think = think
        self.rng = rng

    def _timed(self, page: str, method: str, call) -> tuple[int, str, str]:
        time.sleep(self.rng.uniform(0, self.think))
        server = self.rng.choice(self.servers)
        started = time.perf_counter()
        try:
            status, url, body = call(server)
        except OSError as error:  # a timeout or a refused connection: counted, never fatal to the run
            status, url, body = 599, "", str(error)
        self.ledger.record(page, method, status, time.perf_counter() - started, url)
        return status, url, body

    def get(self, page: str, path: str) -> tuple[int, str, str]:
        return self._timed(page, "GET", lambda server: self.browser.get(server, path))

    def post(self, page: str, path: str, data: dict) -> tuple[int, str, str]:
        return self._timed(page, "POST", lambda server: self.browser.post(server, path, data))


def answer_fields(fields: list[tuple[str, str, str]], rng: random.Random) -> dict[str, list[str]]:
    """A random but well-formed answer to a question form: one radio, some checkboxes, distinct positions,
    a category for each item."""
    data: dict[str, list[str]] = {}
    radios: dict[str, list[str]] = defaultdict(list)
    positions: list[str] = []
    categories: dict[str, list[str]] = defaultdict(list)
    for name, value, kind in fields:
        if kind == "hidden":
            data.setdefault(name, []).append(value)
        elif kind == "radio":
            radios[name].append(value)
        elif kind == "checkbox":
            if rng.random() < 0.5 or name not in data:
                data.setdefault(name, []).append(value)
        elif kind == "option" and name.startswith("position-") and name not in positions:
            positions.append(name)
        elif kind == "option" and name.startswith("category-"):
            categories[name].append(value)
    for name, values in radios.items():
        data[name] = [rng.choice(values)]
    order = list(range(1, len(positions) + 1))
    rng.shuffle(order)
    for name, place in zip(positions, order, strict=True):
        data[name] = [str(place)]
    for name, values in categories.items():
        data[name] = [rng.choice(values)]
    return data


class AllOptions(Forms):
    """Like two_servers.Forms, but keeps every option of a select (a sort question needs a choice of buckets)."""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._form is not None and tag == "option" and self._select and a.get("value"):
            self._form["fields"].append((self._select, a["value"], "option"))
            return
        super().handle_starttag(tag, attrs)


def forms_of(html: str) -> list[dict]:
    parser = AllOptions()
    parser.feed(html)
    return parser.forms


def links(html: str, prefix: str) -> list[str]:
    return sorted(set(re.findall(rf'href="({re.escape(prefix)}[^"#?]+/)"', html)))


# --- The learners and the instructor ----------------------------------------------------------------------


def learner(index: int, client: Client, code: str, until: float, ledger: Ledger) -> None:
    username = f"soak-{index}-{secrets.token_hex(3)}"
    email = f"{username}@example.org"
    client.get("signup", "/accounts/signup/")
    client.post("signup", "/accounts/signup/", {"username": username, "email": email})
    link = emailed_link(client.servers, email)
    if link is None:
        with ledger.lock:
            ledger.server_errors.append(f"no sign-up email reached {email}")
        return
    client.get("signup confirm", link)
    client.post("signup confirm", link, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    _, _, page = client.get("home", "/")
    if username not in page:  # the confirmation did not sign them in: log in
        client.get("login", "/accounts/login/")
        client.post("login", "/accounts/login/", {"username": username, "password": PASSWORD})
    with ledger.lock:
        ledger.usernames.append(username)
    client.get("cohort join", "/cohorts/join/")
    client.post("cohort join", "/cohorts/join/", {"code": code})
    _, _, home = client.get("home", "/")
    lessons = links(home, "/lessons/") or ["/lessons/"]
    quizzes = links(home, "/quizzes/")
    simulations = links(home, "/simulations/")
    actions = [
        (3, lambda: read_lesson(client, client.rng.choice(lessons))),
        (3, lambda: take_quiz(client, client.rng.choice(quizzes), ledger) if quizzes else None),
        (2, lambda: play(client, client.rng.choice(simulations), ledger) if simulations else None),
        (2, lambda: review(client, username, ledger)),
        (1, lambda: client.get("dashboard", "/progress/")),
    ]
    weights = [weight for weight, _ in actions]
    while time.monotonic() < until:
        client.rng.choices(actions, weights)[0][1]()


def read_lesson(client: Client, path: str) -> None:
    status, _, _ = client.get("lesson", path)
    if status == 200 and client.rng.random() < 0.5:
        client.post("lesson complete", path + "complete/", {})


def take_quiz(client: Client, path: str, ledger: Ledger) -> None:
    client.get("quiz intro", path)
    status, url, html = client.post("quiz start", path + "start/", {})
    match = QUESTION_URL.match(url)
    if status != 200 or not match:
        return  # attempts used up, or the request failed: counted in the statuses
    attempt = int(match["attempt"])
    base = url.removesuffix("1/").removesuffix("questions/").rstrip("/") + "/"
    total = int(m[1]) if (m := re.search(r"Question 1 of (\d+)", html)) else 1
    for number in range(1, total + 1):
        question = f"{base}questions/{number}/"
        status, url, html = client.get("quiz question", question)
        if status != 200:
            break
        form = next((f for f in forms_of(html) if f["action"] in ("", question)), None)
        if form is not None and any(kind != "hidden" for _, _, kind in form["fields"]):
            status, url, _ = client.post("quiz answer", question, answer_fields(form["fields"], client.rng))
            if status == 200 and url.startswith(question):
                with ledger.lock:
                    ledger.answers.add((attempt, number))
    status, url, _ = client.post("quiz submit", base + "submit/", {})
    if status == 200 and url.endswith("/results/"):
        with ledger.lock:
            ledger.submitted.add(attempt)


def play(client: Client, path: str, ledger: Ledger) -> None:
    client.get("simulation intro", path)
    status, url, html = client.post("simulation start", path + "start/", {})
    for _ in range(30):
        match = RUN_URL.match(url)
        choose = next((f for f in forms_of(html) if f["action"].endswith("/choose/")), None)
        if status != 200 or not match or choose is None:
            return
        fields = {name: value for name, value, kind in choose["fields"] if kind == "hidden"}
        options = [value for name, value, kind in choose["fields"] if name == "option"]
        if not options:
            return
        data = {**fields, "option": client.rng.choice(options)}
        status, url, html = client.post("simulation choice", choose["action"], data)
        if status == 200 and RUN_URL.match(url) and "step" in fields:
            with ledger.lock:
                ledger.steps.add((int(match["run"]), int(fields["step"])))


def review(client: Client, username: str, ledger: Ledger) -> None:
    for _ in range(5):
        status, _, html = client.get("review", "/review/")
        form = next((f for f in forms_of(html) if f["action"].endswith("/answer/")), None)
        if status != 200 or form is None:
            return
        status, url, _ = client.post(
            "review answer", form["action"], answer_fields(form["fields"], client.rng)
        )
        if status == 200 and "reviewed=" in url:
            with ledger.lock:
                ledger.reviews[username] += 1


def instructor(client: Client, username: str, cohort_id: int, until: float) -> None:
    client.get("login", "/accounts/login/")
    client.post("login", "/accounts/login/", {"username": username, "password": PASSWORD})
    base = f"/instructor/cohorts/{cohort_id}/"
    while time.monotonic() < until:
        _, _, html = client.get("instructor cohort", base)
        pages = links(html, base)
        for path in [
            base + "learners.csv",
            base + "quizzes.csv",
            *client.rng.sample(pages, min(3, len(pages))),
        ]:
            client.get("instructor statistics", path)


# --- Servers, memory, the database check -----------------------------------------------------------------


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (the gunicorn master and its workers), in KiB."""
    total = 0
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    for one in [pid, *map(int, children.split())]:
        try:
            status = Path(f"/proc/{one}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        total += int(match[1]) if match else 0
    return total


def check_database(database_url: str, ledger: Ledger) -> list[str]:
    """What the clients saw acknowledged, against what the database holds."""
    import psycopg

    problems: list[str] = []
    with psycopg.connect(database_url) as conn:
        attempts = {
            pk: (question_ids, submitted, score)
            for pk, question_ids, submitted, score in conn.execute(
                "SELECT id, question_ids, submitted_at IS NOT NULL, score FROM training_quizattempt"
            )
        }
        stored: Counter = Counter()
        scores: dict[int, float] = defaultdict(float)
        for attempt_id, question_id, score in conn.execute(
            "SELECT attempt_id, question_id, score FROM training_response"
        ):
            stored[(attempt_id, question_id)] += 1
            scores[attempt_id] += score
        for attempt_id, number in sorted(ledger.answers):
            question_ids = attempts.get(attempt_id, ([], False, None))[0]
            key = (attempt_id, question_ids[number - 1] if number <= len(question_ids) else None)
            if stored[key] != 1:
                problems.append(
                    f"answer to question {number} of attempt {attempt_id} stored {stored[key]} times"
                )
        problems += [f"{key} stored {n} times" for key, n in stored.items() if n > 1]
        for attempt_id in sorted(ledger.submitted):
            _, submitted, score = attempts.get(attempt_id, (None, False, None))
            if not submitted:
                problems.append(f"attempt {attempt_id}: submission acknowledged but not stored")
            elif score is None or abs(score - round(scores[attempt_id], 4)) > 1e-6:
                problems.append(
                    f"attempt {attempt_id}: score {score} but its responses add up to {scores[attempt_id]}"
                )
        steps = Counter(conn.execute("SELECT run_id, number FROM training_simulationstep").fetchall())
        for key in sorted(ledger.steps):
            if steps[key] != 1:
                problems.append(f"simulation run {key[0]} step {key[1]} stored {steps[key]} times")
        logged = dict(
            conn.execute(
                "SELECT u.username, COUNT(*) FROM training_reviewlog l JOIN training_reviewcard c ON c.id = l.card_id "
                "JOIN auth_user u ON u.id = c.user_id WHERE l.source = 'review' GROUP BY u.username"
            ).fetchall()
        )
        for username, acknowledged in sorted(ledger.reviews.items()):
            if logged.get(username, 0) != acknowledged:
                problems.append(
                    f"{username}: {acknowledged} reviews acknowledged, {logged.get(username, 0)} logged"
                )
    return problems


def redis_answers(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--learners", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--think", type=float, default=0.2, help="the longest pause between requests (s)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL URL whose user may create databases (a scratch database is made and dropped)",
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    redis_url = args.redis_url or (
        "redis://127.0.0.1:6379/15" if redis_answers("redis://127.0.0.1:6379") else ""
    )

    with scratch_database(args.postgres, "soak") as (scratch, database_url, temp):
        servers: list[Server] = []
        try:
            env = server_env(
                temp, database_url, DJANGO_PROXY_COUNT="1", **({"REDIS_URL": redis_url} if redis_url else {})
            )
            python = str(BIN / "python")
            prepare_database(env)
            setup = (
                "from django.contrib.auth.models import Group, User;"
                "from training.cohorts import create_cohort;"
                "from training.models import Course;"
                "from training.permissions import INSTRUCTORS_GROUP;"
                f"u = User.objects.create_user('soak-instructor', 'soak@example.org', '{PASSWORD}', is_staff=True);"
                "u.groups.add(Group.objects.get(name=INSTRUCTORS_GROUP));"
                "c = create_cohort(name='Soak cohort', course=Course.objects.get(), instructor=u);"
                "print(c.pk, c.code)"
            )
            cohort_id, code = run([python, "manage.py", "shell", "-c", setup], env).split()[-2:]
            for name in ("A", "B"):
                port = free_port()
                pid_file = temp / f"gunicorn-{name}.pid"
                process = subprocess.Popen(
                    [
                        str(BIN / "gunicorn"),
                        "diplomacy.wsgi:application",
                        *("--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--timeout", "60"),
                        *("--pid", str(pid_file), "--no-control-socket", "--log-level", "warning"),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=(temp / f"server-{name}.log").open("wb"),  # emails are printed here
                    stderr=subprocess.STDOUT,
                )
                servers.append(Server(name, port, process, pid_file, temp / f"server-{name}.log"))
            for server in servers:
                wait_healthy(server, time.monotonic() + 60)
            print(
                f"soak: 2 servers × {args.workers} workers on one PostgreSQL ({scratch})"
                + (f" and Redis ({redis_url})" if redis_url else ", no Redis")
                + f"; {args.learners} learners and 1 instructor for {args.minutes:g} min"
            )
            ledger = Ledger()
            seed = args.seed if args.seed is not None else secrets.randbits(32)
            until = time.monotonic() + args.minutes * 60
            threads = [
                threading.Thread(
                    target=learner,
                    args=(
                        i,
                        Client(
                            servers,
                            ledger,
                            30,
                            args.think,
                            random.Random(seed + i),
                            f"203.0.113.{i % 250 + 1}",
                        ),
                        code,
                        until,
                        ledger,
                    ),
                    daemon=True,
                )
                for i in range(args.learners)
            ]
            threads.append(
                threading.Thread(
                    target=instructor,
                    args=(
                        Client(servers, ledger, 60, args.think * 5, random.Random(seed - 1), "203.0.113.254"),
                        "soak-instructor",
                        int(cohort_id),
                        until,
                    ),
                    daemon=True,
                )
            )
            for thread in threads:
                thread.start()
            time.sleep(min(30, args.minutes * 60 / 10))
            memory_start = {server.name: rss_kib(server.process.pid) for server in servers}
            for thread in threads:
                thread.join(timeout=max(0, until - time.monotonic()) + 120)
            memory_end = {server.name: rss_kib(server.process.pid) for server in servers}
            stuck = sum(thread.is_alive() for thread in threads)

            total = sum(ledger.statuses.values())
            print(f"\nrequests: {total} ({total / (args.minutes * 60):.1f}/s), seed {seed}")
            print(
                "responses by status: " + ", ".join(f"{s}: {n}" for s, n in sorted(ledger.statuses.items()))
            )
            print(f"\n{'page':<24}{'requests':>9}{'p50 ms':>9}{'p99 ms':>9}")
            for page, values in sorted(ledger.timings.items()):
                p50, p99 = statistics.median(values) * 1000, percentile(values, 0.99) * 1000
                print(f"{page:<24}{len(values):>9}{p50:>9.0f}{p99:>9.0f}")
            print(
                "\nmemory (RSS of master + workers): "
                + "; ".join(
                    f"{name} {memory_start[name] / 1024:.0f} → {memory_end[name] / 1024:.0f} MiB"
                    for name in memory_start
                )
            )
            print(
                f"acknowledged: {len(ledger.answers)} answers, {len(ledger.submitted)} submissions, "
                f"{len(ledger.steps)} simulation choices, {sum(ledger.reviews.values())} reviews"
            )
            problems = check_database(database_url, ledger)
            problems += [f"server error: {line}" for line in ledger.server_errors[:20]]
            if stuck:
                problems.append(f"{stuck} client threads did not finish in time")
            if problems:
                print("\nPROBLEMS:\n  " + "\n  ".join(problems))
                return 1
            print(
                "\nok: no server error; every acknowledged answer, submission, choice and review stored exactly once"
            )
            return 0
        finally:
            for server in servers:
                server.stop()


if __name__ == "__main__":
    sys.exit(main())
