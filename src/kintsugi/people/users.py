"""Accounts as other slices read them: usernames and ids, without the people slice's tables.

Other slices keep a user's id in their own rows (a participant matched to an account, a
self-check result); these map between ids and usernames in one query each.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from kintsugi.people.models import User


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
