"""Assignment and Grade Services (LTI-AGS 2.0): scores go to the LMS gradebook through an outbox.

Nothing here runs in a page. The `send_lti_scores` worker (cron, every minute) does two steps:

1. `queue_scores`: for each learner who launched a graded placement (PlacementLearner),
   - a quiz placement: one ScoreOutbox row per submitted attempt at that quiz since their first launch
     (score = the attempt's percent out of 100, timestamp = its submission time);
   - a course placement: one row when the learner becomes eligible for the course's certificate
     (training.certificates.eligibility: the course's completion rule), 100 out of 100.
   Rows are inserted with the database's unique constraints (one per attempt and placement; one per course,
   learner and placement) and ignore_conflicts, so two workers, or a worker run twice, queue a score once.
2. `send_due`: each pending row whose time has come is claimed (a conditional update moves its next try 5
   minutes ahead, so a second worker skips it), POSTed to the line item's /scores endpoint with pylti1p3
   (Grade, AssignmentsGradesService), then marked sent; a failure records the error and retries after
   1, 2, 4 … minutes (at most 6 hours between tries) until it is sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.db.models import Exists, OuterRef
from django.utils import timezone
from lti_tool.lti_core.constants import AgsScope
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.service_connector import ServiceConnector

from lms.models import Placement, PlacementLearner, ScoreOutbox
from lms.services import connector_for
from training.certificates import eligibility
from training.models import Course, QuizAttempt

log = logging.getLogger(__name__)

CLAIM_FOR = timedelta(minutes=5)  # a claimed row is left alone by other workers this long


def _graded(kind: str):
    return (
        PlacementLearner.objects.filter(
            placement__kind=kind,
            placement__can_publish_scores=True,
            lti_user__auth_user__isnull=False,
            lti_user__auth_user__is_active=True,
        )
        .exclude(placement__lineitem_url="")
        .select_related("placement", "lti_user")
    )


def queue_scores() -> int:
    """Queue every score not queued yet; returns how many rows were added."""
    rows: list[ScoreOutbox] = []
    for learner in _graded(Placement.Kind.QUIZ):
        queued = ScoreOutbox.objects.filter(attempt=OuterRef("pk"), placement=learner.placement)
        attempts = QuizAttempt.objects.filter(
            user_id=learner.lti_user.auth_user_id,
            quiz__slug=learner.placement.slug,
            submitted_at__isnull=False,
            submitted_at__gte=learner.first_launch_at,
        ).exclude(Exists(queued))
        rows += [
            ScoreOutbox(
                placement=learner.placement,
                lti_user=learner.lti_user,
                user_id=attempt.user_id,
                attempt=attempt,
                score_given=round(attempt.percent or 0.0, 2),
                score_maximum=100,
                comment=f"Attempt {attempt.number}: {'passed' if attempt.passed else 'not passed'}",
                scored_at=attempt.submitted_at,
            )
            for attempt in attempts
        ]
    for learner in _graded(Placement.Kind.COURSE):
        if ScoreOutbox.objects.filter(placement=learner.placement, lti_user=learner.lti_user).exists():
            continue
        course = Course.objects.visible().filter(slug=learner.placement.slug).first()
        user = learner.lti_user.auth_user
        if course is None or user is None or not eligibility(user, course).eligible:
            continue
        rows.append(
            ScoreOutbox(
                placement=learner.placement,
                lti_user=learner.lti_user,
                user=user,
                course=course,
                score_given=100,
                score_maximum=100,
                comment="Course completed: eligible for the certificate",
                scored_at=timezone.now(),
            )
        )
    created = ScoreOutbox.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


def grade_of(row: ScoreOutbox) -> Grade:
    return (
        Grade()
        .set_score_given(row.score_given)
        .set_score_maximum(row.score_maximum)
        .set_timestamp(row.scored_at.isoformat())
        .set_activity_progress(row.activity_progress)
        .set_grading_progress(row.grading_progress)
        .set_user_id(row.lti_user.sub)
        .set_comment(row.comment)
    )


def _claim(row: ScoreOutbox, now: datetime) -> bool:
    return bool(
        ScoreOutbox.objects.filter(
            pk=row.pk, status=ScoreOutbox.Status.PENDING, next_try_at=row.next_try_at
        ).update(next_try_at=now + CLAIM_FOR)
    )


def _error_text(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(error, LtiServiceException) and error.args and hasattr(error.args[0], "status_code"):
        response = error.args[0]
    if response is not None and hasattr(response, "status_code"):
        return f"HTTP {response.status_code}: {str(getattr(response, 'text', ''))[:500]}"
    return f"{error.__class__.__name__}: {error}"[:500]


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0


def send_due(*, now: datetime | None = None, limit: int = 500) -> SendResult:
    """Send the scores that are due; one access token per registration and run."""
    now = now or timezone.now()
    result = SendResult()
    connectors: dict[int, ServiceConnector] = {}
    due = ScoreOutbox.objects.due(now).select_related(
        "lti_user", "placement__resource_link__context__deployment__registration"
    )[:limit]
    for row in due:
        if not _claim(row, now):
            continue  # another worker has it
        registration = row.placement.resource_link.context.deployment.registration
        try:
            connector = connectors.get(registration.pk) or connector_for(registration)
            connectors[registration.pk] = connector
            service = AssignmentsGradesService(
                connector,
                {"scope": [AgsScope.PUBLISH_SCORES.value], "lineitem": row.placement.lineitem_url},
            )
            service.put_grade(grade_of(row))
        except (LtiException, requests.RequestException, ValueError) as error:
            row.tries += 1
            ScoreOutbox.objects.filter(pk=row.pk).update(
                tries=row.tries,
                next_try_at=timezone.now() + ScoreOutbox.backoff(row.tries),
                last_error=_error_text(error),
            )
            log.warning("LTI score %s not sent (try %s): %s", row.pk, row.tries, _error_text(error))
            result.failed += 1
            continue
        ScoreOutbox.objects.filter(pk=row.pk).update(
            status=ScoreOutbox.Status.SENT, sent_at=timezone.now(), tries=row.tries + 1, last_error=""
        )
        result.sent += 1
    return result
