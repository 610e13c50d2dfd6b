"""Learner state: what each learner has read, answered, played and reviewed.

Never lost, never leaked: every row belongs to one user (deleted with the account) and points at content
with PROTECT, so the curriculum loader archives content instead of deleting it while history refers to it.
Queries for a learner start from the user (`LessonProgress.objects.for_user(user)`), so a view cannot fetch
someone else's row by accident.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from training.models.content import (
    Capstone,
    Choice,
    Course,
    Lesson,
    Module,
    Node,
    Option,
    Question,
    Quiz,
    Simulation,
)


class LearnerQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)


class LessonProgress(models.Model):
    """A learner's state on one lesson: first viewed, and completed (Mark complete)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="progress")
    viewed_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = LearnerQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "lesson progress"
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="one_progress_per_user_lesson")
        ]

    def __str__(self) -> str:
        state = "completed" if self.completed_at else "viewed"
        return f"{self.user} {state} {self.lesson}"


class CheckAnswer(models.Model):
    """The learner's latest answer to a lesson's inline knowledge check (re-answering replaces it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="check_answers")
    answer = models.JSONField(help_text="What was chosen, in the shape training.grading reads.")
    score = models.FloatField(help_text="0.0–1.0")
    correct = models.BooleanField()
    answered_at = models.DateTimeField()

    objects = LearnerQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "question"], name="one_check_answer_per_user")]

    def __str__(self) -> str:
        return f"{self.user} on {self.question}"


class QuizAttemptQuerySet(LearnerQuerySet):
    def expired(self, now) -> QuizAttemptQuerySet:
        """Open attempts of timed quizzes whose deadline and grace (settings.QUIZ_GRACE_SECONDS) have passed:
        training.quizzes.submit_expired submits them."""
        grace = timedelta(seconds=settings.QUIZ_GRACE_SECONDS)
        return self.filter(submitted_at__isnull=True, deadline__lt=now - grace)


class QuizAttempt(models.Model):
    """One attempt at a quiz. Submitted attempts are immutable."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveIntegerField(
        help_text="1 for the learner's first attempt at this quiz, and so on."
    )
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    question_ids = models.JSONField(default=list, help_text="The questions of this attempt, in order.")
    choice_order = models.JSONField(
        default=dict, help_text="Question id → choice ids in the order shown (stable within the attempt)."
    )
    score = models.FloatField(null=True, blank=True, help_text="Points earned (sum of response scores).")
    max_score = models.FloatField(null=True, blank=True)
    percent = models.FloatField(null=True, blank=True, help_text="0–100, set on submission.")
    passed = models.BooleanField(null=True, blank=True)
    mark_average = models.FloatField(
        null=True, blank=True, help_text="Certainty-based marking: average mark per question (−6 to 3)."
    )
    deadline = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Timed quizzes: when the attempt ends (training.quizzes.deadline_for).",
    )
    hints_used = models.JSONField(
        default=dict, blank=True, help_text="Question id → how many of its hints the learner has opened."
    )

    objects = QuizAttemptQuerySet.as_manager()

    class Meta:
        ordering = ["quiz", "number"]
        constraints = [
            models.UniqueConstraint(fields=["user", "quiz", "number"], name="attempt_number_unique"),
            # A double click on "Start" or a second tab cannot open two attempts at once.
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=Q(submitted_at__isnull=True),
                name="one_open_attempt_per_quiz",
            ),
        ]
        indexes = [
            models.Index(fields=["quiz", "submitted_at"]),
            # submit_expired_attempts (cron) looks for open timed attempts by deadline.
            models.Index(
                fields=["deadline"], condition=Q(submitted_at__isnull=True), name="open_attempt_deadline"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.quiz} · attempt {self.number}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    def is_expired(self, now, *, open_only: bool = True) -> bool:
        """Open, timed, and past its deadline and grace: the row rule of QuizAttemptQuerySet.expired
        (`open_only=False`: past them, submitted or not)."""
        grace = timedelta(seconds=settings.QUIZ_GRACE_SECONDS)
        is_open = self.submitted_at is None or not open_only
        return is_open and self.deadline is not None and self.deadline < now - grace


class Response(models.Model):
    """The answer to one question within one attempt, with a snapshot of what was shown and chosen."""

    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="responses")
    answer = models.JSONField(help_text="What was chosen, in the shape training.grading reads.")
    score = models.FloatField(help_text="0.0–1.0")
    correct = models.BooleanField(help_text="Full marks.")
    certainty = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Certainty-based marking: 1 low, 2 mid, 3 high."
    )
    mark = models.FloatField(null=True, blank=True, help_text="Certainty-based mark, −6 to 3.")
    hints_used = models.PositiveSmallIntegerField(
        default=0, help_text="Hints opened before answering (practice); the score is already reduced by them."
    )
    snapshot = models.JSONField(
        help_text="Prompt, scenario, choices shown (text, key, correctness/position/category, feedback) and "
        "what was chosen, so later edits to the question do not rewrite history."
    )
    answered_at = models.DateTimeField()
    chosen_choices = models.ManyToManyField(
        Choice, blank=True, related_name="+", help_text="For option pick-rate statistics."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="one_response_per_question")
        ]
        indexes = [models.Index(fields=["question", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.attempt} · {self.question}"


class SimulationRunQuerySet(LearnerQuerySet):
    def reached_an_ending(self) -> SimulationRunQuerySet:
        return self.filter(ending__isnull=False)

    def counted(self) -> SimulationRunQuerySet:
        """Runs that count in statistics: all but those abandoned ("Start over") before their first decision,
        which record nothing the learner did."""
        steps = SimulationStep.objects.filter(run=models.OuterRef("pk"))
        return self.exclude(Q(finished_at__isnull=False, ending__isnull=True) & ~models.Exists(steps))


class SimulationRun(models.Model):
    """One play-through of a simulation; at most one unfinished run per learner and simulation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="simulation_runs"
    )
    simulation = models.ForeignKey(Simulation, on_delete=models.PROTECT, related_name="runs")
    current_node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    meters = models.JSONField(default=dict, help_text="Meter key → current value.")
    flags = models.JSONField(default=list, blank=True, help_text="Keys of the flags set now.")
    pending = models.JSONField(default=list, blank=True, help_text="Delayed effects and events not yet due.")
    fired = models.JSONField(default=list, blank=True, help_text="Keys of the events that have happened.")
    resume_key = models.CharField(
        max_length=50, blank=True, help_text="The node an event interrupted (where its options resume)."
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    ending = models.ForeignKey(Node, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = SimulationRunQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "simulation"],
                condition=Q(finished_at__isnull=True),
                name="one_open_run_per_sim",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.simulation} · run {self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None


class SimulationStep(models.Model):
    """One decision in a run: the node it was made on, the option chosen, the meters before and after."""

    run = models.ForeignKey(SimulationRun, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveIntegerField(help_text="1 for the first decision of the run.")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    option = models.ForeignKey(Option, on_delete=models.PROTECT, related_name="steps")
    meters_before = models.JSONField()
    meters_after = models.JSONField()
    flags_after = models.JSONField(default=list, blank=True, help_text="Flags set after this decision.")
    delayed = models.JSONField(default=list, blank=True, help_text="Delayed effects that fell due here.")
    event = models.CharField(max_length=50, blank=True, help_text="The event this decision set off.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="one_step_per_number")]

    def __str__(self) -> str:
        return f"{self.run} · step {self.number}"


class SimulationReflection(models.Model):
    """What the learner wrote about a finished run on its debrief (one per run, rewritten on each save).

    Their instructors read it on the cohort's simulation page; it is in "my data" and goes with the account
    (through the run)."""

    run = models.OneToOneField(SimulationRun, on_delete=models.CASCADE, related_name="reflection")
    text = models.TextField()
    saved_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.run} · reflection"


class ReviewCard(models.Model):
    """Spaced-repetition state (fsrs) of one question for one learner; created on the first answer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_cards")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="review_cards")
    card = models.JSONField(help_text="fsrs.Card.to_dict(), times in UTC.")
    due = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField()

    objects = LearnerQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="one_card_per_user_question")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.question} · due {self.due:%Y-%m-%d %H:%M}"


class ReviewLog(models.Model):
    """Every review of a card, kept for the learner's history and for tuning."""

    card = models.ForeignKey(ReviewCard, on_delete=models.CASCADE, related_name="logs")
    rating = models.PositiveSmallIntegerField(help_text="fsrs.Rating: 1 Again, 2 Hard, 3 Good, 4 Easy.")
    correct = models.BooleanField()
    log = models.JSONField(help_text="fsrs.ReviewLog.to_dict().")
    reviewed_at = models.DateTimeField()
    source = models.CharField(max_length=10, help_text="quiz, check or review: where the answer was given.")

    class Meta:
        ordering = ["reviewed_at"]

    def __str__(self) -> str:
        return f"{self.card} · rating {self.rating}"


class Cohort(models.Model):
    """A group of learners with a join code, taught by one or more instructors."""

    name = models.CharField(max_length=200)
    code = models.CharField(max_length=20, unique=True, help_text="Learners join with this code.")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="cohorts")
    instructors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teaching_cohorts")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class CohortMembership(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cohort_memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "user"], name="one_membership_per_cohort")]

    def __str__(self) -> str:
        return f"{self.user} in {self.cohort}"


class Accommodation(models.Model):
    """Extra time on the timed quizzes of one course for one learner, set by an instructor of a cohort the
    learner belongs to (training.quizzes.deadline_for applies it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="accommodations"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="accommodations")
    extra_percent = models.PositiveSmallIntegerField(
        default=0,
        help_text="Extra time on each timed quiz, in percent of its limit (50 = half as long again).",
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()

    objects = LearnerQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="one_accommodation_per_course"),
            models.CheckConstraint(condition=Q(extra_percent__lte=400), name="accommodation_extra_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.course} · +{self.extra_percent}%"


class Certificate(models.Model):
    """Issued once per learner and course when the course is complete; verifiable by its code."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certificates")
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=300, help_text="The learner's name as printed.")
    issued_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="one_certificate_per_course")]

    def __str__(self) -> str:
        return f"{self.name} · {self.course} · {self.code}"


class LearnerVersion(models.Model):
    """A token replaced whenever the learner's state changes (training.versions): caches of pages about one
    learner key on it instead of fingerprinting every learner table."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=16)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.token}"


class ModuleReflection(models.Model):
    """What the learner wrote for a module's reflection prompt (one per learner and module, rewritten on each
    save). Their instructors read it; it is in "my data" and goes with the account."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="module_reflections"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="reflections")
    text = models.TextField()
    saved_at = models.DateTimeField()

    objects = LearnerQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="module_reflection_unique_learner")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.module} · reflection"


class CapstoneSubmission(models.Model):
    """One learner's capstone: a draft, then submitted (no more edits), then graded by an instructor."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted, awaiting grading"
        GRADED = "graded", "Graded"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="capstone_submissions"
    )
    capstone = models.ForeignKey(Capstone, on_delete=models.PROTECT, related_name="submissions")
    text = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    saved_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scores = models.JSONField(default=dict, blank=True, help_text="Criterion key → points given.")
    total = models.PositiveIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    feedback = models.TextField(blank=True)

    objects = LearnerQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "capstone"], name="capstone_submission_unique_learner")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.capstone} · {self.state}"


class WeeklyGoal(models.Model):
    """The learner's own goal: how many days a week they mean to study (training.motivation)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="weekly_goal"
    )
    days = models.PositiveSmallIntegerField(help_text="Days of study a week, 1–7.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(days__gte=1, days__lte=7), name="weekly_goal_days_1_to_7")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.days} days a week"


# Roll-ups of a cohort's quiz answers (training.rollups keeps them current in the transaction of each write;
# `manage.py rebuild_rollups` recomputes them from the raw rows). The instructor pages read these instead of
# every answer (docs/analytics.md, "Roll-ups").


class CohortQuestionStats(models.Model):
    """One question's answers by one cohort's learners: every submitted attempt (the objectives page) and the
    first submitted attempts (facility, SD and discrimination sums, hint use: training.analytics)."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    answers = models.IntegerField(default=0, help_text="Responses in submitted attempts.")
    right = models.IntegerField(default=0, help_text="Of those, with full marks.")
    first = models.IntegerField(default=0, help_text="Responses in first submitted attempts (n).")
    first_correct = models.IntegerField(default=0)
    sx = models.FloatField(default=0.0, help_text="Σx: question scores of first attempts.")
    sxx = models.FloatField(default=0.0)
    sy = models.FloatField(default=0.0, help_text="Σy: rest-of-quiz scores (attempt score − x).")
    syy = models.FloatField(default=0.0)
    sxy = models.FloatField(default=0.0)
    hinted = models.IntegerField(default=0, help_text="First-attempt responses given after a hint.")
    hints = models.IntegerField(default=0, help_text="Hints opened before first-attempt responses.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "question"], name="one_question_rollup_per_cohort")
        ]

    def __str__(self) -> str:
        return f"{self.question_id} in cohort {self.cohort_id}"


class CohortChoiceStats(models.Model):
    """How many of a cohort's first submitted attempts picked an option."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    choice = models.ForeignKey(Choice, on_delete=models.CASCADE, related_name="+")
    picks = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "choice"], name="one_choice_rollup_per_cohort")
        ]

    def __str__(self) -> str:
        return f"option {self.choice_id} in cohort {self.cohort_id}"


class CohortQuizStats(models.Model):
    """A quiz's submitted attempts by one cohort's learners (the quiz summary)."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="+")
    attempts = models.IntegerField(default=0)
    learners = models.IntegerField(default=0, help_text="Learners with at least one submitted attempt.")
    first = models.IntegerField(default=0, help_text="First attempts (number 1) among them.")
    passed = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "quiz"], name="one_quiz_rollup_per_cohort")]

    def __str__(self) -> str:
        return f"quiz {self.quiz_id} in cohort {self.cohort_id}"


class CohortQuizScore(models.Model):
    """How many of a cohort's submitted attempts at a quiz scored exactly `percent`: the mean, median and score
    distribution come from these counts (a quiz has few distinct percentages)."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="+")
    percent = models.FloatField()
    attempts = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "quiz", "percent"], name="one_score_rollup_per_cohort")
        ]

    def __str__(self) -> str:
        return f"{self.percent} % at quiz {self.quiz_id} in cohort {self.cohort_id}"


class StandingSnapshot(models.Model):
    """A learner's figures in a course as their own dashboard shows them (training.standing), stored under the
    learner's state version and the course's content version. The instructor's learner table reads these and
    recomputes only the learners whose version moved since (training.analytics.learner_rows), so a cohort of
    10,000 costs one read, not every learner's history."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    learner_version = models.CharField(max_length=16)
    content_version = models.CharField(max_length=16)
    progress = models.PositiveSmallIntegerField(default=0)
    lessons_done = models.PositiveIntegerField(default=0)
    quizzes_passed = models.PositiveIntegerField(default=0)
    simulations_finished = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0, help_text="Submitted quiz attempts.")
    mastery = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20)
    last_active = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="one_standing_per_course")]

    def __str__(self) -> str:
        return f"{self.user_id} in course {self.course_id}"
