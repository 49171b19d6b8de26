from __future__ import annotations

from datetime import timedelta

from kintsugi.timeline.durations import changes_before_detection, compute_durations
from kintsugi.timeline.events import Event, Kind
from tests.timeline.helpers import at, event


def incident() -> list[Event]:
    return [
        event(-120, "github", Kind.DEPLOY, "Deploy api@abc1234 to production"),
        event(-30, "file", Kind.CONFIG_CHANGE, "Feature flag new-checkout on"),
        event(-10, "incidentio", Kind.IMPACT_START, "Impact started"),
        event(-5, "github", Kind.DEPLOY_STATUS, "Deploy success"),
        event(0, "prometheus", Kind.ALERT, "Alert firing: HighErrorRate", alert="HighErrorRate"),
        event(2, "incidentio", Kind.DETECT, "Reported at"),
        event(4, "pagerduty", Kind.ACKNOWLEDGE, "Acknowledged"),
        event(6, "pagerduty", Kind.ACKNOWLEDGE, "Acknowledged again"),
        event(20, "github", Kind.DEPLOY, "Deploy api@def5678 (rollback)"),
        event(25, "incidentio", Kind.MITIGATE, "Mitigated at"),
        event(40, "pagerduty", Kind.RESOLVE, "Resolved"),
        event(50, "pagerduty", Kind.RESOLVE, "Resolved after reopening"),
    ]


def test_durations_come_from_the_first_milestones() -> None:
    d = compute_durations(incident())
    assert d.started_at == at(-10)
    assert d.detected_at == at(0)
    assert d.acknowledged_at == at(4)
    assert d.time_to_detect == timedelta(minutes=10)
    assert d.time_to_acknowledge == timedelta(minutes=4)
    assert d.time_to_mitigate == timedelta(minutes=35)
    assert d.time_to_resolve == timedelta(minutes=60)  # the last resolution counts


def test_document_times_fill_what_the_events_lack() -> None:
    events = [event(0, "pagerduty", Kind.ALERT, alert="X"), event(3, "pagerduty", Kind.ACKNOWLEDGE)]
    d = compute_durations(events, started_at=at(-15), resolved_at=at(45))
    assert d.time_to_detect == timedelta(minutes=15)
    assert d.time_to_resolve == timedelta(minutes=60)
    assert d.time_to_mitigate is None


def test_unknown_or_contradictory_milestones_give_no_duration() -> None:
    d = compute_durations([event(0, "x", Kind.ACKNOWLEDGE), event(5, "x", Kind.ALERT)])
    assert d.time_to_acknowledge is None  # acknowledged before detection: no honest figure
    assert compute_durations([]).time_to_resolve is None
    assert compute_durations([]).to_json()["time_to_detect_seconds"] is None


def test_changes_before_detection_are_deploys_and_config_changes_before_the_first_alert() -> None:
    changes = changes_before_detection(incident())
    assert [c.title for c in changes] == [
        "Deploy api@abc1234 to production",
        "Feature flag new-checkout on",
    ]


def test_changes_before_detection_without_alerts_use_the_detection_time() -> None:
    events = [event(-5, "github", Kind.DEPLOY, "early"), event(5, "github", Kind.DEPLOY, "late")]
    assert [c.title for c in changes_before_detection(events, at(0))] == ["early"]
