"""The monthly spending chart as geometry for an inline SVG: no chart library, no script.

Pure: months of {category: minor units} in, stacked bar rectangles and axis ticks out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 80, 16, 16, 40
TICKS = 4


@dataclass(frozen=True, slots=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    series: int
    """Index of the category in the legend (its colour)."""
    month: int
    units: int


@dataclass(frozen=True, slots=True)
class Chart:
    bars: list[Bar]
    ticks: list[tuple[int, int]]
    """(y position, minor units) of each horizontal grid line."""
    labels: list[tuple[int, str]]
    """(x centre, text) under each month."""
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: int = HEIGHT - BOTTOM


def month_starts(today: date, count: int) -> list[date]:
    """The first day of the last `count` months up to today's, and of the month after."""
    year, month = today.year, today.month
    firsts = []
    for back in range(count - 1, -2, -1):
        index = year * 12 + (month - 1) - back
        firsts.append(date(index // 12, index % 12 + 1, 1))
    return firsts


def nice_ceiling(units: int) -> int:
    """A round axis maximum at or above `units` (1, 2 or 5 times a power of ten)."""
    if units <= 0:
        return 100
    power = 1
    while power * 10 <= units:
        power *= 10
    for step in (1, 2, 5, 10):
        if step * power >= units:
            return step * power
    return 10 * power


def layout(months: list[dict[int, int]], labels: list[str]) -> Chart:
    """Stack each month's series (index → units) into bars, tallest month fitting the plot."""
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = nice_ceiling(max((sum(m.values()) for m in months), default=0))
    slot = plot_width // max(len(months), 1)
    bar_width = slot * 3 // 5
    bars: list[Bar] = []
    for index, month in enumerate(months):
        x = LEFT + index * slot + (slot - bar_width) // 2
        base = HEIGHT - BOTTOM
        for series in sorted(month):
            units = month[series]
            height = round(units * plot_height / top)
            if units <= 0 or height <= 0:
                continue
            base -= height
            bars.append(Bar(x, base, bar_width, height, series, index, units))
    ticks = [
        (HEIGHT - BOTTOM - round(plot_height * i / TICKS), top * i // TICKS)
        for i in range(TICKS + 1)
    ]
    centres = [(LEFT + i * slot + slot // 2, text) for i, text in enumerate(labels)]
    return Chart(bars, ticks, centres)


def month_label(first: date, lang: str) -> str:
    return f"{first.month}月" if lang == "zh" else datetime(2000, first.month, 1).strftime("%b")
