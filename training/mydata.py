"""My data: export everything the app holds about a learner as JSON, and delete their account.

The export starts from the user for every table, so it can only contain the learner's own rows: account
fields (never the password hash), lesson progress, check answers, quiz attempts with their responses and
snapshots (what an open assessment holds back is left out, see below), review cards with every review,
simulation runs with their steps, reflections on runs and on modules, capstone submissions and grades,
cohort memberships (and cohorts they teach), certificates, role-play sessions with what they wrote, proposed and answered (roleplay/mydata.py). Content is named by its stable slug or key, never by database ids alone.

Deleting the account removes, in one transaction, the user row and with it (on_delete=CASCADE, see
training/models/learning.py) all learner state, memberships, certificates and group links; and the rows
that name the person without a foreign key: django-axes' login records for their username or email, their
sessions in every browser, and the admin's history entries about their account. Content the learner
answered stays (it is the course, not theirs).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from importlib import import_module
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog  # type: ignore[import-untyped]  # no hints
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import transaction
from django.db.models import Prefetch, Q

from roleplay import mydata as roleplay_data
from training import review
from training.models import (
    Accommodation,
    CapstoneSubmission,
    Certificate,
    CheckAnswer,
    CohortMembership,
    LessonProgress,
    ModuleReflection,
    Quiz,
    QuizAttempt,
    Response,
    ReviewCard,
    ReviewLog,
    SimulationReflection,
    SimulationRun,
    SimulationStep,
)

EXPORT_FORMAT = 1


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


# --- What an open assessment holds back -----------------------------------------------------------------
# While an assessment attempt is open its answers say nothing about being right (the review queue holds its
# questions back for the same reason); after submission right/wrong and scores are shown, and the answer key
# (which option is right, positions, categories, feedback, explanation, citations) as the quiz's results
# policy allows. The rule is Quiz.answer_key_shown; training.review.held_back applies it to review cards.

UNTIL_SUBMITTED = "until the attempt is submitted"
BY_POLICY = "by the quiz's results policy"
_SHOWN_KEYS = ("kind", "slug", "scenario", "prompt", "categories", "chosen")  # a snapshot without its key


def _is_open_assessment(attempt: QuizAttempt) -> bool:
    return attempt.submitted_at is None and attempt.quiz.mode == Quiz.Mode.ASSESSMENT


def _without_answer_key(snapshot: dict[str, Any]) -> dict[str, Any]:
    """What the learner was shown and chose, without the answer key, the feedback or the explanation."""
    shown = {key: snapshot[key] for key in _SHOWN_KEYS if key in snapshot}
    if "choices" in snapshot:
        shown["choices"] = [{"key": c.get("key"), "text": c.get("text")} for c in snapshot["choices"]]
    return {key: shown[key] for key in snapshot if key in shown}  # in the snapshot's own key order


def _attempt(attempt: QuizAttempt, *, open_assessment: bool, key_shown: bool) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for response in attempt.responses.all():
        row: dict[str, Any] = {
            "question": response.question.slug,
            "answer": response.answer,
            "score": response.score,
            "correct": response.correct,
            "answered_at": _iso(response.answered_at),
            "chosen": sorted(choice.key for choice in response.chosen_choices.all()),
            "certainty": response.certainty,
            "mark": response.mark,
            "hints_used": response.hints_used,
            "snapshot": response.snapshot if key_shown else _without_answer_key(response.snapshot),
        }
        if open_assessment:
            del row["score"], row["correct"], row["mark"]  # each tells right from wrong
        rows.append(row)
    return {
        "quiz": attempt.quiz.slug,
        "title": attempt.quiz.title,
        "number": attempt.number,
        "started_at": _iso(attempt.started_at),
        "submitted_at": _iso(attempt.submitted_at),
        "score": attempt.score,
        "max_score": attempt.max_score,
        "percent": attempt.percent,
        "passed": attempt.passed,
        "mark_average": attempt.mark_average,
        "deadline": _iso(attempt.deadline),
        "held_back": UNTIL_SUBMITTED if open_assessment else None if key_shown else BY_POLICY,
        "responses": rows,
    }


def _card(card: ReviewCard, *, held: review.HeldBack) -> dict[str, Any]:
    """A review card with its reviews. While its question is in an open assessment attempt the ratings, the
    card's state and its due date (each tells right from wrong) wait for the submission."""
    verdict_held = card.question_id in held.verdicts
    key_held = card.question_id in held.answer_key
    reviews: list[dict[str, Any]] = []
    for log in card.logs.all():
        if verdict_held:
            reviews.append({"source": log.source, "reviewed_at": _iso(log.reviewed_at)})
            continue
        data = log.log
        if key_held and isinstance(data.get("snapshot"), dict):
            data = {**data, "snapshot": _without_answer_key(data["snapshot"])}
        reviews.append(
            {
                "rating": log.rating,
                "correct": log.correct,
                "source": log.source,
                "reviewed_at": _iso(log.reviewed_at),
                "log": data,
            }
        )
    return {
        "question": card.question.slug,
        "prompt": card.question.prompt,
        "card": None if verdict_held else card.card,
        "due": None if verdict_held else _iso(card.due),
        "created_at": _iso(card.created_at),
        "held_back": "until the assessment attempt is submitted" if verdict_held else None,
        "reviews": reviews,
    }


def export_for(user) -> dict[str, Any]:
    """Everything the app holds about `user`, as JSON-ready data (a fixed number of queries)."""
    account = {
        "username": user.get_username(),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "groups": sorted(user.groups.values_list("name", flat=True)),
    }
    lessons = [
        {
            "lesson": row.lesson.slug,
            "title": row.lesson.title,
            "viewed_at": _iso(row.viewed_at),
            "completed_at": _iso(row.completed_at),
        }
        for row in LessonProgress.objects.for_user(user).select_related("lesson").order_by("viewed_at", "pk")
    ]
    checks = [
        {
            "question": row.question.slug,
            "prompt": row.question.prompt,
            "answer": row.answer,
            "score": row.score,
            "correct": row.correct,
            "answered_at": _iso(row.answered_at),
        }
        for row in CheckAnswer.objects.for_user(user).select_related("question").order_by("answered_at", "pk")
    ]
    responses = Response.objects.select_related("question").prefetch_related("chosen_choices").order_by("pk")
    attempt_rows = list(
        QuizAttempt.objects.for_user(user)
        .select_related("quiz")
        .prefetch_related(Prefetch("responses", queryset=responses))
        .order_by("started_at", "pk")
    )
    by_quiz: dict[int, list[QuizAttempt]] = defaultdict(list)
    for attempt in attempt_rows:
        by_quiz[attempt.quiz_id].append(attempt)
    # The same rule as the results page and the review queue (Quiz.answer_key_shown).
    key_shown = {quiz_id: group[0].quiz.answer_key_shown(group) for quiz_id, group in by_quiz.items()}
    attempts = [
        _attempt(attempt, open_assessment=_is_open_assessment(attempt), key_shown=key_shown[attempt.quiz_id])
        for attempt in attempt_rows
    ]
    held = review.held_back(user)
    cards = [
        _card(card, held=held)
        for card in ReviewCard.objects.for_user(user)
        .select_related("question")
        .prefetch_related(Prefetch("logs", queryset=ReviewLog.objects.order_by("reviewed_at", "pk")))
        .order_by("created_at", "pk")
    ]
    steps = SimulationStep.objects.select_related("node", "option").order_by("number")
    runs = [
        {
            "simulation": run.simulation.slug,
            "title": run.simulation.title,
            "started_at": _iso(run.started_at),
            "finished_at": _iso(run.finished_at),
            "current_node": run.current_node.key,
            "ending": run.ending.key if run.ending else None,
            "meters": run.meters,
            "steps": [
                {
                    "number": step.number,
                    "node": step.node.key,
                    "option": step.option.key,
                    "meters_before": step.meters_before,
                    "meters_after": step.meters_after,
                    "created_at": _iso(step.created_at),
                }
                for step in run.steps.all()
            ],
        }
        for run in SimulationRun.objects.for_user(user)
        .select_related("simulation", "current_node", "ending")
        .prefetch_related(Prefetch("steps", queryset=steps))
        .order_by("started_at", "pk")
    ]
    reflections = [
        {
            "simulation": row.run.simulation.slug,
            "run_started_at": _iso(row.run.started_at),
            "ending": row.run.ending.key if row.run.ending else None,
            "text": row.text,
            "saved_at": _iso(row.saved_at),
        }
        for row in SimulationReflection.objects.filter(run__user=user)
        .select_related("run__simulation", "run__ending")
        .order_by("saved_at", "pk")
    ]
    memberships = [
        {"cohort": m.cohort.name, "course": m.cohort.course.slug, "joined_at": _iso(m.joined_at)}
        for m in CohortMembership.objects.filter(user=user).select_related("cohort__course").order_by("pk")
    ]
    teaching = [
        {"cohort": cohort.name, "course": cohort.course.slug}
        for cohort in user.teaching_cohorts.select_related("course").order_by("pk")
    ]
    certs = [
        {
            "course": cert.course.slug,
            "title": cert.course.title,
            "name": cert.name,
            "code": cert.code,
            "issued_at": _iso(cert.issued_at),
        }
        for cert in Certificate.objects.filter(user=user).select_related("course").order_by("issued_at", "pk")
    ]
    extra_time = [
        {"course": row.course.slug, "extra_percent": row.extra_percent, "updated_at": _iso(row.updated_at)}
        for row in Accommodation.objects.for_user(user).select_related("course").order_by("pk")
    ]
    module_reflections = [
        {"module": row.module.slug, "text": row.text, "saved_at": _iso(row.saved_at)}
        for row in ModuleReflection.objects.for_user(user).select_related("module").order_by("saved_at", "pk")
    ]
    capstones = [
        {
            "capstone": row.capstone.slug,
            "state": row.state,
            "text": row.text,
            "saved_at": _iso(row.saved_at),
            "submitted_at": _iso(row.submitted_at),
            "graded_at": _iso(row.graded_at),
            "scores": row.scores,
            "total": row.total,
            "passed": row.passed,
            "feedback": row.feedback,
        }
        for row in CapstoneSubmission.objects.for_user(user).select_related("capstone").order_by("pk")
    ]
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(datetime.now(UTC)),
        "account": account,
        "lesson_progress": lessons,
        "check_answers": checks,
        "quiz_attempts": attempts,
        "review_cards": cards,
        "simulation_runs": runs,
        "reflections": reflections,
        "module_reflections": module_reflections,
        "capstones": capstones,
        "cohort_memberships": memberships,
        "cohorts_taught": teaching,
        "certificates": certs,
        "extra_time": extra_time,
        "roleplays": roleplay_data.export_for(user),
    }


def export_filename(user, when: datetime | None = None) -> str:
    when = (when or datetime.now(UTC)).astimezone(UTC)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in user.get_username())[:40]
    return f"diplomacy-tracks-{safe}-{when:%Y%m%d}.json"


@transaction.atomic
def delete_account(*, user, password: str) -> bool:
    """Delete the account and everything about the person if `password` is the account's password — or, for an
    account that has none (created by an LMS launch, lms/accounts.py), its username typed out in full.

    Returns False (and deletes nothing) when it does not match. Their sessions are deleted, so every browser
    signed in as them is signed out.
    """
    if user.has_usable_password():
        if not password or not user.check_password(password):
            return False
    elif password != user.get_username():
        return False
    account = get_user_model().objects.select_for_update().get(pk=user.pk)
    _forget_logins(account)
    _end_sessions(account)
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(account), object_id=str(account.pk)
    ).delete()  # the admin's history of changes to the account names it (object_repr); entries *by* it cascade
    account.delete()
    return True


def _forget_logins(account) -> None:
    """Delete django-axes' records (attempts, lock-outs, failures, access log) typed with the account's
    username or email, in any case, except a name that is also another account's username or email: its
    records count towards that account's lock-out and must not be wiped by deleting this one."""
    names = {name.casefold() for name in (account.get_username(), account.email) if name}
    others = (
        get_user_model()
        .objects.exclude(pk=account.pk)
        .filter(_any_of("username", names) | _any_of("email", names))
    )
    names -= {name.casefold() for pair in others.values_list("username", "email") for name in pair if name}
    if names:
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            model.objects.filter(_any_of("username", names)).delete()


def _any_of(field: str, names: set[str]) -> Q:
    """`field` equal to one of `names`, ignoring case."""
    condition = Q(pk__in=[])
    for name in names:
        condition |= Q(**{f"{field}__iexact": name})
    return condition


def _end_sessions(account) -> None:
    """Delete the account's sessions, whichever browser holds them.

    With the database session engines (db, cached_db: settings.SESSION_ENGINE, the default is db) every
    session is read, since the user id is inside the encoded data; the table holds one row per browser
    session, and deleting an account is rare. The cache engine cannot list its sessions and signed cookies
    live in the browser: there a signed-in browser is signed out by Django's auth middleware on its next
    request, as the session's user no longer exists, and the session expires.
    """
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store_class, DatabaseSessionStore):
        return
    theirs = [
        session.session_key
        for session in store_class.get_model_class().objects.iterator()
        if session.get_decoded().get(SESSION_KEY) == str(account.pk)
    ]
    for key in theirs:
        store_class(session_key=key).delete()  # cached_db: from its cache too
