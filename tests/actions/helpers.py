"""Helpers for the action items tests: post-mortems with items, people and teams."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.people.models import Team, TeamMember, User
from kintsugi.people.principal import SYSTEM, Principal, Role
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import ActionItem, Document, Visibility
from kintsugi.postmortems.models import AccessGrantRow, PostmortemRow


def make_postmortem(
    sessions: sessionmaker[Session],
    title: str,
    items: Sequence[ActionItem] = (),
    *,
    visibility: Visibility = Visibility.ORGANISATION,
    access: Sequence[str] = (),
) -> Document:
    """Store a post-mortem with ``items`` as the local operator (``access``: granted users)."""
    doc = Document(
        title=title, action_items=list(items), visibility=visibility, access=list(access)
    )
    with sessions.begin() as session:
        return postmortems.create_document(session, doc, SYSTEM)


def make_user(
    sessions: sessionmaker[Session],
    username: str,
    *,
    email: str | None = None,
    role: Role = Role.VIEWER,
    teams: Sequence[str] = (),
) -> Principal:
    """A user (in the people tables) and the principal acting as them."""
    with sessions.begin() as session:
        user = User(username=username, email=email, role=role.value)
        session.add(user)
        session.flush()
        team_ids = []
        for name in teams:
            team = session.query(Team).filter_by(name=name).one_or_none()
            if team is None:
                team = Team(name=name)
                session.add(team)
                session.flush()
            session.add(TeamMember(team_id=team.id, user_id=user.id))
            team_ids.append(team.id)
        return Principal(
            user_id=user.id, username=username, role=role, team_ids=frozenset(team_ids)
        )


def grant(sessions: sessionmaker[Session], postmortem_id: str, user: Principal) -> None:
    """Let ``user`` see a restricted post-mortem."""
    with sessions.begin() as session:
        pk = session.query(PostmortemRow.pk).filter_by(id=postmortem_id).scalar()
        assert user.user_id is not None
        session.add(AccessGrantRow(postmortem_pk=pk, user_id=user.user_id))
