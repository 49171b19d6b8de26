"""Vendor webhooks over real sockets: signed as the vendors document, into the running app,
which reads the incident from the vendor fakes and writes the draft once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.config import Settings
from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.core.types import utcnow
from kintsugi.incidents import service
from kintsugi.incidents.draft import draft_incident
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems import service as postmortems
from kintsugi.web.app import create_app
from tests.incidents.scenario import INCIDENT_ID, PD_INCIDENT_ID, seed_incidentio, seed_pagerduty
from tests.notify.fakes import SmtpServer
from tests.support.servers import serve
from tests.timeline.fakes.incidentio import IncidentIoFake
from tests.timeline.fakes.pagerduty import PagerDutyFake

SECRET_BYTES = b"kintsugi-webhook-test-secret-0123456789"
INCIDENTIO_SECRET = "whsec_" + base64.b64encode(SECRET_BYTES).decode()
PAGERDUTY_SECRET = "pd-subscription-" + "secret-for-tests"


def standard_headers(
    body: bytes, *, msg_id: str, timestamp: int, secret: bytes = SECRET_BYTES
) -> dict[str, str]:
    """Headers of a Standard Webhooks delivery, signed as the specification says."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    signature = base64.b64encode(hmac.new(secret, signed, hashlib.sha256).digest()).decode()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"v1,{signature}",
        "content-type": "application/json",
    }


def incidentio_body(event_type: str = "public_incident.incident_status_updated_v2") -> bytes:
    payload = {
        "event_type": event_type,
        event_type: {
            "incident": {"id": INCIDENT_ID, "name": "Checkout errors after the payments deploy"},
            "new_status": {"id": "s9", "name": "Closed", "category": "closed"},
            "previous_status": {"id": "s2", "name": "Monitoring", "category": "live"},
        },
    }
    return json.dumps(payload).encode()


def pagerduty_body(event_id: str, *, occurred: str | None = None) -> bytes:
    event = {
        "id": event_id,
        "event_type": "incident.resolved",
        "resource_type": "incident",
        "occurred_at": occurred or utcnow().isoformat().replace("+00:00", "Z"),
        "agent": {"id": "PU1", "type": "user_reference", "summary": "Ana Lima"},
        "data": {"id": PD_INCIDENT_ID, "type": "incident", "status": "resolved"},
    }
    return json.dumps({"event": event}).encode()


def pagerduty_headers(body: bytes, secret: str = PAGERDUTY_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"x-pagerduty-signature": f"v1=0000,v1={digest}", "content-type": "application/json"}


@pytest.fixture
def app_url(
    db_url: str, monkeypatch: pytest.MonkeyPatch, vendor_env: dict[str, str]
) -> Iterator[str]:
    for name, value in vendor_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("KINTSUGI_INCIDENTIO_WEBHOOK_SECRET", INCIDENTIO_SECRET)
    monkeypatch.setenv("KINTSUGI_PAGERDUTY_WEBHOOK_SECRET", PAGERDUTY_SECRET)
    app = create_app(Settings(database_url=db_url))
    with serve(app) as url:
        yield url
    app.state.engine.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def post(url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(url, content=body, headers=headers, timeout=30)


def stored(db: sessionmaker[Session]) -> tuple[list[Any], list[Any], int]:
    with db() as session:
        docs = [
            postmortems.get_document(session, d.id, SYSTEM)
            for d in postmortems.list_documents(session, SYSTEM)
        ]
        incidents = service.list_incidents(session, SYSTEM)
    return docs, incidents, len(docs[0].timeline) if docs else 0


def test_a_resolved_incidentio_incident_is_drafted_once_whatever_the_deliveries(
    app_url: str, db: sessionmaker[Session], incidentio: IncidentIoFake, pagerduty: PagerDutyFake
) -> None:
    seed_incidentio(incidentio)
    body = incidentio_body()
    first_id = f"msg_{uuid.uuid4().hex}"
    headers = standard_headers(body, msg_id=first_id, timestamp=int(time.time()))

    answer = post(f"{app_url}/api/v1/webhooks/incidentio", body, headers)

    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "drafted"
    docs, incidents, events = stored(db)
    assert [d.id for d in docs] == [answer.json()["postmortem"]]
    assert incidents[0].reference == f"incidentio:{INCIDENT_ID}"
    assert incidents[0].postmortem_id == docs[0].id and events > 0
    version = docs[0].version

    replay = post(f"{app_url}/api/v1/webhooks/incidentio", body, headers)  # same delivery again
    assert replay.status_code == 200 and replay.json()["status"] == "duplicate"
    retried = standard_headers(body, msg_id=f"msg_{uuid.uuid4().hex}", timestamp=int(time.time()))
    again = post(f"{app_url}/api/v1/webhooks/incidentio", body, retried)  # a new event, same state
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    assert stored(db) == (docs, incidents, events)
    assert stored(db)[0][0].version == version  # the document was not written again


@pytest.mark.parametrize(
    "change",
    [
        "wrong secret",
        "no signature",
        "tampered body",
        "old timestamp",
        "future timestamp",
        "garbage",
    ],
)
def test_an_unproven_incidentio_delivery_gets_401_and_changes_nothing(
    change: str, app_url: str, db: sessionmaker[Session], incidentio: IncidentIoFake
) -> None:
    seed_incidentio(incidentio)
    body = incidentio_body()
    now = int(time.time())
    headers = standard_headers(body, msg_id="msg_1", timestamp=now)
    if change == "wrong secret":
        headers = standard_headers(body, msg_id="msg_1", timestamp=now, secret=b"another-secret")
    elif change == "no signature":
        del headers["webhook-signature"]
    elif change == "tampered body":
        body = body.replace(b"Closed", b"Closes")
    elif change == "old timestamp":
        headers = standard_headers(body, msg_id="msg_1", timestamp=now - 3600)
    elif change == "future timestamp":
        headers = standard_headers(body, msg_id="msg_1", timestamp=now + 3600)
    else:
        headers["webhook-signature"] = "v1,not base64 at all v2"

    answer = post(f"{app_url}/api/v1/webhooks/incidentio", body, headers)

    assert answer.status_code == 401, answer.text
    assert "signature" in answer.json()["detail"]
    assert stored(db) == ([], [], 0)
    assert incidentio.requests == []  # nothing was even fetched


def test_an_unresolved_incident_gets_no_draft(
    app_url: str, db: sessionmaker[Session], incidentio: IncidentIoFake
) -> None:
    seed_incidentio(incidentio, status_category="live")
    incidentio.incidents[INCIDENT_ID]["incident_timestamp_values"].pop()  # not resolved yet
    body = incidentio_body()
    headers = standard_headers(body, msg_id="msg_live", timestamp=int(time.time()))

    answer = post(f"{app_url}/api/v1/webhooks/incidentio", body, headers)

    assert answer.status_code == 200 and answer.json()["status"] == "not_resolved"
    assert stored(db) == ([], [], 0)


def test_a_pagerduty_incident_resolved_event_drafts_once(
    app_url: str, db: sessionmaker[Session], pagerduty: PagerDutyFake
) -> None:
    seed_pagerduty(pagerduty)
    body = pagerduty_body("01EVENTRESOLVED")

    answer = post(f"{app_url}/api/v1/webhooks/pagerduty", body, pagerduty_headers(body))

    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "drafted"
    docs, incidents, events = stored(db)
    assert docs[0].severity == "SEV1"  # high urgency
    # the route returns Handled itself: its JSON, keys in order
    assert list(answer.json()) == ["status", "incident", "postmortem", "notified"]
    assert answer.json()["incident"] == f"pagerduty:{PD_INCIDENT_ID}"
    assert answer.json()["postmortem"] == docs[0].id
    assert incidents[0].reference == f"pagerduty:{PD_INCIDENT_ID}"
    replay = post(f"{app_url}/api/v1/webhooks/pagerduty", body, pagerduty_headers(body))
    assert replay.json()["status"] == "duplicate"
    assert stored(db) == (docs, incidents, events)

    with db.begin() as session:
        people.create_user(session, SYSTEM, "viewer", role=Role.VIEWER)
        token = people.create_token(session, SYSTEM, "viewer", "tests", "read").secret
    assert httpx.get(f"{app_url}/api/v1/incidents").status_code == 401
    listed = httpx.get(
        f"{app_url}/api/v1/incidents", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert [(i["reference"], i["postmortem_id"], i["severity"]) for i in listed] == [
        (f"pagerduty:{PD_INCIDENT_ID}", docs[0].id, "SEV1")
    ]
    # the route returns the IncidentRecords: their JSON as ``--json`` writes it (isoformat times)
    with db() as session:
        records = service.list_incidents(session, SYSTEM)
    assert json.dumps(listed) == json.dumps([r.to_json() for r in records])
    assert listed[0]["resolved_at"].endswith("+00:00")


@pytest.mark.parametrize("change", ["wrong secret", "no signature", "old event"])
def test_an_unproven_pagerduty_delivery_gets_401_and_changes_nothing(
    change: str, app_url: str, db: sessionmaker[Session], pagerduty: PagerDutyFake
) -> None:
    seed_pagerduty(pagerduty)
    old = (utcnow() - timedelta(days=3)).isoformat()
    body = pagerduty_body("01EVENT", occurred=old if change == "old event" else None)
    headers = pagerduty_headers(body, "another" if change == "wrong secret" else PAGERDUTY_SECRET)
    if change == "no signature":
        del headers["x-pagerduty-signature"]

    answer = post(f"{app_url}/api/v1/webhooks/pagerduty", body, headers)

    assert answer.status_code == 401, answer.text
    assert stored(db) == ([], [], 0)
    assert pagerduty.requests == []


@pytest.mark.parametrize("known", [True, False], ids=["a-user", "a-stranger"])
def test_the_owner_is_emailed_when_the_draft_is_made(
    known: bool,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    vendor_env: dict[str, str],
    incidentio: IncidentIoFake,
    db: sessionmaker[Session],
) -> None:
    """The incident lead hears of the draft at the address stored for their account; a lead
    Kintsugi does not know gets nothing, whatever address the incident tool gives."""
    seed_incidentio(incidentio)
    if known:
        with db.begin() as session:
            people.create_user(
                session, SYSTEM, "ana", display_name="Ana Lima", email="ana@example.com"
            )
    with SmtpServer() as smtp:
        for name, value in {
            **vendor_env,
            "KINTSUGI_INCIDENTIO_WEBHOOK_SECRET": INCIDENTIO_SECRET,
            "KINTSUGI_SMTP_HOST": "127.0.0.1",
            "KINTSUGI_SMTP_PORT": str(smtp.port),
            "KINTSUGI_SMTP_SECURITY": "none",
        }.items():
            monkeypatch.setenv(name, value)
        app = create_app(Settings(database_url=db_url))
        body = incidentio_body()
        with serve(app) as url:
            headers = standard_headers(body, msg_id="msg_owner", timestamp=int(time.time()))
            answer = post(f"{url}/api/v1/webhooks/incidentio", body, headers)
        app.state.engine.dispose()

    assert answer.status_code == 200, answer.text
    if not known:
        assert answer.json()["notified"] == [] and smtp.received == []
        return
    assert [n["status"] for n in answer.json()["notified"]] == ["sent"]
    assert [m.rcpt_tos for m in smtp.received] == [["ana@example.com"]]  # the incident lead
    text = smtp.received[0].message.get_body(("plain",))
    assert text is not None and answer.json()["postmortem"] in text.get_content()


def test_a_delivery_that_failed_is_handled_in_full_when_the_vendor_retries_it(
    app_url: str, db: sessionmaker[Session], incidentio: IncidentIoFake
) -> None:
    body = incidentio_body()
    headers = standard_headers(body, msg_id="msg_retry", timestamp=int(time.time()))

    failed = post(f"{app_url}/api/v1/webhooks/incidentio", body, headers)  # not in the API yet

    assert failed.status_code >= 400
    assert "HTTP 404" in failed.json()["detail"]
    assert stored(db) == ([], [], 0)
    seed_incidentio(incidentio)
    retried = standard_headers(body, msg_id="msg_retry", timestamp=int(time.time()))
    answer = post(f"{app_url}/api/v1/webhooks/incidentio", body, retried)
    assert answer.status_code == 200 and answer.json()["status"] == "drafted"


def test_a_pagerduty_event_refreshes_the_incidentio_draft_that_uses_it(
    app_url: str,
    db: sessionmaker[Session],
    incidentio: IncidentIoFake,
    pagerduty: PagerDutyFake,
    vendor_env: dict[str, str],
) -> None:
    seed_incidentio(incidentio)
    seed_pagerduty(pagerduty)
    drafted = draft_incident(
        db, SYSTEM, f"incidentio:{INCIDENT_ID}", extra_sources=[f"pagerduty:{PD_INCIDENT_ID}"],
        env=vendor_env,
    )  # fmt: skip
    before = stored(db)
    body = pagerduty_body("01EVENTOFTHESAMEINCIDENT")

    answer = post(f"{app_url}/api/v1/webhooks/pagerduty", body, pagerduty_headers(body))

    assert answer.status_code == 200, answer.text
    assert answer.json()["incident"] == f"incidentio:{INCIDENT_ID}"
    assert answer.json()["postmortem"] == drafted.document.id
    assert answer.json()["status"] == "unchanged"
    assert stored(db)[1:] == before[1:]  # no second incident, no new event
    assert [d.id for d in stored(db)[0]] == [drafted.document.id]


@pytest.mark.parametrize(
    ("payload", "status", "expected"),
    [
        ({"event_type": "public_incident.incident_updated_v2",
          "public_incident.incident_updated_v2": [1]}, 422, "names no incident id"),
        ({"no": "event type"}, 422, "no event_type"),
        ({"event_type": "public_incident.follow_up_created_v1",
          "public_incident.follow_up_created_v1": {"id": "f1"}}, 200, "ignored"),
    ],
)  # fmt: skip
def test_signed_deliveries_of_other_shapes_get_clear_answers(
    payload: dict[str, Any],
    status: int,
    expected: str,
    app_url: str,
    db: sessionmaker[Session],
    incidentio: IncidentIoFake,
) -> None:
    body = json.dumps(payload).encode()
    headers = standard_headers(body, msg_id=f"msg_{uuid.uuid4().hex}", timestamp=int(time.time()))

    answer = post(f"{app_url}/api/v1/webhooks/incidentio", body, headers)

    assert answer.status_code == status, answer.text
    assert expected in answer.text
    assert stored(db) == ([], [], 0) and incidentio.requests == []
    if status == 200:  # handled once: the same delivery again is a duplicate
        again = post(f"{app_url}/api/v1/webhooks/incidentio", body, headers)
        assert again.json()["status"] == "duplicate"
