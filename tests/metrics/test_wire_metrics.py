"""The metrics' wire shapes (pydantic, from the classes' type hints) write the JSON that the
hand-written ``to_json`` methods wrote: same keys, same order, times as ``isoformat``, numbers
as they are (a policy's default target 100 stays 100, not 100.0)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from kintsugi.metrics.checklist import Checklist, Result
from kintsugi.metrics.deadlines import OverdueIncident, OverduePostmortem
from kintsugi.metrics.queries import Incident, Scope
from kintsugi.metrics.recurring import RecurringPair
from kintsugi.metrics.service import Metric, MetricsReport

PLUS2 = timezone(timedelta(hours=2))
NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)


def _same(written: dict[str, Any], expected: dict[str, Any]) -> None:
    """Equal, and in the same key order and number formats (as the JSON text shows)."""
    assert json.dumps(written) == json.dumps(expected)


def test_an_overdue_postmortem_leaves_out_pk_and_visibility() -> None:
    overdue = OverduePostmortem(
        41, "pool", "Pool exhausted", "SEV1", "draft", "restricted", "payments",
        datetime(2026, 6, 1, 10, 0, tzinfo=UTC), datetime(2026, 6, 3, 10, 0, tzinfo=PLUS2),
        ["ana", "bo"],
    )  # fmt: skip
    _same(
        overdue.to_json(NOW),
        {
            "id": "pool",
            "title": "Pool exhausted",
            "severity": "SEV1",
            "status": "draft",
            "team": "payments",
            "resolved_at": "2026-06-01T10:00:00+00:00",
            "deadline": "2026-06-03T10:00:00+02:00",
            "overdue_hours": 4.0,
            "authors": ["ana", "bo"],
        },
    )


def test_an_overdue_incident_is_named_by_its_reference() -> None:
    overdue = OverdueIncident(
        "INC-7", "Cache down", None, datetime(2026, 5, 30, 9, 0, tzinfo=UTC),
        datetime(2026, 6, 1, 9, 0, tzinfo=UTC), None,
    )  # fmt: skip
    _same(
        overdue.to_json(NOW),
        {
            "incident": "INC-7",
            "title": "Cache down",
            "severity": None,
            "resolved_at": "2026-05-30T09:00:00+00:00",
            "deadline": "2026-06-01T09:00:00+00:00",
            "overdue_hours": 51.0,
            "lead": None,
        },
    )


def test_a_recurring_pair_names_each_incident_by_id_and_title() -> None:
    earlier = Incident(1, "pool-1", "Pool exhausted", datetime(2026, 5, 1, tzinfo=UTC), "SEV1", 3)
    later = Incident(2, "pool-2", "Pool again", datetime(2026, 5, 11, 12, tzinfo=UTC), None, None)
    _same(
        RecurringPair(earlier, later, "similarity", "0.91").to_json(),
        {
            "earlier": {"id": "pool-1", "title": "Pool exhausted"},
            "later": {"id": "pool-2", "title": "Pool again"},
            "reason": "similarity",
            "detail": "0.91",
            "days_apart": 10.5,
        },
    )


def _metric() -> Metric:
    return Metric(
        "post_mortem_completion_rate", "Post-mortem completion", "Published out of due.",
        100, True, 66.67, "percent", [("2026-04", 50.0), ("2026-05", 75.0)],
        {"without_postmortem": 1, "distribution": [["under 24 h", 2]]},
    )  # fmt: skip


METRIC_JSON = {
    "key": "post_mortem_completion_rate",
    "title": "Post-mortem completion",
    "definition": "Published out of due.",
    "target": 100,
    "current": 66.67,
    "unit": "percent",
    "trend": [["2026-04", 50.0], ["2026-05", 75.0]],
    "target_met": False,
    "higher_is_better": True,
    "breakdown": {"without_postmortem": 1, "distribution": [["under 24 h", 2]]},
    "verdict": None,
}


def test_a_metric_writes_target_met_after_the_trend_and_numbers_as_they_are() -> None:
    _same(_metric().to_json(), METRIC_JSON)
    assert '"target": 100,' in json.dumps(_metric().to_json())
    steady = Metric("mttr_minutes", "MTTR", "d", None, False, 42.0, "minutes", verdict="improving")
    written = steady.to_json()
    assert written["target"] is None and written["target_met"] is True
    assert written["trend"] == [] and written["breakdown"] == {}


def test_a_metrics_report_writes_its_scope_flat_and_leaves_out_pairs_and_charts() -> None:
    scope = Scope(datetime(2026, 1, 1, tzinfo=PLUS2), datetime(2026, 7, 1, tzinfo=UTC), "payments")
    report = MetricsReport(scope, [_metric()], 2, ["a pair"], {"mttr.png": b"\x89PNG"})
    _same(
        report.to_json(),
        {
            "since": "2026-01-01T00:00:00+02:00",
            "until": "2026-07-01T00:00:00+00:00",
            "team": "payments",
            "service": None,
            "metrics": [METRIC_JSON],
            "near_misses": 2,
        },
    )


def test_a_checklist_writes_its_summary_then_its_items() -> None:
    results = [
        Result("published", "process", "Published", "passed", "published"),
        Result("in_library", "process", "In the library", "failed", "not indexed", "ana"),
        Result("impact_measured", "follow_up", "Impact measured", "needs_review", "answer it"),
    ]
    _same(
        Checklist("pool", results, 70).to_json(),
        {
            "id": "pool",
            "score": 33.3,
            "minimum": 70,
            "below_minimum": True,
            "passed": 1,
            "failed": 1,
            "needs_review": 1,
            "items": [
                {
                    "key": "published",
                    "group": "process",
                    "label": "Published",
                    "state": "passed",
                    "why": "published",
                    "answered_by": None,
                },
                {
                    "key": "in_library",
                    "group": "process",
                    "label": "In the library",
                    "state": "failed",
                    "why": "not indexed",
                    "answered_by": "ana",
                },
                {
                    "key": "impact_measured",
                    "group": "follow_up",
                    "label": "Impact measured",
                    "state": "needs_review",
                    "why": "answer it",
                    "answered_by": None,
                },
            ],
        },
    )
