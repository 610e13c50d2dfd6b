"""What every server-rendered SVG chart shares: the plot area inside the drawing and where tick labels go.

The score chart (score_chart.py), the calibration chart (calibration.py) and the simulation timeline
(debrief.py) each draw their own marks in the area between `left`/`right` and `top`/`bottom`; the templates
place tick labels at `x_tick_y` (below the area) and `y_tick_x` (left of it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class PlotArea:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    Y_TICK_GAP: ClassVar[int] = 8  # between the y tick labels and the area

    @property
    def x_tick_y(self) -> int:
        return self.bottom + 18

    @property
    def y_tick_x(self) -> int:
        return self.left - self.Y_TICK_GAP
