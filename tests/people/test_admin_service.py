"""The administration use cases the pages and the CLI share: an admin stays, a password reset
gives a one-time temporary password, tokens expire and are revoked, teams are renamed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.audit import service as audit
from kintsugi.core.errors import ConflictError, InputError, PermissionDeniedError
from kintsugi.core.types import utcnow
from kintsugi.people import service as people
from kintsugi.people.models import ApiToken, User
from kintsugi.people.principal import SYSTEM, Principal, Role

PASSWORD = "a-long-enough-password"


def _add(session: Session, name: str, role: Role) -> Principal:
    user = people.create_user(session, SYSTEM, name, role=role, password=PASSWORD)
    return people.principal_for(session, user)


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        ada = _add(session, "ada", Role.ADMIN)
        _add(session, "bob", Role.EDITOR)
    with sessions.begin() as session, pytest.raises(ConflictError, match="no active admin"):
        people.set_role(session, ada, "ada", Role.EDITOR)
    with sessions.begin() as session, pytest.raises(ConflictError, match="no active admin"):
        people.set_active(session, SYSTEM, "ada", False)  # not even from the CLI
    with sessions.begin() as session, pytest.raises(ConflictError, match="yourself"):
        people.set_active(session, ada, "ada", False)

    with sessions.begin() as session:  # with a second admin, ada may step down
        people.set_role(session, ada, "bob", Role.ADMIN)
        people.set_role(session, ada, "ada", Role.VIEWER)
    with sessions() as session:
        assert people.get_user(session, "ada").role == "viewer"
        changes = [e.detail for e in audit.events(session, action="role_changed")]
        assert {"before": "admin", "after": "viewer"} in changes


def test_an_inactive_admin_does_not_count(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        ada = _add(session, "ada", Role.ADMIN)
        _add(session, "cy", Role.ADMIN)
        people.set_active(session, ada, "cy", False)
    with sessions.begin() as session, pytest.raises(ConflictError, match="no active admin"):
        people.set_role(session, ada, "ada", Role.EDITOR)
    with sessions.begin() as session:  # reactivating is recorded as such
        people.set_active(session, ada, "cy", True)
    with sessions() as session:
        assert people.get_user(session, "cy").is_active
        assert [e.target for e in audit.events(session, action="user_reactivated")] == ["cy"]


def test_a_password_reset_gives_a_temporary_password_kept_only_as_a_hash(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        ada = _add(session, "ada", Role.ADMIN)
        _add(session, "bob", Role.EDITOR)
        cookie, _csrf = people.start_session(session, people.get_user(session, "bob"))
    with sessions.begin() as session:
        temporary = people.reset_password(session, ada, "bob")
    assert len(temporary) >= people.MIN_PASSWORD_LENGTH
    with sessions.begin() as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "bob"))
        assert stored and temporary not in stored
        assert people.resolve_session(session, cookie) is None  # bob's browsers signed out
        assert people.authenticate(session, "bob", PASSWORD) is None
        assert people.authenticate(session, "bob", temporary) is not None
        assert [e.detail for e in audit.events(session, action="password_changed")] == [
            {"reset": True}
        ]
    with sessions.begin() as session, pytest.raises(PermissionDeniedError):
        bob = people.principal_for(session, people.get_user(session, "bob"))
        people.reset_password(session, bob, "ada")


def test_a_revoked_token_stops_working_and_says_so_once(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        ada = _add(session, "ada", Role.ADMIN)
        bob = _add(session, "bob", Role.EDITOR)
        token = people.create_token(session, ada, "bob", "ci", "write", expires_in_days=30)
    assert token.expires_at is not None
    assert timedelta(days=29) < token.expires_at - utcnow() <= timedelta(days=30)
    with sessions.begin() as session:
        assert people.principal_for_token(session, token.secret) == bob
        people.revoke_token(session, ada, token.id)
        people.revoke_token(session, ada, token.id)  # again: nothing more happens
    with sessions.begin() as session:
        assert people.principal_for_token(session, token.secret) is None
        assert len(audit.events(session, action="token_revoked")) == 1
        stored = session.scalar(select(ApiToken.token_hash).where(ApiToken.id == token.id))
        assert stored and token.secret not in stored


def test_an_expired_token_stops_working(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        ada = _add(session, "ada", Role.ADMIN)
        token = people.create_token(session, ada, "ada", "ci", "read", expires_in_days=1)
        never = people.create_token(session, ada, "ada", "forever", "read")
    assert never.expires_at is None
    with sessions.begin() as session:
        row = session.get(ApiToken, token.id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
    with sessions.begin() as session:
        assert people.principal_for_token(session, token.secret) is None
        assert people.principal_for_token(session, never.secret) is not None
    with sessions.begin() as session, pytest.raises(InputError, match="expires") as refused:
        people.create_token(session, ada, "ada", "ci", "read", expires_in_days=0)
    assert refused.value.field == "expires"


def test_a_team_is_renamed_with_its_members(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        ada = _add(session, "ada", Role.ADMIN)
        people.create_team(session, ada, "sre")
        people.create_team(session, ada, "web")
        people.add_member(session, ada, "sre", "ada")
    with sessions.begin() as session, pytest.raises(ConflictError, match="already exists"):
        people.rename_team(session, ada, "sre", "web")
    with sessions.begin() as session:
        people.rename_team(session, ada, "sre", "  platform ")
    with sessions() as session:
        assert people.members(session, "platform") == ["ada"]
        assert people.teams_by_user(session) == {ada.user_id: ["platform"]}
