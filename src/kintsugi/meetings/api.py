"""JSON API for meetings under /api/v1/meetings."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from kintsugi.core.errors import InputError
from kintsugi.core.types import utcnow
from kintsugi.meetings import followups, live, service
from kintsugi.meetings.agenda import AgendaPart, agenda
from kintsugi.meetings.followups import FollowUp
from kintsugi.meetings.invite import invite_ics, send_invite, send_notes
from kintsugi.meetings.participants import Participant
from kintsugi.meetings.prep import checklist
from kintsugi.meetings.script import build_script
from kintsugi.meetings.service import MeetingSummary, MeetingView, PlanRequest
from kintsugi.meetings.views import document_for
from kintsugi.meetings.when import parse_when, zone
from kintsugi.notify.config import NotifySettings
from kintsugi.notify.deliver import Outcome
from kintsugi.postmortems.service import find_row
from kintsugi.webkit.deps import CurrentPrincipal, Db

router = APIRouter(prefix="/api/v1/meetings", tags=["meetings"])


class MeetingPage(BaseModel):
    items: list[MeetingSummary]


class MeetingOut(MeetingView):
    agenda: list[AgendaPart]
    followups: list[FollowUp]


class When(BaseModel):
    """A start: ``when`` as "YYYY-MM-DD HH:MM Zone", or ``starts_at`` with ``timezone``."""

    when: str | None = Field(None, max_length=100, examples=["2026-12-03 14:00 Europe/Copenhagen"])
    starts_at: datetime | None = None
    timezone: str | None = Field(None, max_length=64)
    duration_minutes: int = Field(60, description="15 to 480; the agenda is written for 60 or 90")


class MeetingIn(When):
    kind: str = Field("postmortem", pattern="^(postmortem|premortem|learning)$")
    postmortem_ids: list[str] = Field(default_factory=list, max_length=50)
    title: str | None = Field(None, max_length=500)
    participants: list[Participant] | None = Field(None, max_length=200)
    location: str = Field("", max_length=500)
    format: str = Field("", max_length=40)
    team: str | None = Field(None, max_length=120)


class ParticipantsIn(BaseModel):
    participants: list[Participant] = Field(max_length=200)


class NoteIn(BaseModel):
    part: str = Field(max_length=40)
    text: str = Field(max_length=live.MAX_NOTE)
    owner: str | None = Field(None, max_length=200)
    priority: str | None = Field(None, max_length=4)
    due: date | None = None


class AdvanceIn(BaseModel):
    part: str | None = Field(None, max_length=40)


class FinishIn(BaseModel):
    base_version: int | None = Field(None, description="The document version the notes build on")
    attended: list[str] | None = Field(None, max_length=200)


class LintIn(BaseModel):
    text: str = Field(max_length=live.MAX_NOTE)


def resolve_when(body: When, default_zone: str = "UTC") -> tuple[datetime, str]:
    """The start in UTC and the zone, from either form."""
    if body.when:
        return parse_when(body.when, body.timezone or default_zone)
    if body.starts_at is None:
        raise InputError("give when or starts_at", field="when")
    if body.starts_at.tzinfo is None:
        raise InputError("starts_at needs its offset", field="starts_at")
    tz = body.timezone or default_zone
    zone(tz)
    return body.starts_at, tz


def _out(session: Any, meeting: MeetingView) -> MeetingOut:
    return MeetingOut(
        **meeting.model_dump(),
        agenda=agenda(meeting.kind, meeting.duration_minutes),
        followups=followups.list_followups(session, meeting.id),
    )


@router.get("", response_model=MeetingPage)
def list_api(
    db: Db,
    viewer: CurrentPrincipal,
    postmortem: Annotated[str | None, Query(max_length=120)] = None,
    kind: Annotated[str | None, Query(pattern="^(postmortem|premortem|learning)$")] = None,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(scheduled|running|held|cancelled)$")
    ] = None,
) -> MeetingPage:
    """Meetings the caller may see, newest first."""
    with db.begin() as session:
        found = service.list_meetings(
            session, viewer, postmortem_id=postmortem, kind=kind, status=status_
        )
    return MeetingPage(items=found)


@router.get("/upcoming", response_model=MeetingPage)
def upcoming_api(
    db: Db, viewer: CurrentPrincipal, days: Annotated[int, Query(ge=1, le=366)] = 30
) -> MeetingPage:
    """Scheduled meetings in the next ``days`` days."""
    now = utcnow()
    with db.begin() as session:
        found = service.upcoming(session, viewer, since=now, until=now + timedelta(days=days))
    return MeetingPage(items=found)


@router.post("", response_model=MeetingOut, status_code=status.HTTP_201_CREATED)
def plan_api(body: MeetingIn, db: Db, viewer: CurrentPrincipal) -> MeetingOut:
    """Plan a meeting; participants default to those the document suggests."""
    with db.begin() as session:
        default_zone = "UTC"
        if body.postmortem_ids:
            default_zone = find_row(session, body.postmortem_ids[0], viewer).timezone
        starts_at, tz = resolve_when(body, default_zone)
        meeting = service.plan_meeting(
            session,
            viewer,
            PlanRequest(
                kind=body.kind,
                starts_at=starts_at,
                timezone=tz,
                duration_minutes=body.duration_minutes,
                postmortem_ids=body.postmortem_ids,
                title=body.title,
                participants=body.participants,
                location=body.location,
                format=body.format,
                team=body.team,
            ),
        )
        return _out(session, meeting)


@router.get("/{meeting_id}", response_model=MeetingOut)
def get_api(meeting_id: int, db: Db, viewer: CurrentPrincipal) -> MeetingOut:
    """One meeting with its agenda and follow-ups; `deadline` warns when the review is late."""
    with db.begin() as session:
        return _out(session, service.get_meeting(session, meeting_id, viewer))


@router.post("/{meeting_id}/reschedule", response_model=MeetingOut)
def reschedule_api(meeting_id: int, body: When, db: Db, viewer: CurrentPrincipal) -> MeetingOut:
    """Move the meeting: same UID, SEQUENCE raised."""
    with db.begin() as session:
        current = service.get_meeting(session, meeting_id, viewer)
        starts_at, tz = resolve_when(body, current.timezone)
        meeting = service.reschedule(
            session, viewer, meeting_id, starts_at, tz, body.duration_minutes
        )
        return _out(session, meeting)


@router.post("/{meeting_id}/cancel", response_model=MeetingOut)
def cancel_api(meeting_id: int, db: Db, viewer: CurrentPrincipal) -> MeetingOut:
    """Cancel the meeting (the invite becomes METHOD:CANCEL)."""
    with db.begin() as session:
        return _out(session, service.cancel(session, viewer, meeting_id))


@router.put("/{meeting_id}/participants", response_model=MeetingOut)
def participants_api(
    meeting_id: int, body: ParticipantsIn, db: Db, viewer: CurrentPrincipal
) -> MeetingOut:
    """Replace the participants (roles and attendance)."""
    with db.begin() as session:
        return _out(
            session, service.set_participants(session, viewer, meeting_id, body.participants)
        )


@router.get("/{meeting_id}/invite.ics", response_class=Response)
def ics_api(meeting_id: int, request: Request, db: Db, viewer: CurrentPrincipal) -> Response:
    """The calendar invite (text/calendar; RFC 5545)."""
    with db.begin() as session:
        meeting = service.get_meeting(session, meeting_id, viewer)
    body = invite_ics(meeting, request.app.state.settings.base_url, NotifySettings().smtp_from)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="meeting-{meeting_id}.ics"'},
    )


class SendIn(BaseModel):
    guests: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Addresses of participants without an account to invite too (only when "
        "KINTSUGI_INVITE_GUESTS allows it; audited)",
    )


@router.post(
    "/{meeting_id}/invite/send",
    response_model=list[Outcome],
    responses={503: {"description": "A channel is half set up; the message names the variable"}},
)
def send_api(
    meeting_id: int,
    request: Request,
    db: Db,
    viewer: CurrentPrincipal,
    body: SendIn | None = None,
) -> list[Outcome]:
    """Email the invite (with the .ics) to the participants who are users and may see the
    documents, at their stored addresses, and post it on the configured channels."""
    service.require_planner(viewer)
    with db.begin() as session:
        outcomes = send_invite(
            session,
            viewer,
            meeting_id,
            NotifySettings(),
            request.app.state.settings.base_url,
            guests=body.guests if body else (),
        )
    return outcomes


@router.post("/{meeting_id}/notes/send", response_model=list[Outcome])
def send_notes_api(
    meeting_id: int, request: Request, db: Db, viewer: CurrentPrincipal
) -> list[Outcome]:
    """Email the notes to the participants; marks the "notes sent" follow-up done."""
    with db.begin() as session:
        outcomes = send_notes(
            session, viewer, meeting_id, NotifySettings(), request.app.state.settings.base_url
        )
    return outcomes


@router.get("/{meeting_id}/script")
def script_api(meeting_id: int, db: Db, viewer: CurrentPrincipal) -> dict[str, Any]:
    """The facilitator's script for this meeting."""
    with db.begin() as session:
        meeting = service.get_meeting(session, meeting_id, viewer)
        doc = document_for(session, viewer, meeting)
    titles = [p.title for p in meeting.postmortems]
    return build_script(meeting.kind, doc, meeting.duration_minutes, titles=titles).to_json()


@router.get("/{meeting_id}/checklist")
def checklist_api(
    meeting_id: int, request: Request, db: Db, viewer: CurrentPrincipal
) -> list[dict[str, object]]:
    """The preparation checklist."""
    with db.begin() as session:
        meeting = service.get_meeting(session, meeting_id, viewer)
        doc = document_for(session, viewer, meeting)
        items = checklist(session, viewer, doc, request.app.state.settings.base_url)
    return [i.to_json() for i in items]


@router.get("/{meeting_id}/clock", response_model=live.Clock)
def clock_api(meeting_id: int, db: Db, viewer: CurrentPrincipal) -> live.Clock:
    """The live session's current part and remaining time (negative: overrun)."""
    with db.begin() as session:
        return live.clock(session, viewer, meeting_id)


@router.post("/{meeting_id}/start", response_model=live.Clock)
def start_api(meeting_id: int, db: Db, viewer: CurrentPrincipal) -> live.Clock:
    """Start the live session at its first part."""
    with db.begin() as session:
        return live.start_session(session, viewer, meeting_id)


@router.post("/{meeting_id}/advance", response_model=live.Clock)
def advance_api(meeting_id: int, body: AdvanceIn, db: Db, viewer: CurrentPrincipal) -> live.Clock:
    """Move to the next part (or the one named)."""
    with db.begin() as session:
        return live.go_to_part(session, viewer, meeting_id, body.part)


@router.get("/{meeting_id}/notes", response_model=list[live.NoteView])
def notes_api(
    meeting_id: int,
    db: Db,
    viewer: CurrentPrincipal,
    part: Annotated[str | None, Query(max_length=40)] = None,
) -> list[live.NoteView]:
    """The session's notes, oldest first, each with its blameless-language findings."""
    with db.begin() as session:
        return live.list_notes(session, viewer, meeting_id, part)


@router.post(
    "/{meeting_id}/notes", response_model=live.NoteView, status_code=status.HTTP_201_CREATED
)
def add_note_api(meeting_id: int, body: NoteIn, db: Db, viewer: CurrentPrincipal) -> live.NoteView:
    """Append a note to a part (action item parts: with owner, priority and due date)."""
    with db.begin() as session:
        note = live.add_note(
            session,
            viewer,
            meeting_id,
            body.part,
            body.text,
            owner=body.owner,
            priority=body.priority,
            due=body.due,
        )
    return note


@router.post("/{meeting_id}/lint")
def lint_api(
    meeting_id: int, body: LintIn, db: Db, viewer: CurrentPrincipal
) -> list[dict[str, Any]]:
    """Blameless-language findings of a note being written, with the redirect prompt."""
    with db.begin() as session:
        service.find_meeting(session, meeting_id, viewer)
        roster = live._roster(session)
    return live.check_text(body.text, roster)


@router.post("/{meeting_id}/finish", response_model=live.FinishResult)
def finish_api(
    meeting_id: int, body: FinishIn, db: Db, viewer: CurrentPrincipal
) -> live.FinishResult:
    """End the session: notes land in the document (version-checked), action items are created,
    follow-ups scheduled. A stale ``base_version`` gets 409 and changes nothing."""
    with db.begin() as session:
        result = live.finish_session(
            session, viewer, meeting_id, base_version=body.base_version, attended=body.attended
        )
    return result


@router.get("/{meeting_id}/followups", response_model=list[FollowUp])
def followups_api(meeting_id: int, db: Db, viewer: CurrentPrincipal) -> list[FollowUp]:
    """Follow-ups after the meeting and whether each is done."""
    with db.begin() as session:
        meeting = service.find_meeting(session, meeting_id, viewer)
        return followups.list_followups(session, meeting.id)


@router.post("/{meeting_id}/followups/{kind}/done", response_model=list[FollowUp])
def followup_done_api(
    meeting_id: int, kind: str, db: Db, viewer: CurrentPrincipal
) -> list[FollowUp]:
    """Record a follow-up as done."""
    with db.begin() as session:
        return followups.mark_done(session, viewer, meeting_id, kind)
