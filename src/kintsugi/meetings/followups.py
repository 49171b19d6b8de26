"""Follow-ups after the meeting: notes sent within 24 hours, the post-mortem published within a
week, and a check on the action items two weeks on. Each is reminded through the worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from kintsugi.actions.readers import any_open
from kintsugi.core.errors import InputError
from kintsugi.core.types import utcnow
from kintsugi.core.wire import IsoDatetime
from kintsugi.meetings.models import FollowUpRow, MeetingPostmortemRow, MeetingRow
from kintsugi.meetings.service import find_meeting, require_planner
from kintsugi.people.principal import Principal
from kintsugi.postmortems import lookups

# kind -> (label, due after the meeting, reminder this long before it is due)
KINDS: dict[str, tuple[str, timedelta, timedelta]] = {
    "notes_sent": ("Notes sent to the participants", timedelta(hours=24), timedelta(hours=4)),
    "published": ("Post-mortem published", timedelta(days=7), timedelta(days=1)),
    "actions_check": ("Action items followed up", timedelta(days=14), timedelta(0)),
}
DOCUMENT_KINDS = ("published", "actions_check")


@dataclass(frozen=True)
class FollowUp:
    kind: str
    label: str
    due_at: IsoDatetime
    done: bool
    done_at: IsoDatetime | None
    reminded_at: IsoDatetime | None

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _WIRE.dump_python(self, mode="json")
        return wire


_WIRE = TypeAdapter(FollowUp)


def schedule(
    session: Session, meeting: MeetingRow, held_at: datetime, *, has_document: bool
) -> None:
    """Create the meeting's follow-ups (once)."""
    existing = set(
        session.scalars(select(FollowUpRow.kind).where(FollowUpRow.meeting_id == meeting.id))
    )
    for kind, (_, after, lead) in KINDS.items():
        if kind in existing or (kind in DOCUMENT_KINDS and not has_document):
            continue
        due = held_at + after
        session.add(FollowUpRow(meeting_id=meeting.id, kind=kind, due_at=due, remind_at=due - lead))


def _documents_state(session: Session, meeting_id: int) -> tuple[bool, bool]:
    """(every document published, no open action items left) for the meeting's documents."""
    pks = list(
        session.scalars(
            select(MeetingPostmortemRow.postmortem_pk).where(
                MeetingPostmortemRow.meeting_id == meeting_id
            )
        )
    )
    if not pks:
        return False, False
    return lookups.statuses(session, pks) == {"published"}, not any_open(session, pks)


def is_done(row: FollowUpRow, published: bool, items_closed: bool) -> bool:
    if row.done_at is not None:
        return True
    if row.kind == "published":
        return published
    if row.kind == "actions_check":
        return items_closed and published
    return False


def list_followups(session: Session, meeting_id: int) -> list[FollowUp]:
    """The follow-ups of a meeting with whether each is done (the caller checked visibility)."""
    rows = list(
        session.scalars(
            select(FollowUpRow)
            .where(FollowUpRow.meeting_id == meeting_id)
            .order_by(FollowUpRow.due_at)
        )
    )
    published, closed = _documents_state(session, meeting_id) if rows else (False, False)
    return [
        FollowUp(
            r.kind,
            KINDS[r.kind][0] if r.kind in KINDS else r.kind,
            r.due_at,
            is_done(r, published, closed),
            r.done_at,
            r.reminded_at,
        )
        for r in rows
    ]


def mark_done(
    session: Session, actor: Principal, meeting_id: int, kind: str, now: datetime | None = None
) -> list[FollowUp]:
    """Record a follow-up as done (e.g. the notes were sent by hand)."""
    require_planner(actor)
    meeting = find_meeting(session, meeting_id, actor)
    row = session.scalars(
        select(FollowUpRow).where(FollowUpRow.meeting_id == meeting.id, FollowUpRow.kind == kind)
    ).one_or_none()
    if row is None:
        raise InputError(f"meeting {meeting_id} has no follow-up {kind!r}", field="kind")
    row.done_at = row.done_at or now or utcnow()
    session.flush()
    return list_followups(session, meeting.id)


def due_reminders(session: Session, now: datetime) -> list[tuple[FollowUpRow, MeetingRow]]:
    """Follow-ups whose reminder time has come, not done and not reminded yet."""
    rows = session.execute(
        select(FollowUpRow, MeetingRow)
        .join(MeetingRow, MeetingRow.id == FollowUpRow.meeting_id)
        .where(
            FollowUpRow.remind_at <= now,
            FollowUpRow.done_at.is_(None),
            FollowUpRow.reminded_at.is_(None),
        )
        .order_by(FollowUpRow.remind_at, FollowUpRow.id)
    )
    result: list[tuple[FollowUpRow, MeetingRow]] = []
    for followup, meeting in rows:
        published, closed = _documents_state(session, meeting.id)
        if not is_done(followup, published, closed):
            result.append((followup, meeting))
    return result
