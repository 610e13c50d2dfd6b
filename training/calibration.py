"""Calibration under certainty-based marking: how often the learner is right at each certainty level, drawn as a
server-rendered SVG bar chart (no script) with the same numbers in a table (docs/scoring.md).

With the marks of training.grading.CBM_MARKS the expected mark at accuracy p is p (low), 4p − 2 (mid) and
9p − 6 (high), so low certainty pays best below 2/3, mid between 2/3 and 4/5, high above 4/5: a well-calibrated
learner's accuracy at each level falls in that level's band.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Avg, Count

from training.grading import CERTAINTY_LEVELS
from training.models import Course, Quiz, Response
from training.svg_chart import PlotArea

# Certainty level → the accuracy band (percent) in which it earns the highest expected mark.
BANDS = {1: (0, 67), 2: (67, 80), 3: (80, 100)}
MEANING = (
    "Well calibrated means being right less than 67% of the time at low certainty, 67–80% at mid and more "
    "than 80% at high: in each band that certainty earns the most marks."
)


@dataclass(frozen=True)
class Level:
    certainty: int
    label: str
    answers: int
    accuracy: int | None  # average score in percent (the share right, with partial credit); None: no answers
    band: tuple[int, int]

    @property
    def band_text(self) -> str:
        low, high = self.band
        return f"{low}–{high}%"

    @property
    def verdict(self) -> str:
        if self.accuracy is None:
            return "No answers"
        low, high = self.band
        if self.accuracy < low:
            return "Over-confident"
        if self.accuracy > high:
            return "Under-confident"
        return "Well calibrated"


def _levels(counts: dict[int, tuple[int, float]]) -> list[Level]:
    levels = []
    for certainty, label in CERTAINTY_LEVELS.items():
        answers, average = counts.get(certainty, (0, 0.0))
        levels.append(
            Level(
                certainty=certainty,
                label=label,
                answers=answers,
                accuracy=round(100 * average) if answers else None,
                band=BANDS[certainty],
            )
        )
    return levels


def calibration_for_attempt(responses: Iterable[Response]) -> list[Level] | None:
    """The calibration of one attempt's responses; None when none of them has a certainty."""
    totals: dict[int, list[float]] = {}
    for response in responses:
        if response.certainty:
            totals.setdefault(response.certainty, []).append(response.score)
    if not totals:
        return None
    return _levels({level: (len(scores), sum(scores) / len(scores)) for level, scores in totals.items()})


def calibration_for_user(user, course: Course) -> list[Level] | None:
    """The learner's calibration over every submitted attempt in the course (one query); None without any
    certainty-marked answer. Open attempts are left out: an assessment's marks are held back until submitted."""
    rows = (
        Response.objects.filter(
            Quiz.objects.visible_q("attempt__quiz__"),
            attempt__user=user,
            attempt__quiz__course=course,
            attempt__submitted_at__isnull=False,
            certainty__isnull=False,
        )
        .values("certainty")
        .annotate(answers=Count("pk"), average=Avg("score"))
        .order_by("certainty")
    )
    counts = {row["certainty"]: (row["answers"], row["average"] or 0.0) for row in rows}
    return _levels(counts) if counts else None


# --- The chart (server-rendered SVG) --------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    level: Level
    x: float
    width: float
    y: float  # top of the bar
    height: float
    band_y: float  # the level's well-calibrated band
    band_height: float
    label_x: float
    value_y: float

    @property
    def value_text(self) -> str:
        return "–" if self.level.accuracy is None else f"{self.level.accuracy}%"


@dataclass(frozen=True)
class CalibrationChart(PlotArea):
    Y_TICK_GAP = 6

    bars: tuple[Bar, ...]
    y_ticks: tuple[tuple[float, str], ...]
    summary: str
    meaning: str = MEANING


def calibration_chart(levels: list[Level], *, width: int = 360, height: int = 220) -> CalibrationChart:
    left, right, top, bottom = 44, width - 12, 12, height - 30
    plot = bottom - top
    slot = (right - left) / len(levels)

    def y_of(percent: float) -> float:
        return round(bottom - plot * percent / 100, 1)

    bars = []
    for index, level in enumerate(levels):
        x = round(left + slot * index + slot * 0.2, 1)
        bar_width = round(slot * 0.6, 1)
        accuracy = level.accuracy or 0
        low, high = level.band
        bars.append(
            Bar(
                level=level,
                x=x,
                width=bar_width,
                y=y_of(accuracy),
                height=round(plot * accuracy / 100, 1),
                band_y=y_of(high),
                band_height=round(y_of(low) - y_of(high), 1),
                label_x=round(x + bar_width / 2, 1),
                value_y=round(y_of(accuracy) - 4, 1),
            )
        )
    summary = "; ".join(
        f"{level.label.lower()} certainty: "
        + ("no answers" if level.accuracy is None else f"{level.accuracy}% right of {level.answers}")
        + f" (well calibrated: {level.band_text})"
        for level in levels
    )
    return CalibrationChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        bars=tuple(bars),
        y_ticks=tuple((y_of(p), f"{p}%") for p in (0, 25, 50, 75, 100)),
        summary=f"Accuracy at each certainty level: {summary}.",
    )
