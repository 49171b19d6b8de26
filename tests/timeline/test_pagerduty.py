from __future__ import annotations

from kintsugi.timeline.events import Kind
from kintsugi.timeline.sources.base import RetryPolicy, Window
from kintsugi.timeline.sources.pagerduty import PagerDutySource, alert_name_from_title
from tests.timeline.conftest import PAGERDUTY_TOKEN
from tests.timeline.fakes.pagerduty import ACCEPT, PagerDutyFake, log_entry
from tests.timeline.helpers import at


def seed(fake: PagerDutyFake, notes: int = 0) -> None:
    fake.incidents["Q1ABC"] = {
        "id": "Q1ABC",
        "type": "incident",
        "incident_number": 1234,
        "title": "[FIRING:1] HighErrorRate api (production)",
        "summary": "[#1234] [FIRING:1] HighErrorRate api (production)",
        "created_at": "2024-05-01T14:00:30Z",
        "status": "resolved",
        "last_status_change_at": "2024-05-01T15:00:00Z",
        "html_url": "https://acme.pagerduty.com/incidents/Q1ABC",
        "urgency": "high",
    }
    entries = [
        log_entry(
            "R1",
            "trigger_log_entry",
            "2024-05-01T14:00:30Z",
            "Triggered through the API",
            agent_service="Alertmanager",
        ),
        log_entry(
            "R2", "notify_log_entry", "2024-05-01T14:00:31Z", "Notified Ana Lima by SMS", "Ana Lima"
        ),
        log_entry(
            "R3",
            "acknowledgement_log_entry",
            "2024-05-01T14:03:00Z",
            "Acknowledged by Ana Lima",
            "Ana Lima",
        ),
        log_entry("R4", "escalate_log_entry", "2024-05-01T14:10:00Z", "Escalated to level 2", None),
        log_entry(
            "R5",
            "annotate_log_entry",
            "2024-05-01T14:12:00Z",
            "Note added",
            "Ana Lima",
            note="Rolling back the 13:45 deploy",
        ),
        log_entry(
            "R6",
            "resolve_log_entry",
            "2024-05-01T15:00:00Z",
            "Resolved by Ben Okafor",
            "Ben Okafor",
        ),
    ]
    entries += [
        log_entry(
            f"N{i}",
            "annotate_log_entry",
            f"2024-05-01T14:{20 + i // 60:02d}:{i % 60:02d}Z",
            "Note added",
            "Bot",
            note=f"note {i}",
        )
        for i in range(notes)
    ]
    fake.log_entries["Q1ABC"] = entries


def source(
    fake: PagerDutyFake, retry: RetryPolicy, token: str = PAGERDUTY_TOKEN
) -> PagerDutySource:
    env = {"PAGERDUTY_API_URL": fake.url, "PAGERDUTY_API_TOKEN": token}
    return PagerDutySource("pagerduty:Q1ABC", "Q1ABC", env=env, retry=retry)


def test_alert_name_in_alertmanager_titles() -> None:
    assert alert_name_from_title("[FIRING:2] HighErrorRate api") == "HighErrorRate"
    assert alert_name_from_title("Database down") == "Database down"


def test_log_entries_become_events(pagerduty: PagerDutyFake, retry: RetryPolicy) -> None:
    seed(pagerduty)
    events = sorted(source(pagerduty, retry).events(Window(at(-60), at(120))), key=lambda e: e.at)
    assert [e.kind for e in events] == [
        Kind.ALERT,
        Kind.OTHER,  # the notifications, folded into one line
        Kind.ACKNOWLEDGE,  # "acknowledgement_log_entry", the spec's other spelling
        Kind.ESCALATE,
        Kind.NOTE,
        Kind.RESOLVE,
    ]
    trigger, paged, ack, _esc, note, _resolve = events
    assert paged.title == "Paged Ana Lima by SMS"
    assert trigger.alert is not None and trigger.alert.name == "higherrorrate"
    assert trigger.actor == "Alertmanager"
    assert ack.actor == "Ana Lima" and ack.title.startswith("Acknowledged: ")
    assert note.detail == "Rolling back the 13:45 deploy"
    assert all(e.link == "https://acme.pagerduty.com/incidents/Q1ABC" for e in events)
    first = pagerduty.requests[0]
    assert ACCEPT in first.headers["accept"]
    assert "authorization" not in first.headers  # the fake records no credentials


def test_offset_pagination_follows_more(pagerduty: PagerDutyFake, retry: RetryPolicy) -> None:
    seed(pagerduty, notes=250)
    events = list(source(pagerduty, retry).events(Window(at(-60), at(120))))
    assert len(events) == 6 + 250
    pages = [r for r in pagerduty.requests if r.path.endswith("/log_entries")]
    assert [r.arg("offset") for r in pages] == ["0", "100", "200"]
    assert pages[0].arg("time_zone") == "UTC" and (pages[0].arg("since") or "").startswith(
        "2024-05-01T13:00"
    )


def test_incident_times(pagerduty: PagerDutyFake, retry: RetryPolicy) -> None:
    seed(pagerduty)
    times = source(pagerduty, retry).incident_times()
    assert times is not None
    assert times.started_at == at(0.5) and times.resolved_at == at(60)


def test_each_rounds_notifications_fold_into_one_line(
    pagerduty: PagerDutyFake, retry: RetryPolicy
) -> None:
    seed(pagerduty)

    def notified(id: str, when: str, who: str, how: str) -> dict[str, object]:
        entry = log_entry(id, "notify_log_entry", when, f"Notified {who} by {how}", None)
        entry["user"] = {"id": "PU" + id, "type": "user_reference", "summary": who}
        return entry

    pagerduty.log_entries["Q1ABC"] = [
        log_entry("T1", "trigger_log_entry", "2024-05-01T14:00:30Z", "Triggered", None),
        notified("N1", "2024-05-01T14:00:31Z", "Sam Lee", "phone"),
        notified("N2", "2024-05-01T14:00:32Z", "Sam Lee", "SMS"),
        notified("N3", "2024-05-01T14:00:33Z", "Sam Lee", "SMS"),
        log_entry("E1", "escalate_log_entry", "2024-05-01T14:10:00Z", "Escalated", None),
        notified("N4", "2024-05-01T14:10:01Z", "Ana Lima", "email"),
        notified("N5", "2024-05-01T14:10:02Z", "Ben Okafor", "push notification"),
    ]
    events = list(source(pagerduty, retry).events(Window(at(-60), at(120))))
    paged = [(e.title, e.source_id) for e in events if e.title.startswith("Paged")]
    assert paged == [
        ("Paged Sam Lee by phone and SMS", "N1"),
        ("Paged Ana Lima by email; Ben Okafor by push notification", "N4"),
    ]
