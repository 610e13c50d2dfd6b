"""The learner's score history and its chart: the latest HISTORY_LIMIT submitted attempts, oldest first, drawn
as a server-rendered SVG (no script) with the same numbers in a table beside it (docs/progress.md).

One line per quiz (its attempts joined in order), each with its own dash pattern and marker colour and named
in a legend, so two quizzes' scores are never read as one trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from training.models import (
    Course,
    Quiz,
    QuizAttempt,
)
from training.svg_chart import PlotArea

HISTORY_LIMIT = 12


@dataclass(frozen=True)
class HistoryPoint:
    number: int  # 1…n, oldest first
    quiz_id: int
    quiz_title: str
    attempt_number: int
    submitted_at: datetime
    percent: int
    passed: bool | None
    pass_mark: int


def score_history(user, course: Course, *, limit: int = HISTORY_LIMIT) -> list[HistoryPoint]:
    """The latest `limit` submitted attempts, oldest first (one query)."""
    rows = list(
        QuizAttempt.objects.for_user(user)
        .filter(Quiz.objects.visible_q("quiz__"), submitted_at__isnull=False, quiz__course=course)
        .order_by("-submitted_at", "-pk")
        .values_list(
            "quiz_id", "quiz__title", "number", "submitted_at", "percent", "passed", "quiz__pass_mark"
        )[:limit]
    )
    rows.reverse()
    return [
        HistoryPoint(
            number=index,
            quiz_id=quiz_id,
            quiz_title=title,
            attempt_number=number,
            submitted_at=submitted_at,
            percent=round(percent or 0),
            passed=passed,
            pass_mark=pass_mark,
        )
        for index, (quiz_id, title, number, submitted_at, percent, passed, pass_mark) in enumerate(
            rows, start=1
        )
    ]


# --- The chart (server-rendered SVG) --------------------------------------------------------------------


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    point: HistoryPoint

    # SVG coordinates as plain strings (templates must not localise them).
    @property
    def cx(self) -> str:
        return f"{self.x:.1f}"

    @property
    def cy(self) -> str:
        return f"{self.y:.1f}"

    @property
    def square_x(self) -> str:
        return f"{self.x - 4.5:.1f}"

    @property
    def square_y(self) -> str:
        return f"{self.y - 4.5:.1f}"


# Distinct line styles, colour and dash pattern (never colour alone), drawn as SVG attributes; then they repeat.
SERIES_STYLES = (
    ("#1d4ed8", "none"),
    ("#b45309", "8 4"),
    ("#047857", "2 3"),
    ("#7c3aed", "10 3 2 3"),
    ("#be123c", "4 4"),
    ("#374151", "1 2"),
)


@dataclass(frozen=True)
class Series:
    """One quiz's attempts on the chart."""

    index: int
    title: str
    points: tuple[ChartPoint, ...]

    @property
    def style(self) -> int:
        return self.index % len(SERIES_STYLES)

    @property
    def colour(self) -> str:
        return SERIES_STYLES[self.style][0]

    @property
    def dashes(self) -> str:
        return SERIES_STYLES[self.style][1]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Chart(PlotArea):
    points: tuple[ChartPoint, ...]
    y_ticks: tuple[tuple[str, int], ...]  # (y, label)
    x_ticks: tuple[tuple[str, int], ...]  # (x, attempt number in the history)

    @property
    def summary(self) -> str:
        """The chart in words for its <desc> (the table beside it has every number)."""
        scores = [p.point.percent for p in self.points]
        n = len(scores)
        attempts = "attempt" if n == 1 else f"{n} attempts"
        return (
            f"Your latest submitted quiz {attempts}, oldest first, scored from 0 to 100%: "
            f"lowest {min(scores)}%, highest {max(scores)}%, latest {scores[-1]}%."
        )

    @property
    def series(self) -> list[Series]:
        """The points grouped by quiz, in the order each quiz first appears."""
        grouped: dict[int, list[ChartPoint]] = {}
        titles: dict[int, str] = {}
        for point in self.points:
            grouped.setdefault(point.point.quiz_id, []).append(point)
            titles[point.point.quiz_id] = point.point.quiz_title
        return [
            Series(index=index, title=titles[quiz_id], points=tuple(points))
            for index, (quiz_id, points) in enumerate(grouped.items())
        ]

    @property
    def x_label_y(self) -> int:
        return self.bottom + 40

    @property
    def y_label_x(self) -> int:
        return 14

    @property
    def middle_y(self) -> str:
        return f"{(self.top + self.bottom) / 2:.1f}"

    @property
    def middle_x(self) -> str:
        return f"{(self.left + self.right) / 2:.1f}"


def chart_for(history: list[HistoryPoint], *, width: int = 640, height: int = 260) -> Chart:
    """Coordinates for the score chart: x = the attempt's place in the history, y = its percent (0–100)."""
    left, right, top, bottom = 56, width - 16, 16, height - 52

    def y_of(percent: float) -> float:
        return bottom - (bottom - top) * percent / 100

    n = len(history)

    def x_of(index: int) -> float:
        if n <= 1:
            return (left + right) / 2
        return left + (right - left) * (index - 1) / (n - 1)

    points = tuple(ChartPoint(x=x_of(p.number), y=y_of(p.percent), point=p) for p in history)
    step = 1 if n <= 10 else 2 if n <= 20 else 5
    x_ticks = tuple((f"{x_of(i):.1f}", i) for i in range(1, n + 1) if i == 1 or i == n or i % step == 0)
    y_ticks = tuple((f"{y_of(v):.1f}", v) for v in (0, 25, 50, 75, 100))
    return Chart(width, height, left, right, top, bottom, points, y_ticks, x_ticks)
