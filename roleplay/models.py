"""Role-play models: the scenario as authored in the curriculum (content, archived never deleted) and the sessions
played from it (learner state, every action a row with its time).

Content: RolePlay → Role, Issue → IssueOption (with every role's points), Phase, Inject, DebriefQuestion; the
format is docs/curriculum-format.md#roleplays, loaded by training/curriculum/loader.py.

Sessions: an instructor starts a Session of a role-play for a cohort; its learners join (Participant) and are
placed in parallel Groups, each with one Seat per role played. Messages, proposals and responses belong to the
seat (so a role reassigned to another learner keeps its history) and record their author. The phase clock is
stored as timestamps on the session, so every app server computes the same remaining time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from roleplay.scoring import Table
from training import portraits
from training.models import Cohort, Content, ContentQuerySet, Course, LearningObjective, Module, Reference
from training.models.content import chain_q, published_q
from training.permissions import is_instructor

# Content -----------------------------------------------------------------------------------------------------


class RolePlayQuerySet(ContentQuerySet):
    parent_paths = ("course__",)

    def visible_q(self, prefix: str = "") -> Q:
        """Published and not archived, its course too, and its module when it has one."""
        module = Q(**{f"{prefix}module__isnull": True}) | published_q(f"{prefix}module__")
        return chain_q(prefix, self.parent_paths) & module


class RolePlay(Content):
    slug = models.SlugField(max_length=100, unique=True)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    module = models.ForeignKey(
        Module,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="roleplays",
        help_text="Optional: the module whose path shows it.",
    )
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, help_text="One line for lists.")
    minutes = models.PositiveSmallIntegerField(default=60, help_text="Suggested total length.")
    background = models.TextField(help_text="Markdown, public to every participant.")
    debrief_guide = models.TextField(blank=True, help_text="Markdown, for the facilitator only.")
    objectives = models.ManyToManyField(LearningObjective, blank=True, related_name="roleplays")
    references = models.ManyToManyField(Reference, blank=True, related_name="roleplays")

    objects: ClassVar = RolePlayQuerySet.as_manager()

    class Meta(Content.Meta):
        verbose_name = "role-play"

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.course_id and self.module is not None:
            self.course_id = self.module.course_id
        super().save(*args, **kwargs)

    def active_roles(self) -> list[Role]:
        return list(self.roles.active().in_order())

    def active_phases(self) -> list[Phase]:
        return list(self.phases.active().in_order())

    def active_issues(self) -> list[Issue]:
        """Issues in order with their options in order (`issue.shown_options`)."""
        return list(
            self.issues.active()
            .in_order()
            .prefetch_related(
                models.Prefetch("options", IssueOption.objects.active().in_order(), to_attr="shown_options")
            )
        )

    def points_table(self, roles: list[Role] | None = None, issues: list[Issue] | None = None) -> Table:
        """The scoring table of `roles` (default: every role) over the active issues and options."""
        roles = self.active_roles() if roles is None else roles
        issues = self.active_issues() if issues is None else issues
        slugs = tuple(role.slug for role in roles)
        return Table(
            roles=slugs,
            issues=tuple((i.slug, tuple(o.key for o in i.shown_options)) for i in issues),
            points={
                (i.slug, o.key): {r: int(o.points.get(r, 0)) for r in slugs}
                for i in issues
                for o in i.shown_options
            },
            walk_away={role.slug: role.walk_away for role in roles},
        )


class RolePlayPart(Content):
    """A row inside one role-play, keyed by its slug there."""

    roleplay = models.ForeignKey(RolePlay, on_delete=models.CASCADE, related_name="+")
    slug = models.SlugField(max_length=100)
    course_parent = "roleplay"

    class Meta(Content.Meta):
        abstract = True


class Role(RolePlayPart):
    roleplay = models.ForeignKey(RolePlay, on_delete=models.CASCADE, related_name="roles")
    title = models.CharField(max_length=200)
    side = models.SlugField(
        max_length=100, blank=True, help_text="Roles with the same side share a caucus (default: its slug)."
    )
    optional = models.BooleanField(default=False, help_text="Filled only when a group has enough learners.")
    public_brief = models.TextField(help_text="Markdown: everyone in the group sees it.")
    confidential_brief = models.TextField(help_text="Markdown: only this role's players and the facilitator.")
    objectives = models.JSONField(default=list, blank=True, help_text="Confidential aims: a list of strings.")
    walk_away = models.IntegerField(help_text="Confidential: the score without an agreement.")
    portrait = models.CharField(
        max_length=20,
        blank=True,
        choices=portraits.CHOICES,
        help_text="The role's picture; blank: chosen from its title, else by its position (training/portraits.py).",
    )

    class Meta(Content.Meta):
        constraints = [models.UniqueConstraint(fields=["roleplay", "slug"], name="role_unique_slug")]

    def __str__(self) -> str:
        return self.title

    @property
    def portrait_path(self) -> str:
        """The static path of this role's portrait (chosen, or read from its title and slug)."""
        key = portraits.portrait_key(
            chosen=self.portrait,
            description=f"{self.title} {self.slug.replace('-', ' ')}",
            position=self.position,
        )
        return portraits.portrait_path(key)

    @property
    def caucus(self) -> str:
        return self.side or self.slug


class Issue(RolePlayPart):
    roleplay = models.ForeignKey(RolePlay, on_delete=models.CASCADE, related_name="issues")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown, public.")

    shown_options: list[IssueOption]  # set by RolePlay.active_issues()

    class Meta(Content.Meta):
        constraints = [models.UniqueConstraint(fields=["roleplay", "slug"], name="issue_unique_slug")]

    def __str__(self) -> str:
        return self.title


class IssueOption(Content):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="options")
    key = models.SlugField(max_length=1, help_text="a to e.")
    text = models.CharField(max_length=300)
    points = models.JSONField(
        default=dict, help_text='Confidential: every role\'s points, {"role-slug": points} (-100 to 100).'
    )
    course_parent = "issue"

    class Meta(Content.Meta):
        verbose_name = "option"
        constraints = [models.UniqueConstraint(fields=["issue", "key"], name="issue_option_unique_key")]

    def __str__(self) -> str:
        return f"{self.key}. {self.text}"


class Phase(RolePlayPart):
    class Kind(models.TextChoices):
        PREPARATION = "preparation", "Preparation"
        PRIVATE = "private", "Private talks"
        CAUCUS = "caucus", "Caucus"
        PLENARY = "plenary", "Plenary"

    roleplay = models.ForeignKey(RolePlay, on_delete=models.CASCADE, related_name="phases")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    minutes = models.PositiveSmallIntegerField(default=10)
    instructions = models.TextField(help_text="Markdown, public.")

    class Meta(Content.Meta):
        constraints = [models.UniqueConstraint(fields=["roleplay", "slug"], name="phase_unique_slug")]

    def __str__(self) -> str:
        return self.title


class Inject(RolePlayPart):
    roleplay = models.ForeignKey(RolePlay, on_delete=models.CASCADE, related_name="injects")
    title = models.CharField(max_length=200)
    text = models.TextField(help_text="Markdown.")
    to = models.JSONField(
        default=list, blank=True, help_text="Role slugs who receive it; [] = the whole group."
    )
    phase = models.SlugField(
        max_length=100, blank=True, help_text="The phase it is meant for (a phase slug)."
    )

    class Meta(Content.Meta):
        constraints = [models.UniqueConstraint(fields=["roleplay", "slug"], name="inject_unique_slug")]

    def __str__(self) -> str:
        return self.title


class DebriefQuestion(RolePlayPart):
    roleplay = models.ForeignKey(RolePlay, on_delete=models.CASCADE, related_name="debrief_questions")
    prompt = models.TextField()

    class Meta(Content.Meta):
        constraints = [
            models.UniqueConstraint(fields=["roleplay", "slug"], name="debrief_question_unique_slug")
        ]

    def __str__(self) -> str:
        return self.prompt[:80]


# Sessions ----------------------------------------------------------------------------------------------------


class SessionQuerySet(models.QuerySet):
    def run_by(self, user) -> SessionQuerySet:
        """Sessions an instructor may run: those of the cohorts they teach (a superuser: every session)."""
        if not is_instructor(user):
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(cohort__instructors=user)

    def joinable_by(self, user) -> SessionQuerySet:
        """Open sessions of the cohorts the learner belongs to."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(ended_at__isnull=True, cohort__memberships__user=user)

    def open(self) -> SessionQuerySet:
        return self.filter(ended_at__isnull=True)


class Session(models.Model):
    roleplay = models.ForeignKey(RolePlay, on_delete=models.PROTECT, related_name="sessions")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="roleplay_sessions")
    code = models.CharField(max_length=20, unique=True, help_text="Learners join with this code.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The phase clock: the current phase (index into the role-play's phases in order), when its clock started
    # (None: not started yet), when it was paused (None: running) and the pause time already accumulated.
    phase_index = models.PositiveSmallIntegerField(default=0)
    phase_started_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.roleplay} · {self.cohort}"

    def get_absolute_url(self) -> str:
        return reverse("roleplay_console", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    def elapsed_seconds(self, now: datetime | None = None) -> int:
        """Seconds the current phase's clock has run (pauses excluded)."""
        if self.phase_started_at is None:
            return 0
        until = self.paused_at or self.ended_at or now or timezone.now()
        return max(0, int((until - self.phase_started_at).total_seconds()) - self.paused_seconds)

    @property
    def clock_state(self) -> str:
        if self.ended_at is not None:
            return "ended"
        if self.phase_started_at is None:
            return "not started"
        return "paused" if self.paused_at else "running"


class GroupQuerySet(models.QuerySet):
    def visible_to(self, user) -> GroupQuerySet:
        """Groups a user may watch: the one they play or observe in (not left), or any group of a session they
        run. The realtime consumer checks a socket with it; the play pages use `played_by` below."""
        if not user.is_authenticated:
            return self.none()
        played = Q(participants__user=user, participants__left_at__isnull=True)
        return self.filter(played | Q(session__in=Session.objects.run_by(user))).distinct()

    def played_by(self, user) -> GroupQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(participants__user=user, participants__left_at__isnull=True)


class Group(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="groups")
    number = models.PositiveSmallIntegerField()
    # The agreement (a package: issue slug → option key), kept on the group so it outlives any one proposal.
    agreed_package = models.JSONField(null=True, blank=True)
    agreed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar = GroupQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["session", "number"], name="group_unique_number")]

    def __str__(self) -> str:
        return f"Group {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("roleplay_play", args=[self.pk])


class Seat(models.Model):
    """A role played in a group. What the role says and proposes belongs here, whoever holds it."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="seats")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["role__position", "role__pk"]
        constraints = [models.UniqueConstraint(fields=["group", "role"], name="seat_unique_role")]

    def __str__(self) -> str:
        return f"{self.role} in {self.group}"


class Participant(models.Model):
    """A learner in a session: in a group holding a seat, observing (a group, no seat), or waiting (neither)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roleplay_participations"
    )
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="participants"
    )
    seat = models.OneToOneField(Seat, null=True, blank=True, on_delete=models.SET_NULL, related_name="holder")
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="one_participant_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.session}"

    @property
    def is_observer(self) -> bool:
        return self.group_id is not None and self.seat_id is None and self.left_at is None


class Message(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(max_length=220, help_text="group, caucus:<side> or pair:<role>+<role>.")
    seat = models.ForeignKey(Seat, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="roleplay_messages"
    )
    text = models.TextField()
    phase_index = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["group", "channel", "created_at"])]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def from_facilitator(self) -> bool:
        return self.seat_id is None


class Proposal(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="proposals")
    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="proposals")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="roleplay_proposals"
    )
    package = models.JSONField(help_text="Issue slug → option key.")
    phase_index = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Proposal {self.pk} in {self.group}"


class ProposalResponse(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="responses")
    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="responses")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="roleplay_responses"
    )
    accepted = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["proposal", "seat"], name="one_response_per_seat")]

    def __str__(self) -> str:
        return f"{'Accepted' if self.accepted else 'Rejected'} proposal {self.proposal_id}"


class InjectRelease(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="releases")
    inject = models.ForeignKey(Inject, on_delete=models.PROTECT, related_name="+")
    roles = models.JSONField(default=list, blank=True, help_text="Role slugs who receive it; [] = everyone.")
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    phase_index = models.PositiveSmallIntegerField(default=0)
    released_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["released_at", "pk"]

    def __str__(self) -> str:
        return f"{self.inject} released"

    def reaches(self, role: Role | None) -> bool:
        """Whether a seat of `role` receives it (None: an observer, who gets only what goes to everyone)."""
        if not self.roles:
            return True
        return role is not None and role.slug in self.roles


class SessionEvent(models.Model):
    """The session's log besides messages and proposals: the clock, assignments, reassignments, the end."""

    class Kind(models.TextChoices):
        START = "start", "Phase started"
        PAUSE = "pause", "Clock paused"
        RESUME = "resume", "Clock resumed"
        ADVANCE = "advance", "Next phase"
        ASSIGN = "assign", "Roles assigned"
        REASSIGN = "reassign", "Role reassigned"
        END = "end", "Session ended"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="events")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    phase_index = models.PositiveSmallIntegerField(default=0)
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.get_kind_display()


class DebriefAnswer(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="debrief_answers")
    question = models.ForeignKey(DebriefQuestion, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roleplay_answers"
    )
    text = models.TextField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "question", "user"], name="one_debrief_answer")
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question}"


def remaining(session: Session, phase: Phase | None, now: datetime | None = None) -> timedelta | None:
    """Time left in the current phase (negative: over time); None before the clock starts or without a phase."""
    if phase is None or session.phase_started_at is None:
        return None
    return timedelta(seconds=phase.minutes * 60 - session.elapsed_seconds(now))
