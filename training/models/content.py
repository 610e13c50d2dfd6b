"""Content models: the course as authored in YAML (see docs/curriculum-format.md) and edited in the admin.

Every object has a stable natural key (a `slug`, or a `key` unique inside its parent), an explicit `position`, a draft/published `status` and an `archived` flag. The curriculum loader never deletes
content: learner history points at questions, choices, nodes and options with PROTECT, so content that
disappears from the YAML is archived (draft + archived) instead, and comes back when it reappears.

Slugs of objects that have their own learner URL (courses, modules, lessons, quizzes, questions, simulations)
are unique across the site; the slugs of objects that live inside a course (tracks, glossary terms, sources,
references, learning objectives: CourseScopedContent) are unique within their course only, so two
courses may both define a glossary term `back-channel` (docs/curriculum-format.md, "Slugs").

Slugged objects carry a `course` foreign key even when it could be reached through their parent: it makes
"everything of this course" one indexed query for the loader, the exporter and the learner pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models import Q
from django.urls import reverse

from training import portraits
from training.versions import new_token

if TYPE_CHECKING:
    from training.models.learning import QuizAttempt


class Status(models.TextChoices):
    PUBLISHED = "published", "Published"
    DRAFT = "draft", "Draft"


def published_q(prefix: str = "") -> Q:
    """The row rule: the object at `prefix` is itself published and not archived, whatever its parents are."""
    return Q(**{f"{prefix}status": Status.PUBLISHED, f"{prefix}archived": False})


def chain_q(prefix: str, parent_paths: tuple[str, ...]) -> Q:
    """The row rule for the object at `prefix` and for each parent reached from it by `parent_paths`.

    This is the one place the learner visibility rule is written. Authors take a whole course or module
    offline by setting *its* status to draft (or the loader archives it); the lessons, quizzes and
    simulations under it keep their own status. So an object is visible only if it and every parent up to
    its course pass the row rule: each hand-written copy of this chain eventually forgot a link (a draft
    course's simulations stayed reachable while its lessons answered 404).
    """
    q = published_q(prefix)
    for path in parent_paths:
        q &= published_q(f"{prefix}{path}")
    return q


class ContentQuerySet(models.QuerySet):
    """Visibility and order of curriculum objects.

    - `visible()` / `visible_q(prefix)`: what learners may see, the object and its module and course
      published and not archived (chain_q). Every learner page, the learning path, progress, mastery,
      review and certificates use it; the `_q` form applies the same rule across a relation
      (`ReviewCard.objects.filter(Question.objects.visible_q("question__"))`).
    - `published()` / `published_q(prefix)`: the row rule alone, for children loaded under a parent that is
      already known to be visible (a visible question's choices). For models without parents in the chain
      (the course itself, choices, options, meters…) `visible()` is the same filter.
    - `active()` / `active_q(prefix)`: the current curriculum, drafts included (not archived): what
      instructors and the exporter work with.
    """

    # Paths from this model to the parents whose status it inherits, nearest first. Empty for the course and
    # for children that are only ever loaded under an already-visible parent (choices, nodes, citations…).
    parent_paths: tuple[str, ...] = ()

    def visible_q(self, prefix: str = "") -> Q:
        return chain_q(prefix, self.parent_paths)

    def visible(self):
        """What learners may see: this object, its module (where it has one) and its course are published
        and not archived."""
        return self.filter(self.visible_q())

    def published_q(self, prefix: str = "") -> Q:
        return published_q(prefix)

    def published(self):
        """The row rule only (published and not archived), for children of a parent already known to be
        visible; anything a learner reaches on its own goes through visible()."""
        return self.filter(published_q())

    def active_q(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}archived": False})

    def active(self):
        """Everything in the current curriculum, drafts included (not archived)."""
        return self.filter(self.active_q())

    def in_order(self):
        return self.order_by("position", "pk")


class CoursePartQuerySet(ContentQuerySet):
    """Tracks, glossary terms and modules: visible when they and their course are."""

    parent_paths = ("course__",)


class ModulePartQuerySet(ContentQuerySet):
    """Lessons, quizzes, simulations and learning objectives: visible when they, their module and its course
    are."""

    parent_paths = ("module__", "module__course__")


class QuestionQuerySet(ContentQuerySet):
    def visible_q(self, prefix: str = "") -> Q:
        """A question is visible when it is published and not archived and so is the whole chain of its quiz
        or of its lesson (an inline check): it has exactly one of the two."""
        module_chain = ModulePartQuerySet.parent_paths
        return published_q(prefix) & (
            chain_q(f"{prefix}quiz__", module_chain) | chain_q(f"{prefix}lesson__", module_chain)
        )

    def as_shown(self) -> QuestionQuerySet:
        """With what a learner is shown of each question loaded: its published choices and categories in
        order, and its citations (as `shown_citations`) with their sources (three queries)."""
        return self.prefetch_related(*shown_question_prefetches())


class Content(models.Model):
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    archived = models.BooleanField(
        default=False, help_text="Gone from the curriculum files; kept for learner history."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Managers are class variables in django-stubs; the subclasses repeat the bare `ClassVar` so that mypy
    # accepts their own manager, and the plugin still infers its type (ManagerFrom<QuerySet>[Model]).
    objects: ClassVar = ContentQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    @property
    def is_published(self) -> bool:
        """The row rule (ContentQuerySet.published()) on a loaded object: for a child whose parent is already
        known to be visible, such as an option at a node of a visible simulation."""
        return self.status == Status.PUBLISHED and not self.archived


class CourseContent(Content):
    """A slugged object that belongs to one course (directly or through its parent)."""

    slug = models.SlugField(max_length=100, unique=True)
    course = models.ForeignKey("training.Course", on_delete=models.CASCADE, related_name="+", editable=False)

    # The attribute holding the parent whose course this object inherits (None: set directly).
    course_parent: str | None = None

    class Meta(Content.Meta):
        abstract = True

    def save(self, *args, **kwargs):
        # Admin inlines create children without a course: inherit it from the parent.
        if not self.course_id and self.course_parent:
            parent = getattr(self, self.course_parent)
            if parent is not None:
                self.course_id = parent.course_id
        super().save(*args, **kwargs)


class CourseScopedContent(CourseContent):
    """A slugged object whose slug is unique within its course only (no URL of its own outside the course's
    pages: /courses/<course>/tracks/<track>/, /courses/<course>/glossary/#<term>)."""

    slug = models.SlugField(max_length=100)

    class Meta(CourseContent.Meta):
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="%(class)s_unique_slug_in_course"),
        ]


class Course(Content):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(help_text="Markdown.")
    final_quiz = models.ForeignKey(
        "training.Quiz",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The quiz that must be passed for the certificate.",
    )
    completion = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="What the certificate needs, authored in the course's YAML: the non-default values of "
        "training.completion.CompletionRule ({} = the default rule).",
    )
    content_version = models.CharField(
        max_length=16,
        default=new_token,
        editable=False,
        help_text="Replaced whenever the course's content changes; caches key on it (training.versions).",
    )

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.content_version = new_token()  # any edit of the course itself is a new version
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "content_version"}
        super().save(*args, **kwargs)


class Track(CourseScopedContent):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="tracks")
    name = models.CharField(max_length=100)
    short_name = models.CharField(max_length=20, blank=True)
    summary = models.CharField(max_length=300)
    definition = models.TextField(help_text="Markdown.")
    participants = models.TextField(help_text="Markdown.")
    outputs = models.TextField(help_text="Markdown.")
    strengths = models.JSONField(default=list, blank=True)
    limits = models.JSONField(default=list, blank=True)
    examples = models.JSONField(default=list, blank=True)
    comparison = models.JSONField(default=dict, blank=True, help_text="Dimension → short cell text.")

    objects: ClassVar = CoursePartQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("course_track", args=[self.course.slug, self.slug])


class GlossaryTerm(CourseScopedContent):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="glossary_terms")
    term = models.CharField(max_length=200)
    definition = models.TextField(help_text="Markdown.")
    tracks = models.ManyToManyField(Track, blank=True, related_name="glossary_terms")

    objects: ClassVar = CoursePartQuerySet.as_manager()

    def __str__(self) -> str:
        return self.term


class Source(CourseScopedContent):
    """A document cited by section heading and paragraph number. Only its structure is stored."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sources")
    title = models.CharField(max_length=300)
    author = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.title


class SourceSection(Content):
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="sections")
    heading = models.CharField(max_length=300)
    paragraphs = models.PositiveIntegerField(help_text="Number of citable paragraphs (1-based).")

    class Meta(Content.Meta):
        constraints = [
            models.UniqueConstraint(fields=["source", "heading"], name="sourcesection_unique_heading"),
        ]

    def __str__(self) -> str:
        return self.heading


class Reference(CourseScopedContent):
    """A vetted external source."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="references")
    title = models.CharField(max_length=300)
    author = models.CharField(max_length=200, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    year = models.PositiveIntegerField(null=True, blank=True)
    url = models.URLField(max_length=500, blank=True)
    note = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.title


class Module(CourseContent):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(max_length=200)
    summary = models.TextField(help_text="Markdown.")
    reflection = models.TextField(
        blank=True, help_text="Markdown: the prompt each learner answers at the end of the module."
    )

    objects: ClassVar = CoursePartQuerySet.as_manager()

    def __str__(self) -> str:
        return self.title


class LearningObjective(CourseScopedContent):
    course_parent = "module"
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="objectives")
    text = models.CharField(max_length=500)

    objects: ClassVar = ModulePartQuerySet.as_manager()

    def __str__(self) -> str:
        return self.text


class Lesson(CourseContent):
    course_parent = "module"
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(max_length=200)
    minutes = models.PositiveSmallIntegerField(help_text="Estimated reading time.")
    body = models.TextField(help_text="Markdown.")
    tracks = models.ManyToManyField(Track, blank=True, related_name="lessons")
    objectives = models.ManyToManyField(LearningObjective, blank=True, related_name="lessons")
    key_terms = models.ManyToManyField(GlossaryTerm, blank=True, related_name="lessons")

    objects: ClassVar = ModulePartQuerySet.as_manager()

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("lesson_detail", args=[self.slug])


class Quiz(CourseContent):
    class Mode(models.TextChoices):
        PRACTICE = "practice", "Practice (feedback after each answer)"
        ASSESSMENT = "assessment", "Assessment (feedback after the attempt)"

    class Results(models.TextChoices):
        """When an assessment's results show the answer key (see answer_key_shown)."""

        AFTER_EACH_ATTEMPT = "after-each-attempt", "After each attempt"
        AFTER_LAST_ATTEMPT = "after-last-attempt", "After the last allowed attempt, or once passed"
        NEVER = "never", "Never"

    course_parent = "module"
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="quizzes")
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True, help_text="Markdown.")
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.PRACTICE)
    pass_mark = models.PositiveSmallIntegerField(default=70, help_text="Percent, 0–100.")
    attempts_allowed = models.PositiveSmallIntegerField(default=0, help_text="0 = unlimited.")
    shuffle = models.BooleanField(default=False, help_text="Shuffle choices per attempt.")
    results = models.CharField(
        max_length=20,
        choices=Results.choices,
        default=Results.AFTER_LAST_ATTEMPT,
        help_text="Assessments: when the results show the answer key, the explanations and each option's "
        "feedback. The score and which questions were right are always shown.",
    )
    # Question pools (training.quizzes.draw_questions): 0 and 0 = every scenario once.
    draw_count = models.PositiveSmallIntegerField(
        default=0, help_text="Questions drawn per attempt (0 = every scenario once)."
    )
    draw_per_objective = models.PositiveSmallIntegerField(
        default=0, help_text="Questions drawn per learning objective in each attempt (0 = not by objective)."
    )
    certainty = models.BooleanField(
        default=False, help_text="Certainty-based marking: the learner says how sure they are of each answer."
    )
    time_limit = models.PositiveSmallIntegerField(
        default=0,
        help_text="Minutes per attempt (0 = untimed). Learners with extra time (Accommodation) get more.",
    )

    objects: ClassVar = ModulePartQuerySet.as_manager()

    class Meta(CourseContent.Meta):
        verbose_name_plural = "quizzes"
        constraints = [models.CheckConstraint(condition=Q(pass_mark__lte=100), name="quiz_pass_mark_percent")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("quiz_detail", args=[self.slug])

    def answer_key_shown(self, attempts: Iterable[QuizAttempt]) -> bool:
        """Whether a learner with these attempts (all of theirs at this quiz) may see the answer key.

        The one rule for what is held back: the results page, the review queue and the my-data export all
        ask it. Practice quizzes show feedback after each answer anyway. An assessment never shows it while
        an attempt is open (the key would answer that attempt), and otherwise as its results policy says;
        the default waits for the last allowed attempt or a pass, so a retake cannot be answered from the
        results of the attempt before it."""
        if self.mode != self.Mode.ASSESSMENT:
            return True
        attempts = list(attempts)
        if any(attempt.submitted_at is None for attempt in attempts):
            return False
        if self.results == self.Results.AFTER_EACH_ATTEMPT:
            return True
        if self.results == self.Results.NEVER:
            return False
        used_all = bool(self.attempts_allowed) and len(attempts) >= self.attempts_allowed
        return used_all or any(attempt.passed for attempt in attempts)


def shown_question_prefetches() -> list[models.Prefetch]:
    """What QuestionQuerySet.as_shown loads, for questions already fetched (prefetch_related_objects)."""
    return [
        models.Prefetch("choices", queryset=Choice.objects.published().in_order()),
        models.Prefetch("categories", queryset=Category.objects.published().in_order()),
        models.Prefetch(
            "citations",
            queryset=Citation.objects.published().in_order().select_related("section", "reference"),
            to_attr="shown_citations",
        ),
    ]


class Question(CourseContent):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single best answer"
        MULTIPLE = "multiple", "Select all that apply"
        ORDER = "order", "Put the steps in order"
        SORT = "sort", "Sort into categories"

    quiz = models.ForeignKey(Quiz, null=True, blank=True, on_delete=models.CASCADE, related_name="questions")
    lesson = models.ForeignKey(
        Lesson,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checks",
        help_text="Set for an inline knowledge check in a lesson (instead of a quiz).",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    scenario = models.TextField(help_text="Markdown: the situation the learner is in.")
    prompt = models.CharField(max_length=500)
    explanation = models.TextField(help_text="Markdown: why the best answer is best.")
    variant_of = models.SlugField(
        max_length=100,
        blank=True,
        help_text="Slug of the first question of its scenario group: variants are drawn at most once "
        "per attempt.",
    )
    tracks = models.ManyToManyField(Track, blank=True, related_name="questions")
    objectives = models.ManyToManyField(LearningObjective, blank=True, related_name="questions")
    ties = models.JSONField(
        default=list,
        blank=True,
        help_text="Order questions: lists of choice keys whose steps may come in either order.",
    )
    hints = models.JSONField(
        default=list,
        blank=True,
        help_text='Practice quizzes: progressive hints, [{"text": "…", "cost": 0.25}], each costing a share of '
        "the question's credit (docs/scoring.md).",
    )

    objects: ClassVar = QuestionQuerySet.as_manager()

    class Meta(CourseContent.Meta):
        constraints = [
            models.CheckConstraint(
                condition=(Q(quiz__isnull=False) & Q(lesson__isnull=True))
                | (Q(quiz__isnull=True) & Q(lesson__isnull=False)),
                name="question_in_quiz_xor_lesson",
            ),
        ]

    def __str__(self) -> str:
        return self.prompt if len(self.prompt) <= 80 else self.prompt[:79] + "…"

    def save(self, *args, **kwargs):
        if not self.course_id:
            parent = self.quiz if self.quiz_id else self.lesson
            if parent is not None:
                self.course_id = parent.course_id
        super().save(*args, **kwargs)

    @property
    def scenario_group(self) -> str:
        """The scenario this question is a variant of (its own slug when it has no variants)."""
        return self.variant_of or self.slug


class Category(Content):
    """A bucket of a sort question."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="categories")
    key = models.SlugField(max_length=50)
    label = models.CharField(max_length=100)

    class Meta(Content.Meta):
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(fields=["question", "key"], name="category_unique_key")]

    def __str__(self) -> str:
        return self.label


class Choice(Content):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    key = models.SlugField(max_length=50)
    text = models.TextField()
    correct = models.BooleanField(default=False, help_text="Single and multiple questions.")
    correct_position = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Order questions: this step's place in the right order (1…n)."
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="choices",
        help_text="Sort questions: the right category.",
    )
    feedback = models.TextField(blank=True, help_text="Markdown: why this is or is not the best move.")

    class Meta(Content.Meta):
        constraints = [models.UniqueConstraint(fields=["question", "key"], name="choice_unique_key")]

    def __str__(self) -> str:
        return f"{self.key}. {self.text[:60]}"


class Simulation(CourseContent):
    course_parent = "module"
    module = models.ForeignKey(
        Module,
        on_delete=models.CASCADE,
        related_name="simulations",
        help_text="Where the learning path shows it.",
    )
    title = models.CharField(max_length=200)
    role = models.TextField(help_text="Markdown: who the learner plays.")
    portrait = models.CharField(
        max_length=20,
        blank=True,
        choices=portraits.CHOICES,
        help_text="The role's picture; blank: chosen from the role's words (training/portraits.py).",
    )
    situation = models.TextField(help_text="Markdown: the opening situation.")
    start_node = models.ForeignKey(
        "training.Node", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tracks = models.ManyToManyField(Track, blank=True, related_name="simulations")
    objectives = models.ManyToManyField(LearningObjective, blank=True, related_name="simulations")
    flags = models.JSONField(default=list, blank=True, help_text='Flags: [{"key": …, "label": …}].')
    principles = models.JSONField(
        default=list, blank=True, help_text='What the debrief judges: [{"key", "label", "objective"}].'
    )
    events = models.JSONField(
        default=list, blank=True, help_text='Nodes a condition inserts: [{"key", "when", "node"}].'
    )

    objects: ClassVar = ModulePartQuerySet.as_manager()

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("simulation_detail", args=[self.slug])

    @property
    def portrait_path(self) -> str:
        """The static path of the learner's role's portrait (chosen, or read from the role's words)."""
        return portraits.portrait_path(portraits.portrait_key(chosen=self.portrait, description=self.role))


class Meter(Content):
    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="meters")
    key = models.SlugField(max_length=50)
    label = models.CharField(max_length=100)
    min = models.IntegerField(default=0)
    max = models.IntegerField(default=100)
    start = models.IntegerField(default=50)
    better = models.CharField(
        max_length=6,
        choices=[("higher", "Higher is better"), ("lower", "Lower is better")],
        default="higher",
        help_text="Which way is good for the learner: a risk or an exposure is better lower.",
    )

    class Meta(Content.Meta):
        constraints = [
            models.UniqueConstraint(fields=["simulation", "key"], name="meter_unique_key"),
            models.CheckConstraint(condition=Q(min__lte=models.F("start")), name="meter_min_lte_start"),
            models.CheckConstraint(condition=Q(start__lte=models.F("max")), name="meter_start_lte_max"),
        ]

    def __str__(self) -> str:
        return self.label

    def clamp(self, value: int) -> int:
        return max(self.min, min(self.max, value))


class Node(Content):
    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        MIXED = "mixed", "Mixed"
        FAILURE = "failure", "Failure"

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="nodes")
    key = models.SlugField(max_length=50)
    title = models.CharField(max_length=200)
    situation = models.TextField(help_text="Markdown.")
    is_ending = models.BooleanField(default=False)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    debrief = models.TextField(blank=True, help_text="Markdown; required on endings.")
    related_lessons = models.ManyToManyField(Lesson, blank=True, related_name="simulation_nodes")

    class Meta(Content.Meta):
        constraints = [models.UniqueConstraint(fields=["simulation", "key"], name="node_unique_key")]

    def __str__(self) -> str:
        return self.title


class Option(Content):
    class Unavailable(models.TextChoices):
        SHOW = "show", "Show with the reason"
        HIDE = "hide", "Hide"

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="options")
    key = models.SlugField(max_length=50)
    text = models.TextField()
    effects = models.JSONField(default=dict, blank=True, help_text="Meter key → integer change.")
    sets = models.JSONField(default=list, blank=True, help_text="Flag keys this option sets.")
    clears = models.JSONField(default=list, blank=True, help_text="Flag keys this option clears.")
    later = models.JSONField(
        default=list, blank=True, help_text='Delayed: [{"after": n, "effects", "sets", "clears", "event"}].'
    )
    guard = models.CharField(
        max_length=500, blank=True, help_text="Condition, e.g. trust >= 30 and not x < 5."
    )
    unavailable = models.CharField(max_length=4, choices=Unavailable.choices, default=Unavailable.SHOW)
    reason = models.CharField(max_length=300, blank=True)
    recommended = models.BooleanField(default=False)
    follows = models.JSONField(default=list, blank=True, help_text="Principle keys this option follows.")
    breaks = models.JSONField(default=list, blank=True, help_text="Principle keys this option breaks.")
    feedback = models.TextField(blank=True, help_text="Markdown, shown in the debrief.")
    branches = models.JSONField(
        default=list, blank=True, help_text='Ordered [{"when": guard, "next": node key}]; else next node.'
    )
    next_node = models.ForeignKey(
        Node, null=True, blank=True, on_delete=models.PROTECT, related_name="incoming_options"
    )

    class Meta(Content.Meta):
        constraints = [models.UniqueConstraint(fields=["node", "key"], name="option_unique_key")]

    def __str__(self) -> str:
        return f"{self.key}. {self.text[:60]}"


class Citation(Content):
    """A pointer into a source (section + paragraph) or to a reference (+ locator), attached to one owner."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+", editable=False)
    lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    node = models.ForeignKey(Node, null=True, blank=True, on_delete=models.CASCADE, related_name="citations")
    track = models.ForeignKey(
        Track, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    section = models.ForeignKey(
        SourceSection, null=True, blank=True, on_delete=models.PROTECT, related_name="citations"
    )
    paragraph = models.PositiveSmallIntegerField(null=True, blank=True)
    reference = models.ForeignKey(
        Reference, null=True, blank=True, on_delete=models.PROTECT, related_name="citations"
    )
    locator = models.CharField(max_length=100, blank=True)

    OWNER_FIELDS = ("lesson", "question", "node", "track")

    class Meta(Content.Meta):
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(lesson__isnull=False, question__isnull=True, node__isnull=True, track__isnull=True)
                    | Q(lesson__isnull=True, question__isnull=False, node__isnull=True, track__isnull=True)
                    | Q(lesson__isnull=True, question__isnull=True, node__isnull=False, track__isnull=True)
                    | Q(lesson__isnull=True, question__isnull=True, node__isnull=True, track__isnull=False)
                ),
                name="citation_exactly_one_owner",
            ),
            models.CheckConstraint(
                condition=(Q(section__isnull=False, paragraph__isnull=False, reference__isnull=True))
                | Q(section__isnull=True, paragraph__isnull=True, reference__isnull=False),
                name="citation_source_paragraph_xor_reference",
            ),
        ]

    def __str__(self) -> str:
        if self.reference_id:
            return f"{self.reference}" + (f", {self.locator}" if self.locator else "")
        return f"{self.section}, ¶{self.paragraph}"

    def save(self, *args, **kwargs):
        if not self.course_id:
            owner = self.owner
            if owner is not None:
                self.course_id = owner.simulation.course_id if isinstance(owner, Node) else owner.course_id
        super().save(*args, **kwargs)

    @property
    def owner(self):
        for name in self.OWNER_FIELDS:
            if getattr(self, f"{name}_id"):
                return getattr(self, name)
        return None


class Case(CourseContent):
    """A page of the case library: dates, actors by track, what moved between tracks, outcome, documents."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="cases")
    title = models.CharField(max_length=200)
    period = models.CharField(max_length=100, help_text='When, e.g. "1991-1993".')
    region = models.CharField(max_length=100, blank=True)
    summary = models.TextField(help_text="Markdown.")
    actors = models.JSONField(default=list, blank=True, help_text='[{"name", "track": track slug, "role"}].')
    moved = models.TextField(help_text="Markdown: what moved between tracks, and how.")
    outcome = models.TextField(help_text="Markdown.")
    body = models.TextField(blank=True, help_text="Markdown: the story in more detail.")
    documents = models.JSONField(
        default=list, blank=True, help_text='Primary documents: [{"title", "url", "year", "note"}].'
    )
    references = models.ManyToManyField(Reference, blank=True, related_name="cases")
    lessons = models.ManyToManyField(Lesson, blank=True, related_name="cases")
    tracks = models.ManyToManyField(Track, blank=True, related_name="cases")

    objects: ClassVar = CoursePartQuerySet.as_manager()

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("case_detail", args=[self.slug])


class Capstone(CourseContent):
    """Written work graded by an instructor against a rubric (criteria, each with scored levels)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="capstones")
    title = models.CharField(max_length=200)
    brief = models.TextField(help_text="Markdown: the task.")
    min_words = models.PositiveIntegerField(default=0)
    max_words = models.PositiveIntegerField(default=3000)
    pass_mark = models.PositiveIntegerField(help_text="Total rubric points needed to pass.")
    rubric = models.JSONField(
        default=list,
        help_text='[{"key", "title", "description", "levels": [{"points", "label", "description"}]}].',
    )
    references = models.ManyToManyField(Reference, blank=True, related_name="capstones")

    objects: ClassVar = CoursePartQuerySet.as_manager()

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("capstone_detail", args=[self.slug])

    @property
    def max_points(self) -> int:
        return sum(max((level["points"] for level in c.get("levels", [])), default=0) for c in self.rubric)
