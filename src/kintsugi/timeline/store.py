"""Storage of a document's timeline events (those written in the document itself)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, Table, bindparam, delete, insert, select, update
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


_EVENT_COLUMNS = (
    TimelineEventRow.postmortem_pk,
    TimelineEventRow.at,
    TimelineEventRow.text,
    TimelineEventRow.actor,
    TimelineEventRow.source,
    TimelineEventRow.precision,
    TimelineEventRow.source_id,
    TimelineEventRow.kind,
)
"""What a TimelineEvent is made of: read as plain rows (documents are read on every request)."""
_EVENTS_OF = (  # built once: building a statement per call costs more than running it
    select(
        *_EVENT_COLUMNS,
        TimelineEventRow.id,
        TimelineEventRow.position,
        TimelineEventRow.edited,
    )
    .where(TimelineEventRow.postmortem_pk == bindparam("pk", type_=Integer))
    .order_by(*_TIMELINE_ORDER)
)
"""Every event of post-mortem ``:pk`` in timeline order (ids, positions and ``edited`` too, for
saves that reconcile the document's events)."""


def load_events(session: Session, postmortem_pk: int) -> list[TimelineEvent]:
    """Every stored event of one post-mortem, in timeline order."""
    return [_to_event(row) for row in session.execute(_EVENTS_OF, {"pk": postmortem_pk})]


_IDENTIFIED_EVENTS_OF = (
    select(
        TimelineEventRow.id,
        TimelineEventRow.at,
        TimelineEventRow.text,
        TimelineEventRow.actor,
        TimelineEventRow.source,
        TimelineEventRow.kind,
    )
    .where(TimelineEventRow.postmortem_pk == bindparam("pk", type_=Integer))
    .order_by(*_TIMELINE_ORDER)
)


def events_with_ids(
    session: Session, postmortem_pk: int
) -> list[tuple[int, datetime | None, str, str | None, str, str | None]]:
    """Every stored event of one post-mortem as (id, at, text, actor, source, kind), in
    timeline order; ``kind`` is None where none was stored. What cites events reads this."""
    return list(session.execute(_IDENTIFIED_EVENTS_OF, {"pk": postmortem_pk}).all())


def load_events_for(
    session: Session, postmortem_pks: Sequence[int]
) -> dict[int, list[TimelineEvent]]:
    """Events of several post-mortems in one query, keyed by post-mortem."""
    result: dict[int, list[TimelineEvent]] = {pk: [] for pk in postmortem_pks}
    if not postmortem_pks:
        return result
    rows = session.execute(
        select(*_EVENT_COLUMNS)
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

    An event the text still has, unchanged, keeps its stored row and id (root cause analyses
    cite events by id); the others are deleted and the new ones inserted.
    Returns the post-mortem's whole timeline afterwards.
    """
    written = [e for e in events if e.source == DOCUMENT_SOURCE]
    rows = [_document_row(postmortem_pk, n, event) for n, event in enumerate(written)]
    if is_new:
        if rows:
            session.execute(insert(TimelineEventRow), rows)
        return sorted(written, key=lambda e: (e.at is None, e.at or _EPOCH))
    before = session.execute(_EVENTS_OF, {"pk": postmortem_pk}).all()
    rows, changed = _keep_unchanged(session, before, rows)
    if rows:
        session.execute(insert(TimelineEventRow), rows)
    if not rows and not changed:  # the timeline is as it was (most saves edit other sections)
        return [_to_event(row) for row in before]
    return load_events(session, postmortem_pk)


def _event_key(row: dict[str, object]) -> tuple[object, ...]:
    at = row["at"]
    if isinstance(at, datetime):
        at = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)
    return (at, row["precision"], row["text"], row["actor"], row["source_id"], row["kind"])


def _shown_key(at: object, text: str, actor: str | None) -> tuple[object, ...]:
    """An event as its Markdown line shows it: the moment, the text on one line, the actor."""
    if isinstance(at, datetime):
        at = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)
    return (at, " ".join(text.split()), actor or None)


def _keep_unchanged(
    session: Session, before: Sequence[Any], wanted: list[dict[str, object]]
) -> tuple[list[dict[str, object]], bool]:
    """Reconcile the stored events with ``wanted`` (the events the document's text shows).

    ``before``: every stored event of the post-mortem (``_EVENTS_OF``). The text is a view of
    the stored events, so each line is matched, in this order, to: a stored document event
    equal in every field; any stored event it shows (a fetched or hand-edited one, read back
    from an export or the editor: the same moment, text and actor); a stored event at the same
    moment whose line was changed (an edit by hand: the row keeps its id and, when it was
    fetched, is marked ``edited`` so that no rebuild overwrites it). Lines left over are
    inserted; document events no line shows are deleted; fetched ones are kept.
    Returns the rows still to insert, and whether any stored event was changed.
    """
    t = TimelineEventRow
    stored = [r for r in before if r.source == DOCUMENT_SOURCE and not r.edited]
    by_key: dict[tuple[object, ...], list[tuple[int, int]]] = {}
    for found in stored:
        by_key.setdefault(_event_key(found._asdict()), []).append((found.id, found.position))
    moved: list[dict[str, object]] = []
    kept: set[int] = set()
    unmatched: list[dict[str, object]] = []
    for row in wanted:
        same = by_key.get(_event_key(row))
        if same:
            event_id, position = same.pop(0)
            kept.add(event_id)
            if position != row["position"]:
                moved.append({"event_id": event_id, "new_position": row["position"]})
        else:
            unmatched.append(row)
    others = [r for r in before if r.id not in kept]
    shown: dict[tuple[object, ...], list[int]] = {}
    for found in others:
        shown.setdefault(_shown_key(found.at, found.text, found.actor), []).append(found.id)
    left: list[dict[str, object]] = []
    for row in unmatched:
        same_shown = shown.get(_shown_key(row["at"], str(row["text"]), row["actor"]))  # type: ignore[arg-type]
        if same_shown:
            kept.add(same_shown.pop(0))
        else:
            left.append(row)
    edited = _pair_edits(session, [r for r in others if r.id not in kept], left, kept)
    to_insert = [row for row in left if id(row) not in edited]
    gone = [found.id for found in stored if found.id not in kept]
    changed = bool(gone or moved or edited)
    for start in range(0, len(gone), 500):
        session.execute(delete(t).where(t.id.in_(gone[start : start + 500])))
    if moved:
        table: Table = TimelineEventRow.__table__  # type: ignore[assignment]
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("event_id"))
            .values(position=bindparam("new_position")),
            moved,
        )
    return to_insert, changed


def _pair_edits(
    session: Session,
    candidates: Sequence[Any],
    lines: list[dict[str, object]],
    kept: set[int],
) -> set[int]:
    """Update stored events whose line was edited: a new line at the same moment as a stored
    event no line shows any more. Returns the ``id()`` of the lines used (added to ``kept``:
    the ids of the rows they updated)."""
    by_moment: dict[object, list[Any]] = {}
    for found in candidates:
        if found.at is not None:
            by_moment.setdefault(_shown_key(found.at, "", None)[0], []).append(found)
    used: set[int] = set()
    t = TimelineEventRow
    for row in lines:
        if row["at"] is None:
            continue
        same = by_moment.get(_shown_key(row["at"], "", None)[0])
        if not same:
            continue
        found = same.pop(0)
        kept.add(found.id)
        used.add(id(row))
        values: dict[str, object] = {"text": row["text"], "actor": row["actor"]}
        if found.source != DOCUMENT_SOURCE:
            values["edited"] = True  # a person's words: no rebuild writes over them
        else:
            values |= {"precision": row["precision"], "position": row["position"]}
        session.execute(update(t).where(t.id == found.id).values(**values))
    return used


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


def _to_event(row: Any) -> TimelineEvent:
    """The event of a row with ``_EVENT_COLUMNS`` (or a TimelineEventRow)."""
    return TimelineEvent(
        at=row.at,
        text=row.text,
        actor=row.actor,
        source=row.source,
        precision=row.precision,
        source_id=row.source_id,
        kind=row.kind,
    )
