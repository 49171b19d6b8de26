"""Helpers for the metrics tests: incidents with known times, items, people and teams."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions.models import ActionItemRow
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import (
    ActionItem,
    Document,
    Kind,
    Section,
    Severity,
    Status,
    Visibility,
)

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    """``2026-05-01 10:00`` as an aware UTC time."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def incident(
    sessions: sessionmaker[Session],
    id: str,
    *,
    severity: Severity | None = Severity.SEV1,
    started: str | None = None,
    detected: str | None = None,
    resolved: str | None = None,
    published: str | None = None,
    status: Status | None = None,
    kind: Kind = Kind.POSTMORTEM,
    team: str | None = None,
    visibility: Visibility = Visibility.ORGANISATION,
    access: Sequence[str] = (),
    authors: Sequence[str] = (),
    items: Sequence[ActionItem] = (),
    services: Sequence[str] = (),
    sections: Sequence[Section] = (),
) -> Document:
    """Store an incident; ``published``: published at that time (as an imported file says)."""
    doc = Document(
        id=id,
        title=f"Incident {id}",
        kind=kind,
        severity=severity,
        status=status or (Status.PUBLISHED if published else Status.DRAFT),
        started_at=at(started) if started else None,
        detected_at=at(detected) if detected else None,
        resolved_at=at(resolved) if resolved else None,
        published_at=at(published) if published else None,
        team=team,
        visibility=visibility,
        access=list(access),
        authors=list(authors),
        action_items=list(items),
        services=list(services),
        sections=list(sections),
    )
    with sessions.begin() as session:
        return postmortems.create_document(session, doc, SYSTEM)


def complete_items(sessions: sessionmaker[Session], postmortem_id: str, when: str) -> None:
    """Mark every item of a post-mortem completed at ``when``."""
    with sessions.begin() as session:
        pk = postmortems.find_row(session, postmortem_id, SYSTEM).pk
        session.execute(
            update(ActionItemRow)
            .where(ActionItemRow.postmortem_pk == pk)
            .values(status="completed", completed_at=at(when)),
            execution_options={"synchronize_session": False},
        )


def team(sessions: sessionmaker[Session], name: str, *members: str) -> None:
    """A team with existing users as members."""
    with sessions.begin() as session:
        people.create_team(session, SYSTEM, name)
        for member in members:
            people.add_member(session, SYSTEM, name, member)
