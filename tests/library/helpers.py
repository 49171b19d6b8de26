"""Helpers for the library tests: documents stored through the service, then indexed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.library.index import reindex_document
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Principal, Role
from kintsugi.postmortems import service
from kintsugi.postmortems.document import (
    ActionItem,
    Document,
    Kind,
    Section,
    Severity,
    Status,
    TimelineEvent,
    Visibility,
)


def add(
    sessions: sessionmaker[Session],
    title: str,
    *,
    summary: str = "",
    root_cause: str = "",
    timeline: Sequence[str] = (),
    actions: Sequence[str] = (),
    tags: Sequence[str] = (),
    services: Sequence[str] = (),
    severity: Severity | None = None,
    status: Status = Status.DRAFT,
    year: int = 2025,
    visibility: Visibility = Visibility.ORGANISATION,
    team: str | None = None,
    access: Sequence[str] = (),
    kind: Kind = Kind.POSTMORTEM,
) -> str:
    """Store a post-mortem through the service, index it, and return its id."""
    sections = [Section(key="summary", heading="Summary", markdown=summary)] if summary else []
    if root_cause:
        sections.append(Section(key="root_cause", heading="Root cause", markdown=root_cause))
    doc = Document(
        title=title,
        severity=severity,
        status=status,
        started_at=datetime(year, 6, 1, 12, 0, tzinfo=UTC),
        tags=list(tags),
        services=list(services),
        sections=sections,
        timeline=[TimelineEvent(text=t) for t in timeline],
        action_items=[ActionItem(title=a) for a in actions],
        visibility=visibility,
        team=team,
        access=list(access),
        kind=kind,
    )
    with sessions.begin() as session:
        stored = service.create_document(session, doc, SYSTEM)
        assert stored.id is not None
        reindex(session, stored.id)
        return stored.id


def reindex(session: Session, id: str) -> None:
    """Index one document by id (the service will do this itself once wired)."""
    reindex_document(session, service.find_row(session, id, SYSTEM).pk)


def user(sessions: sessionmaker[Session], username: str, *, teams: Sequence[str] = ()) -> Principal:
    """A signed-in viewer, member of ``teams`` (created when missing)."""
    with sessions.begin() as session:
        created = people.create_user(session, SYSTEM, username, role=Role.VIEWER)
        for name in teams:
            if name not in {t.name for t in people.list_teams(session)}:
                people.create_team(session, SYSTEM, name)
            people.add_member(session, SYSTEM, name, username)
        return people.principal_for(session, created)
