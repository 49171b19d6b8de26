"""A post-mortem's timeline edited one event at a time (the editor's row editor).

Each write changes the stored event by its id (an edited event keeps its id, so what cites it
still finds it), then stores the document again with its Timeline section written from the
events (``postmortems.service.edit_document``): a new version by the actor, with the same
permission check as any edit, and the Markdown shows the change. A fetched event a person
edits is marked ``edited`` so that no later fetch writes over their words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError, NotFoundError
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import Principal
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.body import section_written
from kintsugi.postmortems.timeparse import format_when, parse_when, resolve_zone, zone_info
from kintsugi.timeline.models import TimelineEventRow

DOCUMENT_SOURCE = "document"
MAX_TEXT = 5000
MAX_ACTOR = 200


@dataclass(frozen=True)
class EventRow:
    """One stored event as the row editor shows it."""

    id: int
    at: datetime | None
    precision: str
    text: str
    actor: str | None
    source: str
    edited: bool

    @property
    def imported(self) -> bool:
        """Fetched from an incident tool (its source is shown, read-only)."""
        return self.source != DOCUMENT_SOURCE


@dataclass(frozen=True)
class EventEntry:
    """What a person typed into a row: checked, with the time placed in the zone."""

    at: datetime
    precision: str
    text: str
    actor: str | None


@dataclass(frozen=True)
class Timeline:
    """A post-mortem's events for the row editor, and the zone their times are shown in."""

    postmortem_id: str
    zone_name: str
    zone: tzinfo
    version: int
    events: list[EventRow]

    def shown(self, event: EventRow) -> str:
        """The event's time as typed back into its row, in the post-mortem's zone."""
        return format_when(event.at, event.precision, self.zone) if event.at else ""

    def context(self) -> date | None:
        """The day a bare time ("14:05") falls on: the last event's."""
        times = [e.at for e in self.events if e.at is not None]
        return max(times).astimezone(self.zone).date() if times else None


_ORDER = (
    TimelineEventRow.at.is_(None),
    TimelineEventRow.at,
    TimelineEventRow.position,
    TimelineEventRow.id,
)


def _zone_of(timezone: str | None) -> tuple[str, tzinfo]:
    name = resolve_zone(timezone or "UTC") or "UTC"
    return name, zone_info(name)


def load(session: Session, postmortem_id: str, viewer: Principal) -> Timeline:
    """The events of ``postmortem_id`` in time order, if the viewer may see it."""
    row = postmortems.find_row(session, postmortem_id, viewer)
    name, zone = _zone_of(row.timezone)
    events = [
        EventRow(
            id=e.id,
            at=e.at,
            precision=e.precision,
            text=e.text,
            actor=e.actor,
            source=e.source,
            edited=e.edited,
        )
        for e in session.scalars(
            select(TimelineEventRow)
            .where(TimelineEventRow.postmortem_pk == row.pk)
            .order_by(*_ORDER)
        )
    ]
    return Timeline(row.id, name, zone, row.version, events)


def entry(timeline: Timeline, *, at: str, text: str, actor: str) -> EventEntry:
    """Check a typed row: the time (in the post-mortem's zone) and the text are required."""
    wanted = at.strip()
    if not wanted:
        raise InputError("the time is required (YYYY-MM-DD HH:MM)", field="at")
    when = parse_when(wanted, context=timeline.context(), tz=timeline.zone)
    if when is None or when.at is None or wanted[when.end :].strip():
        raise InputError(
            f"{wanted!r} is not a time: write it as YYYY-MM-DD HH:MM ({timeline.zone_name})",
            field="at",
        )
    words = " ".join(text.split())
    if not words:
        raise InputError("the event needs a text", field="text")
    if len(words) > MAX_TEXT:
        raise InputError(f"the text is longer than {MAX_TEXT} characters", field="text")
    who = " ".join(actor.split()) or None
    if who and len(who) > MAX_ACTOR:
        raise InputError(f"the actor is longer than {MAX_ACTOR} characters", field="actor")
    return EventEntry(at=when.at, precision=when.precision, text=words, actor=who)


@dataclass(frozen=True)
class _Target:
    id: str
    pk: int


def _editable(session: Session, postmortem_id: str, actor: Principal) -> _Target:
    require(actor, Action.EDIT_POSTMORTEMS)
    row = postmortems.find_row(session, postmortem_id, actor)
    return _Target(row.id, row.pk)


def _event(session: Session, pk: int, event_id: int) -> TimelineEventRow:
    event = session.get(TimelineEventRow, event_id)
    if event is None or event.postmortem_pk != pk:
        raise NotFoundError(f"no timeline event {event_id} in this post-mortem")
    return event


def _store(session: Session, postmortem_id: str, actor: Principal, change: str) -> None:
    """Store the document again with its Timeline section written from the events."""
    session.flush()
    postmortems.edit_document(
        session,
        postmortem_id,
        lambda doc: section_written(doc, "timeline"),
        actor,
        base_version=None,
        change=change,
    )


def add_event(session: Session, postmortem_id: str, actor: Principal, new: EventEntry) -> int:
    """Add an event written by a person; returns its id."""
    row = _editable(session, postmortem_id, actor)
    last = session.scalar(
        select(func.max(TimelineEventRow.position)).where(TimelineEventRow.postmortem_pk == row.pk)
    )
    event = TimelineEventRow(
        postmortem_pk=row.pk,
        position=(last + 1) if last is not None else 0,
        at=new.at,
        precision=new.precision,
        text=new.text,
        actor=new.actor,
        source=DOCUMENT_SOURCE,
        edited=False,
        refs=[],
    )
    session.add(event)
    session.flush()
    _store(session, row.id, actor, "timeline event added")
    return event.id


def update_event(
    session: Session, postmortem_id: str, event_id: int, actor: Principal, new: EventEntry
) -> None:
    """Change an event's time, text and actor; its id and source stay."""
    row = _editable(session, postmortem_id, actor)
    event = _event(session, row.pk, event_id)
    values = {"at": new.at, "precision": new.precision, "text": new.text, "actor": new.actor}
    if all(getattr(event, name) == value for name, value in values.items()):
        return
    for name, value in values.items():
        setattr(event, name, value)
    if event.source != DOCUMENT_SOURCE:
        event.edited = True  # a person's words: no fetch writes over them
    _store(session, row.id, actor, f"timeline event {event_id} edited")


def delete_event(session: Session, postmortem_id: str, event_id: int, actor: Principal) -> None:
    """Remove an event from the timeline."""
    row = _editable(session, postmortem_id, actor)
    session.delete(_event(session, row.pk, event_id))
    _store(session, row.id, actor, f"timeline event {event_id} deleted")
