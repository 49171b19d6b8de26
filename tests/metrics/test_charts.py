"""The trend charts: a month without data is a gap in the line."""

from __future__ import annotations

import re

from kintsugi.metrics.charts import LINE, render_chart
from kintsugi.metrics.service import Metric

MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04"]


def _line_path(svg: str) -> str:
    """The drawing commands of the data line (the thick line in the data colour)."""
    found = re.search(rf'<path d="([^"]*)"[^/]*?stroke: {LINE}; stroke-width: 2', svg)
    assert found is not None, "no data line in the chart"
    return found.group(1)


def test_a_month_without_data_breaks_the_line() -> None:
    trend = [("2026-01", 10.0), ("2026-02", 20.0), ("2026-04", 30.0)]
    metric = Metric(
        "mttr_minutes", "MTTR", "minutes to resolve", None, False, 20.0, "minutes", trend
    )
    commands = re.findall(r"[ML]", _line_path(render_chart(metric, MONTHS, "svg").decode()))
    assert commands == ["M", "L", "M"]  # Jan to Feb drawn; April stands alone


def test_consecutive_months_are_one_line() -> None:
    trend = [(month, float(n)) for n, month in enumerate(MONTHS)]
    metric = Metric(
        "mttr_minutes", "MTTR", "minutes to resolve", None, False, 3.0, "minutes", trend
    )
    commands = re.findall(r"[ML]", _line_path(render_chart(metric, MONTHS, "svg").decode()))
    assert commands == ["M", "L", "L", "L"]
