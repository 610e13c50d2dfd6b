"""xAPI statements and their outbox, without a record store: what a journey queues (and, with no LRS
configured, does not), what it costs a page in queries, the statements' shape (validated with Ralph's xAPI
models), and the worker's claims and backoff against an LRS that does not answer. Delivery to a real LRS is
tests/test_xapi_lrs.py."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from ralph.models.xapi.base.statements import BaseXapiStatement

from tests.learner_data import make_user
from tests.xapi_journey import (
    EVENTS,
    ROLEPLAY_EVENTS,
    learner_journey,
    load_example_course,
    roleplay_negotiation,
)
from training import lessons
from training.models import Lesson, SimulationStep
from xapi import sender
from xapi.models import QueuedStatement

pytestmark = pytest.mark.django_db

BASE = "https://tracks.example.org/xapi/activities"
HOME = "https://tracks.example.org/"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def lrs_settings(url: str = "http://127.0.0.1:9/xAPI"):
    return override_settings(
        XAPI_LRS_URL=url,
        XAPI_LRS_USERNAME="tracks",
        XAPI_LRS_PASSWORD="secret",
        XAPI_ACTIVITY_BASE=BASE,
        XAPI_ACCOUNT_HOMEPAGE=HOME,
        XAPI_TIMEOUT_SECONDS=2,
    )


def journey(client, username: str, course) -> tuple[object, list[dict]]:
    user = make_user(username)
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        learner_journey(client, user, course)
    client.logout()
    return user, list(queries.captured_queries)


def is_outbox_insert(sql: str) -> bool:
    return sql.lstrip().upper().startswith("INSERT") and "xapi_queuedstatement" in sql


def test_with_no_lrs_nothing_is_queued_and_with_one_each_event_costs_exactly_one_insert(client):
    course = load_example_course()
    journey(client, "warm-up", course)  # fills the content caches, so the two journeys below compare alike

    with override_settings(XAPI_LRS_URL=""):
        _, without = journey(client, "without-lrs", course)
    assert QueuedStatement.objects.count() == 0
    assert not [q for q in without if "xapi" in q["sql"]]

    with lrs_settings():
        user, with_lrs = journey(client, "with-lrs", course)
    inserts = [q for q in with_lrs if is_outbox_insert(q["sql"])]
    rows = QueuedStatement.objects.all()
    assert len(inserts) == rows.count() > 0
    assert [q for q in with_lrs if "xapi" in q["sql"] and not is_outbox_insert(q["sql"])] == []
    # Apart from its one INSERT per statement, the journey ran exactly the same queries.
    assert len(with_lrs) - len(inserts) == len(without)
    assert {row.statement["actor"]["account"]["name"] for row in rows} == {str(user.pk)}


def test_a_journey_queues_every_statement_type_valid_under_ralphs_xapi_models(client):
    course = load_example_course()
    with lrs_settings():
        user, _ = journey(client, "lena-x", course)
    rows = list(QueuedStatement.objects.order_by("pk"))
    assert [e for e in EVENTS if e in {r.verb for r in rows}] == EVENTS
    for row in rows:
        statement = row.statement
        BaseXapiStatement.model_validate(statement)  # raises on anything the xAPI spec forbids
        assert statement["id"] == str(row.statement_id)
        assert statement["actor"] == {
            "objectType": "Agent",
            "account": {"homePage": HOME, "name": str(user.pk)},
        }
        assert "lena" not in str(statement) and "@" not in str(statement["actor"])
        assert statement["object"]["id"].startswith(BASE + "/")
        assert statement["timestamp"].endswith("Z")
    assert len({r.statement_id for r in rows}) == len(rows)

    by_event: dict[str, list[dict]] = {}
    for row in rows:
        by_event.setdefault(row.verb, []).append(row.statement)
    verbs = {event: {s["verb"]["id"].rsplit("/", 1)[1] for s in items} for event, items in by_event.items()}
    assert verbs == {
        "lesson-viewed": {"experienced"},
        "lesson-completed": {"completed"},
        "question-answered": {"answered"},
        "quiz-completed": {"passed"},
        "simulation-decision": {"interacted"},
        "simulation-ended": {"completed"},
        "review-rated": {"rated"},
        "certificate-issued": {"earned"},
    }
    lesson_ids = {s["object"]["id"] for s in by_event["lesson-completed"]}
    assert lesson_ids == {
        f"{BASE}/lessons/{slug}" for slug in Lesson.objects.visible().values_list("slug", flat=True)
    }

    quiz = by_event["quiz-completed"][0]
    assert quiz["object"]["id"] == f"{BASE}/quizzes/example-check"
    assert quiz["result"]["success"] is True and quiz["result"]["score"]["scaled"] == 1.0
    in_quiz = [s for s in by_event["question-answered"] if s["context"].get("registration")]
    assert {s["context"]["registration"] for s in in_quiz} == {quiz["context"]["registration"]}
    assert {s["context"]["contextActivities"]["parent"][0]["id"] for s in in_quiz} == {quiz["object"]["id"]}
    single = next(s for s in in_quiz if s["object"]["id"].endswith("/questions/example-q-single"))
    assert single["result"] == {"response": "workshop", "success": True, "score": single["result"]["score"]}
    assert single["object"]["definition"]["interactionType"] == "choice"

    steps = list(SimulationStep.objects.order_by("number"))
    decisions = by_event["simulation-decision"]
    assert [d["result"]["response"] for d in decisions] == ["dinner", "draft"]
    assert [d["result"]["extensions"][f"{BASE}/extensions/meters"] for d in decisions] == [
        s.meters_after for s in steps
    ]
    assert decisions[0]["object"]["id"] == f"{BASE}/simulations/example-quiet-talks/nodes/arrival"
    ending = by_event["simulation-ended"][0]
    assert ending["result"]["success"] is True
    assert ending["result"]["extensions"][f"{BASE}/extensions/ending"] == "framework"
    assert ending["result"]["extensions"][f"{BASE}/extensions/meters"] == steps[-1].meters_after

    ratings = [s["result"]["response"] for s in by_event["review-rated"]]
    assert ratings == ["good", "easy"]  # the review-page answer, then the learner's re-rating
    certificate = by_event["certificate-issued"][0]
    assert certificate["object"]["id"] == f"{BASE}/courses/example-course/certificate"


def test_a_statement_is_queued_in_the_events_transaction(learner):
    course = load_example_course()
    lesson = Lesson.objects.filter(course=course).first()
    with lrs_settings():

        class Abort(Exception):
            pass

        with pytest.raises(Abort), transaction.atomic():
            lessons.complete_lesson(user=learner, lesson=lesson)
            assert QueuedStatement.objects.count() == 2  # viewed, completed
            raise Abort
        assert QueuedStatement.objects.count() == 0
        lessons.complete_lesson(user=learner, lesson=lesson)
        lessons.complete_lesson(user=learner, lesson=lesson)  # already complete: no new event
    assert list(QueuedStatement.objects.values_list("verb", flat=True)) == [
        "lesson-viewed",
        "lesson-completed",
    ]


def queue_rows(count: int, learner) -> None:
    course = load_example_course()
    with lrs_settings():
        for lesson in Lesson.objects.filter(course=course)[:count]:
            lessons.record_view(user=learner, lesson=lesson)


def test_an_unreachable_lrs_fails_fast_and_retries_with_backoff(learner):
    queue_rows(2, learner)
    now = timezone.now()
    with lrs_settings(f"http://127.0.0.1:{closed_port()}/xAPI"), override_settings(XAPI_RETRY_SECONDS=30):
        report = sender.send_due(now=now)
        assert (report.sent, report.failed) == (0, 2)
        rows = list(QueuedStatement.objects.all())
        assert {r.attempts for r in rows} == {1}
        assert {r.next_attempt_at for r in rows} == {now + timedelta(seconds=30)}
        assert all("LRS unreachable" in r.last_error for r in rows)
        assert {r.claim for r in rows} == {""} and {r.claimed_until for r in rows} == {None}

        assert sender.send_due(now=now + timedelta(seconds=29)).batches == 0  # still backing off
        sender.send_due(now=now + timedelta(seconds=31))
        rows = list(QueuedStatement.objects.all())
        assert {r.attempts for r in rows} == {2}
        assert {r.next_attempt_at for r in rows} == {now + timedelta(seconds=31 + 60)}
        assert QueuedStatement.objects.sent().count() == 0


def test_backoff_doubles_up_to_the_maximum():
    with override_settings(XAPI_RETRY_SECONDS=30, XAPI_RETRY_MAX_SECONDS=3600):
        assert [sender.backoff(n).total_seconds() for n in (1, 2, 3, 7, 8, 20)] == [
            30,
            60,
            120,
            1920,
            3600,
            3600,
        ]


def test_two_workers_claim_different_statements_and_a_dead_workers_claim_expires(learner):
    queue_rows(2, learner)
    now = timezone.now()
    first_token, first = sender.claim_batch(now=now, size=1)
    second_token, second = sender.claim_batch(now=now, size=5)
    third_token, third = sender.claim_batch(now=now, size=5)
    assert len(first) == len(second) == 1 and third == []
    assert {first[0].pk} != {second[0].pk} and first_token != second_token
    # The first worker died without marking anything: after its lease, another worker takes the row.
    later = now + sender.lease() + timedelta(seconds=1)
    _, again = sender.claim_batch(now=later, size=5)
    assert {r.pk for r in again} == {first[0].pk, second[0].pk}


def test_the_worker_command_without_an_lrs_says_so(capsys):
    with override_settings(XAPI_LRS_URL=""):
        call_command("send_xapi_statements")
    assert "XAPI_LRS_URL is not set" in capsys.readouterr().out


def test_the_status_page_shows_instructors_the_outbox_and_the_last_error(client, learner, instructor):
    queue_rows(2, learner)
    with lrs_settings(f"http://user:pw@127.0.0.1:{closed_port()}/xAPI"):
        sender.send_due()
        client.force_login(learner)
        assert client.get("/instructor/xapi/").status_code == 403
        client.force_login(instructor)
        html = client.get("/instructor/xapi/").content.decode()
    assert "Failing (waiting to retry)</dt><dd>2</dd>" in html
    assert "Queued</dt><dd>0</dd>" in html and "Sent</dt><dd>0</dd>" in html
    assert "LRS unreachable" in html
    assert "lesson-viewed" in html
    assert "pw@" not in html and "user:" not in html  # no credentials from the URL
    assert "/instructor/xapi/" in client.get("/instructor/").content.decode()
    with override_settings(XAPI_LRS_URL=""):
        html = client.get("/instructor/xapi/").content.decode()
    assert "No learning record store is configured" in html


def test_a_roleplay_proposal_and_agreement_are_statements_for_each_role_holder(
    learner, other_learner, instructor
):
    with lrs_settings():
        roleplay_negotiation(learner, other_learner, instructor)
    rows = list(QueuedStatement.objects.order_by("pk"))
    assert [r.verb for r in rows] == ["roleplay-proposal", "roleplay-agreement", "roleplay-agreement"]
    assert ROLEPLAY_EVENTS == ["roleplay-proposal", "roleplay-agreement"]
    for row in rows:
        BaseXapiStatement.model_validate(row.statement)
        assert row.statement["object"]["id"] == f"{BASE}/roleplays/river-talks"
        assert row.statement["result"]["response"] == "monitoring[.]b[,]water[.]b"
    proposal, *agreements = (r.statement for r in rows)
    assert proposal["actor"]["account"]["name"] == str(learner.pk)
    assert proposal["verb"]["id"] == "http://adlnet.gov/expapi/verbs/interacted"
    assert proposal["context"]["extensions"][f"{BASE}/extensions/role"] == "north"
    assert {s["actor"]["account"]["name"] for s in agreements} == {str(learner.pk), str(other_learner.pk)}
    assert {s["context"]["extensions"][f"{BASE}/extensions/role"] for s in agreements} == {"north", "south"}
    assert all(s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed" for s in agreements)
    assert all(s["result"]["success"] is True for s in agreements)
    assert len({s["context"]["registration"] for s in (proposal, *agreements)}) == 1


def test_with_no_lrs_a_roleplay_queues_nothing(learner, other_learner, instructor):
    with override_settings(XAPI_LRS_URL=""):
        roleplay_negotiation(learner, other_learner, instructor)
    assert QueuedStatement.objects.count() == 0


def test_deleting_an_account_deletes_its_statements(learner, other_learner):
    queue_rows(2, learner)
    queue_rows(1, other_learner)
    learner.delete()
    left = [row.statement["actor"]["account"]["name"] for row in QueuedStatement.objects.all()]
    assert left == [str(other_learner.pk)]
