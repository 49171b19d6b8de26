"""Soft deletion: a deleted document disappears everywhere, and an admin can undo it for 30 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kintsugi.audit import service as audit
from kintsugi.core.errors import InputError, NotFoundError
from kintsugi.core.types import utcnow
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import Principal
from kintsugi.postmortems import service
from kintsugi.postmortems.models import PostmortemRow

UNDO_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Deleted:
    """A document in the bin."""

    id: str
    title: str
    deleted_at: datetime

    @property
    def purge_after(self) -> datetime:
        return self.deleted_at + UNDO_WINDOW


def delete_document(session: Session, id: str, actor: Principal) -> None:
    """Move a document to the bin (editors); it vanishes from every list, search and export."""
    require(actor, Action.DELETE_POSTMORTEMS)
    row = service.find_row(session, id, actor)
    row.deleted_at = utcnow()
    audit.record(session, actor, "deleted", row.id, title=row.title)


def deleted_documents(session: Session, actor: Principal) -> list[Deleted]:
    """The bin, newest first (admins)."""
    _require_admin(actor)
    rows = session.execute(
        select(PostmortemRow.id, PostmortemRow.title, PostmortemRow.deleted_at)
        .where(PostmortemRow.deleted_at.is_not(None))
        .order_by(PostmortemRow.deleted_at.desc())
    )
    return [Deleted(i, t, d) for i, t, d in rows if d is not None]


def undelete(session: Session, id: str, actor: Principal) -> None:
    """Bring a document back from the bin within 30 days (admins)."""
    _require_admin(actor)
    row = session.scalars(
        select(PostmortemRow).where(PostmortemRow.id == id, PostmortemRow.deleted_at.is_not(None))
    ).one_or_none()
    if row is None or row.deleted_at is None:
        raise NotFoundError(f"no deleted post-mortem with id {id!r}")
    if utcnow() - row.deleted_at > UNDO_WINDOW:
        raise InputError(f"{id!r} was deleted more than 30 days ago and cannot be restored")
    row.deleted_at = None
    audit.record(session, actor, "restored", row.id)


def purge(session: Session, now: datetime | None = None) -> int:
    """Remove for good what has been in the bin for more than 30 days; returns how many."""
    cutoff = (now or utcnow()) - UNDO_WINDOW
    result = session.execute(
        delete(PostmortemRow).where(
            PostmortemRow.deleted_at.is_not(None), PostmortemRow.deleted_at < cutoff
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _require_admin(actor: Principal) -> None:
    require(actor, Action.MANAGE_BIN)
