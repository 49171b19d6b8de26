"""Load the demo (shipped with the package): post-mortems, people, a team and sharing rules."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.demo.analyses import load_demo_analyses
from kintsugi.demo.learning import load_demo_learning
from kintsugi.demo.standins import draft_demo_incident
from kintsugi.incidents import service as incidents
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import Visibility
from kintsugi.postmortems.importer import ImportResult, import_paths
from kintsugi.postmortems.lookups import any_stored
from kintsugi.wiring import wire

DOCUMENTS = Path(__file__).resolve().parent / "documents"

DEMO_PEOPLE: tuple[tuple[str, Role, str], ...] = (
    ("admin", Role.ADMIN, "Demo Admin"),
    ("maja", Role.FACILITATOR, "Maja Lindqvist"),
    ("tomas", Role.EDITOR, "Tomás Ferreira"),
    ("priya", Role.VIEWER, "Priya Raman"),
    ("jonas", Role.EDITOR, "Jonas Weber"),
    ("lea", Role.EDITOR, "Lea Moreau"),
)
# the teams the demo's action items are owned by; the first sees the team-only document
DEMO_TEAMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("platform-team", ("maja", "tomas", "jonas")),
    ("sre-team", ("maja", "lea")),
)
TEAM_DOCUMENT = "2026-05-19-stale-feature-flags"
RESTRICTED_DOCUMENT = "2026-10-02-partner-api-certificate"


@dataclass
class DemoResult:
    """What the demo loaded, with the sign-in details of the people it created."""

    imported: ImportResult
    passwords: dict[str, str] = field(default_factory=dict)


def database_is_empty(sessions: sessionmaker[Session]) -> bool:
    """True when no post-mortem has been stored yet."""
    with sessions() as session:
        return not any_stored(session)


def load_demo(sessions: sessionmaker[Session]) -> DemoResult:
    """Import the demo post-mortems (again: they update in place) and its people."""
    wire()  # callable on its own (tests, scripts): the slices react to the import
    # people and teams first: the import matches action items' owners to them
    passwords = _load_demo_people(sessions)
    result = DemoResult(imported=import_paths(sessions, [DOCUMENTS], SYSTEM, strict=True))
    result.passwords = passwords
    if not result.imported.ok:
        return result
    with sessions.begin() as session:
        _share(session, TEAM_DOCUMENT, Visibility.TEAM, team=DEMO_TEAMS[0][0])
        _share(session, RESTRICTED_DOCUMENT, Visibility.RESTRICTED, access=["priya"])
    load_demo_analyses(sessions)
    load_demo_learning(sessions)
    _load_demo_incidents(sessions)
    return result


def _load_demo_people(sessions: sessionmaker[Session]) -> dict[str, str]:
    """Create the demo's people and teams that are missing; the new people's passwords."""
    passwords: dict[str, str] = {}
    with sessions.begin() as session:
        existing = {u.username for u in people.list_users(session)}
        for username, role, name in DEMO_PEOPLE:
            if username in existing:
                continue
            password = secrets.token_urlsafe(12)
            people.create_user(
                session, SYSTEM, username, role=role, password=password, display_name=name
            )
            passwords[username] = password
        teams = {t.name for t in people.list_teams(session)}
        for team, members in DEMO_TEAMS:
            if team not in teams:
                people.create_team(session, SYSTEM, team)
            for username in members:
                people.add_member(session, SYSTEM, team, username)
    return passwords


UNFILED = ("manual:2026-10-28-payment-webhook-retries", "Payment webhook retries exhausted")


def _load_demo_incidents(sessions: sessionmaker[Session]) -> None:
    """The newest incident, drafted through ``kintsugi draft`` from local vendor stand-ins,
    and an incident nobody has opened a post-mortem for (it counts against completion)."""
    draft_demo_incident(sessions)
    reference, title = UNFILED
    with sessions.begin() as session:
        if incidents.find(session, reference) is None:
            incidents.add_incident(
                session,
                SYSTEM,
                title,
                severity="SEV3",
                started_at=datetime(2026, 10, 28, 8, 40, tzinfo=UTC),
                resolved_at=datetime(2026, 10, 28, 10, 5, tzinfo=UTC),
                services=["payments"],
                reference=reference,
            )


def _share(
    session: Session,
    id: str,
    visibility: Visibility,
    *,
    team: str | None = None,
    access: list[str] | None = None,
) -> None:
    doc = postmortems.get_document(session, id, SYSTEM)
    if doc.visibility == visibility:
        return
    shared = doc.model_copy(update={"visibility": visibility, "team": team, "access": access or []})
    postmortems.update_document(session, id, shared, SYSTEM, base_version=doc.version)
