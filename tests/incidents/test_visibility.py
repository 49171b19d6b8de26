"""Who sees which incidents: one with a post-mortem follows that post-mortem's visibility
(postmortems/access.py); one without a post-mortem is seen by editors and above."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import NotFoundError
from kintsugi.incidents import service
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Principal, Role
from tests.incidents.scenario import open_and_restricted_postmortems


def _principal(sessions: sessionmaker[Session], name: str, role: Role) -> Principal:
    with sessions.begin() as session:
        return people.principal_for(session, people.create_user(session, SYSTEM, name, role=role))


def _world(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        open_and_restricted_postmortems(session)
        for title, pm in (("Cache outage", "open-pm"), ("Data exposure", "secret-pm")):
            service.add_incident(session, SYSTEM, title, postmortem_id=pm)
        service.add_incident(session, SYSTEM, "Unfiled payment failure")


def _titles(sessions: sessionmaker[Session], viewer: Principal) -> set[str]:
    with sessions() as session:
        return {r.title for r in service.list_incidents(session, viewer)}


def test_incidents_follow_their_post_mortems_visibility(sessions: sessionmaker[Session]) -> None:
    olga = _principal(sessions, "olga", Role.VIEWER)
    ivan = _principal(sessions, "ivan", Role.VIEWER)
    ed = _principal(sessions, "ed", Role.EDITOR)
    _world(sessions)
    assert _titles(sessions, olga) == {"Cache outage"}
    assert _titles(sessions, ivan) == {"Cache outage", "Data exposure"}
    assert _titles(sessions, ed) == {"Cache outage", "Unfiled payment failure"}
    assert len(_titles(sessions, SYSTEM)) == 3
    with sessions() as session:
        hidden = next(
            r for r in service.list_incidents(session, SYSTEM) if r.title == "Data exposure"
        )
        with pytest.raises(NotFoundError):
            service.get_incident(session, olga, hidden.reference)
        assert service.get_incident(session, ivan, hidden.reference).title == "Data exposure"
