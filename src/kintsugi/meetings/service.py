"""Meetings: plan, reschedule, cancel, read, and the figures other slices use.

Visibility: a meeting is visible when every post-mortem it is about is visible to the viewer
(through ``kintsugi.postmortems.access.visible_to``); a learning session about none is visible
to everyone signed in. Planning and running need the editor role or above.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, TypeAdapter
from sqlalchemy import ColumnElement, Select, delete, exists, false, or_, select, true
from sqlalchemy.orm import Session, aliased

from kintsugi.core.errors import InputError, NotFoundError, PermissionDeniedError
from kintsugi.core.types import utcnow
from kintsugi.core.wire import IsoDatetime
from kintsugi.meetings.agenda import check_duration, check_kind
from kintsugi.meetings.models import (
    MeetingPostmortemRow,
    MeetingRow,
    ParticipantRow,
)
from kintsugi.meetings.participants import (
    Participant,
    clean_participants,
    resolve_person,
    suggest_participants,
)
from kintsugi.meetings.slots import refuse_past
from kintsugi.meetings.when import DeadlineCheck, check_deadline, local_time, zone
from kintsugi.notify.recipients import is_email
from kintsugi.people import service as people
from kintsugi.people.principal import Principal, Role
from kintsugi.people.users import ids_by_username
from kintsugi.postmortems.deadlines import deadline_hours
from kintsugi.postmortems.document import Document
from kintsugi.postmortems.lookups import Head, head_of, heads_by_pk, team_pks, visible_pks
from kintsugi.postmortems.service import find_row, get_document

SCHEDULED, RUNNING, HELD, CANCELLED = "scheduled", "running", "held", "cancelled"
STATUSES = (SCHEDULED, RUNNING, HELD, CANCELLED)


# ----------------------------------------------------------------------------- views


@dataclass(frozen=True)
class MeetingSummary:
    """A meeting in a list (the calendar of upcoming meetings)."""

    id: int
    kind: str
    title: str
    starts_at: IsoDatetime
    timezone: str
    duration_minutes: int
    postmortem_ids: list[str]
    url_path: str
    status: str = SCHEDULED

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _WIRE.dump_python(self, mode="json")
        return wire


_WIRE = TypeAdapter(MeetingSummary)


class LinkedPostmortem(BaseModel):
    id: str
    title: str
    kind: str
    status: str
    severity: str | None
    resolved_at: datetime | None
    timezone: str


class MeetingView(BaseModel):
    """A meeting with its documents and participants, as a viewer may see it."""

    id: int
    uid: str
    kind: str
    title: str
    status: str
    starts_at: datetime
    timezone: str
    duration_minutes: int
    sequence: int
    organizer: str
    organizer_email: str | None
    location: str
    team: str | None
    current_part: str | None
    started_at: datetime | None
    held_at: datetime | None
    postmortems: list[LinkedPostmortem]
    participants: list[Participant]
    deadline: dict[str, object] | None = None
    url_path: str

    @property
    def postmortem_ids(self) -> list[str]:
        return [p.id for p in self.postmortems]


@dataclass
class PlanRequest:
    """What to plan: a meeting of ``kind`` about ``postmortem_ids`` at ``starts_at``."""

    kind: str
    starts_at: datetime
    timezone: str
    duration_minutes: int
    postmortem_ids: list[str] = field(default_factory=list)
    title: str | None = None
    participants: list[Participant] | None = None
    location: str = ""
    format: str = ""
    team: str | None = None
    organizer: str | None = None


# ----------------------------------------------------------------------------- visibility


def meeting_visible(viewer: Principal) -> ColumnElement[bool]:
    """SQL condition on MeetingRow: every post-mortem it is about is visible to ``viewer``."""
    if not viewer.is_system and viewer.user_id is None:
        return false()
    link = aliased(MeetingPostmortemRow)
    visible = visible_pks(viewer).correlate(None)
    hidden = exists(
        select(link.meeting_id)
        .where(link.meeting_id == MeetingRow.id, link.postmortem_pk.not_in(visible))
        .correlate(MeetingRow)
    )
    return ~hidden


def _visible(viewer: Principal) -> Select[MeetingRow]:
    return select(MeetingRow).where(meeting_visible(viewer))


def find_meeting(session: Session, meeting_id: int, viewer: Principal) -> MeetingRow:
    """The meeting ``meeting_id`` if the viewer may see it, else NotFoundError."""
    row = session.scalars(_visible(viewer).where(MeetingRow.id == meeting_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"no meeting {meeting_id}")
    return row


def require_planner(actor: Principal) -> None:
    """Planning and running meetings needs the editor role (facilitators and admins too)."""
    if not actor.has_role(Role.EDITOR):
        raise PermissionDeniedError("planning and running meetings needs the editor role")


# ----------------------------------------------------------------------------- planning


def _documents(session: Session, ids: Iterable[str], actor: Principal) -> list[Head]:
    rows: list[Head] = []
    for id in ids:
        row = head_of(find_row(session, id, actor))
        if row.pk not in {r.pk for r in rows}:
            rows.append(row)
    return rows


def default_title(kind: str, docs: Sequence[Head], starts_at: datetime, tz: str) -> str:
    """ "Post-Mortem: TITLE - DATE" (the invite's subject), and the like for the other kinds."""
    day = local_time(starts_at, tz).strftime("%Y-%m-%d")
    if kind == "postmortem" and docs:
        return f"Post-Mortem: {docs[0].title} - {day}"
    if kind == "premortem" and docs:
        return f"Pre-Mortem: {docs[0].title} - {day}"
    return f"Learning session - {day}"


def plan_meeting(
    session: Session, actor: Principal, plan: PlanRequest, *, now: datetime | None = None
) -> MeetingView:
    """Create a meeting; participants default to the ones suggested by the document.

    A start before ``now`` (default: the current time) is refused, naming ``when``; a caller
    on its own clock (an incident drafted as of a time, the demo's history) passes it."""
    require_planner(actor)
    kind = check_kind(plan.kind)
    check_duration(plan.duration_minutes, field="duration_minutes")
    zone(plan.timezone)
    refuse_past(plan.starts_at, now or utcnow(), plan.timezone)
    docs = _documents(session, plan.postmortem_ids, actor)
    if kind in ("postmortem", "premortem"):
        if len(docs) != 1:
            raise InputError(
                f"a {kind} meeting is about exactly one document", field="postmortem_ids"
            )
        if docs[0].kind != kind:
            raise InputError(
                f"{docs[0].id!r} is a {docs[0].kind}, not a {kind}", field="postmortem_ids"
            )
    if plan.participants is None:
        participants: list[Participant] = []
        for doc_row in docs[:1] if kind != "learning" else []:
            participants = suggest_participants(
                session, get_document(session, doc_row.id, actor), actor
            )
        if not participants and not actor.is_system:
            participants = suggest_participants(session, Document(title="-"), actor)
        if plan.organizer and not any(p.role == "facilitator" for p in participants):
            participants.insert(0, Participant(name=plan.organizer, role="facilitator"))
            participants = clean_participants(session, participants)
    else:
        participants = clean_participants(session, plan.participants)
    team_id = people.team_id(session, plan.team) if plan.team else None
    if team_id is None and docs:
        team_id = docs[0].team_id
    stamp = utcnow()
    row = MeetingRow(
        uid=f"{uuid.uuid4()}@kintsugi",
        kind=kind,
        title=(plan.title or "").strip()[:500]
        or default_title(kind, docs, plan.starts_at, plan.timezone),
        status=SCHEDULED,
        starts_at=plan.starts_at,
        timezone=plan.timezone,
        duration_minutes=plan.duration_minutes,
        sequence=0,
        organizer=(plan.organizer or "").strip()[:80] or actor.username,
        location=plan.location.strip()[:500],
        format=plan.format.strip()[:40],
        team_id=team_id,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(row)
    session.flush()
    for doc_row in docs:
        session.add(MeetingPostmortemRow(meeting_id=row.id, postmortem_pk=doc_row.pk))
    _store_participants(session, row.id, participants)
    session.flush()
    return view(session, row, actor)


def _store_participants(session: Session, meeting_id: int, given: Sequence[Participant]) -> None:
    session.execute(delete(ParticipantRow).where(ParticipantRow.meeting_id == meeting_id))
    ids = ids_by_username(session, [p.username for p in given if p.username])
    for i, p in enumerate(given):
        session.add(
            ParticipantRow(
                meeting_id=meeting_id,
                position=i,
                name=p.name,
                role=p.role,
                email=p.email,
                user_id=ids.get(p.username or ""),
                attended=p.attended,
            )
        )


def set_participants(
    session: Session, actor: Principal, meeting_id: int, given: Sequence[Participant]
) -> MeetingView:
    """Replace the participants (roles, attendance)."""
    require_planner(actor)
    row = find_meeting(session, meeting_id, actor)
    _store_participants(session, row.id, clean_participants(session, given))
    row.updated_at = utcnow()
    session.flush()
    return view(session, row, actor)


def reschedule(
    session: Session,
    actor: Principal,
    meeting_id: int,
    starts_at: datetime,
    timezone: str,
    duration_minutes: int,
    *,
    now: datetime | None = None,
) -> MeetingView:
    """Move a scheduled meeting: same UID, SEQUENCE raised (calendars update the event).

    A start before ``now`` (default: the current time) is refused, as when planning."""
    require_planner(actor)
    check_duration(duration_minutes, field="duration_minutes")
    zone(timezone)
    refuse_past(starts_at, now or utcnow(), timezone)
    row = find_meeting(session, meeting_id, actor)
    if row.status not in (SCHEDULED, CANCELLED):
        raise InputError(f"a {row.status} meeting cannot be rescheduled", field="status")
    docs = _linked(session, [row.id])[row.id]
    if row.title == default_title(row.kind, docs, row.starts_at, row.timezone):
        row.title = default_title(row.kind, docs, starts_at, timezone)
    row.starts_at = starts_at
    row.timezone = timezone
    row.duration_minutes = duration_minutes
    row.sequence += 1
    row.status = SCHEDULED
    row.updated_at = utcnow()
    session.flush()
    return view(session, row, actor)


def cancel(session: Session, actor: Principal, meeting_id: int) -> MeetingView:
    """Cancel a scheduled meeting (its invite becomes METHOD:CANCEL, SEQUENCE raised)."""
    require_planner(actor)
    row = find_meeting(session, meeting_id, actor)
    if row.status != SCHEDULED:
        raise InputError(f"only a scheduled meeting can be cancelled (this one is {row.status})")
    row.status = CANCELLED
    row.sequence += 1
    row.updated_at = utcnow()
    session.flush()
    return view(session, row, actor)


def schedule_review(
    session: Session,
    actor: Principal,
    postmortem_id: str,
    starts_at: datetime,
    timezone: str,
    duration_minutes: int,
    *,
    now: datetime | None = None,
) -> tuple[MeetingView, bool]:
    """Plan the document's review meeting, or move the one already scheduled (a start before
    ``now`` is refused, as when planning).

    Returns (the meeting, whether it was rescheduled). Pre-mortem documents get a pre-mortem.
    """
    require_planner(actor)
    doc = find_row(session, postmortem_id, actor)
    existing = session.scalars(
        _visible(actor)
        .join(MeetingPostmortemRow, MeetingPostmortemRow.meeting_id == MeetingRow.id)
        .where(
            MeetingPostmortemRow.postmortem_pk == doc.pk,
            MeetingRow.kind == doc.kind,
            MeetingRow.status.in_((SCHEDULED, CANCELLED)),
        )
        .order_by(MeetingRow.id.desc())
        .limit(1)
    ).first()
    if existing is not None:
        moved = reschedule(
            session, actor, existing.id, starts_at, timezone, duration_minutes, now=now
        )
        return moved, True
    plan = PlanRequest(
        kind=doc.kind,
        starts_at=starts_at,
        timezone=timezone,
        duration_minutes=duration_minutes,
        postmortem_ids=[doc.id],
    )
    return plan_meeting(session, actor, plan, now=now), False


# ----------------------------------------------------------------------------- reading


def _linked(session: Session, meeting_ids: Sequence[int]) -> dict[int, list[Head]]:
    result: dict[int, list[Head]] = {m: [] for m in meeting_ids}
    if not meeting_ids:
        return result
    links = list(
        session.execute(
            select(MeetingPostmortemRow.meeting_id, MeetingPostmortemRow.postmortem_pk).where(
                MeetingPostmortemRow.meeting_id.in_(meeting_ids)
            )
        )
    )
    heads = heads_by_pk(session, {pk for _, pk in links})
    for meeting_id, pk in links:
        if pk in heads:
            result[meeting_id].append(heads[pk])
    for docs in result.values():
        docs.sort(key=lambda head: head.id)
    return result


def url_path(meeting_id: int) -> str:
    return f"/meetings/{meeting_id}"


def view(session: Session, row: MeetingRow, viewer: Principal) -> MeetingView:
    """The whole meeting (the caller has checked that the viewer may see it)."""
    docs = _linked(session, [row.id])[row.id]
    stored = list(
        session.scalars(
            select(ParticipantRow)
            .where(ParticipantRow.meeting_id == row.id)
            .order_by(ParticipantRow.position)
        )
    )
    usernames = people.usernames_by_id(session, {p.user_id for p in stored if p.user_id})
    participants = [(p, usernames.get(p.user_id) if p.user_id else None) for p in stored]
    deadline: DeadlineCheck | None = None
    if row.kind == "postmortem" and docs:
        deadline = check_deadline(
            docs[0].severity,
            docs[0].resolved_at,
            row.starts_at,
            row.timezone,
            hours=deadline_hours(session, docs[0].severity),
        )
    _, organizer_email = resolve_person(session, row.organizer)
    return MeetingView(
        id=row.id,
        uid=row.uid,
        kind=row.kind,
        title=row.title,
        status=row.status,
        starts_at=row.starts_at,
        timezone=row.timezone,
        duration_minutes=row.duration_minutes,
        sequence=row.sequence,
        organizer=row.organizer,
        organizer_email=organizer_email,
        location=row.location,
        team=people.team_name(session, row.team_id),
        current_part=row.current_part,
        started_at=row.started_at,
        held_at=row.held_at,
        postmortems=[
            LinkedPostmortem(
                id=d.id,
                title=d.title,
                kind=d.kind,
                status=d.status,
                severity=d.severity,
                resolved_at=d.resolved_at,
                timezone=d.timezone,
            )
            for d in docs
        ],
        participants=[
            Participant(
                name=p.name,
                role=p.role,
                # an address stored before addresses were checked is not shown or used
                email=p.email if p.email and is_email(p.email) else None,
                username=username,
                attended=p.attended,
            )
            for p, username in participants
        ],
        deadline=deadline.to_json() if deadline else None,
        url_path=url_path(row.id),
    )


def get_meeting(session: Session, meeting_id: int, viewer: Principal) -> MeetingView:
    """The meeting ``meeting_id`` as the viewer may see it."""
    return view(session, find_meeting(session, meeting_id, viewer), viewer)


def list_meetings(
    session: Session,
    viewer: Principal,
    *,
    postmortem_id: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    limit: int = 200,
) -> list[MeetingSummary]:
    """Meetings the viewer may see, newest first, narrowed by document, kind and status."""
    query = _visible(viewer)
    if postmortem_id is not None:
        pm = find_row(session, postmortem_id, viewer)
        query = query.join(
            MeetingPostmortemRow, MeetingPostmortemRow.meeting_id == MeetingRow.id
        ).where(MeetingPostmortemRow.postmortem_pk == pm.pk)
    if kind:
        query = query.where(MeetingRow.kind == check_kind(kind))
    if status:
        if status not in STATUSES:
            raise InputError(
                f"unknown status {status!r}; one of {', '.join(STATUSES)}", field="status"
            )
        query = query.where(MeetingRow.status == status)
    rows = list(
        session.scalars(
            query.order_by(MeetingRow.starts_at.desc(), MeetingRow.id.desc()).limit(limit)
        )
    )
    return _summaries(session, rows)


def _summaries(session: Session, rows: Sequence[MeetingRow]) -> list[MeetingSummary]:
    linked = _linked(session, [r.id for r in rows])
    return [
        MeetingSummary(
            id=r.id,
            kind=r.kind,
            title=r.title,
            starts_at=r.starts_at,
            timezone=r.timezone,
            duration_minutes=r.duration_minutes,
            postmortem_ids=[d.id for d in linked[r.id]],
            url_path=url_path(r.id),
            status=r.status,
        )
        for r in rows
    ]


# ----------------------------------------------------------------------------- for other slices


def upcoming(
    session: Session, viewer: Principal, *, since: datetime, until: datetime
) -> list[MeetingSummary]:
    """Scheduled meetings (all kinds) starting in [since, until) that the viewer may see."""
    rows = list(
        session.scalars(
            _visible(viewer)
            .where(
                MeetingRow.status == SCHEDULED,
                MeetingRow.starts_at >= since,
                MeetingRow.starts_at < until,
            )
            .order_by(MeetingRow.starts_at, MeetingRow.id)
        )
    )
    return _summaries(session, rows)


def meetings_exist(session: Session) -> bool:
    """Whether any meeting has been planned (of any kind or status)."""
    return session.scalar(select(MeetingRow.id).limit(1)) is not None


def held_by_month(
    session: Session, *, since: datetime, until: datetime, team: str | None = None
) -> list[tuple[str, int]]:
    """("YYYY-MM", meetings of any kind held that month) for held_at in [since, until).

    ``team``: meetings recorded for that team or about one of its post-mortems; a meeting's
    team defaults to its post-mortem's team. Months without meetings are left out.
    """
    condition: ColumnElement[bool] = true()
    if team is not None:
        try:
            team_id = people.team_id(session, team)
        except InputError:  # a team that does not exist has held no meetings
            return []
        if team_id is None:
            return []
        about_team = exists(
            select(MeetingPostmortemRow.meeting_id).where(
                MeetingPostmortemRow.meeting_id == MeetingRow.id,
                MeetingPostmortemRow.postmortem_pk.in_(team_pks(team_id)),
            )
        )
        condition = or_(MeetingRow.team_id == team_id, about_team)
    held = session.scalars(
        select(MeetingRow.held_at).where(
            MeetingRow.status == HELD,
            MeetingRow.held_at.is_not(None),
            MeetingRow.held_at >= since,
            MeetingRow.held_at < until,
            condition,
        )
    )
    counts = Counter(at.astimezone(UTC).strftime("%Y-%m") for at in held if at is not None)
    return sorted(counts.items())


def attendance(session: Session, postmortem_pk: int) -> set[str] | None:
    """Names and usernames of those who attended the document's held review meeting(s), or
    None when none was held."""
    meeting_ids = list(
        session.scalars(
            select(MeetingRow.id)
            .join(MeetingPostmortemRow, MeetingPostmortemRow.meeting_id == MeetingRow.id)
            .where(
                MeetingPostmortemRow.postmortem_pk == postmortem_pk,
                MeetingRow.status == HELD,
                MeetingRow.kind.in_(("postmortem", "premortem")),
            )
        )
    )
    if not meeting_ids:
        return None
    rows = list(
        session.execute(
            select(ParticipantRow.name, ParticipantRow.user_id).where(
                ParticipantRow.meeting_id.in_(meeting_ids), ParticipantRow.attended.is_(True)
            )
        )
    )
    usernames = people.usernames_by_id(session, {user_id for _, user_id in rows if user_id})
    names = {name for name, _ in rows}
    return names | set(usernames.values())
