"""One incident as incident.io and PagerDuty record it, seeded into the vendor fakes.

Checkout errors after a deploy: the impact starts at 13:50, PagerDuty pages at 13:58, Ana
(incident lead) acknowledges at 14:04, a rollback stabilises it at 14:30, resolved at 15:00.
Lists are long enough for the fakes to paginate them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import Document, Visibility
from tests.timeline.fakes.github import GitHubFake, deployment, deployment_status
from tests.timeline.fakes.incidentio import IncidentIoFake, timestamp_value, user_actor
from tests.timeline.fakes.pagerduty import PagerDutyFake, log_entry

INCIDENT_ID = "01HQ7Z8K2M4N6P8R0T2V4W6Y8A"
PD_INCIDENT_ID = "Q2PD7XKJ3LMN"
T0 = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
UPDATES = 130  # more than one page (100) of incident updates
PD_NOTES = 130  # more than one page (100) of log entries


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def incidentio_incident(*, status_category: str = "closed") -> dict[str, Any]:
    return {
        "id": INCIDENT_ID,
        "reference": "INC-481",
        "name": "Checkout errors after the payments deploy",
        "summary": "Card payments failed for a third of checkouts.",
        "permalink": "https://app.incident.io/acme/incidents/481",
        "created_at": at(2),
        "creator": {"api_key": {"id": "k0", "name": "Alertmanager integration"}},
        "severity": {"id": "sev-c", "name": "Critical", "rank": 3},
        "incident_status": {"id": "s9", "name": "Closed", "category": status_category},
        "custom_field_entries": [
            {
                "custom_field": {"id": "cf1", "name": "Affected services"},
                "values": [
                    {"value_catalog_entry": {"id": "c1", "name": "checkout"}},
                    {"value_catalog_entry": {"id": "c2", "name": "payments"}},
                ],
            }
        ],
        "incident_role_assignments": [
            {
                "role": {"id": "r1", "name": "Incident Lead", "role_type": "lead"},
                "assignee": {"id": "u1", "name": "Ana Lima", "email": "ana@example.com"},
            },
            {
                "role": {"id": "r2", "name": "Communications", "role_type": "custom"},
                "assignee": {"id": "u2", "name": "Bo Chen", "email": "bo@example.com"},
            },
            {"role": {"id": "r3", "name": "Scribe", "role_type": "custom"}},  # unassigned
        ],
        "incident_timestamp_values": [
            timestamp_value("ts1", "Impact started", 1, at(-10)),
            timestamp_value("ts2", "Reported at", 2, at(2)),
            timestamp_value("ts4", "Stabilised at", 4, at(30)),
            timestamp_value("ts5", "Resolved at", 5, at(60)),
        ],
    }


def seed_incidentio(fake: IncidentIoFake, **kwargs: Any) -> None:
    fake.incidents[INCIDENT_ID] = incidentio_incident(**kwargs)
    fake.updates[INCIDENT_ID] = [
        {
            "id": f"upd{i:03d}",
            "incident_id": INCIDENT_ID,
            "created_at": at(5 + i * 0.2),
            "message": f"Status update {i}",
            "new_incident_status": {"id": "s2", "name": "Investigating", "category": "live"},
            "updater": user_actor("Ana Lima", "ana@example.com"),
        }
        for i in range(UPDATES)
    ]
    fake.timeline_items[INCIDENT_ID] = [
        {
            "id": "tli1",
            "incident_id": INCIDENT_ID,
            "timestamp": at(20),
            "created_at": at(90),
            "title": "Rolled back payments to v2.14",
            "creator": user_actor("Bo Chen", "bo@example.com"),
        }
    ]


def pagerduty_incident() -> dict[str, Any]:
    return {
        "id": PD_INCIDENT_ID,
        "incident_number": 9120,
        "title": "[FIRING:1] CheckoutErrorRate (checkout)",
        "status": "resolved",
        "urgency": "high",
        "created_at": at(-2),
        "resolved_at": at(60),
        "html_url": f"https://acme.pagerduty.com/incidents/{PD_INCIDENT_ID}",
        "service": {"id": "PSVC1", "type": "service_reference", "summary": "checkout-api"},
        "acknowledgements": [
            {
                "at": at(4),
                "acknowledger": {"id": "PU1", "type": "user_reference", "summary": "Ana Lima"},
            },
            {
                "at": at(3),
                "acknowledger": {
                    "id": "PS1",
                    "type": "service_reference",
                    "summary": "Alertmanager",
                },
            },
        ],
        "assignments": [
            {"assignee": {"id": "PU3", "type": "user_reference", "summary": "Cy Okafor"}}
        ],
    }


def seed_pagerduty(fake: PagerDutyFake) -> None:
    fake.incidents[PD_INCIDENT_ID] = pagerduty_incident()
    entries = [
        log_entry("LTRIG", "trigger_log_entry", at(-2), "Triggered through the API",
                  agent_service="Alertmanager"),
        log_entry("LACK", "acknowledge_log_entry", at(4), "Acknowledged by Ana Lima",
                  agent="Ana Lima"),
        log_entry("LRES", "resolve_log_entry", at(60), "Resolved by Ana Lima", agent="Ana Lima"),
    ]  # fmt: skip
    entries += [
        log_entry(f"LNOTE{i:03d}", "annotate_log_entry", at(6 + i * 0.25), f"Note {i}",
                  agent="Cy Okafor", note=f"Checked shard {i}")
        for i in range(PD_NOTES)
    ]  # fmt: skip
    fake.log_entries[PD_INCIDENT_ID] = entries


def seed_github(fake: GitHubFake) -> None:
    """The payments deploy that started it, by the release bot, twelve minutes before."""
    fake.deployments["acme/payments"] = [
        deployment(7001, "9f1c2e3d4b5a69788796a5b4c3d2e1f0a9b8c7d6", "v2.15.0", "production",
                   at(-12), "release-bot[bot]"),
    ]  # fmt: skip
    fake.statuses[7001] = [deployment_status(9001, "success", at(-11), "release-bot[bot]")]


def open_and_restricted_postmortems(session: Session) -> None:
    """Two post-mortems: ``open-pm`` for everyone, ``secret-pm`` restricted to ``ivan``."""
    postmortems.create_document(session, Document(id="open-pm", title="Cache outage"), SYSTEM)
    postmortems.create_document(
        session,
        Document(
            id="secret-pm",
            title="Customer data exposure",
            visibility=Visibility.RESTRICTED,
            access=["ivan"],
        ),
        SYSTEM,
    )
