"""Owners of action items: a team, a person, or text that names neither.

An owner is a *team* when a team of that name exists (case-insensitive). Otherwise it is a
*person*: a name that matches one active person (``people.matching``: username, display name
or email, ignoring case and accents) is stored as that person's username, so "tomas" and
"Tomás Ferreira" are one owner; a name that matches nobody is kept as typed and shown as
unmatched. Callers may also say which kind explicitly.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError
from kintsugi.people.matching import PeopleIndex, people_index
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


def people(session: Session) -> PeopleIndex:
    """The active people, for resolving many owners with one query."""
    with session.no_autoflush:
        return people_index(session)


def stored_owner(teams: frozenset[str], index: PeopleIndex, owner: str | None) -> str | None:
    """``owner`` as stored: a team's name or unmatched text as typed (trimmed), a person's
    username when the text names one person; None for no owner."""
    text = (owner or "").strip()
    if not text:
        return None
    if text.lower() in teams:
        return text
    person = index.match(text)
    return person.username if person else text


def resolve_owner(session: Session, owner: str | None, explicit: str | None = None) -> str | None:
    """One owner as stored (``stored_owner``); an owner said to be a team is kept as typed."""
    if explicit == "team":
        return (owner or "").strip() or None
    if not (owner or "").strip():
        return None
    return stored_owner(team_names(session), people(session), owner)
