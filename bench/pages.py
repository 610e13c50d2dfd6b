"""Single-request view of the benchmarked pages: SQL queries and milliseconds per request on an idle process.

Complements bench/run (throughput under load): run it against a database seeded by bench/seed_learners.py
(`bench/pages.py --seed` makes a scratch SQLite one) to see what one request of each page costs, and
`--profile PAGE` for a cProfile of that page. DEBUG off, Django's test client, the same URLs as bench/run.

    .venv/bin/python bench/pages.py --seed --learners 100            # seed a scratch SQLite, then measure
    DATABASE_URL=... .venv/bin/python bench/pages.py --lesson /lessons/x/ --question /quizzes/...
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-pass-phrase-1234"


def seed(learners: int) -> tuple[str, dict]:
    temp = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    url = f"sqlite:///{temp / 'bench.sqlite3'}"
    os.environ["DJANGO_STATIC_ROOT"] = str(temp / "static")
    env = {**os.environ, "DATABASE_URL": url, "BENCH_LEARNERS": str(learners), "BENCH_PASSWORD": PASSWORD}
    python = str(ROOT / ".venv" / "bin" / "python")
    for args in (
        ["migrate", "--noinput"],
        ["load_curriculum", "fixtures/diplomacy-tracks"],
        ["collectstatic", "--noinput"],
    ):
        subprocess.run([python, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)
    out = subprocess.run(
        [python, "manage.py", "shell", "-c", (ROOT / "bench" / "seed_learners.py").read_text()],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    info = json.loads(next(line for line in out.splitlines() if line.startswith("BENCH "))[6:])
    return url, info


def count_queries(spec: dict[str, dict]) -> dict[str, int]:
    """The SQL queries of one warm request (after one of the same) of each page, under the settings in force
    (the app's, or bench/bare's for the bare page)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, page in spec.items():
        client = Client()
        client.force_login(get_user_model().objects.get(username=page["user"]))

        def send(page=page, client=client):
            if page["method"] == "POST":
                return client.post(
                    page["path"], page["body"], content_type="application/x-www-form-urlencoded"
                )
            return client.get(page["path"])

        send()
        with CaptureQueriesContext(connection) as queries:
            response = send()
        expected = 302 if page["method"] == "POST" else 200
        if response.status_code != expected:
            raise SystemExit(f"{name}: {page['method']} {page['path']} answered {response.status_code}")
        counts[name] = len(queries.captured_queries)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", action="store_true", help="seed a scratch SQLite database first")
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--lesson", help="lesson URL (default: from --seed, or the first lesson)")
    parser.add_argument("--question", help="quiz question URL of bench-learner's open attempt")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--profile", help="cProfile this page (floor, lesson, quiz question, dashboard)")
    parser.add_argument("--show-sql", action="store_true")
    parser.add_argument(
        "--count",
        type=Path,
        metavar="SPEC",
        help="only print the queries of one warm request of each page in SPEC, a JSON file "
        '{name: {"method", "path", "body", "user"}} (bench/perf.py uses it), as a line QUERIES {name: count}',
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diplomacy.settings")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-pages-only-" + "x" * 50)  # nosec B105
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    info: dict = {}
    if args.seed:
        url, info = seed(args.learners)
        os.environ["DATABASE_URL"] = url
        print(f"seeded: DATABASE_URL={url} DJANGO_STATIC_ROOT={os.environ['DJANGO_STATIC_ROOT']}")
        print(f"  --lesson {info['lesson']} --question {info['question']}")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    if args.count:
        print("QUERIES " + json.dumps(count_queries(json.loads(args.count.read_text()))))
        return 0
    user = get_user_model().objects.get(username="bench-learner")
    client = Client()
    client.force_login(user)
    pages = {
        "floor": "/accounts/password/change/",
        "lesson": args.lesson or info.get("lesson"),
        "quiz question": args.question or info.get("question"),
        "dashboard": "/progress/",
    }
    for name, path in pages.items():
        if not path:
            continue
        client.get(path)  # warm: first-visit writes and the content cache are not what is measured
        queries: list[str] = []

        def count(execute, sql, *args, queries=queries):
            queries.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(count):
            response = client.get(path)
        assert response.status_code == 200, (name, path, response.status_code)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        print(
            f"{name:14} {len(queries):3} queries  median {statistics.median(times):6.1f} ms  "
            f"min {min(times):6.1f} ms  {len(response.content) / 1024:5.1f} KB"
        )
        if args.show_sql:
            print("\n".join(f"    {sql[:200]}" for sql in queries))
        if args.profile == name:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(10):
                client.get(path)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
