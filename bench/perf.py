"""The page benchmark behind bench/run: see docs/performance.md.

For each database (SQLite, PostgreSQL): a scratch database, migrations, the shipped course, 1,000 learners
with history (bench/seed_learners.py), collectstatic, then gunicorn with 2 workers and DEBUG off. wrk then
measures each page in interleaved rounds (every page once per round, so drift hits all pages alike):
the floor (a minimal logged-in page through the same middleware and base template: the password-change
page), the lesson page, a quiz question page, the answer POST, the progress dashboard and the instructor's
quiz statistics page. Prints requests per second, p50 and p99 (medians over the rounds) and each page's
ratio to the floor.
"""

from __future__ import annotations

import argparse
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
LEARNER_PAGES = ["lesson", "quiz question", "answer POST", "dashboard"]
PAGES = ["floor", *LEARNER_PAGES, "instructor stats"]


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
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


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
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": to_ms(re.search(r"\n\s+50%\s+(\S+)", out).group(1)),
        "p99": to_ms(re.search(r"\n\s+99%\s+(\S+)", out).group(1)),
        "errors": (int(bad.group(1)) if bad else 0) + (sum(map(int, socket.groups())) if socket else 0),
    }


def log_in(browser: ts.Browser, server: ts.Server, username: str) -> None:
    browser.get(server, "/accounts/login/")
    status, url, _ = browser.post(server, "/accounts/login/", {"username": username, "password": PASSWORD})
    if status != 200 or "/accounts/login/" in url:
        raise SystemExit(f"could not log in {username}")


def cookie_header(browser: ts.Browser) -> tuple[str, str]:
    cookies = {c.name: c.value for c in browser.jar}
    return "; ".join(f"{k}={v}" for k, v in cookies.items()), cookies["csrftoken"]


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
        f"[{label}] seeded {info['learners']} learners ({info['responses']} responses) in {time.monotonic() - started:.0f}s"
    )

    port = ts.free_port()
    process = subprocess.Popen(
        [
            str(ts.BIN / "gunicorn"),
            "diplomacy.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--pid",
            str(temp / "gunicorn.pid"),
            "--no-control-socket",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    server = ts.Server(label, port, process, temp / "gunicorn.pid")
    try:
        ts.wait_healthy(server, time.monotonic() + 60)
        learner, instructor = ts.Browser(20), ts.Browser(20)
        log_in(learner, server, "bench-learner")
        log_in(instructor, server, "bench-instructor")
        status, _, html = learner.get(server, info["question"])
        forms = ts.Forms()
        forms.feed(html)
        form = next(f for f in forms.forms if f["action"] in ("", info["question"]))
        body = urllib.parse.urlencode(ts.answer_payload(form["fields"]), doseq=True)
        # The first answer is recorded here; wrk then measures the answer POST as learners send it again
        # (double submits, a second tab): parse, lock the attempt, find the response, redirect.
        learner.post(server, info["question"], ts.answer_payload(form["fields"]))
        cookie, csrf = cookie_header(learner)
        i_cookie, i_csrf = cookie_header(instructor)
        base = server.base
        targets = {
            "floor": (
                base + "/accounts/password/change/",
                wrk_script(temp / "floor.lua", cookie=cookie, csrf=csrf),
            ),
            "lesson": (base + info["lesson"], wrk_script(temp / "lesson.lua", cookie=cookie, csrf=csrf)),
            "quiz question": (base + info["question"], wrk_script(temp / "q.lua", cookie=cookie, csrf=csrf)),
            "answer POST": (
                base + info["question"],
                wrk_script(temp / "answer.lua", cookie=cookie, csrf=csrf, method="POST", body=body),
            ),
            "dashboard": (base + "/progress/", wrk_script(temp / "dash.lua", cookie=cookie, csrf=csrf)),
            "instructor stats": (
                base + info["stats"],
                wrk_script(temp / "stats.lua", cookie=i_cookie, csrf=i_csrf),
            ),
        }
        for url, script in targets.values():  # warm up every worker and page
            run_wrk(url, script, 1, args.connections)
        samples: dict[str, list[dict]] = {name: [] for name in targets}
        for round_number in range(args.rounds):
            for name, (url, script) in targets.items():
                samples[name].append(run_wrk(url, script, args.seconds, args.connections))
            print(f"[{label}] round {round_number + 1}/{args.rounds} done")
    finally:
        server.stop()
    results = {}
    for name, runs in samples.items():
        results[name] = {
            "rps": statistics.median(r["rps"] for r in runs),
            "p50": statistics.median(r["p50"] for r in runs),
            "p99": statistics.median(r["p99"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
        }
    return results


def table(label: str, results: dict[str, dict]) -> str:
    floor = results["floor"]["rps"] or float("nan")
    lines = [
        f"| {label} | req/s | p50 ms | p99 ms | ratio to floor | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in PAGES:
        r = results[name]
        flag = " ⚠ below 0.6" if name in LEARNER_PAGES and r["rps"] / floor < 0.6 else ""
        lines.append(
            f"| {name} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['rps'] / floor:.2f}{flag} | {r['errors']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres or both (default)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5, help="per page per round")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print(
            "bench/run needs wrk: install it with `apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk`."
        )
        return 2
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {args.learners} learners, "
        f"{args.rounds} rounds × {args.seconds}s per page, wrk -t2 -c{args.connections}, gunicorn 2 workers"
    )
    tables = []
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
            tables.append(table(label, bench_backend(label, database_url, args, temp)))
        finally:
            if scratch:
                import psycopg

                with psycopg.connect(args.postgres, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            shutil.rmtree(temp, ignore_errors=True)
    print()
    print("\n\n".join(tables))
    return 0


if __name__ == "__main__":
    sys.exit(main())
