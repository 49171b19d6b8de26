"""A draft from an Opsgenie alert: priority as severity, report times, no bots as people."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.incidents.draft import draft_incident
from kintsugi.people.principal import SYSTEM
from kintsugi.timeline.sources.base import RetryPolicy
from tests.timeline.conftest import OPSGENIE_KEY
from tests.timeline.fakes.opsgenie import OpsgenieFake
from tests.timeline.test_opsgenie import ALERT_ID, seed


def test_an_opsgenie_alert_becomes_a_draft(
    sessions: sessionmaker[Session], opsgenie: OpsgenieFake, retry: RetryPolicy
) -> None:
    seed(opsgenie)
    opsgenie.alerts[ALERT_ID]["report"] = {
        "ackTime": 75_000,
        "closeTime": 3_555_000,
        "acknowledgedBy": "ana@example.com",
        "closedBy": "Alertmanager",
    }
    env = {"OPSGENIE_API_URL": opsgenie.url, "OPSGENIE_API_KEY": OPSGENIE_KEY}

    result = draft_incident(
        sessions, SYSTEM, f"opsgenie:{ALERT_ID}", env=env, retry=retry,
        now=datetime(2024, 5, 2, tzinfo=UTC),
    )  # fmt: skip

    assert result.created
    assert result.document.severity is not None and result.document.severity.value == "SEV1"
    times = result.incident["times"]
    assert times["acknowledged"] == {"at": "2024-05-01T14:02:00.123456+00:00", "from": "opsgenie"}
    assert times["resolved"]["at"] == "2024-05-01T15:00:00.123456+00:00"
    assert [p["name"] for p in result.incident["people"]] == ["ana@example.com"]
    assert result.incident["owner"] == "ana@example.com"
    assert len(result.document.timeline) >= 3
