"""The demo's learning metrics are believable: items keep the day they were completed (an
on-time rate that is not 0%), and no recurrence comes from a mitigating factor."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.demo.loader import load_demo
from kintsugi.metrics.policy import Policy
from kintsugi.metrics.service import compute_metrics, make_scope
from kintsugi.people.principal import SYSTEM

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_the_demo_shows_believable_metrics(sessions: sessionmaker[Session]) -> None:
    assert load_demo(sessions).imported.ok
    with sessions() as session:
        report = compute_metrics(
            session, SYSTEM, make_scope(NOW, since="2026-01-01"), Policy(), now=NOW
        )
    # four of the five items completed with a due date were done by it
    assert report.metric("action_item_on_time_rate").current == 80.0
    # the one shared root cause; none through what helped ("paged in 4 minutes")
    assert [(p.earlier.id, p.later.id, p.detail) for p in report.recurring_pairs] == [
        (
            "2026-07-08-coredns-upgrade",
            "2026-09-14-checkout-connection-pool",
            "Configuration change",
        )
    ]
    mttr = report.metric("mttr_minutes")
    assert mttr.current is not None and mttr.breakdown["p90"] is not None


def test_the_demo_drafts_its_newest_incident_from_vendor_stand_ins(
    sessions: sessionmaker[Session],
) -> None:
    from kintsugi.incidents import service as incidents
    from kintsugi.postmortems import service as postmortems

    load_demo(sessions)
    with sessions() as session:
        record = incidents.get_incident(session, SYSTEM, "pagerduty:PDEMO42")
        assert record.postmortem_id is not None and record.severity == "SEV2"
        doc = postmortems.get_document(session, record.postmortem_id, SYSTEM)
        before = (doc.version, [(e.source, e.text) for e in doc.timeline])
    assert {source for source, _ in before[1]} == {"pagerduty", "file"}
    assert ("pagerduty", "Paged Tomás Ferreira by phone and SMS") in before[1]
    load_demo(sessions)  # again: the draft is refreshed and nothing changes
    with sessions() as session:
        doc = postmortems.get_document(session, record.postmortem_id, SYSTEM)
        assert (doc.version, [(e.source, e.text) for e in doc.timeline]) == before
        report = compute_metrics(
            session, SYSTEM, make_scope(NOW, since="2026-01-01"), Policy(), now=NOW
        )
    completion = report.metric("post_mortem_completion_rate")
    assert completion.breakdown["without_postmortem"] == 1
