from __future__ import annotations

from kintsugi.timeline.events import Kind
from kintsugi.timeline.sources.base import RetryPolicy, Window
from kintsugi.timeline.sources.opsgenie import OpsgenieSource, log_kind
from tests.timeline.conftest import OPSGENIE_KEY
from tests.timeline.fakes.opsgenie import OpsgenieFake, alert_log
from tests.timeline.helpers import at

ALERT_ID = "70413a06-38d6-4c85-92b8-5ebc900d42e2"
EPOCH_T0 = 1714572000  # 2024-05-01T14:00:00Z


def seed(fake: OpsgenieFake, extra_notes: int = 0) -> None:
    fake.alerts[ALERT_ID] = {
        "id": ALERT_ID,
        "tinyId": "1791",
        "alias": "event_573",
        "message": "HighErrorRate",
        "status": "closed",
        "acknowledged": True,
        "createdAt": "2024-05-01T14:00:45.123456789Z",
        "updatedAt": "2024-05-01T15:00:00Z",
        "source": "Alertmanager",
        "owner": "ana@example.com",
        "priority": "P1",
        "tags": ["api"],
        "description": "5xx above 5% on api",
    }
    logs = [
        alert_log(
            "2024-05-01T14:00:45.123Z",
            (EPOCH_T0 + 45) * 1000 + 123,
            "Alert created via Alertmanager",
            "System",
        ),
        alert_log(
            "2024-05-01T14:00:46Z",
            (EPOCH_T0 + 46) * 1000,
            "Sent [SMS] notification to ana@example.com",
            "System",
            "alertRecipient",
        ),
        alert_log(
            "2024-05-01T14:02:00Z",
            (EPOCH_T0 + 120) * 1000,
            "Alert acknowledged via web",
            "ana@example.com",
        ),
        alert_log(
            "2024-05-01T14:05:00Z",
            (EPOCH_T0 + 300) * 1000,
            "Escalated to team escalation",
            "System",
        ),
        alert_log(
            "2024-05-01T15:00:00Z",
            (EPOCH_T0 + 3600) * 1000,
            "Alert closed via Alertmanager",
            "System",
        ),
    ]
    logs += [
        alert_log(
            f"2024-05-01T14:10:{i % 60:02d}Z",
            (EPOCH_T0 + 600 + i) * 1000,
            f"Added note: check {i}",
            "ben@example.com",
        )
        for i in range(extra_notes)
    ]
    fake.logs[ALERT_ID] = logs


def source(fake: OpsgenieFake, retry: RetryPolicy) -> OpsgenieSource:
    env = {"OPSGENIE_API_URL": fake.url, "OPSGENIE_API_KEY": OPSGENIE_KEY}
    return OpsgenieSource(f"opsgenie:{ALERT_ID}", ALERT_ID, env=env, retry=retry)


def test_log_kinds() -> None:
    assert log_kind("Alert acknowledged via web") == Kind.ACKNOWLEDGE
    assert log_kind("Alert unacknowledged") == Kind.STATUS_CHANGE
    assert log_kind("Alert closed via API") == Kind.ALERT_RESOLVED
    assert log_kind("Sent [email] notification to x") is None


def test_alert_and_its_log(opsgenie: OpsgenieFake, retry: RetryPolicy) -> None:
    seed(opsgenie)
    events = list(source(opsgenie, retry).events(Window(at(-60), at(120))))
    assert [e.kind for e in events] == [
        Kind.ALERT,
        Kind.ACKNOWLEDGE,
        Kind.ESCALATE,
        Kind.ALERT_RESOLVED,
    ]
    created = events[0]
    assert created.at.microsecond == 123456  # nanoseconds cut to microseconds
    assert created.alert is not None and created.alert.name == "higherrorrate"
    assert events[1].actor == "ana@example.com"
    assert [r.arg("order") for r in opsgenie.requests if r.path.endswith("/logs")] == ["asc"]


def test_logs_follow_paging_next(opsgenie: OpsgenieFake, retry: RetryPolicy) -> None:
    seed(opsgenie, extra_notes=150)
    events = list(source(opsgenie, retry).events(Window(at(-60), at(120))))
    notes = [e for e in events if e.kind == Kind.NOTE]
    assert len(notes) == 150
    pages = [r for r in opsgenie.requests if r.path.endswith("/logs")]
    assert len(pages) == 2
    assert pages[1].arg("offset")  # the next link carries the offset cursor
