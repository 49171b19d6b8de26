"""Storage of a document's timeline events (those written in the document itself)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from kintsugi.postmortems.document import TimelineEvent
from kintsugi.timeline.models import TimelineEventRow

DOCUMENT_SOURCE = "document"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# merged timelines read in time order; events whose time is unknown keep their place at the end
_TIMELINE_ORDER = (
    TimelineEventRow.at.is_(None),
    TimelineEventRow.at,
    TimelineEventRow.position,
    TimelineEventRow.id,
)


def load_events(session: Session, postmortem_pk: int) -> list[TimelineEvent]:
    """Every stored event of one post-mortem, in timeline order."""
    rows = session.scalars(
        select(TimelineEventRow)
        .where(TimelineEventRow.postmortem_pk == postmortem_pk)
        .order_by(*_TIMELINE_ORDER)
    )
    return [_to_event(row) for row in rows]


def load_events_for(
    session: Session, postmortem_pks: Sequence[int]
) -> dict[int, list[TimelineEvent]]:
    """Events of several post-mortems in one query, keyed by post-mortem."""
    result: dict[int, list[TimelineEvent]] = {pk: [] for pk in postmortem_pks}
    if not postmortem_pks:
        return result
    rows = session.scalars(
        select(TimelineEventRow)
        .where(TimelineEventRow.postmortem_pk.in_(postmortem_pks))
        .order_by(TimelineEventRow.postmortem_pk, *_TIMELINE_ORDER)
    )
    for row in rows:
        result[row.postmortem_pk].append(_to_event(row))
    return result


def replace_document_events(
    session: Session,
    postmortem_pk: int,
    events: Sequence[TimelineEvent],
    *,
    is_new: bool = False,
) -> list[TimelineEvent]:
    """Replace the events that came from the document's text; keep fetched and hand-edited ones.

    Returns the post-mortem's whole timeline afterwards.
    """
    if not is_new:
        session.execute(
            delete(TimelineEventRow).where(
                TimelineEventRow.postmortem_pk == postmortem_pk,
                TimelineEventRow.source == DOCUMENT_SOURCE,
                TimelineEventRow.edited.is_(False),
            )
        )
    written = [e for e in events if e.source == DOCUMENT_SOURCE]
    if written:
        session.execute(
            insert(TimelineEventRow),
            [_document_row(postmortem_pk, n, event) for n, event in enumerate(written)],
        )
    if is_new:
        return sorted(written, key=lambda e: (e.at is None, e.at or _EPOCH))
    return load_events(session, postmortem_pk)


def insert_document_events(
    session: Session, batch: Sequence[tuple[int, Sequence[TimelineEvent]]]
) -> dict[int, list[TimelineEvent]]:
    """The document events of new post-mortems, written in one statement (imports)."""
    rows = [
        _document_row(postmortem_pk, position, event)
        for postmortem_pk, events in batch
        for position, event in enumerate(e for e in events if e.source == DOCUMENT_SOURCE)
    ]
    if rows:
        session.execute(insert(TimelineEventRow), rows)
    return {
        pk: sorted(
            (e for e in events if e.source == DOCUMENT_SOURCE),
            key=lambda e: (e.at is None, e.at or _EPOCH),
        )
        for pk, events in batch
    }


def _document_row(postmortem_pk: int, position: int, event: TimelineEvent) -> dict[str, object]:
    return {
        "postmortem_pk": postmortem_pk,
        "position": position,
        "at": event.at,
        "precision": event.precision,
        "text": event.text,
        "actor": event.actor,
        "source": DOCUMENT_SOURCE,
        "source_id": event.source_id,
        "kind": event.kind,
        "edited": False,
        "refs": [],
    }


def _to_event(row: TimelineEventRow) -> TimelineEvent:
    return TimelineEvent(
        at=row.at,
        text=row.text,
        actor=row.actor,
        source=row.source,
        precision=row.precision,
        source_id=row.source_id,
        kind=row.kind,
    )
