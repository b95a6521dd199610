"""Geometry of the timeline bars: each stage's planned and actual spans as percentages of
the whole order's span, drawn by the template as SVG rectangles (no inline styles, so the
page's Content-Security-Policy can forbid them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from mcbackend.services.tracking import Stage


@dataclass(frozen=True)
class Span:
    x: float  # percent of the chart's width
    width: float


@dataclass(frozen=True)
class Row:
    stage: Stage
    planned: Span
    actual: Span | None  # started stages only; a running one reaches up to now


@dataclass(frozen=True)
class Chart:
    rows: tuple[Row, ...]
    today: float | None  # where "now" falls, when it lies inside the chart


_MIN_WIDTH = 1.5  # a one-moment stage (an order placed and confirmed at once) stays visible


def chart(stages: Sequence[Stage], now: datetime) -> Chart:
    moments = [s.planned_start for s in stages] + [s.planned_end for s in stages]
    moments += [m for s in stages for m in (s.actual_start, s.actual_end) if m is not None]
    start, end = min(moments), max(moments)
    if any(s.state == "active" for s in stages):
        end = max(end, now)  # a running stage's actual bar reaches up to today
    total = (end - start).total_seconds() or 1.0

    def span(a: datetime, b: datetime) -> Span:
        x = (a - start).total_seconds() / total * 100
        width = max((b - a).total_seconds() / total * 100, _MIN_WIDTH)
        return Span(round(min(x, 100 - _MIN_WIDTH), 2), round(min(width, 100 - x), 2))

    rows = []
    for stage in stages:
        actual = None
        if stage.actual_start is not None:
            actual = span(stage.actual_start, stage.actual_end or max(now, stage.actual_start))
        rows.append(Row(stage, span(stage.planned_start, stage.planned_end), actual))
    today = (now - start).total_seconds() / total * 100
    return Chart(tuple(rows), round(today, 2) if 0 <= today <= 100 else None)
