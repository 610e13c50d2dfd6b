"""The xAPI statements Diplomacy Tracks sends: one builder per learning event, and the vocabulary they use.

Builders are pure: they read only the objects handed to them (already loaded by the workflow that recorded the
event, so building a statement costs no query) and return the statement as a dict, without its `id` (the
outbox gives it one when it queues the statement: xapi/record.py).

Vocabulary (docs/integrations.md explains each choice):
- actor: an Agent with an `account` on XAPI_ACCOUNT_HOMEPAGE whose name is the user's number — no name, no
  email ever leaves the site;
- verbs: the ADL vocabulary where it has the word (experienced, completed, answered, passed, failed,
  interacted) — the verbs cmi5 and SCORM-derived reports already understand — and the TinCan registry for the
  two it lacks (rated, earned);
- activity ids: XAPI_ACTIVITY_BASE + the object's stable slug (`/lessons/<slug>`, `/quizzes/<slug>`,
  `/questions/<slug>`, `/simulations/<slug>`, `/simulations/<slug>/nodes/<key>`, `/courses/<slug>`), so the
  same lesson has the same id whatever its title or database id becomes;
- extensions: IRIs under XAPI_ACTIVITY_BASE + `/extensions/`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings

VERBS: dict[str, str] = {
    "experienced": "http://adlnet.gov/expapi/verbs/experienced",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "interacted": "http://adlnet.gov/expapi/verbs/interacted",
    "rated": "http://id.tincanapi.com/verb/rated",
    "earned": "http://id.tincanapi.com/verb/earned",
}

ACTIVITY_TYPES: dict[str, str] = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "assessment": "http://adlnet.gov/expapi/activities/assessment",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "simulation": "http://adlnet.gov/expapi/activities/simulation",
    "decision": "http://adlnet.gov/expapi/activities/interaction",
    "review": "http://id.tincanapi.com/activitytype/review",
    "roleplay": "http://adlnet.gov/expapi/activities/simulation",
    "badge": "http://id.tincanapi.com/activitytype/badge",
}

# Question kinds → cmi.interaction types (and how their response is written, xAPI 1.0.3 §2.4.4.1.2).
INTERACTION_TYPES = {"single": "choice", "multiple": "choice", "order": "sequencing", "sort": "matching"}

PLATFORM = "Diplomacy Tracks"
LANGUAGE = "en"


# --- the parts every statement shares -------------------------------------------------------------------------


def base() -> str:
    return settings.XAPI_ACTIVITY_BASE


def extension(name: str) -> str:
    return f"{base()}/extensions/{name}"


def actor(user) -> dict[str, Any]:
    return {
        "objectType": "Agent",
        "account": {"homePage": settings.XAPI_ACCOUNT_HOMEPAGE, "name": str(user.pk)},
    }


def verb(name: str) -> dict[str, Any]:
    return {"id": VERBS[name], "display": {"en-US": name}}


def timestamp(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def activity(path: str, kind: str, name: str = "", **definition: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": ACTIVITY_TYPES[kind]}
    if name:
        body["name"] = {LANGUAGE: name}
    body.update(definition)
    return {"objectType": "Activity", "id": f"{base()}/{path}", "definition": body}


def registration(kind: str, pk: int) -> str:
    """A stable UUID for one quiz attempt or simulation run: every statement of it carries the same one."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base()}/{kind}/{pk}"))


def statement(
    user,
    verb_name: str,
    obj: dict[str, Any],
    when: datetime,
    *,
    result: dict[str, Any] | None = None,
    parents: list[dict[str, Any]] = (),  # type: ignore[assignment]
    registration_id: str = "",
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    context: dict[str, Any] = {"platform": PLATFORM, "language": LANGUAGE}
    if parents:
        context["contextActivities"] = {"parent": list(parents)}
    if registration_id:
        context["registration"] = registration_id
    if extensions:
        context["extensions"] = extensions
    built: dict[str, Any] = {
        "actor": actor(user),
        "verb": verb(verb_name),
        "object": obj,
        "context": context,
        "timestamp": timestamp(when),
        "version": "1.0.3",
    }
    if result is not None:
        built["result"] = result
    return built


def score(raw: float, maximum: float) -> dict[str, Any]:
    scaled = raw / maximum if maximum else 0.0
    return {"scaled": round(max(-1.0, min(1.0, scaled)), 4), "raw": round(raw, 4), "min": 0, "max": maximum}


def duration(start: datetime, end: datetime) -> str:
    seconds = max(0.0, (end - start).total_seconds())
    return f"PT{seconds:.2f}S"


# --- the objects ---------------------------------------------------------------------------------------------


def course_activity(course) -> dict[str, Any]:
    return activity(f"courses/{course.slug}", "course", course.title)


def lesson_activity(lesson) -> dict[str, Any]:
    return activity(f"lessons/{lesson.slug}", "lesson", lesson.title)


def quiz_activity(quiz) -> dict[str, Any]:
    return activity(f"quizzes/{quiz.slug}", "assessment", quiz.title)


def simulation_activity(simulation) -> dict[str, Any]:
    return activity(f"simulations/{simulation.slug}", "simulation", simulation.title)


def review_activity() -> dict[str, Any]:
    return activity("review", "review", "Spaced-repetition review")


def question_activity(question, spec) -> dict[str, Any]:
    """A question as a cmi.interaction: its kind and the choices as shown (ids are the choice keys)."""
    interaction = INTERACTION_TYPES.get(spec.kind, "other")
    definition: dict[str, Any] = {"interactionType": interaction}
    components = [{"id": c.key, "description": {LANGUAGE: c.text}} for c in spec.choices]
    if interaction == "matching":
        definition["source"] = components
        definition["target"] = [{"id": c.key, "description": {LANGUAGE: c.label}} for c in spec.categories]
    elif interaction in ("choice", "sequencing"):
        definition["choices"] = components
    return activity(f"questions/{question.slug}", "question", question.prompt, **definition)


def parent_activity(parent) -> dict[str, Any]:
    """The activity a question was answered in: its quiz, its lesson, or the review queue (None)."""
    if parent is None:
        return review_activity()
    kind = type(parent).__name__
    if kind == "Quiz":
        return quiz_activity(parent)
    if kind == "Lesson":
        return lesson_activity(parent)
    raise TypeError(f"no xAPI activity for a {kind}")


def response_text(kind: str, answer: dict[str, Any]) -> str:
    """The learner's answer in the cmi.interaction response format: `a[,]b` for choice and sequencing,
    `item[.]category[,]…` for matching."""
    if kind == "single":
        return str(answer.get("choice", ""))
    if kind == "multiple":
        return "[,]".join(answer.get("choices", []))
    if kind == "order":
        return "[,]".join(answer.get("order", []))
    categories = answer.get("categories") or {}
    return "[,]".join(f"{item}[.]{category}" for item, category in categories.items())


# --- one builder per learning event --------------------------------------------------------------------------


def lesson_viewed(*, user, lesson, when: datetime) -> dict[str, Any]:
    return statement(user, "experienced", lesson_activity(lesson), when)


def lesson_completed(*, user, lesson, when: datetime) -> dict[str, Any]:
    return statement(user, "completed", lesson_activity(lesson), when, result={"completion": True})


def question_answered(
    *, user, question, spec, answer: dict[str, Any], grade, parent, when: datetime, attempt=None
) -> dict[str, Any]:
    """`parent`: the Quiz or Lesson it was answered in, or None on the review page; `attempt`: the quiz
    attempt (its registration groups the attempt's statements)."""
    result: dict[str, Any] = {
        "response": response_text(spec.kind, answer),
        "success": bool(grade.correct),
        "score": score(grade.score, 1),
    }
    extensions: dict[str, Any] = {}
    if grade.certainty:
        extensions[extension("certainty")] = grade.certainty
        extensions[extension("certainty-mark")] = grade.cbm_mark
    if grade.hints_used:
        extensions[extension("hints-used")] = grade.hints_used
    if extensions:
        result["extensions"] = extensions
    return statement(
        user,
        "answered",
        question_activity(question, spec),
        when,
        result=result,
        parents=[parent_activity(parent)],
        registration_id=registration("quiz-attempts", attempt.pk) if attempt is not None else "",
    )


def quiz_attempt_completed(*, user, attempt) -> dict[str, Any]:
    """A submitted attempt: passed or failed against the quiz's pass mark (the cmi5 verbs for a judged
    assessment), with the score and how long it took."""
    assert attempt.submitted_at is not None
    result: dict[str, Any] = {
        "success": bool(attempt.passed),
        "completion": True,
        "score": score(attempt.score or 0.0, attempt.max_score or 0.0),
        "duration": duration(attempt.started_at, attempt.submitted_at),
        "extensions": {extension("attempt-number"): attempt.number},
    }
    if attempt.mark_average is not None:
        result["extensions"][extension("certainty-mark-average")] = attempt.mark_average
    return statement(
        user,
        "passed" if attempt.passed else "failed",
        quiz_activity(attempt.quiz),
        attempt.submitted_at,
        result=result,
        registration_id=registration("quiz-attempts", attempt.pk),
        extensions={extension("pass-mark"): attempt.quiz.pass_mark},
    )


def node_activity(simulation, node) -> dict[str, Any]:
    return activity(f"simulations/{simulation.slug}/nodes/{node.key}", "decision", node.title)


def simulation_decision(*, user, run, step, simulation, node, option) -> dict[str, Any]:
    """One decision in a run: the node decided on, the option chosen (the response), the meters after it."""
    return statement(
        user,
        "interacted",
        node_activity(simulation, node),
        step.created_at,
        result={
            "response": option.key,
            "extensions": {
                extension("meters"): dict(step.meters_after),
                extension("meters-before"): dict(step.meters_before),
                extension("step"): step.number,
                **({extension("event"): step.event} if step.event else {}),
            },
        },
        parents=[simulation_activity(simulation)],
        registration_id=registration("simulation-runs", run.pk),
    )


def simulation_ended(*, user, run, simulation, ending) -> dict[str, Any]:
    """The run reached an ending: completed, successful unless the ending's outcome is a failure."""
    assert run.finished_at is not None
    result: dict[str, Any] = {
        "completion": True,
        "duration": duration(run.started_at, run.finished_at),
        "extensions": {
            extension("meters"): dict(run.meters),
            extension("ending"): ending.key,
            extension("outcome"): ending.outcome or "",
        },
    }
    if ending.outcome:
        result["success"] = ending.outcome != "failure"
    return statement(
        user,
        "completed",
        simulation_activity(simulation),
        run.finished_at,
        result=result,
        registration_id=registration("simulation-runs", run.pk),
    )


REVIEW_RATINGS = {1: "again", 2: "hard", 3: "good", 4: "easy"}


def review_rated(*, user, question, log) -> dict[str, Any]:
    """A spaced-repetition review's rating (FSRS: 1 again, 2 hard, 3 good, 4 easy), given by the answer on the
    review page or changed afterwards by the learner."""
    return statement(
        user,
        "rated",
        activity(f"questions/{question.slug}", "question", question.prompt),
        log.reviewed_at,
        result={
            "success": bool(log.correct),
            "score": {"raw": log.rating, "min": 1, "max": 4},
            "response": REVIEW_RATINGS.get(log.rating, str(log.rating)),
        },
        parents=[review_activity()],
    )


def certificate_issued(*, user, certificate, verify_url: str) -> dict[str, Any]:
    course = certificate.course
    return statement(
        user,
        "earned",
        activity(
            f"courses/{course.slug}/certificate",
            "badge",
            f"Certificate: {course.title}",
            moreInfo=verify_url,
        ),
        certificate.issued_at,
        result={"completion": True, "success": True},
        parents=[course_activity(course)],
        extensions={extension("certificate-code"): certificate.code},
    )


def roleplay_activity(roleplay) -> dict[str, Any]:
    return activity(f"roleplays/{roleplay.slug}", "roleplay", roleplay.title)


def package_text(package: dict[str, str]) -> str:
    """A negotiated package (issue slug → option key) in the matching response format: `issue[.]option[,]…`."""
    return "[,]".join(f"{issue}[.]{option}" for issue, option in sorted(package.items()))


def _roleplay_context(session, group, role_slug: str) -> dict[str, Any]:
    return {
        extension("role"): role_slug,
        extension("group"): group.number,
        extension("session"): registration("roleplay-sessions", session.pk),
    }


def roleplay_proposal(*, user, session, group, seat, proposal) -> dict[str, Any]:
    """A role-holder puts a package (one option per issue) on the table in a facilitated role-play."""
    return statement(
        user,
        "interacted",
        roleplay_activity(session.roleplay),
        proposal.created_at,
        result={"response": package_text(proposal.package)},
        registration_id=registration("roleplay-groups", group.pk),
        extensions={
            **_roleplay_context(session, group, seat.role.slug),
            extension("phase"): proposal.phase_index,
        },
    )


def roleplay_agreement(*, user, session, group, role_slug: str) -> dict[str, Any]:
    """Every role of the group accepted the same package: the negotiation is completed with an agreement (one
    statement for each role-holder)."""
    return statement(
        user,
        "completed",
        roleplay_activity(session.roleplay),
        group.agreed_at,
        result={"completion": True, "success": True, "response": package_text(group.agreed_package)},
        registration_id=registration("roleplay-groups", group.pk),
        extensions=_roleplay_context(session, group, role_slug),
    )
