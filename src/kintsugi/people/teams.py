"""Teams as other slices read them: looked up by name, case-insensitively.

Action items keep their owner as free text; these tell whether a text names a team and who
is in it, without the caller reading the people slice's tables.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kintsugi.people.models import Team, TeamMember, User


def team_exists(session: Session, name: str) -> bool:
    """True when a team is called ``name`` (case and surrounding spaces ignored)."""
    count = session.scalar(
        select(func.count(Team.id)).where(func.lower(Team.name) == name.strip().lower())
    )
    return bool(count)


def lowered_team_names(session: Session) -> frozenset[str]:
    """Lower-cased names of every team (one query)."""
    return frozenset(name.lower() for name in session.scalars(select(Team.name)))


def member_usernames(session: Session, name: str) -> list[str]:
    """Usernames of the members of the team called ``name`` (none when there is no such team)."""
    return list(
        session.scalars(
            select(User.username)
            .join(TeamMember, TeamMember.user_id == User.id)
            .join(Team, Team.id == TeamMember.team_id)
            .where(func.lower(Team.name) == name.strip().lower())
        )
    )


def active_members(session: Session, name: str) -> list[User]:
    """The active members of the team called ``name``, by username (none when no such team)."""
    return list(
        session.scalars(
            select(User)
            .join(TeamMember, TeamMember.user_id == User.id)
            .join(Team, Team.id == TeamMember.team_id)
            .where(func.lower(Team.name) == name.strip().lower(), User.is_active.is_(True))
            .order_by(User.username)
        ).unique()
    )
