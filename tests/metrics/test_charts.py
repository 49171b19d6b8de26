"""The trend charts: a month without data is a gap in the line; text is readable."""

from __future__ import annotations

import re

from matplotlib.text import Text

from kintsugi.metrics.charts import LINE, WIDTH_INCHES, chart_figure, render_chart
from kintsugi.metrics.service import Metric
from kintsugi.rca.diagrams.metrics import CHART_FONT

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


def test_every_label_is_at_least_12_px_on_the_page_in_the_diagrams_font() -> None:
    trend = [(month, float(n)) for n, month in enumerate(MONTHS)]
    metric = Metric(
        "post_mortem_completion_rate", "Completion", "published", 90.0, True, 3.0, "percent",
        trend,
    )  # fmt: skip
    figure = chart_figure(metric, MONTHS)
    figure.canvas.draw()  # lays out the ticks and the legend
    texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
    assert {"Completion", "Month (UTC)", "Percent", "3", "Target ≥ 90"} <= {
        t.get_text() for t in texts
    }
    # the page shows a chart at least 34rem (544 px) wide: a point of the figure is >= 1 px
    page_scale = 544 / (WIDTH_INCHES * 72)
    assert page_scale >= 1
    assert min(t.get_fontsize() for t in texts) * page_scale >= 12
    assert {t.get_fontfamily()[0] for t in texts} == {CHART_FONT}
