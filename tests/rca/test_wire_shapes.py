"""The analysis' wire shapes write exactly the JSON the hand-written ``to_json`` wrote.

Expected values are written out from the fields; key order is compared through JSON text.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from kintsugi.postmortems.document import ActionItem
from kintsugi.rca.evidence import MilestoneView, StoredEvent, TimelineSummary
from kintsugi.rca.model import Analysis
from kintsugi.rca.service import AnalysisView, Recurrence, RecurringPostmortem
from kintsugi.rca.taxonomy import Category
from kintsugi.rca.validation import Advice
from kintsugi.timeline.durations import Durations

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
ALERT = StoredEvent(7, T0 + timedelta(minutes=7), "Alert fires", None, "document", "alert")
DEPLOY = StoredEvent(5, T0 - timedelta(minutes=30), "Pool size lowered", "ana", "manual", None)
ALERT_JSON = {
    "id": 7,
    "at": "2026-03-01T10:07:00+00:00",
    "text": "Alert fires",
    "actor": None,
    "source": "document",
    "kind": "alert",
}
DEPLOY_JSON = {
    "id": 5,
    "at": "2026-03-01T09:30:00+00:00",
    "text": "Pool size lowered",
    "actor": "ana",
    "source": "manual",
    "kind": None,
}


def same(got: Any, expected: Any) -> None:
    """Equal as JSON text: same keys, same order, same values and types."""
    assert json.dumps(got) == json.dumps(expected)


def summary() -> TimelineSummary:
    views = {  # not in reading order: the JSON lists them in the order of MILESTONES
        "resolution": MilestoneView("resolution", T0 + timedelta(hours=1), None, "document"),
        "mitigation": MilestoneView("mitigation", None, None, "unknown"),
        "response": MilestoneView("response", None, None, "unknown"),
        "detection": MilestoneView("detection", ALERT.at, ALERT, "timeline"),
        "start": MilestoneView("start", T0, None, "set by hand"),
    }
    durations = Durations(started_at=T0, detected_at=ALERT.at, resolved_at=T0 + timedelta(hours=1))
    return TimelineSummary(views, durations)


SUMMARY_JSON = {
    "milestones": [
        {
            "name": "start",
            "at": "2026-03-01T10:00:00+00:00",
            "event_id": None,
            "origin": "set by hand",
        },
        {
            "name": "detection",
            "at": "2026-03-01T10:07:00+00:00",
            "event_id": 7,
            "origin": "timeline",
        },
        {"name": "response", "at": None, "event_id": None, "origin": "unknown"},
        {"name": "mitigation", "at": None, "event_id": None, "origin": "unknown"},
        {
            "name": "resolution",
            "at": "2026-03-01T11:00:00+00:00",
            "event_id": None,
            "origin": "document",
        },
    ],
    "durations": {
        "started_at": "2026-03-01T10:00:00+00:00",
        "detected_at": "2026-03-01T10:07:00+00:00",
        "acknowledged_at": None,
        "mitigated_at": None,
        "resolved_at": "2026-03-01T11:00:00+00:00",
        "time_to_detect_seconds": 420.0,
        "time_to_acknowledge_seconds": None,
        "time_to_mitigate_seconds": None,
        "time_to_resolve_seconds": 3600.0,
    },
}


def test_milestone_writes_its_event_as_an_id() -> None:
    same(
        MilestoneView("detection", ALERT.at, ALERT, "timeline").to_json(),
        {
            "name": "detection",
            "at": "2026-03-01T10:07:00+00:00",
            "event_id": 7,
            "origin": "timeline",
        },
    )
    same(
        MilestoneView("mitigation", None, None, "unknown").to_json(),
        {"name": "mitigation", "at": None, "event_id": None, "origin": "unknown"},
    )


def test_summary_lists_milestones_in_reading_order() -> None:
    same(summary().to_json(), SUMMARY_JSON)


def analysis() -> Analysis:
    return Analysis.model_validate(
        {
            "problem": "Orders queued for an hour",
            "fishbone": [
                {
                    "id": "fish-1",
                    "bone": "technology",
                    "text": "Pool too small",
                    "root_cause": True,
                    "category": "capacity",
                    "evidence": [
                        {"event_id": 7, "at": "2026-03-01T10:07:00Z", "text": "Alert fires"}
                    ],
                },
                {"id": "fish-2", "bone": "process", "text": "No review", "root_cause": True},
            ],
            "links": [{"action_item": 3, "target": "fish-2"}],
        }
    )


def view() -> AnalysisView:
    return AnalysisView(
        postmortem_id="2026-03-01-queue-outage",
        title="Orders queue outage",
        timezone="Europe/Paris",
        version=4,
        updated_at=datetime(2026, 3, 2, 9, 15, 30, 5, tzinfo=UTC),
        updated_by="ana",
        analysis=analysis(),
        timeline=summary(),
        change_candidates=[DEPLOY],
        events=[DEPLOY, ALERT],
        action_items=[
            ActionItem(
                id=3, title="Raise the pool", owner="ben", priority="P1", status="in_progress"
            ),
            ActionItem(title="Review pool changes"),
        ],
        warnings=[Advice("unaddressed", "no action item addresses it", "fish-1")],
        categories=[Category("capacity", "Capacity")],
    )


def test_analysis_view_writes_the_public_shape() -> None:
    data = view().to_json()
    expected_analysis = analysis().model_dump(mode="json")
    # the analysis itself keeps pydantic's own times (as before): "Z", not "+00:00"
    assert data["analysis"]["fishbone"][0]["evidence"][0]["at"] == "2026-03-01T10:07:00Z"
    same(
        data,
        {
            "postmortem": "2026-03-01-queue-outage",
            "title": "Orders queue outage",
            "timezone": "Europe/Paris",
            "version": 4,
            "updated_at": "2026-03-02T09:15:30.000005+00:00",
            "updated_by": "ana",
            "analysis": expected_analysis,
            "timeline": SUMMARY_JSON,
            "change_candidates": [DEPLOY_JSON],
            "events": [DEPLOY_JSON, ALERT_JSON],
            "action_items": [
                {"id": 3, "title": "Raise the pool", "status": "in_progress"},
                {"id": None, "title": "Review pool changes", "status": "open"},
            ],
            "warnings": [
                {
                    "rule": "unaddressed",
                    "message": "no action item addresses it",
                    "target": "fish-1",
                    "suggestion": None,
                }
            ],
            "unaddressed": [
                {"kind": "fishbone_cause", "target": "fish-1", "text": "Pool too small"}
            ],
        },
    )


def test_analysis_view_without_a_stored_analysis() -> None:
    fresh = view()
    fresh.updated_at = fresh.updated_by = None
    data = fresh.to_json()
    assert data["updated_at"] is None and data["updated_by"] is None


def test_recurrence_counts_and_writes_each_postmortem_as_an_object() -> None:
    recurrence = Recurrence(
        "capacity",
        "Capacity",
        [
            RecurringPostmortem("pm-2", "Queue outage", ["Pool too small", "No alert on pool"]),
            RecurringPostmortem("pm-1", "Checkout errors", ["Pool too small"]),
        ],
    )
    same(
        recurrence.to_json(),
        {
            "category": "capacity",
            "label": "Capacity",
            "count": 2,
            "postmortems": [
                {
                    "id": "pm-2",
                    "title": "Queue outage",
                    "causes": ["Pool too small", "No alert on pool"],
                },
                {"id": "pm-1", "title": "Checkout errors", "causes": ["Pool too small"]},
            ],
        },
    )


def test_the_routes_write_the_same_json_and_schema() -> None:
    """The routes' response models are AnalysisView and Recurrence: bodies are ``to_json()``'s."""
    analysis_view = view()
    recurrences = [
        Recurrence("capacity", "Capacity", [RecurringPostmortem("pm-2", "Queue outage", ["x"])])
    ]
    app = FastAPI()

    @app.get("/view", response_model=AnalysisView)
    def get_view() -> AnalysisView:
        return analysis_view

    @app.get("/recurring", response_model=list[Recurrence])
    def get_recurring() -> list[Recurrence]:
        return recurrences

    with TestClient(app) as client:
        body = client.get("/view").json()
        recurring = client.get("/recurring").json()
    same(body, analysis_view.to_json())
    same(recurring, [r.to_json() for r in recurrences])
    schemas = app.openapi()["components"]["schemas"]
    assert list(schemas["AnalysisView"]["properties"]) == list(body)
    assert list(schemas["Recurrence"]["properties"]) == list(recurring[0])
    assert list(schemas["ActionItemRef"]["properties"]) == list(body["action_items"][0])
    postmortem = schemas["Recurrence"]["properties"]["postmortems"]["items"]
    assert list(postmortem["properties"]) == list(recurring[0]["postmortems"][0])
