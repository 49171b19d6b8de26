"""A document's rows: the child rows a save writes, and the stored document read back.

The post-mortems service writes through these; a document's timeline events and action
items come from the stores the other slices install (``parts``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Integer, Select, bindparam, insert, literal, select, union_all
from sqlalchemy.orm import Session

from kintsugi.core.db import Base
from kintsugi.people import service as people
from kintsugi.postmortems import parts
from kintsugi.postmortems.document import ActionItem, Document, Section, Status, TimelineEvent
from kintsugi.postmortems.models import AccessGrantRow, AuthorRow, SectionRow, ServiceRow, TagRow

CHILD_TABLES = (TagRow, ServiceRow, AuthorRow, SectionRow, AccessGrantRow)


def child_rows(
    pk: int, doc: Document, grant_ids: Sequence[int]
) -> dict[type[Base], list[dict[str, Any]]]:
    """The rows of a document's tags, services, authors, sections and access grants."""
    return {
        TagRow: [{"postmortem_pk": pk, "tag": t} for t in _unique(doc.tags)],
        ServiceRow: [{"postmortem_pk": pk, "service": s} for s in _unique(doc.services)],
        AuthorRow: [
            {"postmortem_pk": pk, "position": i, "name": a} for i, a in enumerate(doc.authors)
        ],
        SectionRow: [
            {
                "postmortem_pk": pk,
                "position": i,
                "key": s.key,
                "heading": s.heading,
                "level": s.level,
                "markdown": s.markdown,
            }
            for i, s in enumerate(doc.sections)
        ],
        AccessGrantRow: [{"postmortem_pk": pk, "user_id": u} for u in grant_ids],
    }


Children = dict[type[Base], list[Any]]
"""What a document's child tables hold, in the form ``same_children`` compares."""


def stored_children(session: Session, pk: int) -> Children:
    """What the child tables hold for ``pk``."""
    return _children(_labels(session, pk), session.execute(_SECTIONS_OF, {"pk": pk}))


def _children(labels: dict[str, list[Any]], sections: Iterable[Any]) -> Children:
    return {
        TagRow: labels["tag"],
        ServiceRow: labels["service"],
        AuthorRow: labels["author"],
        AccessGrantRow: labels["grant"],
        SectionRow: [tuple(r) for r in sections],
    }


def same_children(table: type[Base], stored: list[Any], rows: list[dict[str, Any]]) -> bool:
    """Whether the new ``rows`` of ``table`` say what is ``stored`` already."""
    if table is SectionRow:
        return stored == [(r["key"], r["heading"], r["level"], r["markdown"]) for r in rows]
    if table is AuthorRow:
        return stored == [r["name"] for r in rows]
    column = {TagRow: "tag", ServiceRow: "service", AccessGrantRow: "user_id"}[table]
    return sorted(stored) == sorted(r[column] for r in rows)


def insert_rows(session: Session, table: type[Base], rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(table), rows)


def _unique(values: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        value = value.strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


_LABELS = ("tag", "service", "author", "grant")


def _labels_statement() -> Select[str, str, int]:
    """Tags, services, authors and access grants of post-mortem ``:pk``, in one round trip."""
    pk = bindparam("pk", type_=Integer)
    parts = union_all(
        select(literal("tag"), TagRow.tag, literal(0)).where(TagRow.postmortem_pk == pk),
        select(literal("service"), ServiceRow.service, literal(0)).where(
            ServiceRow.postmortem_pk == pk
        ),
        select(literal("author"), AuthorRow.name, AuthorRow.position).where(
            AuthorRow.postmortem_pk == pk
        ),
        select(literal("grant"), literal(""), AccessGrantRow.user_id).where(
            AccessGrantRow.postmortem_pk == pk
        ),
    ).subquery()
    return select(parts.c[0], parts.c[1], parts.c[2]).order_by(parts.c[0], parts.c[2], parts.c[1])


# built once: a statement built per call costs more to key for the statement cache than to run
_LABELS_OF = _labels_statement()
_SECTIONS_OF = (
    select(SectionRow.key, SectionRow.heading, SectionRow.level, SectionRow.markdown)
    .where(SectionRow.postmortem_pk == bindparam("pk", type_=Integer))
    .order_by(SectionRow.position)
)


def _labels(session: Session, pk: int) -> dict[str, list[Any]]:
    """Tags, services and authors (text) and access grants (user ids) of post-mortem ``pk``."""
    labels: dict[str, list[Any]] = {name: [] for name in _LABELS}
    for part, text, number in session.execute(_LABELS_OF, {"pk": pk}):
        labels[part].append(number if part == "grant" else text)
    return labels


def document_of(session: Session, head: Any) -> Document:
    """The document whose ``postmortems`` columns are ``head`` (a row or a PostmortemRow)."""
    return stored_document(session, head)[0]


class Before(NamedTuple):
    """What is stored for a document, read earlier in the transaction that writes it."""

    children: Children
    timeline: list[TimelineEvent]
    action_items: list[ActionItem]


def stored_document(session: Session, head: Any) -> tuple[Document, Children]:
    """``document_of`` and, from the same reads, what its child tables hold."""
    pk = head.pk
    labels = _labels(session, pk)
    sections = session.execute(_SECTIONS_OF, {"pk": pk}).all()
    document = Document.model_validate(
        {
            "id": head.id,
            "title": head.title,
            "kind": head.kind,
            "status": head.status,
            "severity": head.severity,
            "started_at": head.started_at,
            "detected_at": head.detected_at,
            "resolved_at": head.resolved_at,
            # a document taken back to review keeps its row's time, but is not published now
            "published_at": head.published_at if head.status == Status.PUBLISHED else None,
            "timezone": head.timezone,
            "tags": labels["tag"],
            "services": labels["service"],
            "authors": labels["author"],
            "sections": [
                Section(key=key, heading=heading, level=level, markdown=markdown)
                for key, heading, level, markdown in sections
            ],
            "timeline": parts.timeline_store().load_events(session, pk),
            "action_items": parts.action_item_store().load_items(session, pk),
            "visibility": head.visibility,
            "team": people.team_name(session, head.team_id),
            "access": sorted(people.usernames_by_id(session, labels["grant"]).values()),
            "extra": dict(head.extra or {}),
            "version": head.version,
        }
    )
    return document, _children(labels, sections)
