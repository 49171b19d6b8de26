"""The people an owner names: an action item's owner is free text until the people slice
manages owners. A *person* owner is the active user whose username, display name or email
matches (``service.find_active_user``); a *team* owner is the team's active members."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kintsugi.people.models import User
from kintsugi.people.service import find_active_user
from kintsugi.people.teams import active_members


def owner_users(session: Session, owner: str | None, owner_kind: str = "person") -> list[User]:
    """The active users ``owner`` names (a team's members for a team owner); may be empty."""
    if not owner or not owner.strip():
        return []
    if owner_kind == "team":
        return active_members(session, owner)
    user = find_active_user(session, owner)
    return [user] if user is not None else []
