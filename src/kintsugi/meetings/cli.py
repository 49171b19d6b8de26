"""CLI: ``kintsugi meeting invite|agenda|script|list|show|cancel|learning|premortem|finish``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.markup import escape

from kintsugi.core.cli_support import (
    EXIT_PROBLEMS,
    EXIT_USAGE,
    DbOption,
    JsonOption,
    context,
    fail,
    handle_errors,
    out_console,
    print_json,
)
from kintsugi.core.errors import InputError
from kintsugi.meetings import service
from kintsugi.meetings.agenda import PART_JSON, agenda, check_duration
from kintsugi.meetings.invite import invite_ics, send_invite, send_notes
from kintsugi.meetings.live import FINISH_JSON, finish_session
from kintsugi.meetings.participants import Participant
from kintsugi.meetings.premortem import start_premortem
from kintsugi.meetings.script import build_script
from kintsugi.meetings.service import MeetingView, PlanRequest
from kintsugi.meetings.when import local_time, parse_when
from kintsugi.notify.config import NotifySettings
from kintsugi.notify.deliver import Outcome
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems.service import find_row, get_document

meeting_app = typer.Typer(
    name="meeting",
    help="Facilitation: invites (.ics and email), agenda, facilitator's script, learning sessions.",
    no_args_is_help=True,
)
T = TypeVar("T")

WhenOption = Annotated[
    str, typer.Option("--when", help='Start, e.g. "2026-12-03 14:00 Europe/Copenhagen".')
]
DurationOption = Annotated[int, typer.Option("--duration", help="Length in minutes (60 or 90).")]
SendOption = Annotated[bool, typer.Option("--send", help="Email the invite to the participants.")]
OutOption = Annotated[Path | None, typer.Option("--out", help="Write the .ics to this file.")]
OrganizerOption = Annotated[
    str | None, typer.Option("--organizer", help="Username of the organizer (and facilitator).")
]


def _usage(option: str, check: Callable[[], T]) -> T:
    """Run ``check``; a bad value is a usage error naming ``option`` (exit 2)."""
    try:
        return check()
    except InputError as exc:
        fail(f"{option}: {exc.message}", EXIT_USAGE)


def _when(value: str, default_zone: str = "UTC") -> tuple[datetime, str]:
    return _usage("--when", lambda: parse_when(value, default_zone, field="--when"))


@contextmanager
def _when_refused() -> Iterator[None]:
    """The service's refusal of the start (a time in the past) as a usage error naming
    ``--when`` (exit 2), like a bad ``--when``; other problems pass on."""
    try:
        yield
    except InputError as exc:
        if exc.field != "when":
            raise
        fail(f"--when: {exc.message}", EXIT_USAGE)


def _print_meeting(meeting: MeetingView) -> None:
    start = local_time(meeting.starts_at, meeting.timezone).strftime("%Y-%m-%d %H:%M %Z")
    out_console.print(
        f"[bold]{escape(meeting.title)}[/bold] (meeting {meeting.id}, {meeting.kind}, "
        f"{meeting.status}, sequence {meeting.sequence})",
        highlight=False,
    )
    out_console.print(
        f"  {start} ({meeting.timezone}), {meeting.duration_minutes} min", highlight=False
    )
    for p in meeting.participants:
        email = f" <{p.email}>" if p.email else ""
        out_console.print(f"  - {escape(p.name)}{escape(email)}: {p.role}", highlight=False)
    if meeting.deadline:
        colour = "red" if meeting.deadline["missed"] else "green"
        label = "warning" if meeting.deadline["missed"] else "deadline"
        out_console.print(
            f"  [{colour}]{label}:[/{colour}] {escape(str(meeting.deadline['message']))}",
            highlight=False,
        )


def _outcomes_ok(outcomes: list[Outcome]) -> bool:
    for o in outcomes:
        detail = o.error or o.recipient
        out_console.print(f"  sent on {o.channel}: {o.status} {escape(detail)}", highlight=False)
    return all(o.ok for o in outcomes)


def _deliver(
    ctx_db: str | None, meeting: MeetingView, send: bool, out: Path | None, as_json: bool
) -> None:
    ctx = context(ctx_db)
    notify = NotifySettings()
    outcomes: list[Outcome] = []
    if out is not None:
        out.write_bytes(invite_ics(meeting, ctx.settings.base_url, notify.smtp_from))
    if send:
        with ctx.transaction() as session:
            outcomes = send_invite(session, SYSTEM, meeting.id, notify, ctx.settings.base_url)
    if as_json:
        print_json(
            {
                "meeting": meeting.model_dump(mode="json"),
                "ics": str(out) if out else None,
                "sent": [o.to_json() for o in outcomes],
            }
        )
    else:
        _print_meeting(meeting)
        if out is not None:
            out_console.print(f"  invite written to {escape(str(out))}", highlight=False)
        if send and not outcomes:
            out_console.print("  no notification channel is configured", highlight=False)
    if send and (not outcomes or not all(o.ok for o in outcomes)):
        if not as_json:
            _outcomes_ok(outcomes)
        raise typer.Exit(EXIT_PROBLEMS)
    if send and not as_json:
        _outcomes_ok(outcomes)


@meeting_app.command("invite")
@handle_errors
def invite(
    postmortem: Annotated[str, typer.Argument(help="Post-mortem id (or a unique prefix).")],
    when: WhenOption,
    duration: DurationOption = 60,
    send: SendOption = False,
    out: OutOption = None,
    organizer: OrganizerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Plan (or reschedule) the review meeting of a post-mortem and make its invite."""
    _usage("--duration", lambda: check_duration(duration, field="--duration"))
    ctx = context(db)
    with ctx.transaction() as session:
        doc = find_row(session, postmortem, SYSTEM)
        starts_at, zone = _when(when, doc.timezone)
        with _when_refused():
            meeting, moved = service.schedule_review(
                session,
                SYSTEM,
                doc.id,
                starts_at,
                zone,
                duration,
            )
        if organizer and not moved:
            row = service.find_meeting(session, meeting.id, SYSTEM)
            row.organizer = organizer
            if not any(p.role == "facilitator" for p in meeting.participants):
                service.set_participants(
                    session,
                    SYSTEM,
                    meeting.id,
                    [
                        Participant(name=organizer, role="facilitator"),
                        *meeting.participants,
                    ],
                )
            meeting = service.get_meeting(session, meeting.id, SYSTEM)
    if moved and not as_json:
        out_console.print("rescheduled: same event, sequence raised", highlight=False)
    _deliver(db, meeting, send, out, as_json)


@meeting_app.command("cancel")
@handle_errors
def cancel(
    meeting_id: Annotated[int, typer.Argument(help="Meeting number.")],
    send: SendOption = False,
    out: OutOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cancel a meeting; its invite becomes METHOD:CANCEL."""
    ctx = context(db)
    with ctx.transaction() as session:
        meeting = service.cancel(session, SYSTEM, meeting_id)
    _deliver(db, meeting, send, out, as_json)


@meeting_app.command("agenda")
@handle_errors
def agenda_command(
    postmortem: Annotated[str, typer.Argument(help="Post-mortem id (or a unique prefix).")],
    duration: DurationOption = 60,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The agenda with each part's time and guide, for 60 or 90 minutes."""
    _usage("--duration", lambda: check_duration(duration, field="--duration"))
    ctx = context(db)
    with ctx.transaction() as session:
        row = find_row(session, postmortem, SYSTEM)
        kind, title = row.kind, row.title
    parts = agenda(kind, duration)
    if as_json:
        print_json(
            {
                "postmortem_id": row.id,
                "kind": kind,
                "duration": duration,
                "parts": [PART_JSON.dump_python(p, mode="json") for p in parts],
            }
        )
        return
    out_console.print(f"[bold]{escape(title)}[/bold]: {duration} minutes", highlight=False)
    for p in parts:
        out_console.print(
            f"  {p.start_minute:>3}'  {p.title:<28} {p.minutes:>3} min  {p.guide}", highlight=False
        )


@meeting_app.command("script")
@handle_errors
def script_command(
    postmortem: Annotated[str, typer.Argument(help="Post-mortem id (or a unique prefix).")],
    duration: DurationOption = 60,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The facilitator's script, filled in with this incident."""
    _usage("--duration", lambda: check_duration(duration, field="--duration"))
    ctx = context(db)
    with ctx.transaction() as session:
        doc = get_document(session, postmortem, SYSTEM)
    script = build_script(doc.kind.value, doc, duration)
    if as_json:
        print_json(script.to_json())
        return
    out_console.print(f"[bold]Facilitator's script: {escape(doc.title)}[/bold]", highlight=False)
    for part in script.parts:
        out_console.print(
            f"\n[bold]{part.part.start_minute}' {escape(part.part.title)}[/bold] "
            f"({part.part.minutes} min, {part.part.guide})",
            highlight=False,
        )
        for line in part.say:
            out_console.print(f"  Say: {escape(line)}", highlight=False)
        for line in part.ask:
            out_console.print(f"  Ask: {escape(line)}", highlight=False)
        for prompt in part.prompts:
            out_console.print(
                f"  If {escape(prompt.moment.lower())}: {escape(prompt.say)}", highlight=False
            )
    out_console.print("\n[bold]Difficult moments[/bold]", highlight=False)
    for prompt in script.prompts:
        out_console.print(f"  {escape(prompt.moment)}: {escape(prompt.say)}", highlight=False)


@meeting_app.command("list")
@handle_errors
def list_command(
    postmortem: Annotated[
        str | None, typer.Option("--postmortem", help="Meetings of this document.")
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="postmortem, premortem or learning.")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="scheduled, running, held, cancelled.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Meetings, newest first."""
    ctx = context(db)
    with ctx.transaction() as session:
        found = service.list_meetings(
            session, SYSTEM, postmortem_id=postmortem, kind=kind, status=status
        )
    if as_json:
        print_json({"items": [m.to_json() for m in found]})
        return
    for m in found:
        start = local_time(m.starts_at, m.timezone).strftime("%Y-%m-%d %H:%M %Z")
        out_console.print(
            f"{m.id:>4}  {start}  {m.kind:<10} {m.status:<9} {escape(m.title)}", highlight=False
        )
    if not found:
        out_console.print("no meetings", highlight=False)


@meeting_app.command("show")
@handle_errors
def show(
    meeting_id: Annotated[int, typer.Argument(help="Meeting number.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """One meeting with its participants and deadline check."""
    ctx = context(db)
    with ctx.transaction() as session:
        meeting = service.get_meeting(session, meeting_id, SYSTEM)
    if as_json:
        print_json(meeting.model_dump(mode="json"))
    else:
        _print_meeting(meeting)


@meeting_app.command("learning")
@handle_errors
def learning(
    title: Annotated[
        str, typer.Argument(help='e.g. "Weekly learning review" or "Brown bag: DNS".')
    ],
    when: WhenOption,
    duration: DurationOption = 60,
    postmortem: Annotated[
        list[str] | None, typer.Option("--postmortem", help="A post-mortem discussed (repeat).")
    ] = None,
    format: Annotated[
        str, typer.Option("--format", help="weekly, brown-bag or deep-dive.")
    ] = "weekly",
    team: Annotated[str | None, typer.Option("--team", help="The team it is for.")] = None,
    location: Annotated[str, typer.Option("--location", help="Room or video link.")] = "",
    organizer: OrganizerOption = None,
    send: SendOption = False,
    out: OutOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Schedule a learning session (weekly review, brown bag, deep dive)."""
    _usage("--duration", lambda: check_duration(duration, field="--duration"))
    if format not in ("weekly", "brown-bag", "deep-dive"):
        fail(f"--format: {format!r} is not one of weekly, brown-bag, deep-dive", EXIT_USAGE)
    starts_at, zone = _when(when)
    ctx = context(db)
    with ctx.transaction() as session, _when_refused():
        meeting = service.plan_meeting(
            session,
            SYSTEM,
            PlanRequest(
                kind="learning",
                starts_at=starts_at,
                timezone=zone,
                duration_minutes=duration,
                postmortem_ids=list(postmortem or []),
                title=title,
                location=location,
                format=format,
                team=team,
                organizer=organizer,
            ),
        )
    _deliver(db, meeting, send, out, as_json)


@meeting_app.command("premortem")
@handle_errors
def premortem(
    title: Annotated[str, typer.Argument(help="The change to imagine failing.")],
    when: WhenOption,
    duration: DurationOption = 60,
    organizer: OrganizerOption = None,
    send: SendOption = False,
    out: OutOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a pre-mortem document for a change and schedule its exercise."""
    _usage("--duration", lambda: check_duration(duration, field="--duration"))
    starts_at, zone = _when(when)
    ctx = context(db)
    with ctx.transaction() as session, _when_refused():
        meeting = start_premortem(
            session,
            SYSTEM,
            title,
            starts_at,
            zone,
            duration,
            organizer=organizer,
        )
    _deliver(db, meeting, send, out, as_json)


@meeting_app.command("finish")
@handle_errors
def finish(
    meeting_id: Annotated[int, typer.Argument(help="Meeting number.")],
    attended: Annotated[
        list[str] | None, typer.Option("--attended", help="Someone who attended (repeat).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record the meeting as held: notes land in the document, follow-ups are scheduled."""
    ctx = context(db)
    with ctx.transaction() as session:
        result = finish_session(session, SYSTEM, meeting_id, attended=attended)
    if as_json:
        print_json(FINISH_JSON.dump_python(result, mode="json"))
        return
    out_console.print(
        f"meeting {meeting_id} held; sections updated: {', '.join(result.sections) or 'none'}; "
        f"action items created: {len(result.action_items)}",
        highlight=False,
    )


@meeting_app.command("send-notes")
@handle_errors
def send_notes_command(
    meeting_id: Annotated[int, typer.Argument(help="Meeting number.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Email the meeting's notes to the participants (the "notes sent" follow-up)."""
    ctx = context(db)
    with ctx.transaction() as session:
        outcomes = send_notes(session, SYSTEM, meeting_id, NotifySettings(), ctx.settings.base_url)
    if as_json:
        print_json({"sent": [o.to_json() for o in outcomes]})
    elif not outcomes:
        out_console.print("email is not configured (KINTSUGI_SMTP_HOST)", highlight=False)
    else:
        _outcomes_ok(outcomes)
    if not outcomes or not all(o.ok for o in outcomes):
        raise typer.Exit(EXIT_PROBLEMS)


def register(root: typer.Typer) -> None:
    """Add ``kintsugi meeting`` to the root app."""
    root.add_typer(meeting_app)
