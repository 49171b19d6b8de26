"""Trend charts of the metrics, drawn server side with matplotlib (no pyplot, no display):
SVG for the page and export, PNG for export. Each chart has its title, labelled axes, the
points of every month with data, the target as a dashed line and the latest value marked.

Text is set in the diagrams' font (``rca.diagrams.metrics.CHART_FONT``) and at least
``TEXT_SIZE`` points: the page shows a chart at least about as wide as the figure is in points
(34rem), so every label is at least 12 px there.
"""

from __future__ import annotations

import io
import math
from datetime import datetime

from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from kintsugi.metrics.service import Metric
from kintsugi.rca.diagrams.metrics import CHART_FONT

FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
TEXT_SIZE = 12.0  # points: ticks, axis labels, legend, the latest value
TITLE_SIZE = 15.0
WIDTH_INCHES = 7.2
LINE = "#1f5f99"
TARGET = "#b3261e"
UNIT_LABELS = {
    "percent": "Percent",
    "hours": "Hours",
    "minutes": "Minutes",
    "sessions/month": "Sessions in the month",
    "items": "Items completed",
}


def _month_label(period: str) -> str:
    return datetime.strptime(period, "%Y-%m").strftime("%b\n%Y")


def render_chart(metric: Metric, months: list[str], fmt: str) -> bytes:
    """The trend of ``metric`` over ``months`` (``YYYY-MM``) as SVG or PNG bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown chart format {fmt!r}")
    figure = chart_figure(metric, months)
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def chart_figure(metric: Metric, months: list[str]) -> Figure:
    """The chart of ``metric`` over ``months``, not yet drawn."""
    figure = Figure(figsize=(WIDTH_INCHES, 3.8), dpi=110, layout="constrained")
    axes = figure.add_subplot()
    positions = {month: index for index, month in enumerate(months)}
    points = [(positions[p], v) for p, v in metric.trend if p in positions]
    if points:
        # a month without data is a gap in the line, not a slope between its neighbours
        by_month = dict(points)
        ys = [by_month.get(x, math.nan) for x in range(len(months))]
        axes.plot(
            range(len(months)), ys, color=LINE, marker="o", linewidth=2, markersize=5,
            label="Actual",
        )  # fmt: skip
        last_x, last_y = points[-1]
        axes.annotate(
            f"{last_y:g}",
            (last_x, last_y),
            textcoords="offset points",
            xytext=(0, 8),
            ha="center",
            fontsize=TEXT_SIZE,
            color=LINE,
        )
    else:
        axes.text(
            0.5, 0.5, "No data in this period", transform=axes.transAxes,
            ha="center", va="center", fontsize=TEXT_SIZE + 1, color="#555555",
        )  # fmt: skip
    if metric.target is not None:
        axes.axhline(
            metric.target,
            color=TARGET,
            linestyle="--",
            linewidth=1.5,
            zorder=3,  # over the data: a target of 0 stays visible under a line at 0
            label=f"Target {'≥' if metric.higher_is_better else '≤'} {metric.target:g}",
        )
    top = max([v for _x, v in points] + [metric.target or 0, 1.0])
    if metric.unit == "percent":
        axes.set_ylim(0, 110)
    else:
        axes.set_ylim(0, top * 1.2)
    counts = metric.unit in ("items", "sessions/month")
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=counts))
    step = max(1, (len(months) + 11) // 12)
    ticks = list(range(0, len(months), step))
    axes.set_xticks(ticks, [_month_label(months[i]) for i in ticks], fontsize=TEXT_SIZE)
    axes.set_xlim(-0.5, max(len(months) - 0.5, 0.5))
    axes.set_title(metric.title, fontsize=TITLE_SIZE, loc="left")
    axes.set_xlabel("Month (UTC)", fontsize=TEXT_SIZE)
    axes.set_ylabel(UNIT_LABELS.get(metric.unit, metric.unit), fontsize=TEXT_SIZE)
    axes.tick_params(axis="y", labelsize=TEXT_SIZE)
    axes.grid(axis="y", color="#dddddd", linewidth=0.8)
    axes.spines[["top", "right"]].set_visible(False)
    if points or metric.target is not None:
        # above the plot, right of the title: never over the lines
        axes.legend(
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=TEXT_SIZE,
            frameon=False,
            ncols=2,
        )
    for text in figure.findobj(Text):
        text.set_fontfamily(CHART_FONT)
    return figure
