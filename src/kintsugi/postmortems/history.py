"""Every version of a document: list them, compare two, restore an earlier one."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kintsugi.core.errors import NotFoundError
from kintsugi.people.principal import Principal
from kintsugi.postmortems import service
from kintsugi.postmortems.body import body_markdown
from kintsugi.postmortems.document import Document
from kintsugi.postmortems.models import VersionRow


@dataclass(frozen=True)
class VersionInfo:
    """Who changed the document, when, and how."""

    version: int
    actor: str
    change: str
    created_at: datetime

    def to_json(self) -> dict[str, object]:
        return {
            "version": self.version,
            "actor": self.actor,
            "change": self.change,
            "created_at": self.created_at.isoformat(),
        }


def versions(session: Session, id: str, viewer: Principal) -> list[VersionInfo]:
    """The versions of a document the viewer may see, newest first."""
    row = service.find_row(session, id, viewer)
    rows = session.execute(
        select(VersionRow.version, VersionRow.actor, VersionRow.change, VersionRow.created_at)
        .where(VersionRow.postmortem_pk == row.pk)
        .order_by(VersionRow.version.desc())
    )
    return [VersionInfo(*r) for r in rows]


def snapshot(session: Session, id: str, version: int, viewer: Principal) -> Document:
    """The document as it was at ``version``."""
    row = service.find_row(session, id, viewer)
    stored = session.get(VersionRow, (row.pk, version))
    if stored is None:
        raise NotFoundError(f"post-mortem {row.id!r} has no version {version}")
    return Document.model_validate(stored.snapshot)


def _lines(doc: Document) -> list[str]:
    facts = [
        f"title: {doc.title}",
        f"status: {doc.status.value}",
        f"severity: {doc.severity.value if doc.severity else '-'}",
        f"visibility: {doc.visibility.value}",
        f"tags: {', '.join(doc.tags)}",
        f"services: {', '.join(doc.services)}",
        "",
    ]
    items = [
        f"- action: {a.title} | {a.owner or '-'} | {a.priority.value if a.priority else '-'} | "
        f"{a.due or '-'} | {a.status.value}"
        for a in doc.action_items
    ]
    return facts + body_markdown(doc).splitlines() + (["", *items] if items else [])


def diff(session: Session, id: str, old: int, new: int, viewer: Principal) -> str:
    """A unified diff between two versions (facts, text and action items)."""
    before = snapshot(session, id, old, viewer)
    after = snapshot(session, id, new, viewer)
    return "\n".join(
        difflib.unified_diff(
            _lines(before), _lines(after), f"version {old}", f"version {new}", lineterm=""
        )
    )


def restore(
    session: Session, id: str, version: int, actor: Principal, *, base_version: int | None
) -> Document:
    """Make the content of ``version`` current again, as a new version (nothing is lost)."""
    old = snapshot(session, id, version, actor)

    def restored(current: Document) -> Document:
        return old.model_copy(
            update={
                "id": current.id,
                "status": current.status,
                "visibility": current.visibility,
                "team": current.team,
                "access": current.access,
            }
        )

    return service.edit_document(
        session,
        id,
        restored,
        actor,
        base_version=base_version,
        change=f"restored version {version}",
    )
