"""Versions, diffs, restoring an earlier version, and the bin (soft delete + undo)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.audit import service as audit
from kintsugi.core.errors import InputError, NotFoundError, PermissionDeniedError
from kintsugi.core.types import utcnow
from kintsugi.people.principal import SYSTEM, Principal, Role
from kintsugi.postmortems import deletion, history, service
from kintsugi.postmortems.document import ActionItem, Document, Section
from kintsugi.postmortems.models import PostmortemRow


def _doc(summary: str) -> Document:
    return Document(
        title="Cache stampede",
        sections=[Section(key="summary", heading="Summary", markdown=summary)],
        action_items=[ActionItem(title="Add jitter to cache expiry")],
    )


def _three_versions(sessions: sessionmaker[Session]) -> str:
    with sessions.begin() as session:
        doc = service.create_document(session, _doc("First draft."), SYSTEM)
        assert doc.id
        service.update_document(session, doc.id, _doc("Second draft."), SYSTEM, base_version=1)
        service.update_document(session, doc.id, _doc("Third draft."), SYSTEM, base_version=2)
    return doc.id


def test_every_change_is_a_version_with_who_and_what(sessions: sessionmaker[Session]) -> None:
    id = _three_versions(sessions)
    with sessions.begin() as session:
        found = history.versions(session, id, SYSTEM)
        assert [(v.version, v.actor, v.change) for v in found] == [
            (3, "system", "edited"),
            (2, "system", "edited"),
            (1, "system", "created"),
        ]
        assert history.snapshot(session, id, 1, SYSTEM).sections[0].markdown == "First draft."
        text = history.diff(session, id, 1, 3, SYSTEM)
    assert "-First draft." in text and "+Third draft." in text
    assert "--- version 1" in text and "+++ version 3" in text


def test_restoring_an_earlier_version_adds_a_new_one(sessions: sessionmaker[Session]) -> None:
    id = _three_versions(sessions)
    with sessions.begin() as session:
        restored = history.restore(session, id, 1, SYSTEM, base_version=3)
    assert restored.version == 4
    assert restored.sections[0].markdown == "First draft."
    with sessions.begin() as session:
        assert history.versions(session, id, SYSTEM)[0].change == "restored version 1"
        with pytest.raises(NotFoundError):
            history.snapshot(session, id, 99, SYSTEM)


def test_bin_hides_everywhere_and_admins_undo(sessions: sessionmaker[Session]) -> None:
    id = _three_versions(sessions)
    editor = Principal(None, "ed", Role.EDITOR, is_system=False)
    with sessions.begin() as session:
        deletion.delete_document(session, id, SYSTEM)
    with sessions.begin() as session:
        assert service.list_documents(session, SYSTEM) == []
        with pytest.raises(NotFoundError):
            service.get_document(session, id, SYSTEM)
        assert [d.id for d in deletion.deleted_documents(session, SYSTEM)] == [id]
        with pytest.raises(PermissionDeniedError):
            deletion.deleted_documents(session, editor)
        with pytest.raises(InputError, match="was deleted"):
            service.upsert_document(session, _doc("again").model_copy(update={"id": id}), SYSTEM)
    with sessions.begin() as session:
        deletion.undelete(session, id, SYSTEM)
    with sessions.begin() as session:
        assert service.get_document(session, id, SYSTEM).title == "Cache stampede"
        assert {"deleted", "restored"} <= {e.action for e in audit.events(session)}


def test_after_thirty_days_it_is_gone_for_good(sessions: sessionmaker[Session]) -> None:
    id = _three_versions(sessions)
    with sessions.begin() as session:
        deletion.delete_document(session, id, SYSTEM)
        row = session.scalars(select(PostmortemRow)).one()
        row.deleted_at = utcnow() - timedelta(days=31)
    with sessions.begin() as session:
        with pytest.raises(InputError, match="more than 30 days"):
            deletion.undelete(session, id, SYSTEM)
        assert deletion.purge(session) == 1
    with sessions.begin() as session:
        assert session.scalars(select(PostmortemRow)).all() == []
