"""Charts of the merchant console, drawn on the server as SVG (no script, no CDN: the site's CSP holds).

A chart is its geometry, computed here in a 600 x 180 coordinate box that scales with the page;
the template draws it (``console/charts/chart.html``). Each bar or point carries its day and value
as an SVG ``<title>`` (shown on hover and read by screen readers), and every chart has the same
figures as a table next to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from wallets.formats import label_text

WIDTH, HEIGHT = 600, 180
LEFT, RIGHT, TOP, BOTTOM = 0, 0, 4, 2  # the labels are HTML around the SVG (readable on a phone)
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    total: str
    kind: str  # "bars" or "line"
    marks: list[Mark]
    lines: list[str]  # line charts: each run of consecutive days with a figure, "x,y x,y ..."
    max_label: str
    axis: list[tuple[float, str]]  # (x, label) under the plot
    drawn: SafeString  # the marks as SVG (a string, not a template loop: a chart has a mark a day)
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = TOP + PLOT_H
    top: float = TOP
    left: float = LEFT
    right: float = WIDTH - RIGHT


def _nice_max(value: Decimal) -> Decimal:
    """The top of the scale: 1, 2, 2.5 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (value.adjusted())
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= magnitude * step:
            return magnitude * step
    return magnitude * 10


def _axis(days: Sequence[date], step: float) -> list[tuple[float, str]]:
    if not days:
        return []
    picks = sorted({0, len(days) // 2, len(days) - 1})
    return [(round(LEFT + step * (n + 0.5), 1), date_format(days[n], "MONTH_DAY_FORMAT")) for n in picks]


def day_label(day: date) -> str:
    """A day as a chart's marks and the tables beside them name it ("Mon 2 November")."""
    return f"{date_format(day, 'D')} {date_format(day, 'MONTH_DAY_FORMAT')}"


def _drawn(marks: list[Mark], kind: str) -> SafeString:
    css = "bar" if kind == "bars" else "dot"
    return mark_safe(  # numbers, and each title escaped
        "".join(
            f'<rect class="{css}" x="{m.x}" y="{m.y}" width="{m.width}" height="{m.height}">'
            f"<title>{escape(m.title)}</title></rect>"
            for m in marks
        )
    )


def chart(
    *,
    key: str,
    title: str,
    total: str,
    days: Sequence[date],
    values: Sequence[Decimal | int | None],
    text: Callable[[Decimal | int], str],
    kind: str = "bars",
    labels: Sequence[str] | None = None,
) -> Chart:
    """A chart of one value per day; ``None`` values (no figure that day) are left out: a bar chart
    has no bar that day, a line chart a gap (its line joins only consecutive days with a figure, so it
    never draws a value for a day that has none).

    ``labels``: each day's ``day_label`` when the caller has them already (several charts of the
    same days)."""
    labels = labels if labels is not None else [day_label(day) for day in days]
    numbers = [Decimal(v) if v is not None else None for v in values]
    top = _nice_max(max((v for v in numbers if v is not None), default=Decimal(0)))
    step = PLOT_W / max(len(days), 1)
    marks, lines, points = [], [], []
    for n, (label, value) in enumerate(zip(labels, numbers, strict=True)):
        if value is None:
            if points:
                lines.append(" ".join(points))
                points = []
            continue
        height = float(max(value, Decimal(0)) / top) * PLOT_H
        x = LEFT + step * n
        y = TOP + PLOT_H - height
        said = label_text(label, text(value))  # French: "3 nov. : 1,20 €"
        if kind == "bars":
            marks.append(
                Mark(round(x + step * 0.15, 1), round(y, 1), round(step * 0.7, 1), round(height, 1), said)
            )
        else:
            # A hover target the width of the day (the drawing scales, so no circle)
            cx = round(x + step / 2, 1)
            marks.append(Mark(round(x, 1), round(y - 4, 1), round(step, 1), 8, said))
            points.append(f"{cx},{round(y, 1)}")
    if points:
        lines.append(" ".join(points))
    return Chart(
        key=key,
        title=title,
        total=total,
        kind=kind,
        marks=marks,
        lines=[line for line in lines if " " in line],  # a day alone is its dot, not a line
        max_label=text(top),
        axis=_axis(days, step),
        drawn=_drawn(marks, kind),
    )
