"""Item-writing checks: cues that let a test-wise learner answer without knowing the content.

Each check is a heuristic with a documented threshold (docs/curriculum-format.md, "Item-writing checks"); they
are lint warnings, never load errors, and every message starts with ITEM_WRITING so a test or a reviewer can
count them apart from the citation and feedback warnings. The rules follow the usual item-writing guidance
(Haladyna, Downing and Rodriguez 2002): no length or position cues, no "all/none of the above", negative
stems emphasised, no near-duplicate items, and order items with one defensible answer.

A distractor nobody picks needs learners' answers, so it lives in the instructor statistics
(training.analytics), not here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher

from training.curriculum import schema as s
from training.curriculum.validate import CourseDocument

ITEM_WRITING = "item writing:"

# The correct option is "the longest" when it is longer than every other option by at least this factor
# (characters), so a few letters' difference does not count as a cue.
LONGEST_MARGIN = 1.2
# A quiz warns when the correct option is the longest in more than this share of its single-answer
# questions (chance is 1 in the number of options: 25-33%), once it has at least QUIZ_MIN_QUESTIONS.
LONGEST_SHARE = 0.5
QUIZ_MIN_QUESTIONS = 4
# Correct positions are unbalanced when one position holds more than this share of a quiz's single-answer
# keys, or a position every question offers is never the key once there are twice as many questions.
POSITION_SHARE = 0.5
# Select-all items give the count away when at least this many all have the same number of correct options.
SELECT_ALL_MIN = 3
# Two stems (scenario and prompt) or two option sets are near copies at this similarity or above:
# difflib's ratio over the normalised words (lowercase, Markdown and punctuation dropped), 0-1. 0.6 is
# difflib's own cut-off for a "close match" (get_close_matches); a reworded copy of a question with new
# place names scores about 0.6-0.7, two different scenarios on one theme about 0.5 or less.
NEAR_COPY = 0.6
NEAR_COPY_MIN_WORDS = 8  # shorter texts (a bare prompt, two one-word options) are too short to compare

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_LINK = re.compile(r"\[\[([a-z0-9-]+)(?:\|([^\]]*))?\]\]")
_ABOVE = re.compile(
    r"\b(all|none|both|neither|any)\s+of\s+(the\s+)?(above|previous|options|answers|choices|these)\b"
    r"|\ball\s+the\s+above\b",
    re.IGNORECASE,
)
_NEGATIVE = re.compile(r"\b(not|except|least|never|false|incorrect|untrue|cannot|\w+n't)\b", re.IGNORECASE)
# Words in a step that say it is optional or can run alongside another: the lint cannot know the dependencies
# between steps, only flag the wording that usually means the order is not unique.
_SWAPPABLE = re.compile(
    r"\b(optionally|optional|if needed|if necessary|if required|at any (point|stage|time)|in parallel"
    r"|meanwhile|at the same time|simultaneously|alternatively|either|whenever)\b",
    re.IGNORECASE,
)

Warn = Callable[..., None]


def words(text: str) -> list[str]:
    """Normalised words: glossary links as their shown words, lowercase, Markdown and punctuation dropped."""
    text = _LINK.sub(lambda m: m.group(2) or m.group(1).replace("-", " "), text)
    return _WORD.findall(text.lower().replace("\N{RIGHT SINGLE QUOTATION MARK}", "'"))


def _length(choice: s.Choice) -> int:
    return len(" ".join(words(choice.text)))


@dataclass
class _Placed:
    """A question and where it is: `quiz x` or `lesson y` (for messages naming both sides of a copy)."""

    question: s.Question
    where: str

    @property
    def group(self) -> str:
        return getattr(self.question, "variant_of", None) or self.question.slug


def _placed(course: CourseDocument) -> Iterator[_Placed]:
    for module in course.modules:
        for lesson in module.lessons:
            for check in lesson.checks:
                yield _Placed(check, f"lesson `{lesson.slug}`")
        for quiz in module.quizzes:
            for question in quiz.questions:
                yield _Placed(question, f"quiz `{quiz.slug}`")


def lint_items(course: CourseDocument, warn: Warn) -> None:
    """Every item-writing check on a valid course; `warn(item, message, *subpath)` records a warning."""

    def item_warn(item: s.Item, message: str, *subpath) -> None:
        warn(item, f"{ITEM_WRITING} {message}", *subpath)

    for question in course.questions():
        _longest(question, item_warn)
        _above(question, item_warn)
        _negative(question, item_warn)
        _swappable(question, item_warn)
    for quiz in course.quizzes():
        _quiz_longest(quiz, item_warn)
        _positions(quiz, item_warn)
        _select_all(quiz, item_warn)
    _course_select_all(course, item_warn)
    _near_copies(list(_placed(course)), item_warn)


def _correct_is_longest(question: s.Question, margin: float) -> bool:
    right = [_length(c) for c in question.choices if c.correct]
    wrong = [_length(c) for c in question.choices if not c.correct]
    return bool(right and wrong) and min(right) > max(wrong) * margin


def _longest(question: s.Question, warn: Warn) -> None:
    if question.kind not in ("single", "multiple") or not _correct_is_longest(question, LONGEST_MARGIN):
        return
    what = "the correct option is" if question.kind == "single" else "every correct option is"
    warn(
        question,
        f"{what} the longest in question `{question.slug}` (at least {LONGEST_MARGIN:g}× the longest"
        " distractor): length gives the answer away",
        "choices",
    )


def _quiz_longest(quiz: s.Quiz, warn: Warn) -> None:
    singles = [q for q in quiz.questions if q.kind == "single"]
    if len(singles) < QUIZ_MIN_QUESTIONS:
        return
    longest = sum(_correct_is_longest(q, 1.0) for q in singles)
    if longest / len(singles) > LONGEST_SHARE:
        warn(
            quiz,
            f"the correct option is the longest in {longest} of {len(singles)} single-answer questions of"
            f" quiz `{quiz.slug}` ({round(100 * longest / len(singles))}%; above {LONGEST_SHARE:.0%})",
            "questions",
        )


def _positions(quiz: s.Quiz, warn: Warn) -> None:
    if quiz.shuffle:  # learners see the options in a new order each attempt: the authored place is no cue
        return
    singles = [q for q in quiz.questions if q.kind == "single"]
    if len(singles) < QUIZ_MIN_QUESTIONS:
        return
    keys = Counter(next(i for i, c in enumerate(q.choices) if c.correct) for q in singles)
    offered = min(len(q.choices) for q in singles)
    width = max(len(q.choices) for q in singles)
    shown = ", ".join(f"{chr(ord('A') + i)} {keys[i]}" for i in range(width))
    position, most = keys.most_common(1)[0]
    never = [i for i in range(offered) if not keys[i]]
    if most / len(singles) > POSITION_SHARE:
        reason = f"{chr(ord('A') + position)} is the key in {most} of {len(singles)}"
    elif never and len(singles) >= 2 * offered:
        reason = f"{', '.join(chr(ord('A') + i) for i in never)} is never the key in {len(singles)}"
    else:
        return
    warn(
        quiz,
        f"correct positions are unbalanced in quiz `{quiz.slug}`: {reason} single-answer questions"
        f" (keys by position: {shown}); set `shuffle: true` or move the keys",
        "questions",
    )


def _same_count(questions: list[s.Question]) -> int | None:
    counts = {sum(c.correct for c in q.choices) for q in questions}
    return counts.pop() if len(questions) >= SELECT_ALL_MIN and len(counts) == 1 else None


def _select_all(quiz: s.Quiz, warn: Warn) -> None:
    multiple = [q for q in quiz.questions if q.kind == "multiple"]
    count = _same_count(multiple)
    if count is not None:
        warn(
            quiz,
            f"all {len(multiple)} select-all questions of quiz `{quiz.slug}` have {count} correct option"
            f"{'s' if count != 1 else ''}: vary the count so it gives nothing away",
            "questions",
        )


def _course_select_all(course: CourseDocument, warn: Warn) -> None:
    multiple = [q for q in course.questions() if q.kind == "multiple"]
    count = _same_count(multiple)
    by_quiz = [[q for q in quiz.questions if q.kind == "multiple"] for quiz in course.quizzes()]
    if count is not None and not any(len(group) == len(multiple) for group in by_quiz):
        warn(
            course.course,
            f"all {len(multiple)} select-all questions of the course have {count} correct option"
            f"{'s' if count != 1 else ''}: vary the count so it gives nothing away",
        )


def _above(question: s.Question, warn: Warn) -> None:
    for choice in question.choices:
        match = _ABOVE.search(choice.text)
        if match:
            warn(
                choice,
                f"choice `{choice.key}` of question `{question.slug}` is “{match.group(0)}”: write a real"
                " option instead",
                "text",
            )


def _negative(question: s.Question, warn: Warn) -> None:
    # The prompt is plain text (not Markdown), so capitals are the only emphasis it can carry.
    for match in _NEGATIVE.finditer(question.prompt):
        word = match.group(0)
        if word != word.upper():
            warn(
                question,
                f"negative stem: the prompt of question `{question.slug}` says “{word}” without emphasis"
                f" (write it in capitals, {word.upper()}, or ask the question positively)",
                "prompt",
            )
            return


def _swappable(question: s.Question, warn: Warn) -> None:
    if question.kind != "order":
        return
    tied = {key for group in question.ties for key in group}
    for choice in question.choices:
        match = _SWAPPABLE.search(choice.text)
        if match and choice.key not in tied:
            warn(
                choice,
                f"step `{choice.key}` of order question `{question.slug}` says “{match.group(0)}”: if it could"
                " come before or after a neighbour, declare the tie (`ties:`) or reword the step",
                "text",
            )


def _similar(a: list[str], b: list[str]) -> float:
    if len(a) < NEAR_COPY_MIN_WORDS or len(b) < NEAR_COPY_MIN_WORDS:
        return 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < NEAR_COPY or matcher.quick_ratio() < NEAR_COPY:
        return 0.0
    return matcher.ratio()


def _near_copies(placed: list[_Placed], warn: Warn) -> None:
    """Each pair of questions once (across quizzes and lesson checks), reported on the later one; the
    variants of one scenario (`variant_of`) are meant to be alike and are not compared."""
    stems = [words(f"{p.question.scenario} {p.question.prompt}") for p in placed]
    options = [sorted(" ".join(words(c.text)) for c in p.question.choices) for p in placed]
    option_words = [" ".join(texts).split() for texts in options]
    for j, later in enumerate(placed):
        for i in range(j):
            earlier = placed[i]
            if earlier.group == later.group:
                continue
            for part, texts in (("stem", stems), ("options", option_words)):
                score = _similar(texts[i], texts[j])
                if score >= NEAR_COPY:
                    warn(
                        later.question,
                        f"the {part} of question `{later.question.slug}` ({later.where})"
                        f" {'is' if part == 'stem' else 'are'} a near copy of"
                        f" question `{earlier.question.slug}` ({earlier.where}): {score:.0%} similar"
                        f" (threshold {NEAR_COPY:.0%})",
                        "scenario" if part == "stem" else "choices",
                    )
