"""Save a built timeline into a post-mortem: update what an earlier build saved, add the rest.

Rows are matched by (source, source_id), also through the references of merged events, so that
building again updates instead of duplicating. Rows a person edited (``edited``) or wrote
(source ``document`` or ``manual``) are never changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import SYSTEM, Principal
from kintsugi.postmortems import service as postmortems
from kintsugi.timeline.events import Event
from kintsugi.timeline.merge import DEFAULT_FOLD_WINDOW
from kintsugi.timeline.models import TimelineEventRow

PROTECTED_SOURCES = frozenset({"document", "manual"})
TEXT_DETAIL_LIMIT = 500
SOURCE_ID_LIMIT = 200  # the width of timeline_events.source_id
ACTOR_LIMIT = 200


def stored_id(source_id: str) -> str:
    """``source_id`` as the column can hold it: long ids keep a prefix and a digest."""
    if len(source_id) <= SOURCE_ID_LIMIT:
        return source_id
    digest = hashlib.sha256(source_id.encode()).hexdigest()[:32]
    return f"{source_id[: SOURCE_ID_LIMIT - 33]}#{digest}"


def _actor(actor: str | None) -> str | None:
    return actor[:ACTOR_LIMIT] if actor else actor


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What a save did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # matched rows left alone because a person edited or wrote them

    def to_json(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "kept": self.kept,
        }


def event_text(event: Event) -> str:
    """The one line a stored row keeps: the title, and the detail when there is one."""
    if not event.detail:
        return event.title
    detail = " ".join(event.detail.split())
    if len(detail) > TEXT_DETAIL_LIMIT:
        detail = detail[: TEXT_DETAIL_LIMIT - 1].rstrip() + "…"
    return f"{event.title} — {detail}"


def save_built_events(
    session: Session,
    postmortem_id: str,
    events: Sequence[Event],
    *,
    actor: Principal = SYSTEM,
) -> SaveResult:
    """Upsert ``events`` (a built timeline, in order) into post-mortem ``postmortem_id``.

    Runs in the caller's transaction; flushes but does not commit.
    """
    require(actor, Action.SAVE_TIMELINES)
    postmortem_pk = postmortems.find_row(session, postmortem_id, actor).pk
    rows = session.scalars(
        select(TimelineEventRow).where(
            TimelineEventRow.postmortem_pk == postmortem_pk,
            TimelineEventRow.source_id.is_not(None),
        )
    )
    index: dict[tuple[str, str], TimelineEventRow] = {}
    for stored in rows:
        assert stored.source_id is not None
        index[(stored.source, stored.source_id)] = stored
    created = updated = unchanged = kept = 0
    for position, event in enumerate(events):
        row = _match(index, event)
        if row is None:
            row = TimelineEventRow(
                postmortem_pk=postmortem_pk,
                position=position,
                at=event.at,
                precision="second",
                text=event_text(event),
                actor=_actor(event.actor),
                source=event.source,
                source_id=stored_id(event.source_id),
                kind=str(event.kind),
                edited=False,
            )
            session.add(row)
            index[(event.source, stored_id(event.source_id))] = row
            created += 1
            continue
        if row.edited or row.source in PROTECTED_SOURCES:
            kept += 1
            continue
        if _apply(row, event, position):
            updated += 1
        else:
            unchanged += 1
    session.flush()
    return SaveResult(created=created, updated=updated, unchanged=unchanged, kept=kept)


def _match(index: dict[tuple[str, str], TimelineEventRow], event: Event) -> TimelineEventRow | None:
    row = index.get((event.source, stored_id(event.source_id)))
    if row is not None:
        return row
    for ref in event.refs:
        row = index.get((ref.source, stored_id(ref.source_id)))
        if row is not None:
            return row
    if event.alert is not None:
        return _same_alert(index.values(), event)
    return None


def _same_alert(rows: Iterable[TimelineEventRow], event: Event) -> TimelineEventRow | None:
    """A row another source saved for the same alert (same kind and title, close in time).

    Rows keep only their own (source, source_id), so when the source that reported an alert
    first is missing from a later build, the alert is recognised by what it says.
    """
    text = event_text(event)
    for row in rows:
        if (
            row.source != event.source
            and row.kind == str(event.kind)
            and row.at is not None
            and abs(row.at - event.at) <= DEFAULT_FOLD_WINDOW
            and (row.text == text or row.text.split(" — ", 1)[0] == event.title)
        ):
            return row
    return None


def _apply(row: TimelineEventRow, event: Event, position: int) -> bool:
    """Bring ``row`` up to date with ``event`` (keeping the row's identity); True if changed."""
    values = {
        "at": event.at,
        "text": event_text(event),
        "actor": _actor(event.actor),
        "kind": str(event.kind),
        "position": position,
        "precision": "second",
    }
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed
