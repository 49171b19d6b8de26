"""Pages: meetings list, a post-mortem's meetings (plan, follow-ups), a meeting (participants,
agenda, checklist, invite), the printable script and the live session (htmx fragments)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from kintsugi.core.errors import ConflictError, InputError, KintsugiError, input_error_from
from kintsugi.core.types import utcnow
from kintsugi.meetings import facilitators, followups, live, service, slots
from kintsugi.meetings.agenda import agenda
from kintsugi.meetings.invite import invite_ics, send_invite, send_notes
from kintsugi.meetings.participants import ROLE_LABELS, ROLES, Participant, suggest_participants
from kintsugi.meetings.prep import checklist
from kintsugi.meetings.script import PROMPTS, build_script
from kintsugi.meetings.service import PlanRequest
from kintsugi.meetings.views import document_for
from kintsugi.meetings.when import local_time, parse_when
from kintsugi.notify.channels import setup_problems
from kintsugi.notify.config import NotifySettings
from kintsugi.people import service as people
from kintsugi.people.bots import is_bot, known_bots
from kintsugi.people.principal import Principal, Role
from kintsugi.postmortems.document import Document
from kintsugi.postmortems.service import find_row, get_document
from kintsugi.webkit.deps import CurrentPrincipal, Db
from kintsugi.webkit.templating import templates

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=500)]
# roles as people write them: "Subject matter expert", "technical lead"
ROLE_ALIASES = {label.lower(): key for key, label in ROLE_LABELS.items()}


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _can_run(viewer: Principal) -> bool:
    return viewer.has_role(Role.EDITOR)


def _base_url(request: Request) -> str:
    return str(request.app.state.settings.base_url)


@router.get("/meetings", response_class=HTMLResponse)
def meetings_page(request: Request, db: Db, viewer: CurrentPrincipal) -> Response:
    """Upcoming meetings and the ones held lately; planners can schedule a learning session."""
    now = utcnow()
    with db.begin() as session:
        upcoming = service.upcoming(
            session, viewer, since=now - timedelta(hours=12), until=now + timedelta(days=120)
        )
        recent = service.list_meetings(session, viewer, limit=50)
    return _page(
        request,
        "meetings/index.html",
        {"upcoming": upcoming, "recent": recent, "can_run": _can_run(viewer), "error": None},
    )


@router.post("/meetings/learning", response_class=HTMLResponse)
def plan_learning(
    request: Request,
    db: Db,
    viewer: CurrentPrincipal,
    title: Text,
    when: Annotated[str, Form(max_length=100)],
    duration: Annotated[int, Form()] = 60,
    format: Annotated[str, Form(max_length=40)] = "weekly",
    postmortems: Annotated[str, Form(max_length=2000)] = "",
    location: Text = "",
) -> Response:
    """Schedule a learning session (weekly review, brown bag, deep dive)."""
    try:
        starts_at, tz = parse_when(when, field="when")
        ids = [p.strip() for p in postmortems.replace("\n", ",").split(",") if p.strip()]
        with db.begin() as session:
            meeting = service.plan_meeting(
                session,
                viewer,
                PlanRequest(
                    kind="learning",
                    starts_at=starts_at,
                    timezone=tz,
                    duration_minutes=duration,
                    postmortem_ids=ids,
                    title=title,
                    location=location,
                    format=format if format in ("weekly", "brown-bag", "deep-dive") else "weekly",
                ),
            )
    except InputError as exc:
        now = utcnow()
        with db.begin() as session:
            upcoming = service.upcoming(session, viewer, since=now, until=now + timedelta(days=120))
            recent = service.list_meetings(session, viewer, limit=50)
        return _page(
            request,
            "meetings/index.html",
            {
                "upcoming": upcoming,
                "recent": recent,
                "can_run": _can_run(viewer),
                "error": str(exc),
            },
            422,
        )
    return RedirectResponse(meeting.url_path, status_code=303)


@router.get("/meetings/postmortem/{postmortem_id}", response_class=HTMLResponse)
def postmortem_meetings(
    request: Request, postmortem_id: str, db: Db, viewer: CurrentPrincipal, error: str | None = None
) -> Response:
    """A post-mortem's meetings with their follow-ups, and the form to plan its review."""
    with db.begin() as session:
        doc = get_document(session, postmortem_id, viewer)
        found = service.list_meetings(session, viewer, postmortem_id=doc.id or postmortem_id)
        done = {m.id: followups.list_followups(session, m.id) for m in found}
        trained = facilitators.trained(session)
        proposal = _proposal(session, viewer, doc, found)
    return _page(
        request,
        "meetings/postmortem.html",
        {
            "doc": doc,
            "meetings": found,
            "followups": done,
            "can_run": _can_run(viewer),
            "suggested": proposal.when_text(),
            "proposal": proposal,
            "trained": trained,
            "error": error,
        },
        422 if error else 200,
    )


def _proposal(
    session: Session, viewer: Principal, doc: Document, found: list[service.MeetingSummary]
) -> slots.Proposal:
    """The next free slot for the review, avoiding its participants' other meetings."""
    moving = next((m.id for m in found if m.kind == doc.kind and m.status == "scheduled"), None)
    invited = suggest_participants(session, doc, viewer)
    user_ids = people.user_ids(session, [p.username for p in invited if p.username])
    if viewer.user_id is not None:
        user_ids.append(viewer.user_id)
    return slots.propose_review(
        session,
        doc.severity.value if doc.severity else None,
        doc.resolved_at,
        doc.timezone,
        user_ids,
        timedelta(minutes=60),
        utcnow(),
        except_meeting=moving,
    )


@router.post("/meetings/postmortem/{postmortem_id}", response_class=HTMLResponse)
def plan_review(
    request: Request,
    postmortem_id: str,
    db: Db,
    viewer: CurrentPrincipal,
    when: Annotated[str, Form(max_length=100)],
    duration: Annotated[int, Form()] = 60,
) -> Response:
    """Plan (or move) the review meeting of the post-mortem."""
    try:
        with db.begin() as session:
            tz = find_row(session, postmortem_id, viewer).timezone
            starts_at, zone = parse_when(when, tz, field="when")
            meeting, _ = service.schedule_review(
                session, viewer, postmortem_id, starts_at, zone, duration
            )
    except InputError as exc:
        return postmortem_meetings(request, postmortem_id, db, viewer, error=str(exc))
    return RedirectResponse(meeting.url_path, status_code=303)


def _meeting_context(
    request: Request, db: Db, viewer: Principal, meeting_id: int
) -> dict[str, Any]:
    with db.begin() as session:
        meeting = service.get_meeting(session, meeting_id, viewer)
        doc = document_for(session, viewer, meeting)
        items = checklist(session, viewer, doc, _base_url(request))
        follow = followups.list_followups(session, meeting.id)
        bots = known_bots(session)
        people_choices = [
            (u.username, u.display_name or u.username)
            for u in people.list_users(session)
            if u.is_active and not u.is_bot and not is_bot(u.username, bots)
        ]
    return {
        "meeting": meeting,
        "doc": doc,
        "agenda": agenda(meeting.kind, meeting.duration_minutes),
        "checklist": items,
        "followups": follow,
        "roles": ROLES,
        "role_labels": ROLE_LABELS,
        "can_run": _can_run(viewer),
        "people": people_choices,
        "when_value": local_time(meeting.starts_at, meeting.timezone).strftime("%Y-%m-%d %H:%M ")
        + meeting.timezone,
        "message": None,
        "error": None,
        "setup_problems": setup_problems(NotifySettings()),
    }


@router.get("/meetings/{meeting_id}", response_class=HTMLResponse)
def meeting_page(request: Request, meeting_id: int, db: Db, viewer: CurrentPrincipal) -> Response:
    """One meeting: when, deadline, participants, agenda, preparation, invite, follow-ups."""
    return _page(request, "meetings/show.html", _meeting_context(request, db, viewer, meeting_id))


def _show_with(
    request: Request,
    db: Db,
    viewer: Principal,
    meeting_id: int,
    *,
    message: str | None = None,
    error: str | None = None,
) -> Response:
    context = _meeting_context(request, db, viewer, meeting_id)
    context.update(message=message, error=error)
    return _page(request, "meetings/show.html", context, 422 if error else 200)


@router.post("/meetings/{meeting_id}/reschedule", response_class=HTMLResponse)
def reschedule_page(
    request: Request,
    meeting_id: int,
    db: Db,
    viewer: CurrentPrincipal,
    when: Annotated[str, Form(max_length=100)],
    duration: Annotated[int, Form()] = 60,
) -> Response:
    """Move the meeting (same calendar event, SEQUENCE raised)."""
    try:
        with db.begin() as session:
            current = service.get_meeting(session, meeting_id, viewer)
            starts_at, tz = parse_when(when, current.timezone, field="when")
            service.reschedule(session, viewer, meeting_id, starts_at, tz, duration)
    except InputError as exc:
        return _show_with(request, db, viewer, meeting_id, error=str(exc))
    return RedirectResponse(f"/meetings/{meeting_id}", status_code=303)


@router.post("/meetings/{meeting_id}/cancel", response_class=HTMLResponse)
def cancel_page(request: Request, meeting_id: int, db: Db, viewer: CurrentPrincipal) -> Response:
    """Cancel the meeting."""
    try:
        with db.begin() as session:
            service.cancel(session, viewer, meeting_id)
    except InputError as exc:
        return _show_with(request, db, viewer, meeting_id, error=str(exc))
    return RedirectResponse(f"/meetings/{meeting_id}", status_code=303)


@router.post("/meetings/{meeting_id}/participants", response_class=HTMLResponse)
def participants_page(
    request: Request,
    meeting_id: int,
    db: Db,
    viewer: CurrentPrincipal,
    who: Annotated[list[str] | None, Form()] = None,
    role: Annotated[list[str] | None, Form()] = None,
    guest_name: Text = "",
    guest_email: Text = "",
    guest_role: Annotated[str, Form(max_length=40)] = "responder",
) -> Response:
    """Replace the participants: rows of a person (or a guest already invited) and a role,
    and one new guest by name and address; attendance recorded so far is kept."""
    people_in = who or []
    roles_in = role or []
    try:
        if len(people_in) != len(roles_in):
            raise InputError("each participant needs a role", field="participants")
        with db.begin() as session:
            current = service.get_meeting(session, meeting_id, viewer).participants
            names = {u.username: u.display_name or u.username for u in people.list_users(session)}
            given = [
                p
                for n, (person, part) in enumerate(zip(people_in, roles_in, strict=True), 1)
                if (p := _chosen(current, names, person, part, n)) is not None
            ]
            if guest_name.strip() or guest_email.strip():
                given.append(_guest(guest_name, guest_email, guest_role))
            service.set_participants(session, viewer, meeting_id, given)
    except InputError as exc:
        return _show_with(request, db, viewer, meeting_id, error=str(exc))
    return RedirectResponse(f"/meetings/{meeting_id}", status_code=303)


def _role(value: str, field: str) -> str:
    key = ROLE_ALIASES.get(value.strip().lower(), value.strip().lower().replace(" ", "_"))
    if key not in ROLES:
        raise InputError(f"unknown role {value!r}; one of {', '.join(ROLES)}", field=field)
    return key


def _chosen(
    current: list[Participant], names: dict[str, str], person: str, role: str, n: int
) -> Participant | None:
    """Row ``n``: ``user:<username>``, ``guest:<position>`` (one invited already), or empty."""
    kind, _, value = person.partition(":")
    if not value.strip():
        return None
    part = _role(role, f"participants.{n}.role")
    if kind == "guest" and value.isdigit() and int(value) < len(current):
        found = current[int(value)]
        return found.model_copy(update={"role": part})
    if kind != "user":
        raise InputError(f"row {n}: choose a person from the list", field="participants")
    before = next((p for p in current if p.username == value), None)
    return Participant(
        name=before.name if before else names.get(value, value),
        role=part,
        username=value,
        attended=before.attended if before else False,
    )


def _guest(name: str, email: str, role: str) -> Participant:
    try:
        return Participant(
            name=name.strip() or email.strip(),
            role=_role(role, "guest_role"),
            email=email.strip() or None,
        )
    except ValidationError as exc:
        problem = input_error_from(exc)
        raise InputError(f"guest: {problem.message}", field="guest_email") from None


@router.get("/meetings/{meeting_id}/invite.ics")
def ics_page(request: Request, meeting_id: int, db: Db, viewer: CurrentPrincipal) -> Response:
    """Download the invite."""
    with db.begin() as session:
        meeting = service.get_meeting(session, meeting_id, viewer)
    body = invite_ics(meeting, _base_url(request), NotifySettings().smtp_from)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="meeting-{meeting_id}.ics"'},
    )


@router.post("/meetings/{meeting_id}/send", response_class=HTMLResponse)
def send_page(request: Request, meeting_id: int, db: Db, viewer: CurrentPrincipal) -> Response:
    """Email the invite to the participants."""
    service.require_planner(viewer)
    try:
        with db.begin() as session:
            outcomes = send_invite(
                session, viewer, meeting_id, NotifySettings(), _base_url(request)
            )
    except KintsugiError as exc:
        return _show_with(request, db, viewer, meeting_id, error=str(exc))
    if not outcomes:
        return _show_with(
            request, db, viewer, meeting_id, error="no notification channel is configured"
        )
    failed = [o for o in outcomes if not o.ok]
    text = "; ".join(
        f"{o.channel}: {o.status}" + (f" ({o.error})" if o.error else "") for o in outcomes
    )
    if failed:
        return _show_with(request, db, viewer, meeting_id, error=f"sending failed: {text}")
    return _show_with(request, db, viewer, meeting_id, message=f"Invite sent: {text}")


@router.post("/meetings/{meeting_id}/send-notes", response_class=HTMLResponse)
def send_notes_page(
    request: Request, meeting_id: int, db: Db, viewer: CurrentPrincipal
) -> Response:
    """Email the notes to the participants."""
    try:
        with db.begin() as session:
            outcomes = send_notes(session, viewer, meeting_id, NotifySettings(), _base_url(request))
    except KintsugiError as exc:
        return _show_with(request, db, viewer, meeting_id, error=str(exc))
    if not outcomes:
        return _show_with(request, db, viewer, meeting_id, error="email is not configured")
    text = "; ".join(
        f"{o.channel}: {o.status}" + (f" ({o.error})" if o.error else "") for o in outcomes
    )
    if not all(o.ok for o in outcomes):
        return _show_with(request, db, viewer, meeting_id, error=f"sending failed: {text}")
    return _show_with(request, db, viewer, meeting_id, message=f"Notes sent: {text}")


@router.post("/meetings/{meeting_id}/followups/{kind}/done", response_class=HTMLResponse)
def followup_done(
    request: Request, meeting_id: int, kind: str, db: Db, viewer: CurrentPrincipal
) -> Response:
    """Record a follow-up as done."""
    try:
        with db.begin() as session:
            followups.mark_done(session, viewer, meeting_id, kind)
    except InputError as exc:
        return _show_with(request, db, viewer, meeting_id, error=str(exc))
    return RedirectResponse(f"/meetings/{meeting_id}", status_code=303)


@router.get("/meetings/{meeting_id}/script", response_class=HTMLResponse)
def script_page(request: Request, meeting_id: int, db: Db, viewer: CurrentPrincipal) -> Response:
    """The facilitator's script, printable."""
    with db.begin() as session:
        meeting = service.get_meeting(session, meeting_id, viewer)
        doc = document_for(session, viewer, meeting)
    script = build_script(
        meeting.kind, doc, meeting.duration_minutes, titles=[p.title for p in meeting.postmortems]
    )
    return _page(request, "meetings/script.html", {"meeting": meeting, "script": script})


# ----------------------------------------------------------------------------- live session


def _session_context(
    request: Request, db: Db, viewer: Principal, meeting_id: int
) -> dict[str, Any]:
    with db.begin() as session:
        meeting = service.get_meeting(session, meeting_id, viewer)
        doc = document_for(session, viewer, meeting)
        clock = live.clock(session, viewer, meeting_id)
        notes = live.list_notes(session, viewer, meeting_id)
    script = build_script(
        meeting.kind, doc, meeting.duration_minutes, titles=[p.title for p in meeting.postmortems]
    )
    by_part: dict[str, list[live.NoteView]] = {}
    for note in notes:
        by_part.setdefault(note.part, []).append(note)
    return {
        "meeting": meeting,
        "doc": doc,
        "clock": clock,
        "script": script,
        "notes": by_part,
        "prompts": PROMPTS,
        "can_run": _can_run(viewer),
        "action_parts": [k for k, v in live.LANDING.items() if v == live.ACTIONS],
        "landing": live.LANDING,
        "error": None,
    }


@router.get("/meetings/{meeting_id}/session", response_class=HTMLResponse)
def session_page(request: Request, meeting_id: int, db: Db, viewer: CurrentPrincipal) -> Response:
    """The facilitator's view of the live session."""
    return _page(
        request, "meetings/session.html", _session_context(request, db, viewer, meeting_id)
    )


def _session_error(
    request: Request, db: Db, viewer: Principal, meeting_id: int, error: str, code: int = 422
) -> Response:
    context = _session_context(request, db, viewer, meeting_id)
    context["error"] = error
    return _page(request, "meetings/session.html", context, code)


@router.get("/meetings/{meeting_id}/session/state")
def session_state(
    meeting_id: int, db: Db, viewer: CurrentPrincipal, part: str = "", status: str = ""
) -> Response:
    """Polled by the session page: once someone moved to another part, started or finished the
    session, a link to reload it (notes being typed are not lost); otherwise 204."""
    with db.begin() as session:
        row = service.find_meeting(session, meeting_id, viewer)
        current = (row.current_part or "", row.status)
    if current != (part, status):
        return HTMLResponse(
            f'<a class="button" id="session-moved" href="/meetings/{meeting_id}/session">'
            "The session has moved on: reload</a>"
        )
    return Response(status_code=204)


@router.post("/meetings/{meeting_id}/session/start", response_class=HTMLResponse)
def session_start(request: Request, meeting_id: int, db: Db, viewer: CurrentPrincipal) -> Response:
    """Start the session at its first part."""
    try:
        with db.begin() as session:
            live.start_session(session, viewer, meeting_id)
    except InputError as exc:
        return _session_error(request, db, viewer, meeting_id, str(exc))
    return RedirectResponse(f"/meetings/{meeting_id}/session", status_code=303)


@router.post("/meetings/{meeting_id}/session/part", response_class=HTMLResponse)
def session_part(
    request: Request,
    meeting_id: int,
    db: Db,
    viewer: CurrentPrincipal,
    part: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Move to the next part (or the one chosen)."""
    try:
        with db.begin() as session:
            live.go_to_part(session, viewer, meeting_id, part or None)
    except InputError as exc:
        return _session_error(request, db, viewer, meeting_id, str(exc))
    return RedirectResponse(f"/meetings/{meeting_id}/session", status_code=303)


@router.get("/meetings/{meeting_id}/session/notes/{part}", response_class=HTMLResponse)
def session_notes(
    request: Request, meeting_id: int, part: str, db: Db, viewer: CurrentPrincipal
) -> Response:
    """The notes of one part (polled, so everyone sees everyone's notes)."""
    with db.begin() as session:
        notes = live.list_notes(session, viewer, meeting_id, part)
    return _page(
        request, "meetings/_notes.html", {"notes": notes, "part": part, "meeting_id": meeting_id}
    )


@router.post("/meetings/{meeting_id}/session/notes/{part}", response_class=HTMLResponse)
def session_add_note(
    request: Request,
    meeting_id: int,
    part: str,
    db: Db,
    viewer: CurrentPrincipal,
    text: Annotated[str, Form(max_length=live.MAX_NOTE)] = "",
    owner: Annotated[str, Form(max_length=200)] = "",
    priority: Annotated[str, Form(max_length=4)] = "",
    due: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Append a note; htmx gets the part's notes back."""
    error = None
    try:
        due_date = None
        if due.strip():
            try:
                due_date = date.fromisoformat(due.strip())
            except ValueError:
                raise InputError(f"{due!r} is not a date (YYYY-MM-DD)", field="due") from None
        with db.begin() as session:
            live.add_note(
                session,
                viewer,
                meeting_id,
                part,
                text,
                owner=owner,
                priority=priority or None,
                due=due_date,
            )
    except InputError as exc:
        error = str(exc)
    with db.begin() as session:
        notes = live.list_notes(session, viewer, meeting_id, part)
    return _page(
        request,
        "meetings/_notes.html",
        {"notes": notes, "part": part, "meeting_id": meeting_id, "error": error},
    )


@router.post("/meetings/{meeting_id}/session/lint/{part}", response_class=HTMLResponse)
def session_lint(
    request: Request,
    meeting_id: int,
    part: str,
    db: Db,
    viewer: CurrentPrincipal,
    text: Annotated[str, Form(max_length=live.MAX_NOTE)] = "",
) -> Response:
    """Blameless-language check of the note being typed, with the redirect prompt."""
    with db.begin() as session:
        service.find_meeting(session, meeting_id, viewer)
        roster = live._roster(session)
    findings = live.check_text(text, roster)
    return _page(request, "meetings/_lint.html", {"findings": findings, "text": text, "part": part})


@router.post("/meetings/{meeting_id}/session/finish", response_class=HTMLResponse)
def session_finish(
    request: Request,
    meeting_id: int,
    db: Db,
    viewer: CurrentPrincipal,
    attended: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """End the session; the notes land in the post-mortem (whose page it then shows)."""
    try:
        with db.begin() as session:
            result = live.finish_session(session, viewer, meeting_id, attended=attended or [])
    except ConflictError as exc:
        return _session_error(
            request,
            db,
            viewer,
            meeting_id,
            f"{exc}: nothing was overwritten; finish again to retry",
            409,
        )
    except InputError as exc:
        return _session_error(request, db, viewer, meeting_id, str(exc))
    target = (
        f"/postmortems/{result.postmortem_id}"
        if result.postmortem_id
        else f"/meetings/{meeting_id}"
    )
    return RedirectResponse(target, status_code=303)
