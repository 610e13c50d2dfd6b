#!/usr/bin/env python3
"""Pages under WSGI or under ASGI: should the whole site run under the ASGI server, or only /ws/?

    .venv/bin/python bench/asgi_pages.py [--rounds 3] [--seconds 5] [--connections 8] [--workers 2]
                                         [--database postgres|sqlite] [--postgres ADMIN_URL]

A scratch database (PostgreSQL by default, as in production; or SQLite) with the shipped course and one
learner (migrate, load_curriculum, collectstatic), then the same production settings (DEBUG off, a random
secret key, plain HTTP on loopback, persistent database connections as configured) served two ways side by
side, each with the same number of worker processes:

- WSGI: gunicorn's sync workers (`make production`), the arrangement that serves the pages in production;
- ASGI: uvicorn (`make production-ws`, `make serve`), the server of the role-play's WebSockets, here asked to
  serve the pages as well.

wrk (`-t2`, keep-alive, the learner's session cookie) asks each for a lesson page in interleaved rounds (WSGI,
ASGI, WSGI, ASGI…, after a warm-up), so drift of a busy machine hits both alike. Prints requests per second,
latency, the CPU time each server spent per request and (PostgreSQL) the database connections each server
holds after a round (medians over the rounds; connections: the most seen), and the ratios ASGI / WSGI.
Needs wrk (`apt-get install -y wrk`). A page is a synchronous Django view either way; under ASGI each request
also crosses from the event loop to a thread of its own and back (asgiref's sync_to_async), and the database
connection belongs to that thread.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import perf  # noqa: E402  (wrk runner and its parsing)
import two_servers as ts  # noqa: E402  (server environment, database preparation, browser)

ROOT = ts.ROOT
PASSWORD = "Bench-asgi-lantern-41"


def create_learner(env: dict[str, str]) -> str:
    script = (
        "from django.contrib.auth import get_user_model;"
        f"get_user_model().objects.create_user('bench-asgi', 'bench-asgi@example.org', '{PASSWORD}');"
        "from training.models import Lesson;"
        "print('LESSON ' + Lesson.objects.published().in_order().first().get_absolute_url())"
    )
    out = ts.run([str(ts.BIN / "python"), "manage.py", "shell", "-c", script], env)
    return next(line for line in out.splitlines() if line.startswith("LESSON "))[7:]


cpu_seconds = perf.cpu_seconds  # one definition, shared with bench/run


def start(name: str, command: list[str], env: dict[str, str], temp: Path) -> ts.Server:
    port = ts.free_port()
    command = [part.replace("{port}", str(port)) for part in command]
    log = temp / f"{name}.log"
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    return ts.Server(name, port, process, temp / f"{name}.pid", log)


def connections_by_server(admin_url: str, database: str) -> dict[str, int]:
    """Open PostgreSQL connections to `database`, by application_name (each server names its own)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT application_name, count(*) FROM pg_stat_activity WHERE datname = %s GROUP BY 1",
            (database,),
        ).fetchall()
    return {name: count for name, count in rows}


@contextmanager
def database(kind: str, admin_url: str) -> Iterator[tuple[str, str, Path]]:
    """A scratch database of `kind` (its name, URL and a temporary folder), removed at the end."""
    if kind == "postgres":
        with ts.scratch_database(admin_url, "bench_asgi") as scratch:
            yield scratch
        return
    temp = Path(tempfile.mkdtemp(prefix="bench-asgi-"))
    try:
        yield "bench.sqlite3", f"sqlite:///{temp / 'bench.sqlite3'}", temp
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="worker processes of each server")
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL URL whose user may create databases (a scratch database is made and dropped)",
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("bench/asgi_pages.py needs wrk: `apt-get install -y wrk`", file=sys.stderr)
        return 2

    with database(args.database, args.postgres) as (name, database_url, temp):
        return compare(args, name, database_url, temp)


def compare(args: argparse.Namespace, database_name: str, database_url: str, temp: Path) -> int:
    servers: list[ts.Server] = []
    try:
        env = ts.server_env(temp, database_url, DJANGO_LOG_LEVEL="WARNING")
        ts.prepare_database(env)
        lesson = create_learner(env)
        workers = str(args.workers)

        def env_of(name: str) -> dict[str, str]:
            if args.database != "postgres":
                return env
            # Each server's connections carry its name, so pg_stat_activity tells them apart.
            return {**env, "DATABASE_URL": f"{database_url}?application_name={name}"}

        uvicorn = [
            str(ts.BIN / "uvicorn"),
            "diplomacy.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--workers",
            workers,
            "--no-access-log",
            "--lifespan",
            "off",
            "--ws",
            "websockets-sansio",
            "--log-level",
            "warning",
        ]
        servers = [
            start(
                "WSGI",
                [
                    str(ts.BIN / "gunicorn"),
                    "diplomacy.wsgi:application",
                    "--bind",
                    "127.0.0.1:{port}",
                    "--workers",
                    workers,
                    "--pid",
                    str(temp / "WSGI.pid"),
                    "--no-control-socket",
                    "--log-level",
                    "warning",
                ],
                env_of("WSGI"),
                temp,
            ),
            start("ASGI", uvicorn, env_of("ASGI"), temp),
        ]
        if args.database == "postgres":
            # What Django advises under ASGI (persistent connections off): a new connection per request.
            servers.append(start("ASGI-0", uvicorn, {**env_of("ASGI-0"), "DATABASE_CONN_MAX_AGE": "0"}, temp))
        deadline = time.monotonic() + 90
        targets = {}
        for server in servers:
            health = ts.wait_healthy(server, deadline)
            if health.get("checks", {}).get("database") != "ok":
                raise SystemExit(f"{server.name} is not healthy: {health}")
            browser = ts.Browser(20)
            browser.get(server, "/accounts/login/")
            status, url, _ = browser.post(
                server, "/accounts/login/", {"username": "bench-asgi", "password": PASSWORD}
            )
            if status != 200 or "/accounts/login/" in url:
                raise SystemExit(f"{server.name}: could not log in")
            status, _, _ = browser.get(server, lesson)
            if status != 200:
                raise SystemExit(f"{server.name}: the lesson page answered {status}")
            cookie, csrf = perf.cookie_header(browser)
            script = perf.wrk_script(temp / f"{server.name}.lua", cookie=cookie, csrf=csrf)
            targets[server.name] = (server.base + lesson, script)

        print(
            f"{args.database}, lesson page {lesson}, {args.workers} worker processes each, wrk -t2 -c{args.connections}, "
            f"{args.rounds} interleaved rounds × {args.seconds} s"
        )
        for url, script in targets.values():  # warm up every worker
            perf.run_wrk(url, script, 2, args.connections)
        samples: dict[str, list[dict]] = {name: [] for name in targets}
        pids = {server.name: server.process.pid for server in servers}
        for round_number in range(args.rounds):
            for name, (url, script) in targets.items():
                before = cpu_seconds(pids[name])
                sample = perf.run_wrk(url, script, args.seconds, args.connections)
                # CPU the server spent per request: far less sensitive than throughput to other load on a
                # shared machine (it counts only this server's own work).
                sample["cpu_ms"] = (
                    1000 * (cpu_seconds(pids[name]) - before) / max(1.0, sample["rps"] * args.seconds)
                )
                if args.database == "postgres":
                    sample["db_connections"] = connections_by_server(args.postgres, database_name).get(
                        name, 0
                    )
                samples[name].append(sample)
            print(
                f"round {round_number + 1}: "
                + ", ".join(f"{name} {samples[name][-1]['rps']:.0f} req/s" for name in samples)
            )
        results = {
            name: {
                "rps": statistics.median(r["rps"] for r in runs),
                "p50": statistics.median(r["p50"] for r in runs),
                "p99": statistics.median(r["p99"] for r in runs),
                "cpu_ms": statistics.median(r["cpu_ms"] for r in runs),
                "db_connections": max(r.get("db_connections", 0) for r in runs),
                "errors": sum(r["errors"] for r in runs),
            }
            for name, runs in samples.items()
        }
        print(
            f"{'server':<32} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>11} {'errors':>7}"
            f" {'DB conns':>9}"
        )
        labels = {
            "WSGI": "WSGI (gunicorn sync workers)",
            "ASGI": "ASGI (uvicorn)",
            "ASGI-0": "ASGI, CONN_MAX_AGE=0",
        }
        for name, row in results.items():
            print(
                f"{labels[name]:<32} {row['rps']:>8.1f} {row['p50']:>8.1f} {row['p99']:>8.1f}"
                f" {row['cpu_ms']:>11.1f} {row['errors']:>7} {row['db_connections']:>9}"
            )
        ratios = {}
        for name in results:
            if name == "WSGI":
                continue
            ratio = results[name]["rps"] / results["WSGI"]["rps"]
            cpu_ratio = results[name]["cpu_ms"] / results["WSGI"]["cpu_ms"]
            ratios[name] = {"rps": round(ratio, 3), "cpu": round(cpu_ratio, 3)}
            print(f"ratio {name} / WSGI: requests per second {ratio:.2f}, CPU per request {cpu_ratio:.2f}")
        print(json.dumps({"ratios": ratios, **results}))
        return 1 if any(row["errors"] for row in results.values()) else 0
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
