"""Owners of action items: a person (username or name) or a team, kept as free text.

Until the people slice manages owners, an owner is a *team* when a team of that name exists
(case-insensitive), otherwise a *person*; callers may also say which explicitly.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError
from kintsugi.people.teams import lowered_team_names, member_usernames, team_exists

OWNER_KINDS = ("person", "team")


def owner_kind_for(session: Session, owner: str | None, explicit: str | None = None) -> str:
    """``person`` or ``team`` for ``owner``; an explicit kind wins."""
    if explicit is not None:
        if explicit not in OWNER_KINDS:
            raise InputError(f"unknown owner kind {explicit!r}; person or team", field="owner_kind")
        return explicit
    if not owner:
        return "person"
    with session.no_autoflush:  # callers may be half-way through filling a new row
        return "team" if team_exists(session, owner) else "person"


def team_names(session: Session) -> frozenset[str]:
    """Lower-cased names of every team (one query, for deciding many owners' kinds)."""
    with session.no_autoflush:
        return lowered_team_names(session)


def owner_kind_among(teams: frozenset[str], owner: str | None) -> str:
    """``team`` when ``owner`` names one of ``teams`` (see team_names), else ``person``."""
    return "team" if owner and owner.strip().lower() in teams else "person"


def team_member_names(session: Session, team: str) -> list[str]:
    """Usernames of the members of the team called ``team`` (none when there is no such team)."""
    return member_usernames(session, team)
