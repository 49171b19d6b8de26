"""The timeline's wire shapes write exactly the JSON the hand-written ``to_json`` wrote.

Expected values are written out from the fields; key order is compared through JSON text.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.testclient import TestClient

from kintsugi.timeline.builder import BuildResult, SourceFailure
from kintsugi.timeline.durations import Durations
from kintsugi.timeline.events import AlertKey, Event, Kind, Ref
from kintsugi.timeline.service import BuiltTimeline, SaveResult
from kintsugi.timeline.sources.base import Window

T0 = datetime(2024, 5, 1, 14, 3, 0, 250000, tzinfo=UTC)
PLUS_TWO = timezone(timedelta(hours=2))


def same(got: Any, expected: Any) -> None:
    """Equal as JSON text: same keys, same order, same values and types."""
    assert json.dumps(got) == json.dumps(expected)


def deploy() -> Event:
    return Event(
        at=T0,
        source="github",
        source_id="deploy/42",
        kind=Kind.DEPLOY,
        title="Deploy api v1.42",
        detail="by the pipeline",
        actor="ana",
        link="https://github.com/acme/api/deployments/42",
        alert=AlertKey.of("NotWritten", {"team": "api"}),
        refs=[Ref("slack", "C0123/1714572180.000100"), Ref("file", "7", "file:changes.json")],
    )


DEPLOY_JSON = {
    "at": "2024-05-01T14:03:00.250000+00:00",
    "source": "github",
    "source_id": "deploy/42",
    "kind": "deploy",
    "title": "Deploy api v1.42",
    "detail": "by the pipeline",
    "actor": "ana",
    "link": "https://github.com/acme/api/deployments/42",
    "refs": [
        {"source": "slack", "source_id": "C0123/1714572180.000100", "link": None},
        {"source": "file", "source_id": "7", "link": "file:changes.json"},
    ],
}


def test_event_writes_its_fields_but_not_the_alert() -> None:
    same(deploy().to_json(), DEPLOY_JSON)
    assert type(deploy().to_json()["kind"]) is str  # not the Kind enum


def test_event_time_keeps_its_offset_and_defaults_are_written() -> None:
    event = Event(datetime(2024, 5, 1, 16, 3, tzinfo=PLUS_TWO), "slack", "C1/1", "message", "hi")
    same(
        event.to_json(),
        {
            "at": "2024-05-01T16:03:00+02:00",
            "source": "slack",
            "source_id": "C1/1",
            "kind": "message",
            "title": "hi",
            "detail": "",
            "actor": None,
            "link": None,
            "refs": [],
        },
    )


def test_ref_is_an_object_not_a_list() -> None:
    same(
        Ref("pagerduty", "R1", "https://pd/R1").to_json(),
        {"source": "pagerduty", "source_id": "R1", "link": "https://pd/R1"},
    )


def test_failure_and_save_result() -> None:
    same(
        SourceFailure("slack:C0123ABCD", "slack:C0123ABCD: HTTP 500").to_json(),
        {"source": "slack:C0123ABCD", "message": "slack:C0123ABCD: HTTP 500"},
    )
    same(
        SaveResult(created=3, updated=2, unchanged=1, kept=4).to_json(),
        {"created": 3, "updated": 2, "unchanged": 1, "kept": 4},
    )


def durations() -> Durations:
    return Durations(
        started_at=T0,
        detected_at=T0 + timedelta(minutes=10),
        acknowledged_at=T0 + timedelta(minutes=5),  # before detection: no duration
        mitigated_at=None,
        resolved_at=T0 + timedelta(hours=1, seconds=0.5),
    )


DURATIONS_JSON = {
    "started_at": "2024-05-01T14:03:00.250000+00:00",
    "detected_at": "2024-05-01T14:13:00.250000+00:00",
    "acknowledged_at": "2024-05-01T14:08:00.250000+00:00",
    "mitigated_at": None,
    "resolved_at": "2024-05-01T15:03:00.750000+00:00",
    "time_to_detect_seconds": 600.0,
    "time_to_acknowledge_seconds": None,
    "time_to_mitigate_seconds": None,
    "time_to_resolve_seconds": 3600.5,
}


def test_durations_write_milestones_and_seconds() -> None:
    same(durations().to_json(), DURATIONS_JSON)
    same(
        Durations().to_json(),
        {
            "started_at": None,
            "detected_at": None,
            "acknowledged_at": None,
            "mitigated_at": None,
            "resolved_at": None,
            "time_to_detect_seconds": None,
            "time_to_acknowledge_seconds": None,
            "time_to_mitigate_seconds": None,
            "time_to_resolve_seconds": None,
        },
    )


def test_durations_compare_and_show_by_their_milestones() -> None:
    assert durations() == durations() and hash(durations()) == hash(durations())
    assert durations().time_to_detect == timedelta(minutes=10)


def result() -> BuildResult:
    return BuildResult(
        window=Window(T0 - timedelta(hours=6), T0 + timedelta(hours=2)),
        events=[deploy()],
        failures=[SourceFailure("slack:C0123ABCD", "down")],
        durations=durations(),
        changes_before_detection=[deploy()],
        counts={"github:acme/api": 1},
    )


def result_json(event: dict[str, Any]) -> dict[str, Any]:
    """The JSON of ``result()``, its one event written as ``event``."""
    return {
        "window": {
            "since": "2024-05-01T08:03:00.250000+00:00",
            "until": "2024-05-01T16:03:00.250000+00:00",
        },
        "events": [event],
        "failures": [{"source": "slack:C0123ABCD", "message": "down"}],
        "durations": DURATIONS_JSON,
        "changes_before_detection": [event],
        "counts": {"github:acme/api": 1},
    }


def test_build_result_writes_the_whole_tree() -> None:
    same(result().to_json(), result_json(DEPLOY_JSON))


def test_built_timeline_shows_times_in_its_zone() -> None:
    event = {**DEPLOY_JSON, "local_time": "2024-05-01T16:03:00.250000+02:00"}
    built = BuiltTimeline("pm-1", ZoneInfo("Europe/Paris"), result(), SaveResult(created=1))
    same(
        built.to_json(),
        {
            "postmortem": "pm-1",
            "timezone": "Europe/Paris",
            **result_json(event),
            "saved": {"created": 1, "updated": 0, "unchanged": 0, "kept": 0},
        },
    )
    unsaved = BuiltTimeline("pm-1", ZoneInfo("UTC"), result(), None).to_json()
    assert unsaved["saved"] is None and unsaved["timezone"] == "UTC"


def test_the_build_route_writes_the_same_json_and_schema() -> None:
    """The route's response model is BuiltTimeline itself: its body is ``to_json()``'s."""
    built = BuiltTimeline("pm-1", ZoneInfo("Europe/Paris"), result(), SaveResult(created=1))
    app = FastAPI()

    @app.get("/built", response_model=BuiltTimeline)
    def get_built() -> BuiltTimeline:
        return built

    with TestClient(app) as client:
        body = client.get("/built").json()
    same(body, built.to_json())
    schemas = app.openapi()["components"]["schemas"]
    assert list(schemas["BuiltTimeline"]["properties"]) == list(body)
    assert list(schemas["LocalEvent"]["properties"]) == list(body["events"][0])
    assert "alert" not in schemas["LocalEvent"]["properties"]
