"""The structure of a curriculum file: the single source of structural validation.

Field order here is the key order of exported files, and field defaults are what export leaves out. Checks
that need more than one object (references between objects, simulation graphs, citations into sources) live
in validate.py.
"""

from __future__ import annotations

import difflib
import functools
import re
import types
import typing
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from training.curriculum.problems import Path, Problem
from training.curriculum.yamlio import YamlFile

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _slug(value: str) -> str:
    if not _SLUG.match(value) or len(value) > 100:
        raise ValueError(f"{value!r} is not a slug (lowercase letters, digits and single hyphens)")
    return value


def _key(value: str) -> str:
    if not _KEY.match(value) or len(value) > 50:
        raise ValueError(f"{value!r} is not a key (lowercase letters, digits, hyphens and underscores)")
    return value


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _url(value: str) -> str:
    # Only web links: a `javascript:` or `data:` URL would reach learner pages as a link. Django's own validator,
    # so the loader accepts exactly what the admin's URL fields accept.
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import URLValidator

    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except DjangoValidationError:
            shown = value if len(value) <= 60 else value[:57] + "..."
            raise ValueError(f"{shown!r} must be an http:// or https:// URL") from None
    return value


Slug = Annotated[str, AfterValidator(_slug)]
Key = Annotated[str, AfterValidator(_key)]
Text = Annotated[str, AfterValidator(_text)]
Url = Annotated[str, AfterValidator(_url)]
Status = Literal["published", "draft"]
# The pictures in static/img/portraits/ (training/portraits.py PORTRAITS; a test keeps the two lists equal).
Portrait = Literal["adviser", "civic", "convener", "delegate", "mediator", "negotiator", "officer"]


class Item(BaseModel):
    """Base of every object in the file: unknown keys are errors, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, validate_default=False)

    # Fields holding Markdown (checked for raw HTML and glossary links). List fields hold Markdown items.
    MARKDOWN: ClassVar[tuple[str, ...]] = ()
    # The model the object is stored as (training.models), when its name differs from the class's: a text
    # field stored in a column of the same name may be no longer than the column (see `_fits_column`).
    STORED_AS: ClassVar[str] = ""
    APP: ClassVar[str] = "training"  # the app of that model (role-plays live in `roleplay`)

    # Where the object was written: the file (as shown in messages) and the path inside it.
    _file: YamlFile | None = PrivateAttr(default=None)
    _path: Path = PrivateAttr(default=())

    @property
    def file(self) -> YamlFile:
        """The file the object was read from: `_locate` sets it on every object right after validation."""
        assert self._file is not None, "an Item is located before it is used"
        return self._file

    def problem(self, message: str, *subpath: str | int, warning: bool = False) -> Problem:
        return self.file.problem((*self._path, *subpath), message, warning=warning)

    @field_validator("*", mode="after")
    @classmethod
    def _fits_column(cls, value: Any, info: ValidationInfo) -> Any:
        # PostgreSQL refuses a string longer than its column (SQLite would keep it): say so here, on its line.
        limit = column_limit(cls, info.field_name or "")
        if limit is not None and isinstance(value, str) and len(value) > limit:
            raise ValueError(f"too long: at most {limit} characters (found {len(value)})")
        return value


@functools.cache
def column_limit(schema: type[Item], name: str) -> int | None:
    """The max_length of the model column that `schema.name` is stored in, read from the model so the two
    cannot drift; None when the field is not stored in a column of its name or the column has no limit."""
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist

    try:
        field = apps.get_model(schema.APP, schema.STORED_AS or schema.__name__)._meta.get_field(name)
    except (LookupError, FieldDoesNotExist):
        return None
    return getattr(field, "max_length", None)


class Citation(Item):
    source: Slug | None = None
    section: Text | None = None
    paragraph: Annotated[int, Field(ge=1)] | None = None
    reference: Slug | None = None
    locator: Text | None = None

    @model_validator(mode="after")
    def _one_form(self):
        if self.source is None and self.reference is None:
            raise ValueError(
                "a citation needs either `source` (with `section` and `paragraph`) or `reference`"
            )
        if self.source is not None and self.reference is not None:
            raise ValueError("a citation has either `source` or `reference`, not both")
        if self.source is not None:
            missing = [name for name in ("section", "paragraph") if getattr(self, name) is None]
            if missing:
                raise ValueError(f"a source citation needs `{'` and `'.join(missing)}`")
            if self.locator is not None:
                raise ValueError(
                    "`locator` belongs to reference citations; a source citation uses `paragraph`"
                )
        elif self.section is not None or self.paragraph is not None:
            raise ValueError(
                "`section` and `paragraph` belong to source citations; use `locator` for a reference"
            )
        return self


class Section(Item):
    STORED_AS = "SourceSection"
    heading: Text
    paragraphs: Annotated[int, Field(ge=1, le=1000)]


class Source(Item):
    slug: Slug
    title: Text
    author: str = ""
    url: Url = ""
    sections: Annotated[list[Section], Field(min_length=1)]


class Reference(Item):
    slug: Slug
    title: Text
    author: str = ""
    publisher: str = ""
    year: Annotated[int, Field(ge=1000, le=9999)] | None = None
    url: Url = ""
    note: str = ""


class Track(Item):
    MARKDOWN = ("definition", "participants", "outputs", "examples")
    slug: Slug
    name: Text
    short_name: str = ""
    summary: Text
    definition: Text
    participants: Text
    outputs: Text
    strengths: Annotated[list[Text], Field(min_length=1)]
    limits: Annotated[list[Text], Field(min_length=1)]
    examples: list[Text] = []
    comparison: dict[Key, Text] = {}
    status: Status = "published"
    citations: list[Citation] = []


class GlossaryTerm(Item):
    MARKDOWN = ("definition",)
    slug: Slug
    term: Text
    definition: Text
    tracks: list[Slug] = []
    status: Status = "published"


class Objective(Item):
    STORED_AS = "LearningObjective"
    slug: Slug
    text: Text


class Category(Item):
    key: Key
    label: Text


class Choice(Item):
    MARKDOWN = ("feedback",)
    key: Key | None = None  # defaults to a, b, c… by position (filled in after parsing)
    text: Text
    correct: bool = False
    position: Annotated[int, Field(ge=1)] | None = None
    category: Key | None = None
    feedback: str = ""


class Hint(Item):
    """A progressive hint on a quiz question (practice mode): opening it costs `cost` of the question's credit."""

    STORED_AS = "Question"  # as Question.hints (JSON)
    text: Text
    cost: Annotated[float, Field(ge=0, le=1)]


class Question(Item):
    MARKDOWN = ("scenario", "explanation")
    slug: Slug
    kind: Literal["single", "multiple", "order", "sort"]
    scenario: Text
    prompt: Text
    explanation: Text
    status: Status = "published"
    # Quiz questions: the slug of the first question of its scenario group (training.quizzes.draw_questions).
    variant_of: Slug | None = None
    tracks: list[Slug] = []
    objectives: list[Slug] = []
    citations: list[Citation] = []
    categories: list[Category] = []
    choices: Annotated[list[Choice], Field(min_length=2)]
    # Order only: groups of choice keys whose steps may come in either order (validate.py checks them).
    ties: list[Annotated[list[Key], Field(min_length=2)]] = []
    # Quiz questions, practice mode: hints in the order they are revealed; their costs add up to 1 at most.
    hints: list[Hint] = []

    @model_validator(mode="after")
    def _hint_costs(self):
        if round(sum(hint.cost for hint in self.hints), 6) > 1:
            raise ValueError("the `hints` cost more than the whole question (their costs add up to over 1)")
        return self


class Lesson(Item):
    MARKDOWN = ("body",)
    slug: Slug
    title: Text
    minutes: Annotated[int, Field(ge=1, le=120)]
    status: Status = "published"
    tracks: list[Slug] = []
    objectives: list[Slug] = []
    key_terms: list[Slug] = []
    body: Text
    citations: list[Citation] = []
    checks: list[Question] = []


class Draw(Item):
    """How many questions an attempt draws from the quiz's pool: `count` in all, or `per_objective`."""

    STORED_AS = "Quiz"  # as draw_count / draw_per_objective
    count: Annotated[int, Field(ge=1, le=1000)] | None = None
    per_objective: Annotated[int, Field(ge=1, le=1000)] | None = None

    @model_validator(mode="after")
    def _one_rule(self):
        if (self.count is None) == (self.per_objective is None):
            raise ValueError("a draw has either `count` or `per_objective`")
        return self


class Quiz(Item):
    MARKDOWN = ("intro",)
    slug: Slug
    title: Text
    intro: str = ""
    mode: Literal["practice", "assessment"] = "practice"
    pass_mark: Annotated[int, Field(ge=0, le=100)] = 70
    attempts_allowed: Annotated[int, Field(ge=0, le=1000)] = 0
    shuffle: bool = False
    # Assessments: when the results show the answer key (training.models.Quiz.answer_key_shown).
    results: Literal["after-each-attempt", "after-last-attempt", "never"] = "after-last-attempt"
    draw: Draw | None = None  # default: every scenario once per attempt
    certainty: bool = False  # certainty-based marking (docs/scoring.md)
    time_limit: Annotated[int, Field(ge=0, le=600)] = 0  # minutes per attempt, 0 = untimed (docs/scoring.md)
    status: Status = "published"
    questions: Annotated[list[Question], Field(min_length=1)]


class Module(Item):
    MARKDOWN = ("summary", "reflection")
    slug: Slug
    title: Text
    summary: Text
    status: Status = "published"
    reflection: str = (
        ""  # a prompt each learner answers at the end of the module (saved, seen by instructors)
    )
    objectives: list[Objective] = []
    lessons: list[Lesson] = []
    quizzes: list[Quiz] = []


class Meter(Item):
    key: Key
    label: Text
    min: int = 0
    max: int = 100
    start: int
    better: Literal["higher", "lower"] = "higher"  # which way is good: a risk is better lower


class Later(Item):
    """A consequence an option schedules `after` decisions ahead: effects, flags, an event."""

    STORED_AS = "Option"  # a JSON list in that model
    after: Annotated[int, Field(ge=1, le=100)]
    effects: dict[Key, int] = {}
    sets: list[Key] = []
    clears: list[Key] = []
    event: Key | None = None


class Branch(Item):
    STORED_AS = "Option"  # a JSON list in that model
    when: Text
    next: Key


class Option(Item):
    MARKDOWN = ("feedback",)
    key: Key
    text: Text
    effects: dict[Key, int] = {}
    sets: list[Key] = []
    clears: list[Key] = []
    later: list[Later] = []
    guard: Text | None = None
    unavailable: Literal["show", "hide"] = "show"
    reason: str = ""
    recommended: bool = False
    follows: list[Key] = []
    breaks: list[Key] = []
    feedback: str = ""
    branches: list[Branch] = []
    next: Key | None = None


class Node(Item):
    MARKDOWN = ("situation", "debrief")
    key: Key
    title: Text
    ending: bool = False
    outcome: Literal["success", "mixed", "failure"] | None = None
    situation: Text
    debrief: str = ""
    lessons: list[Slug] = []
    citations: list[Citation] = []
    options: list[Option] = []


class SimFlag(Item):
    """A named yes/no fact of a run ("the press knows"): unset at the start, set and cleared by options."""

    STORED_AS = "Simulation"  # a JSON list in that model
    key: Key
    label: Text


class Principle(Item):
    """What the debrief judges a path by: options follow or break it; tied to a learning objective."""

    STORED_AS = "Simulation"  # a JSON list in that model
    key: Key
    label: Text
    objective: Slug | None = None


class Event(Item):
    """A node inserted into the story the first time `when` holds (or when a `later` item names it)."""

    STORED_AS = "Simulation"  # a JSON list in that model
    key: Key
    when: Text | None = None
    node: Key


class Simulation(Item):
    MARKDOWN = ("role", "situation")
    slug: Slug
    title: Text
    module: Slug
    role: Text
    portrait: Portrait | None = None  # default: read from `role` (training/portraits.py)
    situation: Text
    status: Status = "published"
    tracks: list[Slug] = []
    objectives: list[Slug] = []
    meters: Annotated[list[Meter], Field(min_length=1)]
    flags: list[SimFlag] = []
    principles: list[Principle] = []
    start: Key
    nodes: Annotated[list[Node], Field(min_length=1)]
    events: list[Event] = []


class Completion(Item):
    """What the certificate needs (training.completion; docs/progress.md). Defaults: the rule before this."""

    STORED_AS = "Course"  # a JSON field of that model
    lessons: Literal["all", "none"] = "all"
    practice: Literal["attempted", "passed", "none"] = "attempted"
    practice_min_percent: Annotated[int, Field(ge=0, le=100)] = 0
    assessments: Literal["attempted", "passed", "none"] = "passed"
    final: Literal["passed", "none"] = "passed"
    mastery: Literal["none", "attempted", "familiar", "proficient", "mastered"] = "none"
    capstone: Literal["none", "submitted", "passed"] = "none"


class Course(Item):
    MARKDOWN = ("summary",)
    slug: Slug
    title: Text
    summary: Text
    status: Status = "published"
    final_quiz: Slug | None = None
    completion: Completion | None = None


# The case library and the capstone ---------------------------------------------------------------------------


class CaseActor(Item):
    STORED_AS = "Case"  # a JSON list in that model
    name: Text
    track: Slug  # a track of the course: which track the actor worked in
    role: str = ""


class CaseDocument(Item):
    """A primary document of a case: an agreement, a resolution, a memoir chapter, an archive."""

    STORED_AS = "Case"  # a JSON list in that model
    title: Text
    url: Url = ""
    year: Annotated[int, Field(ge=1000, le=9999)] | None = None
    note: str = ""


class Case(Item):
    """A page of the case library: what happened, who acted on which track, what moved between tracks."""

    MARKDOWN = ("summary", "moved", "outcome", "body")
    slug: Slug
    title: Text
    status: Status = "published"
    period: Text  # "1991-1993"
    region: str = ""
    summary: Text
    actors: Annotated[list[CaseActor], Field(min_length=1)]
    moved: Text  # what moved between tracks, and how
    outcome: Text
    body: str = ""
    documents: list[CaseDocument] = []
    references: list[Slug] = []
    lessons: list[Slug] = []
    tracks: list[Slug] = []


class RubricLevel(Item):
    STORED_AS = "Capstone"  # a JSON list in that model
    points: Annotated[int, Field(ge=0, le=100)]
    label: Text
    description: str = ""


class RubricCriterion(Item):
    STORED_AS = "Capstone"  # a JSON list in that model
    key: Key
    title: Text
    description: str = ""
    levels: Annotated[list[RubricLevel], Field(min_length=2, max_length=6)]


class Capstone(Item):
    """A piece of work a learner writes and submits, graded by an instructor against a rubric."""

    MARKDOWN = ("brief",)
    slug: Slug
    title: Text
    status: Status = "published"
    brief: Text
    min_words: Annotated[int, Field(ge=0, le=20000)] = 0
    max_words: Annotated[int, Field(ge=1, le=20000)] = 3000
    pass_mark: Annotated[int, Field(ge=0, le=600)]  # total points needed to pass
    rubric: Annotated[list[RubricCriterion], Field(min_length=1, max_length=12)]
    references: list[Slug] = []


# Role-plays (issue 18; stored by the roleplay app) ------------------------------------------------------------


class Role(Item):
    APP = "roleplay"
    MARKDOWN = ("public_brief", "confidential_brief")
    slug: Slug
    title: Text
    side: Slug | None = None  # roles with the same side share a caucus channel (default: its own slug)
    optional: bool = False
    public_brief: Text
    confidential_brief: Text
    objectives: list[Text] = []
    walk_away: Annotated[int, Field(ge=-10000, le=10000)]
    portrait: Portrait | None = None  # default: read from the title, else by position (training/portraits.py)


class IssueOption(Item):
    APP = "roleplay"
    key: Literal["a", "b", "c", "d", "e"]
    text: Text
    points: dict[Slug, Annotated[int, Field(ge=-100, le=100)]]


class Issue(Item):
    APP = "roleplay"
    MARKDOWN = ("description",)
    slug: Slug
    title: Text
    description: str = ""
    options: Annotated[list[IssueOption], Field(min_length=2, max_length=5)]


class Phase(Item):
    APP = "roleplay"
    MARKDOWN = ("instructions",)
    slug: Slug
    title: Text
    kind: Literal["preparation", "private", "caucus", "plenary"]
    minutes: Annotated[int, Field(ge=1, le=240)]
    instructions: Text


class Inject(Item):
    APP = "roleplay"
    MARKDOWN = ("text",)
    slug: Slug
    title: Text
    text: Text
    to: list[Slug] = []  # role slugs; empty = the whole group
    phase: Slug | None = None


class DebriefQuestion(Item):
    APP = "roleplay"
    slug: Slug
    prompt: Text


class RolePlay(Item):
    APP = "roleplay"
    MARKDOWN = ("background", "debrief_guide")
    slug: Slug
    title: Text
    summary: Text
    status: Status = "published"
    module: Slug | None = None
    objectives: list[Slug] = []
    references: list[Slug] = []
    minutes: Annotated[int, Field(ge=1, le=600)] = 60
    background: Text
    roles: Annotated[list[Role], Field(min_length=2, max_length=8)]
    issues: Annotated[list[Issue], Field(min_length=1, max_length=5)]
    phases: Annotated[list[Phase], Field(min_length=1, max_length=8)]
    injects: Annotated[list[Inject], Field(max_length=10)] = []
    debrief: Annotated[list[DebriefQuestion], Field(min_length=1, max_length=10)]
    debrief_guide: str = ""


class Document(Item):
    """One file. In a folder course every file is a Document; exactly one of them has `course`."""

    format: Literal[1] | None = None
    course: Course | None = None
    sources: list[Source] = []
    references: list[Reference] = []
    tracks: list[Track] = []
    glossary: list[GlossaryTerm] = []
    modules: list[Module] = []
    simulations: list[Simulation] = []
    roleplays: list[RolePlay] = []
    cases: list[Case] = []
    capstones: list[Capstone] = []


# Turning pydantic errors into located problems -------------------------------------------------------------


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
        else:
            return annotation


def _model_at(loc: Path) -> type[Item] | None:
    """The schema model that holds the last element of `loc` (for suggesting valid keys)."""
    current: Any = Document
    for part in loc[:-1]:
        current = _unwrap(current)
        if isinstance(part, str) and isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            if field is None:
                return None
            current = field.annotation
        elif typing.get_origin(current) in (list, dict):
            current = typing.get_args(current)[-1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, Item) else None


_TYPE_NAMES = {dict: "a mapping", list: "a list", str: "text", int: "an integer", bool: "true or false"}


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    for kind, name in _TYPE_NAMES.items():
        if type(value) is kind:
            return name
    return type(value).__name__


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    loc = error["loc"]
    if kind == "missing":
        return f"`{loc[-1]}` is required"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        model = _model_at(loc)
        valid = [name for name in model.model_fields] if model else []
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
        if close:
            return f"unknown key `{key}` (did you mean `{close[0]}`?)"
        return f"unknown key `{key}`" + (f" (expected one of: {', '.join(valid)})" if valid else "")
    message = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of keys to values, found {_describe(error['input'])}"
    if kind == "list_type":
        return f"expected a list, found {_describe(error['input'])}"
    if kind == "literal_error":
        return f"{message[0].lower()}{message[1:]} (found {error['input']!r})"
    if kind in ("string_type", "int_type", "bool_type", "int_from_float"):
        return f"{message[0].lower()}{message[1:]}, found {_describe(error['input'])}"
    return f"{message[0].lower()}{message[1:]}"


def _locate(obj: Any, file: YamlFile, path: Path) -> None:
    if isinstance(obj, Item):
        obj._file = file
        obj._path = path
        for name in type(obj).model_fields:
            _locate(getattr(obj, name), file, (*path, name))
    elif isinstance(obj, list):
        for index, item in enumerate(obj):
            _locate(item, file, (*path, index))


def default_choice_key(index: int) -> str:
    """The key of a choice written without one: a, b, c… by position (0-based index)."""
    return chr(ord("a") + index) if index < 26 else f"c{index + 1}"


def _default_keys(document: Document) -> None:
    def fill(question: Question):
        for index, choice in enumerate(question.choices):
            if choice.key is None:
                choice.key = default_choice_key(index)

    for module in document.modules:
        for lesson in module.lessons:
            for question in lesson.checks:
                fill(question)
        for quiz in module.quizzes:
            for question in quiz.questions:
                fill(question)


def parse_document(file: YamlFile) -> tuple[Document | None, list[Problem]]:
    data = {} if file.data is None else file.data
    try:
        document = Document.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            problems.append(file.problem(loc, _message(error)))
        return None, problems
    _default_keys(document)
    _locate(document, file, ())
    return document, []
