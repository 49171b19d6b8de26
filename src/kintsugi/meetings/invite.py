"""The invite: subject, text and HTML, with the .ics attached; and sending it."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from sqlalchemy.orm import Session

from kintsugi.audit import service as audit
from kintsugi.core.errors import InputError, PermissionDeniedError
from kintsugi.meetings.agenda import agenda
from kintsugi.meetings.followups import mark_done
from kintsugi.meetings.ics import build_ics, method_of
from kintsugi.meetings.live import list_notes
from kintsugi.meetings.participants import ROLE_LABELS
from kintsugi.meetings.script import BLAMELESS_REMINDER, PREP_ASKS
from kintsugi.meetings.service import MeetingView, get_meeting, require_planner
from kintsugi.meetings.when import local_time
from kintsugi.notify.base import Attachment, Message
from kintsugi.notify.channels import configured_channels
from kintsugi.notify.config import NotifySettings
from kintsugi.notify.deliver import Outcome, deliver
from kintsugi.notify.recipients import check_email, is_email
from kintsugi.people import service as people
from kintsugi.people.principal import Principal
from kintsugi.postmortems.document import Visibility
from kintsugi.postmortems.lookups import count_visible, visibilities

KIND_NAMES = {
    "postmortem": "post-mortem review",
    "premortem": "pre-mortem exercise",
    "learning": "learning session",
}


def when_text(meeting: MeetingView) -> str:
    start = local_time(meeting.starts_at, meeting.timezone)
    return (
        f"{start.strftime('%A %Y-%m-%d %H:%M %Z')} ({meeting.timezone}), "
        f"{meeting.duration_minutes} minutes"
    )


def links(meeting: MeetingView, base_url: str) -> list[tuple[str, str]]:
    """(label, url): the meeting page, and each document's draft and timeline."""
    base = base_url.rstrip("/")
    found = [("Meeting page", f"{base}{meeting.url_path}")]
    for doc in meeting.postmortems:
        found.append((f"Draft: {doc.title}", f"{base}/postmortems/{doc.id}"))
        if meeting.kind != "premortem":
            found.append((f"Timeline: {doc.title}", f"{base}/postmortems/{doc.id}#timeline"))
    return found


def invite_text(meeting: MeetingView, base_url: str) -> str:
    """The plain text of the invite (also the .ics DESCRIPTION)."""
    kind = KIND_NAMES.get(meeting.kind, "meeting")
    about = ", ".join(f"\u201c{d.title}\u201d" for d in meeting.postmortems)
    lines = [f"You are invited to the {kind}" + (f" of {about}." if about else "."), ""]
    lines.append(f"When: {when_text(meeting)}")
    if meeting.location:
        lines.append(f"Where: {meeting.location}")
    lines += ["", BLAMELESS_REMINDER, "", "To prepare, please note:"]
    lines += [f"- {ask}" for ask in PREP_ASKS]
    if meeting.participants:
        lines += ["", "Participants:"]
        lines += [f"- {p.name} ({ROLE_LABELS.get(p.role, p.role)})" for p in meeting.participants]
    lines += ["", "Agenda:"]
    lines += [
        f"- {p.start_minute:>3} min  {p.title} ({p.minutes} min)"
        for p in agenda(meeting.kind, meeting.duration_minutes)
    ]
    lines += [""] + [f"{label}: {url}" for label, url in links(meeting, base_url)]
    if meeting.status == "cancelled":
        lines.insert(0, "CANCELLED: this meeting will not take place.\n")
    return "\n".join(lines) + "\n"


def invite_html(meeting: MeetingView, base_url: str) -> str:
    """The HTML part of the invite email."""
    e = escape
    kind = KIND_NAMES.get(meeting.kind, "meeting")
    about = ", ".join(f"\u201c{e(d.title)}\u201d" for d in meeting.postmortems)
    parts = []
    if meeting.status == "cancelled":
        parts.append("<p><strong>Cancelled: this meeting will not take place.</strong></p>")
    parts.append(f"<h1>{e(meeting.title)}</h1>")
    parts.append(f"<p>You are invited to the {kind}" + (f" of {about}." if about else ".") + "</p>")
    parts.append(f"<p><strong>When:</strong> {e(when_text(meeting))}</p>")
    if meeting.location:
        parts.append(f"<p><strong>Where:</strong> {e(meeting.location)}</p>")
    parts.append(f"<p><em>{e(BLAMELESS_REMINDER)}</em></p>")
    parts.append("<p>To prepare, please note:</p><ul>")
    parts += [f"<li>{e(ask)}</li>" for ask in PREP_ASKS]
    parts.append("</ul>")
    if meeting.participants:
        parts.append("<p>Participants:</p><ul>")
        parts += [
            f"<li>{e(p.name)} ({e(ROLE_LABELS.get(p.role, p.role))})</li>"
            for p in meeting.participants
        ]
        parts.append("</ul>")
    parts.append("<p>Agenda:</p><ol>")
    parts += [
        f"<li>{e(p.title)} ({p.minutes} min)</li>"
        for p in agenda(meeting.kind, meeting.duration_minutes)
    ]
    parts.append("</ol><ul>")
    parts += [
        f'<li><a href="{e(url)}">{e(label)}</a></li>' for label, url in links(meeting, base_url)
    ]
    parts.append("</ul>")
    return "\n".join(parts)


def invite_ics(meeting: MeetingView, base_url: str, default_organizer: str) -> bytes:
    """The .ics of the invite."""
    return build_ics(
        meeting,
        description=invite_text(meeting, base_url),
        organizer_email=meeting.organizer_email or default_organizer,
        url=f"{base_url.rstrip('/')}{meeting.url_path}",
    )


def invite_message(
    meeting: MeetingView, base_url: str, sender: str, recipients: tuple[str, ...] = ()
) -> Message:
    """The invite email: text, HTML and the .ics (text/calendar; method=REQUEST or CANCEL).

    ``recipients``: who gets it, as ``allowed_recipients`` and ``guest_recipients`` say.
    """
    subject = meeting.title if meeting.status != "cancelled" else f"Cancelled: {meeting.title}"
    ics = invite_ics(meeting, base_url, sender)
    return Message(
        subject=subject,
        text=invite_text(meeting, base_url),
        html=invite_html(meeting, base_url),
        email_to=recipients,
        attachments=(
            Attachment("invite.ics", ics, "text/calendar", (("method", method_of(meeting)),)),
        ),
    )


def _public(session: Session, meeting: MeetingView) -> bool:
    """Whether everyone in the organisation may see every document of the meeting."""
    return visibilities(session, meeting.postmortem_ids) <= {Visibility.ORGANISATION.value}


def allowed_recipients(session: Session, meeting: MeetingView) -> tuple[str, ...]:
    """The address stored for each participant who is an active Kintsugi user and may see
    every document of the meeting. Never an address someone wrote for a participant: a
    participant is a user through the account they were matched to when stored."""
    ids = meeting.postmortem_ids
    usernames = list(dict.fromkeys(p.username for p in meeting.participants if p.username))
    emails: dict[str, None] = {}
    for username in usernames:
        try:
            user = people.active_user(session, username, field="participants")
        except InputError:
            continue
        if not user.email or not is_email(user.email):
            continue
        if ids and count_visible(session, people.principal_for(session, user), ids) != len(ids):
            continue
        emails.setdefault(user.email, None)
    return tuple(emails)


def guest_recipients(
    session: Session,
    actor: Principal,
    meeting: MeetingView,
    guests: Sequence[str],
    settings: NotifySettings,
) -> tuple[str, ...]:
    """``guests``: addresses of the meeting's participants without an account, named one by
    one by the sender. Allowed only when ``KINTSUGI_INVITE_GUESTS`` is on and the whole
    organisation may see every document of the meeting; recorded in the audit log."""
    if not guests:
        return ()
    if not settings.invite_guests:
        raise PermissionDeniedError(
            "invites to guests without an account are off; an operator can allow them with "
            "KINTSUGI_INVITE_GUESTS=true"
        )
    if not _public(session, meeting):
        raise PermissionDeniedError(
            "guests are invited only to meetings about post-mortems the whole organisation may see"
        )
    invited = {p.email.lower(): p.email for p in meeting.participants if p.email and not p.username}
    chosen: dict[str, None] = {}
    for i, guest in enumerate(guests):
        address = check_email(guest, f"guests.{i}")
        if address.lower() not in invited:
            raise InputError(
                f"{address} is not a guest of this meeting: add them to the participants first",
                field=f"guests.{i}",
            )
        chosen.setdefault(invited[address.lower()], None)
    audit.record(session, actor, "guests_invited", f"meeting:{meeting.id}", guests=sorted(chosen))
    return tuple(chosen)


def send_invite(
    session: Session,
    viewer: Principal,
    meeting_id: int,
    settings: NotifySettings,
    base_url: str,
    *,
    guests: Sequence[str] = (),
) -> list[Outcome]:
    """Send the invite on the configured channels: email to the participants who are users
    and may see the documents (plus the ``guests`` named, see ``guest_recipients``), and
    Slack/SNS (which ignore the .ics) only when the documents are visible to the whole
    organisation. A channel half set up is a NotConfiguredError naming the variable."""
    require_planner(viewer)
    meeting = get_meeting(session, meeting_id, viewer)
    channels = configured_channels(settings)
    recipients = allowed_recipients(session, meeting)
    recipients += guest_recipients(session, viewer, meeting, guests, settings)
    message = invite_message(meeting, base_url, settings.smtp_from, recipients)
    if not _public(session, meeting):
        channels = {n: c for n, c in channels.items() if n == "email"}
    return deliver(
        message,
        list(channels.values()),
        retries=settings.retries,
        backoff=settings.backoff_seconds,
    )


def notes_message(
    meeting: MeetingView, notes: list[tuple[str, str]], base_url: str, recipients: tuple[str, ...]
) -> Message:
    """The notes of a held meeting: (part title, note) in agenda order."""
    lines = [f"Notes of \u201c{meeting.title}\u201d.", ""]
    current = None
    for part, text in notes:
        if part != current:
            lines += ["", part]
            current = part
        lines.append(f"- {text}")
    if not notes:
        lines.append("No notes were taken.")
    lines += ["", f"Meeting page: {base_url.rstrip('/')}{meeting.url_path}"]
    for doc in meeting.postmortems:
        lines.append(f"Post-mortem: {base_url.rstrip('/')}/postmortems/{doc.id}")
    return Message(
        subject=f"Notes: {meeting.title}", text="\n".join(lines) + "\n", email_to=recipients
    )


def send_notes(
    session: Session,
    actor: Principal,
    meeting_id: int,
    settings: NotifySettings,
    base_url: str,
) -> list[Outcome]:
    """Email the notes to the participants who may see the documents (email only); the
    "notes sent" follow-up is done once the email went out."""
    require_planner(actor)
    meeting = get_meeting(session, meeting_id, actor)
    titles = {p.key: p.title for p in agenda(meeting.kind, meeting.duration_minutes)}
    order = list(titles)
    notes = sorted(
        list_notes(session, actor, meeting_id),
        key=lambda n: (order.index(n.part) if n.part in order else len(order), n.id),
    )
    message = notes_message(
        meeting,
        [(titles.get(n.part, n.part), n.text) for n in notes],
        base_url,
        allowed_recipients(session, meeting),
    )
    channels = {n: c for n, c in configured_channels(settings).items() if n == "email"}
    outcomes = deliver(
        message, list(channels.values()), retries=settings.retries, backoff=settings.backoff_seconds
    )
    if any(o.status == "sent" for o in outcomes) and meeting.held_at is not None:
        mark_done(session, actor, meeting_id, "notes_sent")
    return outcomes
