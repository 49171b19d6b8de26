"""Prometheus: alert history from the ``ALERTS`` series (firing and resolved intervals).

``query_range`` over ``ALERTS{alertstate="firing", <selector>}``; the window is queried in
chunks of at most ``MAX_POINTS`` steps, so a long window never arrives as one huge response.
Consecutive samples make a firing interval; a gap ends it.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from kintsugi.core.errors import InputError
from kintsugi.timeline.events import AlertKey, Event, Kind
from kintsugi.timeline.sources.base import HttpSource, Window, field_of

DEFAULT_STEP = 15.0
MAX_POINTS = 10_000  # Prometheus refuses more than 11,000 points per series
_NOT_ALERT_LABELS = frozenset({"__name__", "alertstate"})
_SELECTOR = re.compile(r"^\{\s*(.*?)\s*,?\s*\}$", re.S)


def alerts_query(selector: str | None) -> str:
    """The PromQL for firing alerts, narrowed by a label selector such as ``{job="api"}``."""
    inner = ""
    if selector and selector.strip():
        match = _SELECTOR.match(selector.strip())
        if not match:
            raise InputError(
                f'{selector!r} is not a label selector; write it like {{job="api"}}',
                field="source",
            )
        inner = match.group(1)
    return f'ALERTS{{alertstate="firing"{"," + inner if inner else ""}}}'


@dataclass(slots=True)
class _Interval:
    start: float
    last: float


class PrometheusSource(HttpSource):
    name = "prometheus"
    url_variable = "PROMETHEUS_URL"
    default_url = "http://localhost:9090"

    def __init__(
        self, spec: str, selector: str | None = None, *, step: float = DEFAULT_STEP, **kwargs: Any
    ) -> None:
        super().__init__(spec, **kwargs)
        self.query = alerts_query(selector)
        self.step = step

    def check_body(self, data: Any) -> None:
        if not isinstance(data, dict) or data.get("status") != "success":
            message = field_of(data, "error") or "no status 'success'"
            raise self.error(f"query failed: {message}")

    def events(self, window: Window) -> Iterator[Event]:
        step = self._step_for(window)
        start = math.floor(window.since.timestamp() / step) * step  # stable sample times
        end = window.until.timestamp()
        chunk = step * MAX_POINTS
        open_intervals: dict[frozenset[tuple[str, str]], _Interval] = {}
        labels_of: dict[frozenset[tuple[str, str]], dict[str, str]] = {}
        while start <= end:
            stop = min(start + chunk - step, end)
            params = {"query": self.query, "start": f"{start:.3f}", "end": f"{stop:.3f}"}
            params["step"] = f"{step:g}"
            data = self.get_json("/api/v1/query_range", params)
            result = field_of(data, "data", "result")
            if field_of(data, "data", "resultType") != "matrix" or not isinstance(result, list):
                raise self.error("answered a query_range result that is not a matrix")
            for series in result:
                metric = field_of(series, "metric")
                values = field_of(series, "values")
                if not isinstance(metric, dict) or not isinstance(values, list):
                    continue
                key = frozenset(
                    (str(k), str(v)) for k, v in metric.items() if k not in _NOT_ALERT_LABELS
                )
                labels_of[key] = {k: v for k, v in key}
                yield from self._series(key, labels_of[key], values, open_intervals, step, window)
            start = stop + step
        # intervals still open at the window's end are still firing: no resolution to report

    def _step_for(self, window: Window) -> float:
        span = (window.until - window.since).total_seconds()
        return max(self.step, math.ceil(span / (MAX_POINTS * 20)))

    def _series(
        self,
        key: frozenset[tuple[str, str]],
        labels: dict[str, str],
        values: list[Any],
        open_intervals: dict[frozenset[tuple[str, str]], _Interval],
        step: float,
        window: Window,
    ) -> Iterator[Event]:
        interval = open_intervals.get(key)
        for sample in values:
            ts = float(sample[0])
            if interval is not None and ts - interval.last <= step * 1.5:
                interval.last = ts
                continue
            if interval is not None:
                yield self._resolved(labels, interval, step, window)
            interval = _Interval(ts, ts)
            yield self._firing(labels, interval, window)
        if interval is not None:
            open_intervals[key] = interval

    def _identity(self, labels: dict[str, str], interval: _Interval) -> str:
        name = labels.get("alertname", "alert")
        text = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        return f"{name}/{digest}/{int(interval.start)}"

    def _firing(self, labels: dict[str, str], interval: _Interval, window: Window) -> Event:
        name = labels.get("alertname", "alert")
        at = datetime.fromtimestamp(interval.start, UTC)
        return Event(
            at=max(at, window.since),
            source=self.name,
            source_id=self._identity(labels, interval),
            kind=Kind.ALERT,
            title=f"Alert firing: {name}",
            detail=_label_text(labels),
            link=self._graph_link(),
            alert=AlertKey.of(name, labels),
        )

    def _resolved(
        self, labels: dict[str, str], interval: _Interval, step: float, window: Window
    ) -> Event:
        name = labels.get("alertname", "alert")
        at = datetime.fromtimestamp(interval.last + step, UTC)
        return Event(
            at=min(at, window.until),
            source=self.name,
            source_id=self._identity(labels, interval) + "/resolved",
            kind=Kind.ALERT_RESOLVED,
            title=f"Alert resolved: {name}",
            detail=_label_text(labels),
            link=self._graph_link(),
            alert=AlertKey.of(name, labels),
        )

    def _graph_link(self) -> str:
        return f"{self.base_url}/graph?g0.expr={quote(self.query)}&g0.tab=0"


def _label_text(labels: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "alertname")
