"""The console's charts as drawn: a line chart never draws a value for a day without a figure."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from django.template.loader import render_to_string

from rewards.charts import chart

DAYS = [date(2026, 11, 15) + timedelta(days=n) for n in range(15)]


def drawn(values) -> str:
    line = chart(
        key="cpm", title="Cost per 1,000 views", total="", days=DAYS, values=values, text=str, kind="line"
    )
    return render_to_string("console/charts/chart.html", {"chart": line})


def test_a_line_chart_leaves_a_gap_on_days_without_a_figure_instead_of_joining_across_them():
    # 15 Nov costs 0.00 per 1,000 views, 29 Nov 1.00; no views (no figure) in between
    svg = drawn([Decimal("0.00"), *[None] * 13, Decimal("1.00")])

    assert "<polyline" not in svg  # two lone days: two dots, no line from one to the other
    assert len(re.findall(r'<rect class="dot"', svg)) == 2


def test_a_line_chart_joins_consecutive_days_and_breaks_where_a_day_has_no_figure():
    values = [Decimal("1.00"), Decimal("2.00"), None, Decimal("3.00"), Decimal("4.00"), Decimal("2.00")]
    values += [None] * (len(DAYS) - len(values))

    lines = re.findall(r'<polyline class="line" points="([^"]*)"', drawn(values))

    assert [len(points.split()) for points in lines] == [2, 3]
