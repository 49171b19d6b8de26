"""The live session: the current part and its clock, notes per part (append-only, several
people at once), the blameless-language check, and finishing: notes land in the document."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, computed_field
from pydantic.dataclasses import dataclass as pydantic_dataclass
from sqlalchemy import select
from sqlalchemy.orm import Session

from kintsugi.actions.items import NewItem, add_item
from kintsugi.core.errors import ConflictError, InputError
from kintsugi.core.types import utcnow
from kintsugi.core.wire import IsoDatetime
from kintsugi.language.linter import lint_text
from kintsugi.meetings import followups
from kintsugi.meetings.agenda import AgendaPart, agenda, part_keys
from kintsugi.meetings.models import MeetingRow, NoteRow, ParticipantRow, PartRunRow
from kintsugi.meetings.script import REDIRECT_PROMPT
from kintsugi.meetings.service import (
    CANCELLED,
    HELD,
    RUNNING,
    find_meeting,
    get_meeting,
    require_planner,
)
from kintsugi.people.principal import Principal
from kintsugi.people.service import usernames_by_id
from kintsugi.postmortems.document import Document, Priority, Section, TimelineEvent
from kintsugi.postmortems.service import get_document, roster, update_document

MAX_NOTE = 10_000
ACTIONS = "actions"
# where each part's notes land in the document
LANDING: dict[str, str] = {
    "what-happened": "timeline",
    "root-causes": "root_cause",
    "went-well": "what_went_well",
    "could-improve": "what_went_wrong",
    "action-items": ACTIONS,
    "scenario": "scenario",
    "story": "summary",
    "premortem-causes": "imagined_root_causes",
    "preventions": "preventions",
    "premortem-actions": ACTIONS,
}
HEADINGS = {
    "timeline": "Timeline",
    "root_cause": "Root Cause Analysis",
    "what_went_well": "What Went Well",
    "what_went_wrong": "What Could Improve",
    "scenario": "Scenario",
    "summary": "The Story",
    "imagined_root_causes": "Imagined Root Causes",
    "preventions": "Preventions",
}


@dataclass(frozen=True)
class NoteView:
    """One note, with its blameless-language findings (each with the redirect prompt)."""

    id: int
    part: str
    author: str
    text: str
    owner: str | None
    priority: str | None
    due: date | None
    created_at: IsoDatetime
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.findings)

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _NOTE_WIRE.dump_python(self, mode="json")
        return wire


_NOTE_WIRE = TypeAdapter(NoteView)


@pydantic_dataclass(frozen=True)
class Clock:
    """The current part and its time: negative ``remaining_seconds`` is the overrun.

    A pydantic dataclass (one per request), so that the derived keys are computed fields: the
    API's schema and the JSON both come from this class."""

    status: str
    part: AgendaPart | None
    part_started_at: IsoDatetime | None
    now: IsoDatetime
    parts: Annotated[list[AgendaPart], Field(exclude=True)]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def remaining_seconds(self) -> int | None:
        """Seconds left in the current part (negative: over its time)."""
        if self.part is None or self.part_started_at is None:
            return None
        elapsed = (self.now - self.part_started_at).total_seconds()
        return int(self.part.minutes * 60 - elapsed)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def overrun(self) -> bool:
        """Whether the current part has run over its time."""
        return (self.remaining_seconds or 0) < 0

    @property
    def next_part(self) -> AgendaPart | None:
        if self.part is None:
            return None
        keys = [p.key for p in self.parts]
        i = keys.index(self.part.key)
        return self.parts[i + 1] if i + 1 < len(self.parts) else None

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _CLOCK_WIRE.dump_python(self, mode="json")
        return wire


_CLOCK_WIRE = TypeAdapter(Clock)


# ----------------------------------------------------------------------------- the clock


def clock(
    session: Session, viewer: Principal, meeting_id: int, now: datetime | None = None
) -> Clock:
    """Where the session is: the current part, when it started, and the agenda."""
    row = find_meeting(session, meeting_id, viewer)
    parts = agenda(row.kind, row.duration_minutes)
    current = next((p for p in parts if p.key == row.current_part), None)
    started = None
    if current is not None:
        run = session.get(PartRunRow, (row.id, current.key))
        started = run.started_at if run else None
    return Clock(row.status, current, started, now or utcnow(), parts)


def start_session(
    session: Session, actor: Principal, meeting_id: int, now: datetime | None = None
) -> Clock:
    """Start the meeting at its first part (again: keeps the part it is at)."""
    require_planner(actor)
    row = find_meeting(session, meeting_id, actor)
    if row.status in (HELD, CANCELLED):
        raise InputError(f"the meeting is {row.status}; it cannot be started", field="status")
    now = now or utcnow()
    if row.status != RUNNING:
        row.status = RUNNING
        row.started_at = row.started_at or now
        first = part_keys(row.kind)[0]
        _enter(session, row, first, now)
    session.flush()
    return clock(session, actor, meeting_id, now)


def _enter(session: Session, row: MeetingRow, part: str, now: datetime) -> None:
    if row.current_part and row.current_part != part:
        previous = session.get(PartRunRow, (row.id, row.current_part))
        if previous is not None and previous.ended_at is None:
            previous.ended_at = now
    run = session.get(PartRunRow, (row.id, part))
    if run is None:
        session.add(PartRunRow(meeting_id=row.id, part=part, started_at=now))
    elif row.current_part != part:
        run.started_at, run.ended_at = now, None
    row.current_part = part
    row.updated_at = now


def go_to_part(
    session: Session,
    actor: Principal,
    meeting_id: int,
    part: str | None = None,
    now: datetime | None = None,
) -> Clock:
    """Move the running session to ``part`` (default: the next one)."""
    require_planner(actor)
    row = find_meeting(session, meeting_id, actor)
    if row.status != RUNNING:
        raise InputError("start the session first", field="status")
    keys = part_keys(row.kind)
    if part is None:
        i = keys.index(row.current_part) if row.current_part in keys else -1
        if i + 1 >= len(keys):
            raise InputError("this is the last part; finish the session instead", field="part")
        part = keys[i + 1]
    if part not in keys:
        raise InputError(f"unknown part {part!r}; one of {', '.join(keys)}", field="part")
    now = now or utcnow()
    _enter(session, row, part, now)
    session.flush()
    return clock(session, actor, meeting_id, now)


# ----------------------------------------------------------------------------- notes


def _roster(session: Session) -> list[str]:
    return roster(session)


def check_text(text: str, roster: list[str] | None = None) -> list[dict[str, Any]]:
    """Blameless-language findings in a note, each with the facilitator's redirect prompt."""
    if not text.strip():
        return []
    findings = lint_text(text, file="note", roster=roster or (), markdown=False)
    return [{**f.to_dict(), "redirect": REDIRECT_PROMPT} for f in findings]


def add_note(
    session: Session,
    actor: Principal,
    meeting_id: int,
    part: str,
    text: str,
    *,
    owner: str | None = None,
    priority: str | None = None,
    due: date | None = None,
    now: datetime | None = None,
) -> NoteView:
    """Append a note to ``part`` (never overwrites anyone's). Action item parts take an owner,
    priority (P0-P2) and due date."""
    require_planner(actor)
    row = find_meeting(session, meeting_id, actor)
    if row.status in (HELD, CANCELLED):
        raise InputError(f"the meeting is {row.status}; notes are closed", field="status")
    keys = part_keys(row.kind)
    if part not in keys:
        raise InputError(f"unknown part {part!r}; one of {', '.join(keys)}", field="part")
    text = text.strip()
    if not text:
        raise InputError("a note needs some text", field="text")
    if len(text) > MAX_NOTE:
        raise InputError(f"a note is at most {MAX_NOTE} characters", field="text")
    if priority:
        try:
            priority = Priority(priority.strip().upper()).value
        except ValueError:
            raise InputError(
                f"unknown priority {priority!r}; one of P0, P1, P2", field="priority"
            ) from None
    owner = (owner or "").strip()[:200] or None
    note = NoteRow(
        meeting_id=row.id,
        part=part,
        author=actor.username,
        text=text,
        owner=owner if LANDING.get(part) == ACTIONS else None,
        priority=(priority or None) if LANDING.get(part) == ACTIONS else None,
        due=due if LANDING.get(part) == ACTIONS else None,
        created_at=now or utcnow(),
    )
    session.add(note)
    session.flush()
    return _view(note, _roster(session))


def _view(row: NoteRow, roster: list[str]) -> NoteView:
    return NoteView(
        id=row.id,
        part=row.part,
        author=row.author,
        text=row.text,
        owner=row.owner,
        priority=row.priority,
        due=row.due,
        created_at=row.created_at,
        findings=check_text(row.text, roster),
    )


def list_notes(
    session: Session, viewer: Principal, meeting_id: int, part: str | None = None
) -> list[NoteView]:
    """The meeting's notes (of one part), oldest first, with their findings."""
    row = find_meeting(session, meeting_id, viewer)
    query = select(NoteRow).where(NoteRow.meeting_id == row.id)
    if part is not None:
        query = query.where(NoteRow.part == part)
    roster = _roster(session)
    return [_view(n, roster) for n in session.scalars(query.order_by(NoteRow.id))]


# ----------------------------------------------------------------------------- finishing


@pydantic_dataclass(frozen=True)
class FinishResult:
    """What finishing a session changed; the API returns it, ``FINISH_JSON`` writes it."""

    meeting_id: int
    postmortem_id: str | None
    version: int | None
    sections: list[str]
    action_items: list[int]


FINISH_JSON = TypeAdapter(FinishResult)


def _append(doc: Document, key: str, lines: list[str], day: str) -> None:
    block = f"**Notes from the review meeting ({day})**\n\n" + "\n".join(
        f"- {line}" for line in lines
    )
    section = doc.section(key)
    if section is None:
        doc.sections.append(Section(key=key, heading=HEADINGS.get(key, key), markdown=block))  # type: ignore[arg-type]
    else:
        section.markdown = (section.markdown.rstrip() + "\n\n" + block).lstrip()


def finish_session(
    session: Session,
    actor: Principal,
    meeting_id: int,
    *,
    base_version: int | None = None,
    attended: list[str] | None = None,
    now: datetime | None = None,
) -> FinishResult:
    """End the meeting: its notes land in the document's sections (what happened in the
    timeline section, went well, could improve, root causes), action item notes become action
    items, the follow-ups are scheduled. The document is updated with the version check:
    a ``base_version`` that is stale, or a concurrent save, is refused (ConflictError)."""
    require_planner(actor)
    row = find_meeting(session, meeting_id, actor)
    if row.status in (HELD, CANCELLED):
        raise ConflictError(f"the meeting is already {row.status}")
    now = now or utcnow()
    meeting = get_meeting(session, meeting_id, actor)
    notes = list(
        session.scalars(select(NoteRow).where(NoteRow.meeting_id == row.id).order_by(NoteRow.id))
    )
    doc_id = meeting.postmortems[0].id if meeting.postmortems and row.kind != "learning" else None
    sections: list[str] = []
    item_ids: list[int] = []
    version: int | None = None
    if doc_id is not None:
        doc = get_document(session, doc_id, actor)
        if base_version is not None and base_version != doc.version:
            raise ConflictError(
                f"post-mortem {doc_id!r} changed since version {base_version} (now {doc.version})",
                current=doc,
            )
        day = now.strftime("%Y-%m-%d")
        by_section: dict[str, list[str]] = {}
        for note in notes:
            key = LANDING.get(note.part)
            if key and key != ACTIONS:
                by_section.setdefault(key, []).append(" ".join(note.text.split()))
        for key, lines in by_section.items():
            _append(doc, key, lines, day)
            sections.append(key)
            if key == "timeline":  # the page shows the events: the notes become events too
                doc.timeline += [TimelineEvent(text=line, kind="meeting-note") for line in lines]
        actions_noted = any(LANDING.get(n.part) == ACTIONS for n in notes)
        needs_list = actions_noted and doc.section("action_items") is None
        if needs_list:  # the page lists a document's action items in this section
            doc.sections.append(Section(key="action_items", heading="Action Items"))
            sections.append("action_items")
        version = doc.version
        if by_section or needs_list:
            stored = update_document(
                session,
                doc_id,
                doc,
                actor,
                base_version=doc.version,
                change=f"notes from meeting {row.id}",
            )
            version = stored.version
        for note in notes:
            if LANDING.get(note.part) != ACTIONS:
                continue
            item = add_item(
                session,
                doc_id,
                NewItem(
                    title=" ".join(note.text.split())[:2000],
                    owner=note.owner,
                    priority=Priority(note.priority) if note.priority else None,
                    due=note.due,
                ),
                actor,
            )
            item_ids.append(item.id)
    if row.current_part:
        run = session.get(PartRunRow, (row.id, row.current_part))
        if run is not None and run.ended_at is None:
            run.ended_at = now
    if attended is not None:
        wanted = {a.strip().lower() for a in attended}
        rows = session.scalars(select(ParticipantRow).where(ParticipantRow.meeting_id == row.id))
        participants = list(rows)
        usernames = usernames_by_id(session, [p.user_id for p in participants if p.user_id])
        for p in participants:
            username = usernames.get(p.user_id, "") if p.user_id else ""
            p.attended = p.name.lower() in wanted or username.lower() in wanted
    row.status = HELD
    row.held_at = now
    row.started_at = row.started_at or now
    row.current_part = None
    row.updated_at = now
    followups.schedule(session, row, now, has_document=doc_id is not None)
    session.flush()
    return FinishResult(row.id, doc_id, version, sections, item_ids)


def part_times(session: Session, meeting_id: int) -> dict[str, tuple[datetime, datetime | None]]:
    """When each part ran (start, end), for the record of a held meeting."""
    runs = session.scalars(select(PartRunRow).where(PartRunRow.meeting_id == meeting_id))
    return {r.part: (r.started_at, r.ended_at) for r in runs}


def overrun(started: datetime, ended: datetime | None, minutes: int, now: datetime) -> timedelta:
    """How much longer than planned a part took (zero or more)."""
    taken = (ended or now) - started
    return max(timedelta(0), taken - timedelta(minutes=minutes))
