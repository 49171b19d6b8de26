"""Every version of a document: list them, compare two, restore an earlier one.

A version is read only by those who may see the document now and who could see it as that
version was written (its visibility, team and named grants, through the one rule of
``access``): a document opened to the organisation does not open its restricted past.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter
from pydantic.dataclasses import dataclass as pydantic_dataclass
from sqlalchemy import select
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError, NotFoundError
from kintsugi.core.wire import IsoDatetime
from kintsugi.people import service as people
from kintsugi.people.principal import Principal
from kintsugi.postmortems import service
from kintsugi.postmortems.access import may_see_as_stored
from kintsugi.postmortems.body import body_markdown
from kintsugi.postmortems.document import Document
from kintsugi.postmortems.models import VersionRow


@pydantic_dataclass(frozen=True)
class VersionInfo:
    """Who changed the document (or its analysis), when, and how: the API's and
    ``history --json``'s shape."""

    version: int
    actor: str
    change: str
    created_at: IsoDatetime


VERSION_LIST = TypeAdapter(list[VersionInfo])


class _Readable:
    """Whether the viewer could read a version as it was written, once per distinct setting."""

    def __init__(self, session: Session, viewer: Principal) -> None:
        self.session = session
        self.viewer = viewer
        self.known: dict[tuple[Any, ...], bool] = {}

    def __call__(self, visibility: Any, team: Any, access: Any, author: str) -> bool:
        # who restricts a document is granted it as it is written (older versions do not
        # list them among the grants)
        named = self.viewer.username in (access or []) or self.viewer.username == author
        key = (visibility, team, named)
        if key not in self.known:
            self.known[key] = self._check(str(visibility or "organisation"), team, named)
        return self.known[key]

    def _check(self, visibility: str, team: Any, named: bool) -> bool:
        try:
            team_id = people.team_id(self.session, team) if isinstance(team, str) else None
        except InputError:  # the team is gone: its members no longer say who it was
            team_id = None
        user_id = self.viewer.user_id
        granted = [user_id] if named and user_id is not None else []
        return may_see_as_stored(self.session, self.viewer, visibility, team_id, granted)

    def snapshot(self, data: Mapping[str, Any], author: str) -> bool:
        return self(data.get("visibility"), data.get("team"), data.get("access"), author)


def versions(session: Session, id: str, viewer: Principal) -> list[VersionInfo]:
    """The versions of a document the viewer may read, newest first."""
    row = service.find_row(session, id, viewer)
    snap = VersionRow.snapshot
    rows = session.execute(
        select(
            VersionRow.version,
            VersionRow.actor,
            VersionRow.change,
            VersionRow.created_at,
            snap["visibility"].as_string(),
            snap["team"].as_string(),
            snap["access"],
        )
        .where(VersionRow.postmortem_pk == row.pk)
        .order_by(VersionRow.version.desc())
    )
    readable = _Readable(session, viewer)
    return [VersionInfo(*r[:4]) for r in rows if readable(r[4], r[5], r[6], r[1])]


def snapshot(session: Session, id: str, version: int, viewer: Principal) -> Document:
    """The document as it was at ``version``, if the viewer could read it then (as missing
    otherwise)."""
    row = service.find_row(session, id, viewer)
    stored = session.get(VersionRow, (row.pk, version))
    if stored is None or not _Readable(session, viewer).snapshot(stored.snapshot, stored.actor):
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
