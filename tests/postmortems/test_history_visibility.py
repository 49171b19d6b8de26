"""A version is read only by those who could read it as it was written (and can read now)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import NotFoundError
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Principal, Role
from kintsugi.postmortems import history, service
from kintsugi.postmortems.document import Document, Section, Visibility

SECRET = "The vendor's root password was pasted into the incident channel."


def _people(sessions: sessionmaker[Session]) -> dict[str, Principal]:
    found = {}
    with sessions.begin() as session:
        people.create_team(session, SYSTEM, "payments")
        for name, role in (("ana", Role.EDITOR), ("vic", Role.VIEWER), ("tom", Role.VIEWER)):
            people.create_user(session, SYSTEM, name, role=role)
        people.add_member(session, SYSTEM, "payments", "tom")
        people.add_member(session, SYSTEM, "payments", "ana")
        for name in ("ana", "vic", "tom"):
            found[name] = people.principal_for(session, people.get_user(session, name))
    return found


def _opened(sessions: sessionmaker[Session], ana: Principal, first: Visibility) -> str:
    """Version 1 with the secret, not for everyone; version 2 for everyone, without it."""
    with sessions.begin() as session:
        doc = service.create_document(
            session,
            Document(
                title="Vendor outage",
                visibility=first,
                team="payments" if first == Visibility.TEAM else None,
                sections=[Section(key="summary", heading="Summary", markdown=SECRET)],
            ),
            ana,
        )
        assert doc.id
        opened = doc.model_copy(
            update={
                "visibility": Visibility.ORGANISATION,
                "team": None,
                "sections": [Section(key="summary", heading="Summary", markdown="Redacted.")],
            }
        )
        service.update_document(session, doc.id, opened, ana, base_version=1)
    return doc.id


def test_an_opened_document_keeps_its_restricted_past(sessions: sessionmaker[Session]) -> None:
    who = _people(sessions)
    id = _opened(sessions, who["ana"], Visibility.RESTRICTED)
    with sessions() as session:
        vic = who["vic"]
        assert [v.version for v in history.versions(session, id, vic)] == [2]
        with pytest.raises(NotFoundError):
            history.snapshot(session, id, 1, vic)
        with pytest.raises(NotFoundError):
            history.diff(session, id, 1, 2, vic)
        assert history.snapshot(session, id, 2, vic).sections[0].markdown == "Redacted."
        # the author, granted as they restricted it, and admins read it
        for reader in (who["ana"], SYSTEM):
            assert SECRET in history.diff(session, id, 1, 2, reader)
            assert [v.version for v in history.versions(session, id, reader)] == [2, 1]
    with sessions.begin() as session, pytest.raises(NotFoundError):
        editor = people.create_user(session, SYSTEM, "ed", role=Role.EDITOR)
        history.restore(session, id, 1, people.principal_for(session, editor), base_version=2)


def test_a_team_version_is_read_by_the_team(sessions: sessionmaker[Session]) -> None:
    who = _people(sessions)
    id = _opened(sessions, who["ana"], Visibility.TEAM)
    with sessions() as session:
        assert SECRET in history.diff(session, id, 1, 2, who["tom"])  # in the team
        with pytest.raises(NotFoundError):
            history.snapshot(session, id, 1, who["vic"])
