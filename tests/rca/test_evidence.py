"""Reading the timeline for the analysis: kinds of written events, milestones, citations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kintsugi.rca.evidence import (
    StoredEvent,
    change_kind_of,
    changes_before_detection,
    find_event,
    infer_kind,
)
from kintsugi.rca.model import Evidence


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Pool size change (40 -> 10) merged and deployed by the release pipeline", "config_change"),
        ("Cluster maintenance upgrades CoreDNS from 1.10 to 1.11", "deploy"),
        ("Release 4.2 rolled out to all regions", "deploy"),
        ("CheckoutErrorRate alert fires and pages the on-call engineer", "alert"),
        ("Alert `KubeDNSErrorsHigh` fires", "alert"),
        ("Incident declared as SEV1; Maja takes incident command", "acknowledge"),
        ("Support reports that some customers still see the widget", None),
        ("Customers report errors on checkout", "detect"),
        ("Pool size restored by hand with a config override", "mitigate"),
        ("Error rate back to baseline; incident resolved", "resolve"),
        ("Sale campaign email sent to 1.2M subscribers", None),
    ],
)  # fmt: skip
def test_kinds_are_read_from_what_events_say(text: str, kind: str | None) -> None:
    assert infer_kind(text) == kind


def _event(id: int, minute: int, text: str, kind: str | None = None) -> StoredEvent:
    at = datetime(2026, 3, 1, 10, minute, tzinfo=UTC)
    return StoredEvent(id, at, text, None, "document", kind or infer_kind(text))


def test_changes_before_the_first_alert() -> None:
    events = [
        _event(1, 0, "Release 4.2 deployed"),
        _event(2, 5, "Feature flag checkout-v2 enabled in config"),
        _event(3, 10, "Latency alert fires"),
        _event(4, 20, "Hotfix deployed"),
    ]
    assert [e.id for e in changes_before_detection(events, None)] == [1, 2]
    assert [e.id for e in changes_before_detection(events, events[0].at)] == [1]
    assert change_kind_of(events[1]).value == "configuration"
    assert change_kind_of(events[0]).value == "code_deploy"
    vendor = _event(5, 1, "Payment provider rolled out a new API version")
    assert change_kind_of(vendor).value == "external_dependency"


def test_citations_are_found_by_id_then_by_time_and_text() -> None:
    events = [_event(10, 0, "Release deployed"), _event(11, 5, "Alert fires")]
    assert find_event(events, Evidence(event_id=11, text="Alert fires")) is events[1]
    # the id now belongs to another event: time and text win
    moved = Evidence(event_id=10, at=events[1].at, text="Alert fires")
    assert find_event(events, moved) is events[1]
    # hand-written: a prefix of the text, or the time alone when one event is then
    assert find_event(events, Evidence(text="release")) is events[0]
    assert find_event(events, Evidence(at=events[1].at)) is events[1]
    assert find_event(events, Evidence(text="Nothing")) is None
    # the event's text was edited but it is still the event at that time
    edited = Evidence(event_id=10, at=events[0].at, text="Release 4.1 deployed")
    assert find_event(events, edited) is events[0]
