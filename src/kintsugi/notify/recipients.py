"""Email addresses of action item owners.

An owner is free text until the people slice manages owners. A *person* owner resolves to the
email stored for the active user whose username, display name or email matches,
case-insensitively: notices go only to people Kintsugi knows, at the address stored for them,
never to an address someone typed. A *team* owner resolves to the emails of the team's active
members. Anything else has no email: such owners are told on Slack/SNS only.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError
from kintsugi.people.models import Team, TeamMember, User


def address_problem(value: str) -> str | None:
    """Why ``value`` is not a plain email address such as ``ana@example.com`` (None if it is).

    No display name, no line breaks; internal domains (no dot) are allowed for self-hosting.
    """
    if "\r" in value or "\n" in value:
        return "an email address cannot contain a line break"
    try:
        validate_email(value, check_deliverability=False, globally_deliverable=False)
    except EmailNotValidError as exc:
        return f"{value!r} is not an email address: {exc}"
    return None


def is_email(value: str) -> bool:
    """A plain address such as ``ana@example.com``."""
    return address_problem(value.strip()) is None


def check_email(value: str, field: str) -> str:
    """``value`` stripped when it is an email address; InputError naming ``field`` otherwise."""
    problem = address_problem(value.strip())
    if problem is not None:
        raise InputError(problem, field=field)
    return value.strip()


def owner_users(session: Session, owner: str | None, owner_kind: str = "person") -> list[User]:
    """The active users ``owner`` names (a team's members for a team owner); may be empty."""
    if not owner or not owner.strip():
        return []
    wanted = owner.strip().lower()
    if owner_kind == "team":
        return list(
            session.scalars(
                select(User)
                .join(TeamMember, TeamMember.user_id == User.id)
                .join(Team, Team.id == TeamMember.team_id)
                .where(func.lower(Team.name) == wanted, User.is_active.is_(True))
                .order_by(User.username)
            ).unique()
        )
    user = session.scalar(
        select(User)
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
    )
    return [user] if user is not None else []


def owner_people(
    session: Session, owner: str | None, owner_kind: str = "person"
) -> list[tuple[str, str]]:
    """(username, stored address) of each person ``owner`` names who has a valid address."""
    found: dict[str, str] = {}
    for user in owner_users(session, owner, owner_kind):
        if user.email and is_email(user.email) and user.email not in found.values():
            found[user.username] = user.email
    return list(found.items())


def owner_emails(session: Session, owner: str | None, owner_kind: str = "person") -> list[str]:
    """Where to email ``owner``; empty when no address is known."""
    return [email for _, email in owner_people(session, owner, owner_kind)]
