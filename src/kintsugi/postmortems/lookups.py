"""Post-mortems as other slices read them: heads, ids, states, without the slice's tables.

Other slices never import ``postmortems.models``; they call these (and ``service``,
``listing``, ``readers``). Functions taking a ``viewer`` apply the one visibility rule
(``access.visible_to``); the others read what a caller has already been allowed to see (or
counts nobody is shown), and say so.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from kintsugi.people.principal import Principal
from kintsugi.postmortems.access import visible_to
from kintsugi.postmortems.models import PostmortemRow, SectionRow


@dataclass(frozen=True)
class Head:
    """A post-mortem's head: what other slices show or decide on, without its text."""

    pk: int
    id: str
    title: str
    kind: str
    status: str
    severity: str | None
    visibility: str
    team_id: int | None
    timezone: str
    started_at: datetime | None
    resolved_at: datetime | None
    published_at: datetime | None
    created_at: datetime


_HEAD = (
    PostmortemRow.pk,
    PostmortemRow.id,
    PostmortemRow.title,
    PostmortemRow.kind,
    PostmortemRow.status,
    PostmortemRow.severity,
    PostmortemRow.visibility,
    PostmortemRow.team_id,
    PostmortemRow.timezone,
    PostmortemRow.started_at,
    PostmortemRow.resolved_at,
    PostmortemRow.published_at,
    PostmortemRow.created_at,
)


def head_of(row: Any) -> Head:
    """The head of a post-mortem row that ``service.find_row`` returned."""
    return Head(
        pk=row.pk,
        id=row.id,
        title=row.title,
        kind=row.kind,
        status=row.status,
        severity=row.severity,
        visibility=row.visibility,
        team_id=row.team_id,
        timezone=row.timezone,
        started_at=row.started_at,
        resolved_at=row.resolved_at,
        published_at=row.published_at,
        created_at=row.created_at,
    )


def stored_head(session: Session, pk: int) -> Head | None:
    """The head of post-mortem ``pk`` (deleted or not), None when there is none: from the
    session's own copy when it holds the row (just written), else with one query."""
    row = session.get(PostmortemRow, pk)
    return None if row is None else head_of(row)


def heads_by_pk(session: Session, pks: Collection[int]) -> dict[int, Head]:
    """The heads of post-mortems ``pks`` (deleted ones too), by pk: for records the caller has
    already let its viewer see (a meeting about them), never to list post-mortems."""
    wanted = sorted(set(pks))
    if not wanted:
        return {}
    rows = session.execute(select(*_HEAD).where(PostmortemRow.pk.in_(wanted)))
    return {row.pk: head_of(row) for row in rows}


def visible_pks(viewer: Principal) -> Select[int]:
    """A subquery of the pks of the post-mortems ``viewer`` may see (for ``IN``/``NOT IN``
    conditions on other slices' rows that refer to post-mortems)."""
    return select(PostmortemRow.pk).where(visible_to(viewer))


def team_pks(team_id: int) -> Select[int]:
    """A subquery of the pks of the post-mortems of team ``team_id``."""
    return select(PostmortemRow.pk).where(PostmortemRow.team_id == team_id)


def all_pks(session: Session) -> list[int]:
    """The pks of every stored post-mortem (deleted ones too), in order: for rebuilding
    derived data such as the library's index."""
    return list(session.scalars(select(PostmortemRow.pk).order_by(PostmortemRow.pk)))


def any_stored(session: Session) -> bool:
    """Whether any post-mortem is stored (deleted ones too)."""
    return session.scalar(select(PostmortemRow.pk).limit(1)) is not None


def published_time(session: Session, pk: int) -> datetime | None:
    """When post-mortem ``pk`` was published (None: not published, or no such post-mortem)."""
    return session.scalar(select(PostmortemRow.published_at).where(PostmortemRow.pk == pk))


def statuses(session: Session, pks: Collection[int]) -> set[str]:
    """The statuses the post-mortems ``pks`` are in (each status once)."""
    if not pks:
        return set()
    return set(session.scalars(select(PostmortemRow.status).where(PostmortemRow.pk.in_(pks))))


def visibilities(session: Session, ids: Collection[str]) -> set[str]:
    """The visibilities of the post-mortems ``ids`` (each visibility once)."""
    if not ids:
        return set()
    return set(session.scalars(select(PostmortemRow.visibility).where(PostmortemRow.id.in_(ids))))


def section_texts(session: Session, pk: int) -> list[tuple[str, str, str]]:
    """(key, heading, Markdown) of each stored section of post-mortem ``pk``, in order."""
    rows = session.execute(
        select(SectionRow.key, SectionRow.heading, SectionRow.markdown)
        .where(SectionRow.postmortem_pk == pk)
        .order_by(SectionRow.position)
    )
    return [(key, heading, markdown) for key, heading, markdown in rows]


def count_visible(session: Session, viewer: Principal, ids: Collection[str]) -> int:
    """How many of post-mortems ``ids`` ``viewer`` may see."""
    if not ids:
        return 0
    found = session.scalar(
        select(func.count(PostmortemRow.pk)).where(PostmortemRow.id.in_(ids), visible_to(viewer))
    )
    return int(found or 0)
