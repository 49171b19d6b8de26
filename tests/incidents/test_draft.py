"""The draft flow end to end: incident.io and PagerDuty fakes over real sockets, paginated and
rate-limited, into a post-mortem on SQLite and PostgreSQL; a second run duplicates nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.db import transaction
from kintsugi.core.errors import ConfigurationError
from kintsugi.incidents import service
from kintsugi.incidents.config import IncidentSettings
from kintsugi.incidents.draft import draft_incident
from kintsugi.meetings import service as meetings
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import Document, Section, Status
from kintsugi.timeline.sources.base import RetryPolicy
from tests.incidents.scenario import (
    INCIDENT_ID,
    PD_INCIDENT_ID,
    PD_NOTES,
    T0,
    seed_github,
    seed_incidentio,
    seed_pagerduty,
)
from tests.timeline.conftest import Sleeps
from tests.timeline.fakes.github import GitHubFake
from tests.timeline.fakes.incidentio import IncidentIoFake
from tests.timeline.fakes.pagerduty import PagerDutyFake, log_entry

NOW = T0 + timedelta(hours=3)
REFERENCE = f"incidentio:{INCIDENT_ID}"


def run(sessions: sessionmaker[Session], env: dict[str, str], retry: RetryPolicy):  # type: ignore[no-untyped-def]
    return draft_incident(
        sessions,
        SYSTEM,
        REFERENCE,
        extra_sources=[f"pagerduty:{PD_INCIDENT_ID}", "github:acme/payments"],
        settings=IncidentSettings(),
        env=env,
        retry=retry,
        now=NOW,
    )


def test_an_incident_with_its_pagerduty_incident_becomes_a_complete_draft_twice_without_duplicates(
    sessions: sessionmaker[Session],
    incidentio: IncidentIoFake,
    pagerduty: PagerDutyFake,
    github: GitHubFake,
    vendor_env: dict[str, str],
    retry: RetryPolicy,
    sleeps: Sleeps,
) -> None:
    seed_incidentio(incidentio)
    seed_pagerduty(pagerduty)
    seed_github(github)
    with transaction(sessions) as session:  # an earlier incident of the same kind
        earlier = postmortems.create_document(
            session,
            Document(
                title="Checkout errors after a payments deploy",
                sections=[Section(key="summary", heading="Summary",
                                  markdown="Card payments failed at checkout after a deploy.")],
            ),
            SYSTEM,
        )  # fmt: skip
    incidentio.rate_limit("2", path="/v2/incident_updates")
    pagerduty.rate_limit("3", path=f"/incidents/{PD_INCIDENT_ID}/log_entries")

    first = run(sessions, vendor_env, retry)

    assert first.created
    assert first.incident["failures"] == []
    assert 2.0 in sleeps and 3.0 in sleeps  # both vendors' Retry-After were honoured
    pages = [r for r in incidentio.requests if r.path == "/v2/incident_updates"]
    assert len(pages) >= 3 and any(r.arg("after") for r in pages)  # 429, then two pages
    offsets = {r.arg("offset") for r in pagerduty.requests if r.path.endswith("/log_entries")}
    assert {"0", "100"} <= offsets

    doc = first.document
    assert doc.title == "INC-481 Checkout errors after the payments deploy"
    assert doc.severity is not None and doc.severity.value == "SEV1"
    assert sorted(doc.services) == ["checkout", "checkout-api", "payments"]
    times = first.incident["times"]
    assert times["started"] == {"at": "2026-11-30T13:50:00+00:00", "from": "incidentio"}
    assert times["detected"]["from"] == "incidentio"
    assert times["acknowledged"] == {"at": "2026-11-30T14:03:00+00:00", "from": "pagerduty"}
    assert times["mitigated"] == {"at": "2026-11-30T14:30:00+00:00", "from": "incidentio"}
    assert times["resolved"] == {"at": "2026-11-30T15:00:00+00:00", "from": "incidentio"}
    people = {p["name"]: p["roles"] for p in first.incident["people"]}
    assert people == {
        "Ana Lima": ["Incident Lead", "Acknowledger"],
        "Bo Chen": ["Communications"],
        "Cy Okafor": ["Assignee"],
    }  # Alertmanager acknowledged and created it too, but it is not a person
    assert first.incident["owner"] == "Ana Lima"
    assert doc.authors == ["Ana Lima"]
    assert first.incident["deadline"] == "2026-12-02T15:00:00+00:00"  # SEV1: 48 hours
    assert first.incident["link"] == "https://app.incident.io/acme/incidents/481"
    assert [c["title"] for c in first.incident["changes_before_detection"]] == [
        "Deploy v2.15.0@9f1c2e3 to production"
    ]
    assert [s["id"] for s in first.incident["similar"]] == [earlier.id]
    assert "<!-- kintsugi:incident" in (
        doc.section("summary").markdown if doc.section("summary") else ""
    )

    with sessions() as session:
        events = postmortems.get_document(session, doc.id or "", SYSTEM).timeline
        found = meetings.list_meetings(session, SYSTEM, postmortem_id=doc.id)
        record = service.get_incident(session, SYSTEM, REFERENCE)
    sources = {e.source for e in events}
    assert {"incidentio", "pagerduty"} <= sources
    assert sum(1 for e in events if e.source == "pagerduty" and "Note" in e.text) == PD_NOTES
    assert len(found) == 1
    review = found[0]
    assert NOW < review.starts_at <= T0 + timedelta(hours=49)
    with sessions() as session:
        invited = {p.name for p in meetings.get_meeting(session, review.id, SYSTEM).participants}
    assert invited == {"Ana Lima", "Bo Chen", "Cy Okafor"}
    assert record.postmortem_id == doc.id and record.severity == "SEV1"

    second = run(sessions, vendor_env, retry)

    assert not second.created and not second.changed
    assert second.document.id == doc.id
    assert second.document.version == doc.version
    assert second.saved.created == 0
    with sessions() as session:
        again = postmortems.get_document(session, doc.id or "", SYSTEM).timeline
        assert len(meetings.list_meetings(session, SYSTEM, postmortem_id=doc.id)) == 1
        assert len(postmortems.list_documents(session, SYSTEM)) == 2  # with the earlier one
        assert len(service.list_incidents(session, SYSTEM)) == 1
    assert len(again) == len(events)


def test_a_rejected_api_key_is_named_with_its_variable(
    sessions: sessionmaker[Session],
    incidentio: IncidentIoFake,
    vendor_env: dict[str, str],
    retry: RetryPolicy,
) -> None:
    seed_incidentio(incidentio)
    env = {**vendor_env, "INCIDENTIO_API_KEY": "inc_wrong"}
    with pytest.raises(ConfigurationError) as caught:
        draft_incident(sessions, SYSTEM, REFERENCE, env=env, retry=retry, now=NOW)
    assert str(caught.value) == "incident.io rejected the API key: check INCIDENTIO_API_KEY"
    with sessions() as session:
        assert postmortems.list_documents(session, SYSTEM) == []
        assert service.list_incidents(session, SYSTEM) == []


def test_a_refresh_brings_the_vendors_changes_and_keeps_what_people_wrote(
    sessions: sessionmaker[Session],
    incidentio: IncidentIoFake,
    pagerduty: PagerDutyFake,
    vendor_env: dict[str, str],
    retry: RetryPolicy,
) -> None:
    seed_incidentio(incidentio)
    seed_pagerduty(pagerduty)
    first = run(sessions, vendor_env, retry)
    doc_id = first.document.id or ""

    def edit(doc):  # type: ignore[no-untyped-def]
        doc.title = "Card payments failed after the v2.15 deploy"
        summary = doc.section("summary")
        summary.markdown += "\n\nA third of card payments failed for an hour."
        return doc

    with transaction(sessions) as session:
        postmortems.edit_document(session, doc_id, edit, SYSTEM, base_version=None)
        before = len(postmortems.get_document(session, doc_id, SYSTEM).timeline)
    incident = incidentio.incidents[INCIDENT_ID]
    incident["severity"] = {"id": "sev-m", "name": "Major", "rank": 2}
    incidentio.updates[INCIDENT_ID].append(
        {
            "id": "upd999",
            "incident_id": INCIDENT_ID,
            "created_at": "2026-11-30T14:59:00Z",
            "message": "Error rate back to normal",
            "new_incident_status": {"id": "s3", "name": "Monitoring", "category": "live"},
            "updater": {"user": {"id": "u2", "name": "Bo Chen", "email": "bo@example.com"}},
        }
    )
    pagerduty.log_entries[PD_INCIDENT_ID].append(
        log_entry(
            "LNOTEX",
            "annotate_log_entry",
            "2026-11-30T14:58:00Z",
            "Note",
            agent="Cy Okafor",
            note="Shard 7 drained",
        )
    )

    second = run(sessions, vendor_env, retry)

    assert not second.created and second.changed
    assert second.saved.created == 2
    doc = second.document
    assert doc.id == doc_id
    assert doc.title == "Card payments failed after the v2.15 deploy"  # the person's title
    assert doc.severity is not None and doc.severity.value == "SEV2"
    summary = doc.section("summary")
    assert summary is not None
    assert summary.markdown.endswith("A third of card payments failed for an hour.")
    assert "Severity: SEV2 (from Major)" in summary.markdown
    assert summary.markdown.count("<!-- /kintsugi:incident -->") == 1
    with sessions() as session:
        timeline = postmortems.get_document(session, doc_id, SYSTEM).timeline
        assert service.get_incident(session, SYSTEM, REFERENCE).severity == "SEV2"
    assert len(timeline) == before + 2
    assert len({(e.source, e.source_id) for e in timeline}) == len(timeline)


def test_a_published_post_mortem_is_left_as_it_was_published(
    sessions: sessionmaker[Session],
    incidentio: IncidentIoFake,
    pagerduty: PagerDutyFake,
    vendor_env: dict[str, str],
    retry: RetryPolicy,
) -> None:
    seed_incidentio(incidentio)
    seed_pagerduty(pagerduty)
    doc = run(sessions, vendor_env, retry).document
    with transaction(sessions) as session:
        postmortems.change_status(session, doc.id or "", Status.IN_REVIEW, SYSTEM)
        published = postmortems.change_status(session, doc.id or "", Status.PUBLISHED, SYSTEM)
    incidentio.incidents[INCIDENT_ID]["severity"] = {"id": "sev-m", "name": "Major", "rank": 2}
    pagerduty.log_entries[PD_INCIDENT_ID].append(
        log_entry("LLATE", "annotate_log_entry", "2026-11-30T14:59:00Z", "Note", agent="Cy Okafor")
    )

    again = run(sessions, vendor_env, retry)

    assert not again.created and not again.changed
    with sessions() as session:
        after = postmortems.get_document(session, doc.id or "", SYSTEM)
        assert service.get_incident(session, SYSTEM, REFERENCE).severity == "SEV2"  # the record
    assert after.version == published.version and after.severity == published.severity
    assert len(after.timeline) == len(published.timeline)
