"""Charts drawn on the server as SVG, with the figures beside them for screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from quiz.models import Attempt

WIDTH, HEIGHT, PAD = 320, 120, 24


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    label: str
    percent: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: list[ChartPoint]
    polyline: str
    pass_y: float | None
    gridlines: list[tuple[float, int]]


def score_chart(attempts: Sequence[Attempt]) -> Chart | None:
    """Scores over attempts as a line from 0 to 100 %, with the pass mark as a dashed line."""
    scored = [a for a in attempts if a.percent is not None]
    if not scored:
        return None
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    step = inner_w / max(1, len(scored) - 1)

    def y_of(percent: float) -> float:
        return round(PAD + inner_h * (1 - percent / 100), 1)

    points = [
        ChartPoint(
            x=round(PAD + (step * n if len(scored) > 1 else inner_w / 2), 1),
            y=y_of(float(a.percent)),
            label=f"Attempt {n + 1}",
            percent=float(a.percent),
        )
        for n, a in enumerate(scored)
    ]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        points=points,
        polyline=" ".join(f"{p.x},{p.y}" for p in points),
        pass_y=y_of(scored[0].quiz.pass_mark),
        gridlines=[(y_of(v), v) for v in (0, 50, 100)],
    )
