"""What a course's certificate needs: the completion rule a course authors as `completion:` in its YAML.

Plain data, no database: the curriculum schema validates the authored mapping against these values, the
loader stores the non-default ones on Course.completion, and training.certificates.eligibility_of() (the one
place the rule is applied) reads them back with CompletionRule.of(). The defaults are the rule every course
had before it could author one (docs/progress.md), so a course that says nothing keeps it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

LESSONS = ("all", "none")  # every visible lesson completed, or lessons not required
QUIZ_RULES = ("attempted", "passed", "none")  # each quiz of the mode: a submitted attempt, a pass, nothing
FINAL_RULES = ("passed", "none")  # the final quiz passed, or treated like any quiz of its mode
# The lowest mastery level every assessed objective must reach (training.mastery.Level values); "none": any.
MASTERY_LEVELS = ("none", "attempted", "familiar", "proficient", "mastered")
CAPSTONE_RULES = (
    "none",
    "submitted",
    "passed",
)  # each published capstone: nothing, submitted, or graded a pass


@dataclass(frozen=True)
class CompletionRule:
    lessons: str = "all"
    practice: str = "attempted"
    practice_min_percent: int = 0  # each practice quiz's best submitted score at least this (0: no minimum)
    assessments: str = "passed"
    final: str = "passed"
    mastery: str = "none"
    capstone: str = "none"

    @classmethod
    def of(cls, stored: dict[str, Any] | None) -> CompletionRule:
        """The rule from Course.completion (only non-default values are stored; unknown keys are ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in (stored or {}).items() if key in names})

    def stored(self) -> dict[str, Any]:
        """The non-default values, as Course.completion holds them ({} for the default rule)."""
        default = asdict(CompletionRule())
        return {key: value for key, value in asdict(self).items() if value != default[key]}
