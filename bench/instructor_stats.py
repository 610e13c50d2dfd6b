"""Scale benchmark of the instructor statistics: 10,000 learners with 20 quiz attempts each.

    .venv/bin/python bench/instructor_stats.py                  # SQLite, then PostgreSQL if it answers
    .venv/bin/python bench/instructor_stats.py --learners 2000  # a smaller run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/diplomacy_bench .venv/bin/python bench/instructor_stats.py --child

The shipped course is loaded into a fresh test database; learners, their cohort membership, attempts,
responses and picked options are written with bulk_create in batches. Each learner's 20 attempts go round
the course's quizzes (attempt k at quiz k mod Q), with a simulated ability so that facility and
discrimination come out varied. Then the pages are requested through Django's test client (server time:
routing, queries, templates; no network) several times each, and the best and median times are printed.

The floor is the same per-question statistics page for a cohort of 20 learners in the same database, measured
in the same run: "ratio" says how many times slower the 10,000-learner cohort is.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/diplomacy_bench"
BATCH = 250  # learners per batch


def _setup(backend_label: str):
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diplomacy.settings")
    os.environ.setdefault("DJANGO_TESTING", "true")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"[{backend_label}] test database {name}", flush=True)
    return connection


def _generate(learners: int, attempts_each: int, seed: int = 8):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from training.models import Cohort, CohortMembership, Course, Question, Quiz, QuizAttempt, Response

    rng = random.Random(seed)
    call_command("load_curriculum", "fixtures/diplomacy-tracks", stdout=open(os.devnull, "w"))  # noqa: SIM115
    course = Course.objects.get(slug="diplomacy-tracks")
    quizzes = list(Quiz.objects.published().filter(course=course).order_by("module__position", "position"))
    questions = {
        quiz.pk: list(
            Question.objects.published().filter(quiz=quiz).order_by("position").prefetch_related("choices")
        )
        for quiz in quizzes
    }
    difficulty = {q.pk: rng.uniform(-0.3, 0.7) for qs in questions.values() for q in qs}
    User = get_user_model()
    password = make_password("bench-not-a-login")
    teacher = User.objects.create_user("bench-teacher", password="bench-teacher-pass", is_staff=True)  # noqa: S106
    big = Cohort.objects.create(name="Ten thousand", code="BIGCOHRT", course=course)
    small = Cohort.objects.create(name="Twenty", code="SMALLCOH", course=course)
    for cohort in (big, small):
        cohort.instructors.add(teacher)
    now = timezone.now()
    through = Response.chosen_choices.through
    counts = {"users": 0, "attempts": 0, "responses": 0, "picks": 0}
    # Attempts, responses and picks are most of the rows: they go in with executemany and ids chosen here
    # (the ORM's bulk_create spends most of its time building model instances).
    ops = connection.ops
    attempt_sql = _insert_sql(
        QuizAttempt,
        [
            "id",
            "user_id",
            "quiz_id",
            "number",
            "started_at",
            "submitted_at",
            "question_ids",
            "choice_order",
            "score",
            "max_score",
            "percent",
            "passed",
            "hints_used",
        ],
    )
    response_sql = _insert_sql(
        Response,
        [
            "id",
            "attempt_id",
            "question_id",
            "answer",
            "score",
            "correct",
            "hints_used",
            "snapshot",
            "answered_at",
        ],
    )
    pick_sql = _insert_sql(through, ["response_id", "choice_id"])
    next_attempt = (QuizAttempt.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    next_response = (Response.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    choices = {q.pk: list(q.choices.all()) for qs in questions.values() for q in qs}
    started = time.perf_counter()
    for first in range(0, learners, BATCH):
        size = min(BATCH, learners - first)
        with transaction.atomic(), connection.cursor() as cursor:
            users = User.objects.bulk_create(
                [User(username=f"learner{first + i:05d}", password=password) for i in range(size)]
            )
            CohortMembership.objects.bulk_create([CohortMembership(cohort=big, user=u) for u in users])
            if first == 0:
                CohortMembership.objects.bulk_create(
                    [CohortMembership(cohort=small, user=u) for u in users[:20]]
                )
            attempts, responses, picks = [], [], []
            for user in users:
                ability = rng.uniform(0.0, 1.0)
                for k in range(attempts_each):
                    quiz = quizzes[k % len(quizzes)]
                    when = now - timedelta(days=30) + timedelta(minutes=k)
                    stamp = ops.adapt_datetimefield_value(when)
                    total = 0.0
                    attempt_id = next_attempt
                    next_attempt += 1
                    for q in questions[quiz.pk]:
                        # Practice helps: later attempts at a quiz are a little better.
                        exponent = -6 * (ability + 0.1 * (k // len(quizzes)) - difficulty[q.pk])
                        right = rng.random() < 1 / (1 + math.exp(exponent))
                        correct = [c for c in choices[q.pk] if c.correct]
                        wrong = [c for c in choices[q.pk] if not c.correct]
                        chosen = []
                        if q.kind in ("single", "multiple"):
                            # Wrong answers favour the first wrong option: a misconception to find.
                            chosen = (
                                correct
                                if right or not wrong
                                else [wrong[0] if rng.random() < 0.5 else rng.choice(wrong)]
                            )
                        score = (
                            1.0
                            if right
                            else (0.5 if q.kind in ("order", "sort") and rng.random() < 0.5 else 0.0)
                        )
                        total += score
                        answer = json.dumps({"choices": [c.key for c in chosen]})
                        responses.append(
                            (next_response, attempt_id, q.pk, answer, score, score == 1.0, 0, "{}", stamp)
                        )
                        picks += [(next_response, c.pk) for c in chosen]
                        next_response += 1
                    count = len(questions[quiz.pk]) or 1
                    percent = 100.0 * total / count
                    attempts.append(
                        (
                            attempt_id,
                            user.pk,
                            quiz.pk,
                            k // len(quizzes) + 1,
                            stamp,
                            ops.adapt_datetimefield_value(when + timedelta(minutes=4)),
                            json.dumps([q.pk for q in questions[quiz.pk]]),
                            "{}",
                            total,
                            float(count),
                            percent,
                            percent >= quiz.pass_mark,
                            "{}",
                        )
                    )
            _write(cursor, attempt_sql, attempts)
            _write(cursor, response_sql, responses)
            _write(cursor, pick_sql, picks)
        counts["users"] += size
        counts["attempts"] += len(attempts)
        counts["responses"] += len(responses)
        counts["picks"] += len(picks)
        if (first // BATCH) % 8 == 0:
            print(
                f"  {counts['users']:>6} learners, {counts['attempts']:>7} attempts, {counts['responses']:>8} responses"
                f"  ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
    return course, quizzes, big, small, teacher, counts, time.perf_counter() - started


def _insert_sql(model, columns: list[str]) -> str:
    from django.db import connection

    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    return f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608


def _write(cursor, insert_sql: str, rows: list[tuple]) -> None:
    """executemany on SQLite; COPY on PostgreSQL (executemany there is a round trip per row)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        cursor.executemany(insert_sql, rows)
        return
    head = insert_sql.split(" VALUES ")[0].replace("INSERT INTO", "COPY", 1)
    with cursor.cursor.copy(f"{head} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _time(client, url: str, repeat: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    queries = 0
    for i in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        if i == 0:
            queries = len(captured)
            if os.environ.get("BENCH_VERBOSE"):
                for query in sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:4]:
                    print(f"    {float(query['time']) * 1000:7.1f} ms  {query['sql'][:600]}")
    return min(times), statistics.median(times), queries


def child(learners: int, attempts_each: int, repeat: int) -> None:

    label = "PostgreSQL" if "postgres" in os.environ.get("DATABASE_URL", "") else "SQLite"
    connection = _setup(label)
    from django.test import Client
    from django.urls import reverse

    from training.models import Question, Response

    course, quizzes, big, small, teacher, counts, seconds = _generate(learners, attempts_each)
    print(
        f"[{label}] generated {counts['users']} learners, {counts['attempts']} attempts, {counts['responses']} "
        f"responses, {counts['picks']} picked options in {seconds:.0f} s",
        flush=True,
    )
    # The rows above went in with raw SQL, past the workflows that keep the cohorts' roll-ups current: fill
    # them as the migration's backfill and `manage.py rebuild_rollups` do (training.rollups.rebuild).
    from training import rollups

    started = time.perf_counter()
    rollups.rebuild([big, small])
    print(
        f"[{label}] roll-ups of both cohorts rebuilt from scratch in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    quiz = max(quizzes, key=lambda q: Question.objects.filter(quiz=q).count())
    first_responses = Response.objects.filter(attempt__quiz=quiz, attempt__number=1).count()
    client = Client()
    client.force_login(teacher)
    teacher.is_superuser = True  # sees every cohort; the instructor check is the same code path
    teacher.save(update_fields=["is_superuser"])
    pages = {
        "per-question statistics (quiz page)": reverse("instructor_quiz", args=[big.pk, quiz.slug]),
        "one question's statistics": reverse(
            "instructor_question", args=[big.pk, Question.objects.filter(quiz=quiz).first().slug]
        ),
        "questions CSV": reverse("instructor_questions_csv", args=[big.pk, quiz.slug]),
    }
    floor_url = reverse("instructor_quiz", args=[small.pk, quiz.slug])
    _time(client, floor_url, 2)  # warm caches
    floor_best, floor_median, floor_queries = _time(client, floor_url, repeat)
    print(
        f"[{label}] quiz {quiz.slug!r}: {Question.objects.filter(quiz=quiz).count()} questions, "
        f"{first_responses} first-attempt responses in the large cohort",
        flush=True,
    )
    print(
        f"[{label}] floor: per-question page, cohort of 20: best {floor_best * 1000:.0f} ms, "
        f"median {floor_median * 1000:.0f} ms, {floor_queries} queries"
    )
    for name, url in pages.items():
        _time(client, url, 1)
        best, median, queries = _time(client, url, repeat)
        print(
            f"[{label}] {name}, cohort of {counts['users']}: best {best * 1000:.0f} ms, median {median * 1000:.0f} ms,"
            f" {queries} queries, ratio to floor {median / floor_median:.1f}x",
            flush=True,
        )
    cohort_url = reverse("instructor_cohort", args=[big.pk])
    started = time.perf_counter()
    assert client.get(cohort_url).status_code == 200
    print(
        f"[{label}] cohort page, first view (computes and stores {counts['users']} learners' standing snapshots):"
        f" {(time.perf_counter() - started) * 1000:.0f} ms",
        flush=True,
    )
    for name, url in {
        "cohort page (learners table, quiz and simulation summaries, misconceptions)": cohort_url,
        "cohort page sorted by mastery": cohort_url + "?sort=-mastery",
        "learners CSV": reverse("instructor_learners_csv", args=[big.pk]),
        "quizzes CSV": reverse("instructor_quizzes_csv", args=[big.pk]),
        "objectives page (every answer by objective)": reverse("instructor_objectives", args=[big.pk]),
    }.items():
        best, median, queries = _time(client, url, max(1, repeat // 2))
        print(
            f"[{label}] {name}, cohort of {counts['users']}: best {best * 1000:.0f} ms, median {median * 1000:.0f} ms,"
            f" {queries} queries",
            flush=True,
        )
    connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--attempts", type=int, default=20, help="attempts per learner")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page")
    parser.add_argument("--child", action="store_true", help="run on the database of DATABASE_URL only")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.learners, args.attempts, args.repeat)
        return
    common = [
        sys.executable,
        __file__,
        "--child",
        "--learners",
        str(args.learners),
        "--attempts",
        str(args.attempts),
        "--repeat",
        str(args.repeat),
    ]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    subprocess.run(common, env=env, check=True)
    if args.sqlite_only:
        return
    ready = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False).returncode == 0
    if not ready:
        print("PostgreSQL does not answer on 127.0.0.1:5432: skipped (start it, or pass --sqlite-only)")
        return
    subprocess.run(
        common, env={**env, "DATABASE_URL": os.environ.get("BENCH_POSTGRES_URL", POSTGRES_URL)}, check=True
    )


if __name__ == "__main__":
    main()
