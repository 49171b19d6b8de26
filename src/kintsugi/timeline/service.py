"""Save a built timeline into a post-mortem: update what an earlier build saved, add the rest.

Rows are matched by (source, source_id), also through the references of merged events, so that
building again updates instead of duplicating. Rows a person edited (``edited``) or wrote
(source ``document`` or ``manual``) are never changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import Field, TypeAdapter, computed_field
from pydantic.dataclasses import dataclass as pydantic_dataclass
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.audit import service as audit
from kintsugi.core.config import Settings
from kintsugi.core.db import transaction
from kintsugi.core.errors import InputError
from kintsugi.core.limits import Deadline
from kintsugi.core.wire import EVERY_KEY_WRITTEN
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import SYSTEM, Principal
from kintsugi.postmortems import service as postmortems
from kintsugi.timeline.builder import (
    BuildResult,
    SourceFailure,
    build_for_incident,
    parse_sources,
)
from kintsugi.timeline.durations import Durations
from kintsugi.timeline.events import Event
from kintsugi.timeline.merge import DEFAULT_FOLD_WINDOW
from kintsugi.timeline.models import TimelineEventRow
from kintsugi.timeline.render import LocalEvent, zone_named
from kintsugi.timeline.sources.base import IncidentTimes, Window, out_of_time

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

    __pydantic_config__ = EVERY_KEY_WRITTEN

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # matched rows left alone because a person edited or wrote them

    def to_json(self) -> dict[str, int]:
        data: dict[str, int] = _SAVE_WIRE.dump_python(self, mode="json")
        return data


_SAVE_WIRE = TypeAdapter(SaveResult)


@pydantic_dataclass(frozen=True)
class BuiltTimeline:
    """A post-mortem's timeline as fetched and merged, and what saving it did (if asked).

    Its wire shape (the API's and ``--json``'s) is the post-mortem, the zone, the result's
    keys with each event's time also shown in ``zone``, then ``saved``: computed fields, so
    that they come in that order after ``postmortem``.
    """

    postmortem_id: Annotated[str, Field(serialization_alias="postmortem")]
    zone: Annotated[ZoneInfo, Field(exclude=True)]
    result: Annotated[BuildResult, Field(exclude=True)]
    save_result: Annotated[SaveResult | None, Field(exclude=True)]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def timezone(self) -> str:
        return self.zone.key

    @computed_field  # type: ignore[prop-decorator]
    @property
    def window(self) -> Window:
        return self.result.window

    @computed_field  # type: ignore[prop-decorator]
    @property
    def events(self) -> list[LocalEvent]:
        return [LocalEvent.of(e, self.zone) for e in self.result.events]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def failures(self) -> list[SourceFailure]:
        return self.result.failures

    @computed_field  # type: ignore[prop-decorator]
    @property
    def durations(self) -> Durations:
        return self.result.durations

    @computed_field  # type: ignore[prop-decorator]
    @property
    def changes_before_detection(self) -> list[LocalEvent]:
        return [LocalEvent.of(e, self.zone) for e in self.result.changes_before_detection]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts(self) -> dict[str, int]:
        return self.result.counts

    @computed_field  # type: ignore[prop-decorator]
    @property
    def saved(self) -> SaveResult | None:
        """What saving did; None when the build was not saved."""
        return self.save_result

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _BUILT_WIRE.dump_python(self, mode="json", by_alias=True)
        return data


_BUILT_WIRE = TypeAdapter(BuiltTimeline)


def require_fetcher(actor: Principal) -> None:
    """Fetching from incident tools uses the server's credentials, so it needs the right to
    edit (the editor role, through a write-scope token when by token)."""
    require(actor, Action.FETCH_TIMELINES)


def _aware(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=zone)


def build_for_postmortem(
    sessions: sessionmaker[Session],
    actor: Principal,
    postmortem_id: str,
    specs: Sequence[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    save: bool = False,
    timezone: str | None = None,
    seconds: float | None = None,
) -> BuiltTimeline:
    """Fetch a post-mortem's timeline from ``specs``, merge it and (when asked) save it.

    The one use case behind the API, the page (a preview is a fetch too) and the CLI: the
    actor must be allowed to edit the post-mortem, since the sources are read with the
    server's credentials. ``file:`` sources read the server's files: the local operator's
    only. Times without a zone are read in ``timezone`` (default: the document's). Every
    build is recorded in the audit log (``timeline_fetched``, with the sources). The whole
    build has a time budget (``seconds``, default ``KINTSUGI_TIMELINE_SECONDS``): past it,
    TimelineOutOfTimeError says what was not done, and nothing is saved.
    """
    require_fetcher(actor)
    deadline = Deadline(Settings().timeline_seconds if seconds is None else seconds)
    if not actor.is_system and any(s.strip().lower().startswith("file:") for s in specs):
        raise InputError("file: sources are for the command line only", field="sources")
    sources = parse_sources(list(specs))
    with sessions() as session:
        doc = postmortems.get_document(session, postmortem_id, actor)
    doc_id = doc.id or postmortem_id
    zone = zone_named(timezone or doc.timezone)
    result = build_for_incident(
        sources,
        since=_aware(since, zone),
        until=_aware(until, zone),
        document=IncidentTimes(
            source="document",
            started_at=doc.started_at,
            detected_at=doc.detected_at,
            resolved_at=doc.resolved_at,
            title=doc.title,
        ),
        deadline=deadline,
    )
    if deadline.expired():
        raise out_of_time(deadline, "computing the timeline")
    saved = None
    with transaction(sessions) as session:
        if save:
            saved = save_built_events(session, doc_id, result.events, actor=actor)
        audit.record(
            session,
            actor,
            "timeline_fetched",
            doc_id,
            sources=[str(spec).strip()[:200] for spec in specs],
            events=len(result.events),
            saved=save,
        )
    return BuiltTimeline(doc_id, zone, result, saved)


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
    said = _BySaying()
    for stored in rows:
        assert stored.source_id is not None
        index[(stored.source, stored.source_id)] = stored
        said.add(stored)
    created = updated = unchanged = kept = 0
    for position, event in enumerate(events):
        row = _match(index, said, event)
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
            said.add(row)
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


class _BySaying:
    """Stored rows by kind and the head of their text (what comes before " — "), so that an
    alert is recognised by what it says without reading every row for every alert."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str | None, str], list[TimelineEventRow]] = {}

    def add(self, row: TimelineEventRow) -> None:
        self.rows.setdefault((row.kind, _head(row.text)), []).append(row)

    def like(self, event: Event) -> list[TimelineEventRow]:
        return self.rows.get((str(event.kind), _head(event_text(event))), [])


def _head(text: str) -> str:
    return text.split(" — ", 1)[0]


def _match(
    index: dict[tuple[str, str], TimelineEventRow], said: _BySaying, event: Event
) -> TimelineEventRow | None:
    row = index.get((event.source, stored_id(event.source_id)))
    if row is not None:
        return row
    for ref in event.refs:
        row = index.get((ref.source, stored_id(ref.source_id)))
        if row is not None:
            return row
    if event.alert is not None:
        return _same_alert(said.like(event), event)
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
