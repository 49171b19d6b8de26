"""The exact JSON (keys, order, formats) of incidents, reviews and webhook answers, by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from kintsugi.core.config import Settings
from kintsugi.incidents.draft import DraftResult
from kintsugi.incidents.followup import Review
from kintsugi.incidents.service import IncidentRecord
from kintsugi.incidents.webhooks import Handled
from kintsugi.postmortems.document import Document
from kintsugi.web.app import create_app


def _same(actual: object, expected: object) -> None:
    """Equal, with the keys in the same order at every level."""
    assert actual == expected
    assert json.dumps(actual) == json.dumps(expected)


def test_incident_record_json() -> None:
    record = IncidentRecord(
        reference="incidentio:01HQ",
        vendor="incidentio",
        title="Checkout outage",
        severity="SEV1",
        status="resolved",
        near_miss=False,
        link="https://app.incident.io/acme/incidents/42",
        started_at=datetime(2026, 1, 5, 9, 30, tzinfo=UTC),
        detected_at=datetime(2026, 1, 5, 11, 0, 30, tzinfo=timezone(timedelta(hours=1))),
        acknowledged_at=None,
        mitigated_at=datetime(2026, 1, 5, 10, 15, 0, 250000, tzinfo=UTC),
        resolved_at=None,
        services=["checkout", "payments"],
        lead="ana",
        postmortem_id="2026-01-05-checkout-outage",
        sources=["pagerduty:P1"],
    )
    _same(
        record.to_json(),
        {
            "reference": "incidentio:01HQ",
            "vendor": "incidentio",
            "title": "Checkout outage",
            "severity": "SEV1",
            "status": "resolved",
            "near_miss": False,
            "link": "https://app.incident.io/acme/incidents/42",
            "started_at": "2026-01-05T09:30:00+00:00",
            "detected_at": "2026-01-05T11:00:30+01:00",
            "acknowledged_at": None,
            "mitigated_at": "2026-01-05T10:15:00.250000+00:00",
            "resolved_at": None,
            "services": ["checkout", "payments"],
            "lead": "ana",
            "postmortem_id": "2026-01-05-checkout-outage",
        },
    )
    bare = IncidentRecord("manual:x", "manual", "X", None, "open", True, None, *[None] * 5)
    assert bare.to_json()["services"] == [] and bare.to_json()["lead"] is None


def test_review_json() -> None:
    review = Review(12, datetime(2026, 1, 6, 14, 0, tzinfo=UTC), True)
    _same(
        review.to_json(),
        {"meeting_id": 12, "starts_at": "2026-01-06T14:00:00+00:00", "url_path": "/meetings/12"},
    )


def test_handled_json() -> None:
    _same(
        Handled("duplicate", "pagerduty:PABC").to_json(),
        {"status": "duplicate", "incident": "pagerduty:PABC", "postmortem": None, "notified": []},
    )
    _same(
        Handled("ignored").to_json(),
        {"status": "ignored", "incident": None, "postmortem": None, "notified": []},
    )
    document = Document(id="2026-01-05-checkout-outage", title="Checkout outage")
    handled = Handled("drafted", "incidentio:01HQ", DraftResult(document, True, True, {}))
    handled.notified = [{"channel": "email", "status": "sent", "attempts": 1}]
    _same(
        handled.to_json(),
        {
            "status": "drafted",
            "incident": "incidentio:01HQ",
            "postmortem": "2026-01-05-checkout-outage",
            "notified": [{"channel": "email", "status": "sent", "attempts": 1}],
        },
    )


def test_the_openapi_schemas_name_the_keys_of_the_json() -> None:
    """The routes' response models are Handled and IncidentRecord: their schemas have exactly
    the keys the JSON has (aliases, no excluded fields), all required."""
    app = create_app(Settings(database_url="sqlite://"))
    schemas = app.openapi()["components"]["schemas"]
    handled = ["status", "incident", "postmortem", "notified"]
    assert list(schemas["Handled"]["properties"]) == handled
    assert schemas["Handled"]["required"] == handled
    record = IncidentRecord("manual:x", "manual", "X", None, "open", True, None, *[None] * 5)
    assert list(schemas["IncidentRecord"]["properties"]) == list(record.to_json())
    assert schemas["IncidentRecord"]["required"] == list(record.to_json())
    app.state.engine.dispose()
