"""Accounts as other slices read them: usernames, ids and the people an owner names,
without the people slice's tables.

Other slices keep a user's id in their own rows (a participant matched to an account, a
self-check result); these map between ids and usernames in one query each. An action item's
owner is free text: ``owner_accounts`` says which active accounts it names.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kintsugi.people.models import Team, TeamMember, User


def ids_by_username(session: Session, usernames: Iterable[str]) -> dict[str, int]:
    """The ids of those of ``usernames`` that name an account (active or not)."""
    wanted = list(dict.fromkeys(usernames))
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.id).where(User.username.in_(wanted)))
    return {username: user_id for username, user_id in rows}


def active_usernames_by_id(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The usernames of those of user ``ids`` whose account is active."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(User.id, User.username).where(User.id.in_(wanted), User.is_active.is_(True))
    )
    return {user_id: username for user_id, username in rows}


def owner_accounts(
    session: Session, owner: str | None, owner_kind: str = "person"
) -> list[tuple[str, str | None]]:
    """(username, stored address) of the active accounts ``owner`` names; may be empty.

    A *person* owner is the active user with an address whose username, display name or
    address matches, case-insensitively (an exact username first). A *team* owner is the
    team's active members, by username.
    """
    if not owner or not owner.strip():
        return []
    wanted = owner.strip().lower()
    if owner_kind == "team":
        rows = session.execute(
            select(User.username, User.email)
            .join(TeamMember, TeamMember.user_id == User.id)
            .join(Team, Team.id == TeamMember.team_id)
            .where(func.lower(Team.name) == wanted, User.is_active.is_(True))
            .order_by(User.username)
            .distinct()
        )
        return [(username, email) for username, email in rows]
    row = session.execute(
        select(User.username, User.email)
        .where(
            or_(
                func.lower(User.username) == wanted,
                func.lower(User.display_name) == wanted,
                func.lower(User.email) == wanted,
            ),
            User.is_active.is_(True),
            User.email.is_not(None),
        )
        .order_by(func.lower(User.username) != wanted, User.id)
        .limit(1)
    ).first()
    return [] if row is None else [(row.username, row.email)]
