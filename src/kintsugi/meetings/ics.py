"""The calendar invite (RFC 5545) of a meeting, made with the ``icalendar`` library.

One VEVENT with a stable UID per meeting and its SEQUENCE (raised on every reschedule), DTSTART
in the meeting's zone with the matching VTIMEZONE, DURATION, ORGANIZER and an ATTENDEE for
everyone with an email address. METHOD:REQUEST, or METHOD:CANCEL once cancelled.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

from kintsugi import __version__
from kintsugi.meetings.service import CANCELLED, MeetingView
from kintsugi.meetings.when import local_time
from kintsugi.notify.recipients import is_email

PRODID = f"-//Kintsugi//Kintsugi {__version__}//EN"
REQUIRED = ("VERSION", "PRODID", "METHOD")
REQUIRED_EVENT = ("UID", "DTSTAMP", "DTSTART")
_ROLE = {
    "facilitator": "CHAIR",
    "technical_lead": "REQ-PARTICIPANT",
    "responder": "REQ-PARTICIPANT",
    "scribe": "REQ-PARTICIPANT",
    "impacted": "OPT-PARTICIPANT",
    "sme": "OPT-PARTICIPANT",
}


def method_of(meeting: MeetingView) -> str:
    """REQUEST, or CANCEL for a cancelled meeting."""
    return "CANCEL" if meeting.status == CANCELLED else "REQUEST"


def build_ics(
    meeting: MeetingView,
    *,
    description: str,
    organizer_email: str,
    url: str | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """The invite as iCalendar bytes (CRLF lines, folded at 75 octets)."""
    method = method_of(meeting)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    start = local_time(meeting.starts_at, meeting.timezone)
    event.add("dtstart", start)
    event.add("duration", timedelta(minutes=meeting.duration_minutes))
    event.add("summary", meeting.title)
    event.add("description", description)
    if meeting.location:
        event.add("location", meeting.location)
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["CN"] = vText(meeting.organizer)
    event.add("organizer", organizer)
    for person in meeting.participants:
        if not person.email or not is_email(person.email):
            continue  # an address stored before addresses were checked is left out
        attendee = vCalAddress(f"mailto:{person.email}")
        attendee.params["CN"] = vText(person.name)
        attendee.params["ROLE"] = vText(_ROLE.get(person.role, "REQ-PARTICIPANT"))
        attendee.params["PARTSTAT"] = vText("NEEDS-ACTION")
        attendee.params["RSVP"] = vText("TRUE")
        attendee.params["CUTYPE"] = vText("INDIVIDUAL")
        event.add("attendee", attendee, encode=False)
    cal.add_component(event)
    # the zone's rules around the meeting (a reschedule builds a fresh invite)
    year = start.year
    cal.add_missing_timezones(date(year - 1, 1, 1), date(year + 2, 1, 1))
    return bytes(cal.to_ical())


def validate_ics(data: bytes) -> list[str]:
    """Problems with an invite: missing RFC 5545 properties, TZIDs without a VTIMEZONE.

    Empty when the calendar parses and has everything a calendar client needs.
    """
    try:
        cal = Calendar.from_ical(data)
    except ValueError as exc:
        return [f"does not parse: {exc}"]
    problems = [f"VCALENDAR lacks {name}" for name in REQUIRED if name not in cal]
    events = cal.walk("VEVENT")
    if len(events) != 1:
        problems.append(f"expected one VEVENT, found {len(events)}")
    for event in events:
        problems += [f"VEVENT lacks {name}" for name in REQUIRED_EVENT if name not in event]
        if "DTEND" not in event and "DURATION" not in event:
            problems.append("VEVENT lacks DTEND or DURATION")
    defined = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    problems += [f"TZID {tzid} has no VTIMEZONE" for tzid in sorted(cal.get_used_tzids() - defined)]
    return problems
