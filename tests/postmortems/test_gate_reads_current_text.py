"""The publish gate and the quality checklist read the current data: action items as the
tracker has them, the root cause analysis's own text and factors."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions import items
from kintsugi.actions.items import ItemChanges
from kintsugi.metrics.checklist import check_document
from kintsugi.metrics.policy import Policy
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service
from kintsugi.postmortems.document import ActionItem, Document, Section, Status
from kintsugi.rca import service as rca
from kintsugi.rca.model import Analysis

BLAMEFUL = "The on-call engineer forgot to check the replica lag before failing over"
BLAMELESS = "Add a replica lag check to the failover runbook"


def _in_review(sessions: sessionmaker[Session], item_title: str) -> str:
    doc = Document(
        title="Failover lost writes",
        sections=[
            Section(key="summary", heading="Summary", markdown="Writes were lost."),
            Section(key="action_items", heading="Action items", markdown=f"- [ ] {item_title}"),
        ],
        action_items=[ActionItem(title=item_title, owner="ana")],
    )
    with sessions.begin() as session:
        stored = service.create_document(session, doc, SYSTEM)
        assert stored.id
        service.change_status(session, stored.id, Status.IN_REVIEW, SYSTEM)
    return stored.id


def _analysis(sessions: sessionmaker[Session], id: str, text: str) -> None:
    analysis = Analysis.model_validate(
        {"factors": [{"text": text, "classification": "primary", "category": "process-gap"}]}
    )
    with sessions.begin() as session:
        rca.save_analysis(session, id, analysis, SYSTEM, base_version=None)


def test_renaming_a_blameful_item_unblocks_publishing(sessions: sessionmaker[Session]) -> None:
    id = _in_review(sessions, BLAMEFUL)
    with sessions.begin() as session, pytest.raises(service.PublishBlockedError):
        service.change_status(session, id, Status.PUBLISHED, SYSTEM)
    with sessions.begin() as session:
        item = service.get_document(session, id, SYSTEM).action_items[0]
        assert item.id is not None
        items.update_item(session, item.id, ItemChanges(title=BLAMELESS), SYSTEM, base_version=None)
    with sessions.begin() as session:
        assert service.change_status(session, id, Status.PUBLISHED, SYSTEM).status == "published"


def test_a_blameful_analysis_blocks_publishing_until_fixed(
    sessions: sessionmaker[Session],
) -> None:
    id = _in_review(sessions, BLAMELESS)
    _analysis(sessions, id, BLAMEFUL)
    with sessions.begin() as session, pytest.raises(service.PublishBlockedError) as caught:
        service.change_status(session, id, Status.PUBLISHED, SYSTEM)
    assert "root_cause" in caught.value.findings[0].file
    with sessions() as session:
        checklist = check_document(session, id, SYSTEM, Policy())
    assert {r.key: r.state for r in checklist.results}["blameless_language"] == "failed"
    _analysis(sessions, id, "The failover runbook had no replica lag check")
    with sessions.begin() as session:
        assert service.change_status(session, id, Status.PUBLISHED, SYSTEM).status == "published"


def test_the_checklist_finds_contributing_factors_in_the_analysis(
    sessions: sessionmaker[Session],
) -> None:
    id = _in_review(sessions, BLAMELESS)
    with sessions() as session:
        before = check_document(session, id, SYSTEM, Policy())
    assert {r.key: r.state for r in before.results}["contributing_factors"] == "failed"
    _analysis(sessions, id, "The failover runbook had no replica lag check")
    with sessions() as session:
        after = check_document(session, id, SYSTEM, Policy())
    assert {r.key: r.state for r in after.results}["contributing_factors"] == "passed"
