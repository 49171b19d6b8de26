"""Publishing waits for blameless language, unless a reviewer overrides with a reason."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import PermissionDeniedError
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems import history, service
from kintsugi.postmortems.document import Document, Section, Status

BLAMEFUL = "The on-call engineer forgot to check the replica lag before failing over."
BLAMELESS = "The failover runbook did not include a replica lag check."


def _in_review(sessions: sessionmaker[Session], summary: str) -> str:
    doc = Document(
        title="Failover lost writes",
        sections=[Section(key="summary", heading="Summary", markdown=summary)],
    )
    with sessions.begin() as session:
        stored = service.create_document(session, doc, SYSTEM)
        assert stored.id
        service.change_status(session, stored.id, Status.IN_REVIEW, SYSTEM)
    return stored.id


def test_blameless_documents_publish(sessions: sessionmaker[Session]) -> None:
    id = _in_review(sessions, BLAMELESS)
    with sessions.begin() as session:
        assert service.change_status(session, id, Status.PUBLISHED, SYSTEM).status == "published"


def test_findings_block_publishing(sessions: sessionmaker[Session]) -> None:
    id = _in_review(sessions, BLAMEFUL)
    with sessions.begin() as session, pytest.raises(service.PublishBlockedError) as caught:
        service.change_status(session, id, Status.PUBLISHED, SYSTEM)
    assert "blameful-language finding" in str(caught.value)
    assert caught.value.findings[0].rule
    with sessions.begin() as session:
        assert service.get_document(session, id, SYSTEM).status == Status.IN_REVIEW


def test_only_reviewers_override_and_the_reason_is_kept(sessions: sessionmaker[Session]) -> None:
    id = _in_review(sessions, BLAMEFUL)
    with sessions.begin() as session:
        editor, reviewer = (
            people.principal_for(session, people.create_user(session, SYSTEM, name, role=role))
            for name, role in (("ed", Role.EDITOR), ("rita", Role.FACILITATOR))
        )
    with sessions.begin() as session, pytest.raises(PermissionDeniedError):
        service.change_status(session, id, Status.PUBLISHED, editor, override_reason="ok")
    with sessions.begin() as session:
        doc = service.change_status(
            session, id, Status.PUBLISHED, reviewer, override_reason="quoted from the ticket"
        )
    assert doc.status == Status.PUBLISHED
    kept = doc.extra["publish_override"]
    assert kept["by"] == "rita" and kept["reason"] == "quoted from the ticket"
    with sessions.begin() as session:
        assert "overridden by rita" in history.versions(session, id, SYSTEM)[0].change


def test_a_gate_out_of_time_refuses_to_publish(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gate's lint has the lint budget: past it, nothing is published unchecked, even
    with a reviewer's reason, and the message says why and what to do."""
    id = _in_review(sessions, BLAMELESS + "\n\n" + BLAMELESS)
    monkeypatch.setenv("KINTSUGI_LINT_SECONDS", "1e-9")  # spent before the first sentence
    for reason in (None, "reviewed elsewhere"):
        with sessions.begin() as session, pytest.raises(service.PublishBlockedError) as caught:
            service.change_status(session, id, Status.PUBLISHED, SYSTEM, override_reason=reason)
        message = str(caught.value)
        assert "not published" in message and "time budget" in message
        assert "KINTSUGI_LINT_SECONDS" in message
    with sessions.begin() as session:
        assert service.get_document(session, id, SYSTEM).status == Status.IN_REVIEW
