"""What the LTI tool keeps beside django-lti's own models (lti_tool: LtiRegistration, LtiDeployment, LtiUser,
LtiContext, LtiResourceLink, Key).

- `FrameOrigins`: the origins a registered platform frames our pages from (besides its issuer and login URL).
- `Placement`: what a resource link in an LMS course opens here (a lesson, quiz, simulation, role-play or the
  whole course) and the gradebook line item the platform gave it.
- `PlacementLearner`: an LMS user who launched a placement, so their scores go to its line item.
- `ScoreOutbox`: one row per score to send (a quiz attempt or a course completion, per placement), sent by the
  `send_lti_scores` worker and retried until the platform takes it; a unique constraint makes "twice" impossible.
- `CohortLink`: the cohort an LMS course's roster (Names and Role Provisioning) fills.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from lti_tool.models import LtiContext, LtiRegistration, LtiResourceLink, LtiUser

from training.models import Cohort, Course, QuizAttempt


def origin_of(url: str) -> str:
    """ "https://lms.example.edu/path" → "https://lms.example.edu" ("" when the URL has no scheme or host)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower()


class FrameOrigins(models.Model):
    """Extra origins a platform shows our pages in (an LMS whose issuer is a shared host, such as Canvas's
    https://canvas.instructure.com, frames the tool from each school's own host)."""

    registration = models.OneToOneField(
        LtiRegistration, on_delete=models.CASCADE, related_name="frame_origins"
    )
    origins = models.TextField(
        blank=True,
        help_text="One origin per line (https://school.example.edu). The issuer's and the login URL's "
        "origins are always allowed.",
    )

    class Meta:
        verbose_name = "frame origins"
        verbose_name_plural = "frame origins"

    def __str__(self) -> str:
        return f"Frame origins of {self.registration}"

    def listed(self) -> list[str]:
        return [origin for line in self.origins.splitlines() if (origin := origin_of(line))]


class Placement(models.Model):
    """A resource link in an LMS course and what it opens here."""

    class Kind(models.TextChoices):
        LESSON = "lesson", "Lesson"
        QUIZ = "quiz", "Quiz"
        SIMULATION = "simulation", "Simulation"
        ROLEPLAY = "roleplay", "Role-play"
        COURSE = "course", "Course"

    resource_link = models.OneToOneField(LtiResourceLink, on_delete=models.CASCADE, related_name="placement")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    slug = models.SlugField(max_length=100)
    lineitem_url = models.URLField(
        max_length=500, blank=True, help_text="The gradebook column (AGS line item) of this link, if any."
    )
    can_publish_scores = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.slug} ← {self.resource_link}"

    @property
    def grades(self) -> bool:
        """Scores go to the LMS from this link: a quiz or course with a line item and the score scope."""
        return (
            self.kind in (self.Kind.QUIZ, self.Kind.COURSE)
            and bool(self.lineitem_url)
            and self.can_publish_scores
        )


class PlacementLearner(models.Model):
    """An LMS user (LtiUser) who launched a placement: their scores for it are sent to its line item."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="learners")
    lti_user = models.ForeignKey(LtiUser, on_delete=models.CASCADE, related_name="placements")
    first_launch_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["placement", "lti_user"], name="one_learner_row_per_placement")
        ]

    def __str__(self) -> str:
        return f"{self.lti_user} → {self.placement}"


class ScoreOutboxQuerySet(models.QuerySet):
    def due(self, now: datetime) -> ScoreOutboxQuerySet:
        """Rows to (re)try now, oldest score first."""
        return self.filter(status=ScoreOutbox.Status.PENDING, next_try_at__lte=now).order_by(
            "scored_at", "pk"
        )


class ScoreOutbox(models.Model):
    """A score waiting to be (or already) sent to a platform's gradebook (AGS Score service)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Refused (not retried)"

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="scores")
    lti_user = models.ForeignKey(LtiUser, on_delete=models.CASCADE, related_name="scores")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_scores")
    attempt = models.ForeignKey(
        QuizAttempt, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    course = models.ForeignKey(Course, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    score_given = models.FloatField()
    score_maximum = models.FloatField()
    activity_progress = models.CharField(max_length=20, default="Completed")
    grading_progress = models.CharField(max_length=20, default="FullyGraded")
    comment = models.CharField(max_length=200, blank=True)
    scored_at = models.DateTimeField(help_text="When the learner earned it (the AGS timestamp).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    tries = models.PositiveIntegerField(default=0)
    next_try_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScoreOutboxQuerySet.as_manager()

    class Meta:
        verbose_name = "score to send"
        verbose_name_plural = "scores to send (LTI outbox)"
        constraints = [
            # One row, so one score sent, per quiz attempt and line item (placement).
            models.UniqueConstraint(
                fields=["attempt", "placement"],
                condition=Q(attempt__isnull=False),
                name="one_score_per_attempt_and_placement",
            ),
            models.UniqueConstraint(
                fields=["course", "lti_user", "placement"],
                condition=Q(course__isnull=False),
                name="one_completion_per_learner_and_placement",
            ),
            models.CheckConstraint(
                condition=Q(attempt__isnull=False, course__isnull=True)
                | Q(attempt__isnull=True, course__isnull=False),
                name="score_is_for_an_attempt_or_a_course",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_try_at"])]

    def __str__(self) -> str:
        what = f"attempt {self.attempt_id}" if self.attempt_id else f"course {self.course_id}"
        return f"{what} → {self.placement} ({self.get_status_display()})"

    @staticmethod
    def backoff(tries: int) -> timedelta:
        """Wait before retry number `tries`: 1, 2, 4 … minutes, at most 6 hours."""
        return timedelta(minutes=min(2 ** max(tries - 1, 0), 360))


class CohortLink(models.Model):
    """The cohort an LMS course (LTI context) fills from its roster."""

    context = models.OneToOneField(LtiContext, on_delete=models.CASCADE, related_name="cohort_link")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="lti_links")
    synced_at = models.DateTimeField(null=True, blank=True)
    synced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.context} → {self.cohort}"
