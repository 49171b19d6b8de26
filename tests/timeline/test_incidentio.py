from __future__ import annotations

from datetime import timedelta

from kintsugi.timeline.events import Kind
from kintsugi.timeline.sources.base import RetryPolicy, Window
from kintsugi.timeline.sources.incidentio import IncidentIoSource, timestamp_kind
from tests.timeline.conftest import INCIDENTIO_KEY
from tests.timeline.fakes.incidentio import IncidentIoFake, timestamp_value, user_actor
from tests.timeline.helpers import at

INCIDENT_ID = "01HXYZ8K2M4N6P8R0T2V4W6Y8A"


def seed(fake: IncidentIoFake, updates: int = 7) -> None:
    fake.incidents[INCIDENT_ID] = {
        "id": INCIDENT_ID,
        "reference": "INC-123",
        "name": "Checkout errors",
        "permalink": "https://app.incident.io/acme/incidents/123",
        "created_at": "2024-05-01T14:02:00Z",
        "incident_status": {"id": "s1", "name": "Closed", "category": "closed"},
        "incident_timestamp_values": [
            # names are the organisation's own
            timestamp_value("ts1", "Customer impact began", 1, "2024-05-01T13:50:00Z"),
            timestamp_value("ts2", "Reported at", 2, "2024-05-01T14:02:00Z"),
            timestamp_value("ts3", "Acknowledged at", 3, "2024-05-01T14:04:00Z"),
            timestamp_value("ts4", "Stabilised at", 4, "2024-05-01T14:30:00Z"),
            timestamp_value("ts5", "Resolved at", 5, "2024-05-01T15:00:00Z"),
            timestamp_value("ts6", "Post-incident started", 6, None),  # not reached
        ],
    }
    fake.updates[INCIDENT_ID] = [
        {
            "id": f"upd{i:02d}",
            "incident_id": INCIDENT_ID,
            "created_at": (at(10) + timedelta(minutes=i)).isoformat(),
            "message": f"Update number {i}",
            "new_incident_status": {"id": "s2", "name": "Monitoring", "category": "live"},
            "new_severity": {"id": "sev", "name": "Major", "rank": 2} if i == 0 else None,
            "updater": user_actor("Ana Lima", "ana@example.com"),
        }
        for i in range(updates)
    ]
    fake.timeline_items[INCIDENT_ID] = [
        {
            "id": "tli1",
            "incident_id": INCIDENT_ID,
            "timestamp": "2024-05-01T14:06:00Z",
            "created_at": "2024-05-01T16:00:00Z",
            "title": "Rolled back api to v1.41",
            "description": "The deploy at 13:45 was the trigger",
            "creator": {"api_key": {"id": "k1", "name": "deploy-bot"}},
        }
    ]


def source(fake: IncidentIoFake, retry: RetryPolicy, key: str = INCIDENTIO_KEY) -> IncidentIoSource:
    env = {"INCIDENTIO_API_URL": fake.url, "INCIDENTIO_API_KEY": key}
    return IncidentIoSource(f"incidentio:{INCIDENT_ID}", INCIDENT_ID, env=env, retry=retry)


def test_timestamp_names_are_matched_by_meaning() -> None:
    assert timestamp_kind("Impact started") == Kind.IMPACT_START
    assert timestamp_kind("Customer impact began") == Kind.IMPACT_START
    assert timestamp_kind("Reported at") == Kind.DETECT
    assert timestamp_kind("Accepted at") == Kind.ACKNOWLEDGE
    assert timestamp_kind("Mitigation started") == Kind.MITIGATE
    assert timestamp_kind("Fixed at") == Kind.MITIGATE
    assert timestamp_kind("Closed at") == Kind.RESOLVE
    assert timestamp_kind("Identified at") == Kind.MILESTONE


def test_incident_events_from_timestamps_updates_and_timeline_items(
    incidentio: IncidentIoFake, retry: RetryPolicy
) -> None:
    seed(incidentio)
    src = source(incidentio, retry)
    incidentio.requests.clear()
    events = list(src.events(Window(at(-60), at(120))))
    kinds = {e.title: e.kind for e in events}
    assert kinds["Customer impact began"] == Kind.IMPACT_START
    assert kinds["Stabilised at"] == Kind.MITIGATE
    assert kinds["Resolved at"] == Kind.RESOLVE
    assert "Post-incident started" not in kinds
    updates = [e for e in events if e.source_id.startswith(f"{INCIDENT_ID}/update/")]
    assert len(updates) == 7
    assert updates[0].title == "Update: status Monitoring, severity Major"
    assert updates[0].actor == "Ana Lima" and updates[0].detail == "Update number 0"
    item = next(e for e in events if "timeline_item" in e.source_id)
    assert item.at == at(6)  # when it happened, not when it was written down
    assert item.actor == "deploy-bot" and item.kind == Kind.NOTE
    assert all(e.link == "https://app.incident.io/acme/incidents/123" for e in events)


def test_updates_are_fetched_page_by_page(incidentio: IncidentIoFake, retry: RetryPolicy) -> None:
    seed(incidentio, updates=230)
    src = source(incidentio, retry)
    events = [e for e in src.events(Window(at(-60), at(600))) if "/update/" in e.source_id]
    assert len(events) == 230
    pages = [r for r in incidentio.requests if r.path == "/v2/incident_updates"]
    assert len(pages) == 3
    assert pages[0].arg("after") is None and pages[1].arg("after") == "upd99"
    assert all(r.arg("page_size") == "100" for r in pages)


def test_incident_times_come_from_the_timestamp_values(
    incidentio: IncidentIoFake, retry: RetryPolicy
) -> None:
    seed(incidentio)
    times = source(incidentio, retry).incident_times()
    assert times is not None
    assert times.started_at == at(-10)
    assert times.detected_at == at(2)
    assert times.resolved_at == at(60)
    assert times.title == "INC-123 Checkout errors"


def test_window_limits_the_events(incidentio: IncidentIoFake, retry: RetryPolicy) -> None:
    seed(incidentio)
    events = list(source(incidentio, retry).events(Window(at(0), at(12))))
    assert {e.title for e in events} >= {"Reported at", "Acknowledged at"}
    assert all(at(0) <= e.at <= at(12) for e in events)
