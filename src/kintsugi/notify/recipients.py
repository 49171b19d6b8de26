"""Email addresses of action item owners.

An owner is free text until the people slice manages owners. A *person* owner resolves to the
email of the active user whose username (or display name) matches, case-insensitively, or to the
owner text itself when it is an email address. A *team* owner resolves to the emails of the
team's active members. Anything else has no email: such owners are told on Slack/SNS only.
"""

from __future__ import annotations

import re

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kintsugi.people.models import Team, TeamMember, User

_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def is_email(value: str) -> bool:
    """A plain address such as ``ana@example.com``."""
    return bool(_EMAIL.match(value.strip()))


def owner_emails(session: Session, owner: str | None, owner_kind: str = "person") -> list[str]:
    """Where to email ``owner``; empty when no address is known."""
    if not owner or not owner.strip():
        return []
    wanted = owner.strip().lower()
    if owner_kind == "team":
        rows = session.scalars(
            select(User.email)
            .join(TeamMember, TeamMember.user_id == User.id)
            .join(Team, Team.id == TeamMember.team_id)
            .where(func.lower(Team.name) == wanted, User.is_active.is_(True))
            .order_by(User.username)
        )
        return [e for e in dict.fromkeys(rows) if e]
    if is_email(owner):
        return [owner.strip()]
    email = session.scalar(
        select(User.email)
        .where(
            or_(func.lower(User.username) == wanted, func.lower(User.display_name) == wanted),
            User.is_active.is_(True),
            User.email.is_not(None),
        )
        .order_by(func.lower(User.username) != wanted, User.id)
        .limit(1)
    )
    return [email] if email else []
