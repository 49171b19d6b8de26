"""Helpers for the handbook tests: people, and published post-mortems with learnings."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import (
    ActionItem,
    Document,
    Section,
    Severity,
    Status,
    Visibility,
)
from tests.actions.helpers import make_user

__all__ = ["make_user", "publish"]


def publish(
    sessions: sessionmaker[Session],
    title: str,
    *,
    marker: str = "",
    visibility: Visibility = Visibility.ORGANISATION,
    team: str | None = None,
    access: tuple[str, ...] = (),
    status: Status = Status.PUBLISHED,
    items: tuple[ActionItem, ...] = (),
) -> Document:
    """Store a post-mortem (published by default) whose text carries ``marker`` everywhere."""
    tail = f" {marker}" if marker else ""
    doc = Document(
        title=f"{title} {marker}".strip(),
        status=status,
        severity=Severity.SEV2,
        visibility=visibility,
        team=team,
        access=list(access),
        action_items=list(items),
        sections=[
            Section(
                key="summary",
                heading="Summary",
                markdown=f"Checkout was down for 40 minutes{tail}.\n\nMore detail here.",
            ),
            Section(
                key="what_went_wrong",
                heading="What could improve",
                markdown=f"- Config changes skip validation{tail}\n- The alert fired late",
            ),
            Section(
                key="lessons_learned",
                heading="Lessons learned",
                markdown=f"Treat configuration like code{tail}.",
            ),
        ],
    )
    with sessions.begin() as session:
        return postmortems.create_document(session, doc, SYSTEM)
