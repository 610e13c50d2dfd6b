"""The page benchmark behind bench/run: every page against a bare Django page, in one run (docs/performance.md).

For each database (SQLite, PostgreSQL): a scratch database, migrations, the shipped course, 1,000 learners
with history (bench/seed_learners.py), collectstatic, then two servers with the same gunicorn settings (2 sync
workers, DEBUG off, one database, one secret key): the app, and a bare Django project (bench/bare: session and
auth middleware, one @login_required view, a 20-line template), so one session cookie serves both. wrk then
measures each page in interleaved rounds (every page once per round, so drift hits all pages alike). Prints
per page: requests per second (median and the rounds' range), its ratio to the bare page (median of the
rounds' ratios, and their range), p50 and p99 (medians), the CPU the server spent per request, the SQL
queries of one warm request (bench/pages.py) and the target it is held to.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import two_servers as ts  # noqa: E402  (the bench helpers: gunicorn, browser, form parsing)

ROOT = ts.ROOT
PASSWORD = "bench-pass-phrase-1234"
BARE = "bare Django"
FLOOR = "app floor"
# Every row, in the table's order: the two references first, then the learner pages, then the instructor's.
PAGES = [
    BARE,
    FLOOR,
    "lesson",
    "quiz question",
    "answer POST",
    "dashboard",
    "home",
    "review",
    "sim decision",
    "role-play",
    "instructor stats",
]
# Issue 21: the least ratio to the bare Django page each learner page must reach.
TARGETS = {
    "lesson": 0.5,
    "quiz question": 0.5,
    "answer POST": 0.5,
    "dashboard": 0.5,
    "sim decision": 0.5,
    "home": 0.4,
    "review": 0.4,
}


def wrk_script(path: Path, *, cookie: str, csrf: str, method: str = "GET", body: str = "") -> Path:
    lines = [
        f'wrk.method = "{method}"',
        f'wrk.headers["Cookie"] = "{cookie}"',
        f'wrk.headers["X-CSRFToken"] = "{csrf}"',
    ]
    if body:
        lines += [
            f'wrk.body = "{body}"',
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"',
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def to_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    value, unit = match.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _number(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise SystemExit(f"unexpected wrk output (no {pattern!r}):\n{text}")
    return match.group(1)


def run_wrk(url: str, script: Path, seconds: int, connections: int) -> dict:
    result = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    )
    out = result.stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    requests = int(_number(r"(\d+) requests in", out))
    return {
        "rps": float(_number(r"Requests/sec:\s+([\d.]+)", out)),
        "requests": requests,
        # No request finished within the run (a machine far too busy): no latency to report.
        "p50": to_ms(_number(r"\n\s+50%\s+(\S+)", out)) if requests else float("nan"),
        "p99": to_ms(_number(r"\n\s+99%\s+(\S+)", out)) if requests else float("nan"),
        "errors": (int(bad.group(1)) if bad else 0) + (sum(map(int, socket.groups())) if socket else 0),
    }


def cpu_seconds(root_pid: int) -> float:
    """CPU time (user + system) used so far by a server: its process and all its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After "pid (comm)": state, ppid, …; utime and stime are fields 14 and 15 of the whole line.
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    family, frontier = {root_pid}, [root_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in family]
        family.update(children)
        frontier += children
    return sum(times.get(pid, 0.0) for pid in family)


def wait_idle(pid: int, timeout: float = 60) -> None:
    """Wait until the server has finished what the last wrk run left it: when wrk stops, up to one request
    per connection is still queued or being served, and the workers serve it even though nobody waits for it
    any more. Without this the next row would share the CPU with the previous row's leftovers (a slow row,
    such as instructor statistics, leaves seconds of work)."""
    deadline = time.monotonic() + timeout
    before, quiet = cpu_seconds(pid), 0
    while time.monotonic() < deadline and quiet < 2:  # two quiet spells in a row: not merely starved
        time.sleep(0.25)
        after = cpu_seconds(pid)
        quiet = quiet + 1 if after - before < 0.01 else 0
        before = after


def log_in(browser: ts.Browser, server: ts.Server, username: str) -> None:
    browser.get(server, "/accounts/login/")
    status, url, _ = browser.post(server, "/accounts/login/", {"username": username, "password": PASSWORD})
    if status != 200 or "/accounts/login/" in url:
        raise SystemExit(f"could not log in {username}")


def cookie_header(browser: ts.Browser) -> tuple[str, str]:
    cookies = {c.name: c.value or "" for c in browser.jar}
    return "; ".join(f"{k}={v}" for k, v in cookies.items()), cookies["csrftoken"]


class Target:
    """One row: a URL on one of the servers, the session that asks for it, and the wrk script that does."""

    def __init__(
        self,
        server: ts.Server,
        path: str,
        *,
        session: tuple[str, str],
        script: Path,
        method: str = "GET",
        body: str = "",
        user: str = "bench-learner",
    ) -> None:
        self.server, self.path, self.method, self.body, self.user = server, path, method, body, user
        self.cookie, self.csrf = session
        self.script = wrk_script(script, cookie=self.cookie, csrf=self.csrf, method=method, body=body)

    @property
    def url(self) -> str:
        return self.server.base + self.path

    def check(self) -> None:
        """One request as wrk sends it, redirects not followed: wrk counts a 3xx as a success, so a page that
        sends the session to the login page would otherwise be measured as a fast page."""
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        headers = {"Cookie": self.cookie, "X-CSRFToken": self.csrf}
        if self.body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(self.method, self.path, body=self.body or None, headers=headers)
        response = connection.getresponse()
        response.read()
        location = response.getheader("Location") or ""
        connection.close()
        expected = 302 if self.method == "POST" else 200
        if response.status != expected or "/login/" in location:
            raise SystemExit(
                f"{self.method} {self.url} answered {response.status} {location} (expected {expected})"
            )


def start_gunicorn(name: str, application: str, env: dict, temp: Path) -> ts.Server:
    port = ts.free_port()
    log = temp / f"{name}.log"
    process = subprocess.Popen(
        [
            str(ts.BIN / "gunicorn"),
            application,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--pid",
            str(temp / f"{name}.pid"),
            "--no-control-socket",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_LOG_LEVEL": "WARNING"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    return ts.Server(name, port, process, temp / f"{name}.pid", log)


def count_queries(env: dict, settings: str, targets: dict[str, Target], temp: Path) -> dict[str, int]:
    """SQL queries of one warm request of each page (bench/pages.py --count, Django's test client)."""
    spec = temp / f"queries-{settings}.json"
    spec.write_text(
        json.dumps(
            {
                name: {"method": t.method, "path": t.path, "body": t.body, "user": t.user}
                for name, t in targets.items()
            }
        )
    )
    out = ts.run(
        [str(ts.BIN / "python"), "bench/pages.py", "--count", str(spec)],
        {
            **env,
            "DJANGO_SETTINGS_MODULE": settings,
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DJANGO_LOG_LEVEL": "ERROR",
        },
    )
    return json.loads(next(line for line in out.splitlines() if line.startswith("QUERIES "))[8:])


def bench_backend(label: str, database_url: str, args, temp: Path) -> dict[str, dict]:
    env = {
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
        "BENCH_LEARNERS": str(args.learners),
        "BENCH_PASSWORD": PASSWORD,
    }
    python = str(ts.BIN / "python")
    started = time.monotonic()
    ts.run([python, "manage.py", "migrate", "--noinput"], env)
    ts.run([python, "manage.py", "load_curriculum", str(ts.COURSE)], env)
    ts.run([python, "manage.py", "collectstatic", "--noinput"], env)
    seeded = ts.run(
        [python, "manage.py", "shell", "-c", (ROOT / "bench" / "seed_learners.py").read_text()], env
    )
    info = json.loads(next(line for line in seeded.splitlines() if line.startswith("BENCH "))[6:])
    print(
        f"[{label}] seeded {info['learners']} learners ({info['responses']} responses) in {time.monotonic() - started:.0f}s",
        flush=True,
    )

    app = start_gunicorn("app", "diplomacy.wsgi:application", env, temp)
    bare = start_gunicorn(
        "bare", "bench.bare.wsgi:application", {**env, "DJANGO_SETTINGS_MODULE": "bench.bare.settings"}, temp
    )
    try:
        deadline = time.monotonic() + 90
        ts.wait_healthy(app, deadline)
        ts.wait_healthy(bare, deadline)
        learner, instructor = ts.Browser(20), ts.Browser(20)
        log_in(learner, app, "bench-learner")
        log_in(instructor, app, "bench-instructor")
        status, _, html = learner.get(app, info["question"])
        if status != 200:
            raise SystemExit(f"the quiz question page answered {status}")
        forms = ts.Forms()
        forms.feed(html)
        form = next(f for f in forms.forms if f["action"] in ("", info["question"]))
        body = urllib.parse.urlencode(ts.answer_payload(form["fields"]), doseq=True)
        # The first answer is recorded here; wrk then measures the answer POST as learners send it again
        # (double submits, a second tab): parse, lock the attempt, find the response, redirect.
        learner.post(app, info["question"], ts.answer_payload(form["fields"]))
        sessions = {"bench-learner": cookie_header(learner), "bench-instructor": cookie_header(instructor)}

        def page(server: ts.Server, path: str, user: str = "bench-learner", **request: str) -> Target:
            script = temp / f"row-{secrets.token_hex(4)}.lua"
            return Target(server, path, session=sessions[user], script=script, user=user, **request)

        targets = {
            BARE: page(bare, "/"),
            FLOOR: page(app, "/accounts/password/change/"),
            "lesson": page(app, info["lesson"]),
            "quiz question": page(app, info["question"]),
            "answer POST": page(app, info["question"], method="POST", body=body),
            "dashboard": page(app, "/progress/"),
            "home": page(app, "/"),
            "review": page(app, "/review/"),
            "sim decision": page(app, info["decision"]),
            "role-play": page(app, info["roleplay"]) if info.get("roleplay") else None,
            "instructor stats": page(app, info["stats"], user="bench-instructor"),
        }
        chosen = {BARE, FLOOR, *(args.pages.split(",") if args.pages else PAGES)}
        rows = {name: t for name, t in targets.items() if t is not None and name in chosen}
        for target in rows.values():
            target.check()
        for target in rows.values():  # warm up every worker and page
            run_wrk(target.url, target.script, 1, args.connections)
            wait_idle(target.server.process.pid)
        samples: dict[str, list[dict]] = {name: [] for name in rows}
        for round_number in range(args.rounds):
            for name, target in rows.items():
                before = cpu_seconds(target.server.process.pid)
                sample = run_wrk(target.url, target.script, args.seconds, args.connections)
                # CPU the server spent per request: far steadier than throughput on a shared machine.
                sample["cpu_ms"] = (
                    1000 * (cpu_seconds(target.server.process.pid) - before) / max(1, sample["requests"])
                )
                samples[name].append(sample)
                wait_idle(target.server.process.pid)
            bare_rps = samples[BARE][-1]["rps"] or float("nan")
            for runs in samples.values():
                runs[-1]["ratio"] = runs[-1]["rps"] / bare_rps
            print(
                f"[{label}] round {round_number + 1}/{args.rounds} done (bare Django {bare_rps:.0f} req/s)",
                flush=True,
            )
    finally:
        app.stop()
        bare.stop()
    queries = count_queries(env, "bench.bare.settings", {BARE: rows[BARE]}, temp)
    queries |= count_queries(env, "diplomacy.settings", {n: t for n, t in rows.items() if n != BARE}, temp)
    results = {}
    for name, runs in samples.items():
        results[name] = {
            "rps": statistics.median(r["rps"] for r in runs),
            "rps_min": min(r["rps"] for r in runs),
            "rps_max": max(r["rps"] for r in runs),
            "ratio": statistics.median(r["ratio"] for r in runs),
            "ratio_min": min(r["ratio"] for r in runs),
            "ratio_max": max(r["ratio"] for r in runs),
            "p50": statistics.median(r["p50"] for r in runs),
            "p99": statistics.median(r["p99"] for r in runs),
            "cpu_ms": statistics.median(r["cpu_ms"] for r in runs),
            "queries": queries.get(name),
            "errors": sum(r["errors"] for r in runs),
            "requests_min": min(r["requests"] for r in runs),
            "path": rows[name].path,
        }
    return results


def verdict(name: str, ratio: float) -> str:
    target = TARGETS.get(name)
    if target is None:
        return "—"
    return f"≥ {target} ✓" if ratio >= target else f"≥ {target} ✗ BELOW"


def table(label: str, results: dict[str, dict]) -> str:
    lines = [
        f"| {label} | req/s | req/s range | ratio to bare | ratio range | target | p50 ms | p99 ms "
        "| CPU ms/req | queries | errors |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in PAGES:
        if name not in results:
            continue
        r = results[name]
        lines.append(
            f"| {name} | {r['rps']:.0f} | {r['rps_min']:.0f}–{r['rps_max']:.0f} | {r['ratio']:.2f} "
            f"| {r['ratio_min']:.2f}–{r['ratio_max']:.2f} | {verdict(name, r['ratio'])} | {r['p50']:.1f} "
            f"| {r['p99']:.1f} | {r['cpu_ms']:.1f} | {r['queries'] if r['queries'] is not None else '?'} "
            f"| {r['errors']} |"
        )
    missed = [n for n in TARGETS if n in results and results[n]["ratio"] < TARGETS[n]]
    met = sum(1 for n in TARGETS if n in results) - len(missed)
    lines.append("")
    empty = [n for n in PAGES if n in results and not results[n]["requests_min"]]
    if empty:
        lines.append(f"{label}: no request finished within a round of: {', '.join(empty)} (raise --seconds)")
    lines.append(
        f"{label}: {met} of {met + len(missed)} targets met"
        + (f"; below: {', '.join(missed)}" if missed else "")
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/run",
        description=__doc__.split("\n\n")[0],
        epilog="Default run: both databases, 1,000 learners, 3 rounds × 5 s per page (about 12 minutes on a "
        "quiet 2-core machine). Needs wrk. Method and results: docs/performance.md.",
    )
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres or both (default)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server where the user may create (and drop) a scratch database bench_…",
    )
    parser.add_argument("--learners", type=int, default=1000, help="seeded learners (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--seconds", type=int, default=5, help="wrk seconds per page per round (default 5)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument(
        "--pages",
        help=f"comma-separated rows to measure besides the two references (default all: {', '.join(PAGES[2:])})",
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args(argv)
    unknown = set(args.pages.split(",")) - set(PAGES) if args.pages else set()
    if unknown:
        parser.error(f"unknown page(s): {', '.join(sorted(unknown))}")
    if shutil.which("wrk") is None:
        print(
            "bench/run needs wrk: install it with `apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk`."
        )
        return 2
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}, {args.learners} learners, "
        f"{args.rounds} rounds × {args.seconds}s per page, wrk -t2 -c{args.connections}, gunicorn 2 sync workers",
        flush=True,
    )
    tables, figures = [], {}
    for label in args.databases.split(","):
        temp = Path(tempfile.mkdtemp(prefix=f"bench-{label}-"))
        scratch = None
        try:
            if label == "sqlite":
                database_url = f"sqlite:///{temp / 'bench.sqlite3'}"
            else:
                import psycopg

                scratch = f"bench_{secrets.token_hex(4)}"
                with psycopg.connect(args.postgres, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{scratch}"')
                database_url = urllib.parse.urlsplit(args.postgres)._replace(path=f"/{scratch}").geturl()
            figures[label] = bench_backend(label, database_url, args, temp)
            tables.append(table(label, figures[label]))
            print(f"\n{tables[-1]}\n", flush=True)  # this database's table now; both again at the end
        finally:
            if scratch:
                import psycopg

                with psycopg.connect(args.postgres, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            shutil.rmtree(temp, ignore_errors=True)
    print()
    print("\n\n".join(tables))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
