"""The invite as a calendar client reads it (icalendar round trip, RFC 5545 properties), the
agenda's times, and the script's content."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import InputError
from kintsugi.meetings import service
from kintsugi.meetings.agenda import PARTS, agenda
from kintsugi.meetings.ics import validate_ics
from kintsugi.meetings.invite import invite_ics, invite_message, invite_text
from kintsugi.meetings.script import PROMPTS, build_script
from kintsugi.meetings.when import check_deadline, parse_when
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems.markdown import parse_markdown
from kintsugi.postmortems.policy import Deadlines
from tests.meetings.helpers import LATE, MARKDOWN, make_doc, make_person, plan

BASE = "https://kintsugi.example.com"


def _event(data: bytes) -> tuple[Calendar, object]:
    cal = Calendar.from_ical(data)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return cal, events[0]


def test_invite_round_trips_with_every_required_property(
    sessions_sqlite: sessionmaker[Session],
) -> None:
    make_person(sessions_sqlite, "ana", email="ana@example.com", display_name="Ana")
    make_doc(sessions_sqlite)
    meeting = plan(sessions_sqlite, minutes=90)
    data = invite_ics(meeting, BASE, "kintsugi@example.com")
    assert validate_ics(data) == []
    cal, event = _event(data)
    assert str(cal["METHOD"]) == "REQUEST" and str(cal["VERSION"]) == "2.0"
    assert str(event["UID"]) == meeting.uid  # type: ignore[index]
    start = event["DTSTART"]  # type: ignore[index]
    assert start.params["TZID"] == "Europe/Copenhagen"
    assert start.dt == datetime(2026, 11, 21, 13, 0, tzinfo=UTC)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Copenhagen"]
    assert event["DURATION"].dt == timedelta(minutes=90)  # type: ignore[index]
    assert str(event["ORGANIZER"]) == "mailto:kintsugi@example.com"  # type: ignore[index]
    attendees = event["ATTENDEE"]  # type: ignore[index]
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a) for a in attendees] == ["mailto:ana@example.com"]
    params = {k: str(v) for k, v in attendees[0].params.items()}
    assert {k: params.get(k) for k in ("CN", "ROLE", "PARTSTAT", "RSVP")} == {
        "CN": "Ana",
        "ROLE": "CHAIR",
        "PARTSTAT": "NEEDS-ACTION",
        "RSVP": "TRUE",
    }
    assert str(event["SUMMARY"]) == "Post-Mortem: Checkout API outage - 2026-11-21"  # type: ignore[index]
    description = str(event["DESCRIPTION"])  # type: ignore[index]
    assert (
        "blameless" in description and f"{BASE}/postmortems/checkout-pool#timeline" in description
    )
    # what a calendar client writes back is what we wrote
    assert Calendar.from_ical(cal.to_ical()).to_ical() == cal.to_ical()


def test_rescheduling_updates_the_same_event_and_cancel_says_so(
    sessions_sqlite: sessionmaker[Session],
) -> None:
    make_doc(sessions_sqlite)
    meeting = plan(sessions_sqlite)
    with sessions_sqlite.begin() as session:
        moved, _ = service.schedule_review(
            session, SYSTEM, "checkout-pool", LATE, "America/New_York", 60
        )
    _, before = _event(invite_ics(meeting, BASE, "k@example.com"))
    cal, after = _event(invite_ics(moved, BASE, "k@example.com"))
    assert str(after["UID"]) == str(before["UID"])  # type: ignore[index]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1  # type: ignore[index]
    assert after["DTSTART"].params["TZID"] == "America/New_York"  # type: ignore[index]
    assert validate_ics(cal.to_ical()) == []
    with sessions_sqlite.begin() as session:
        cancelled = service.cancel(session, SYSTEM, meeting.id)
    cal, gone = _event(invite_ics(cancelled, BASE, "k@example.com"))
    assert str(cal["METHOD"]) == "CANCEL" and str(gone["STATUS"]) == "CANCELLED"  # type: ignore[index]
    assert int(gone["SEQUENCE"]) == int(after["SEQUENCE"]) + 1  # type: ignore[index]
    assert invite_message(cancelled, BASE, "k@example.com").subject.startswith("Cancelled: ")


def test_validation_finds_what_is_missing() -> None:
    broken = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n"
        b"DTSTART;TZID=Europe/Oslo:20261203T140000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    problems = validate_ics(broken)
    assert "VCALENDAR lacks PRODID" in problems
    assert "VCALENDAR lacks METHOD" in problems
    assert "VEVENT lacks DTSTAMP" in problems
    assert "VEVENT lacks DTEND or DURATION" in problems
    assert "TZID Europe/Oslo has no VTIMEZONE" in problems


@pytest.mark.parametrize("kind", list(PARTS))
@pytest.mark.parametrize("minutes", [15, 45, 60, 75, 90, 120, 480])
def test_agenda_fills_the_meeting_exactly(kind: str, minutes: int) -> None:
    parts = agenda(kind, minutes)
    assert [p.key for p in parts] == [p[0] for p in PARTS[kind]]
    assert sum(p.minutes for p in parts) == minutes
    assert all(p.minutes >= 1 for p in parts)
    assert [p.start_minute for p in parts] == [
        sum(q.minutes for q in parts[:i]) for i in range(len(parts))
    ]
    assert all(p.guide == f"/handbook/facilitation#{p.key}" for p in parts)


def test_standard_agendas() -> None:
    assert [(p.key, p.minutes) for p in agenda("postmortem", 90)] == [
        ("welcome", 5),
        ("overview", 10),
        ("what-happened", 20),
        ("root-causes", 20),
        ("went-well", 10),
        ("could-improve", 10),
        ("action-items", 10),
        ("closing", 5),
    ]
    assert [p.key for p in agenda("premortem", 60)] == [
        "scenario",
        "story",
        "premortem-causes",
        "preventions",
        "premortem-actions",
    ]
    with pytest.raises(InputError):
        agenda("postmortem", 10)


def test_script_is_filled_with_the_incident() -> None:
    doc = parse_markdown(MARKDOWN)
    script = build_script("postmortem", doc, 60)
    assert script.responders == ["release-bot", "Tomás", "Alice"]
    assert "ran out of database connections" in script.summary
    text = " ".join(" ".join(p.say + p.ask) for p in script.parts)
    assert "Checkout API outage" in text and "release-bot, Tomás, Alice" in text
    moments = {p.key for part in script.parts for p in part.prompts}
    assert moments == {p.key for p in PROMPTS} == {"blame", "defensive", "drift", "skip-actions"}


def test_times_and_deadlines() -> None:
    at, zone = parse_when("2026-12-03 14:00 Europe/Copenhagen")
    assert (at, zone) == (datetime(2026, 12, 3, 13, 0, tzinfo=UTC), "Europe/Copenhagen")
    assert parse_when("2026-12-03 14:00", "UTC")[0] == datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    for bad in (
        "tomorrow",
        "2026-13-03 14:00",
        "2026-12-03 14:00 Mars/Base",
        "2026-12-03 14:00 ../etc",
    ):
        with pytest.raises(InputError) as error:
            parse_when(bad, field="--when")
        assert error.value.field == "--when"
    resolved = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    hours = Deadlines().hours_for  # the policy's defaults: 48 hours, a week

    def missed(severity: str, late: timedelta) -> bool:
        return check_deadline(severity, resolved, resolved + late, hours=hours(severity)).missed

    assert missed("SEV2", timedelta(hours=47)) is False
    assert missed("SEV2", timedelta(hours=49)) is True
    assert missed("SEV3", timedelta(days=6)) is False
    assert missed("SEV3", timedelta(days=8)) is True
    assert check_deadline("SEV1", None, resolved, hours=48).deadline is None
    late = check_deadline("SEV3", resolved, resolved + timedelta(days=8), hours=hours("SEV3"))
    assert "within a week of resolution" in late.message
    assert check_deadline(None, resolved, resolved, hours=None).deadline is None


def test_invite_text_has_the_reminder_asks_and_links(
    sessions_sqlite: sessionmaker[Session],
) -> None:
    make_doc(sessions_sqlite)
    meeting = plan(sessions_sqlite)
    text = invite_text(meeting, BASE)
    for expected in (
        "blameless review",
        "What you observed",
        "The decisions you made, and why",
        "What you learned",
        "What could improve",
        f"Draft: Checkout API outage: {BASE}/postmortems/checkout-pool",
        f"Meeting page: {BASE}/meetings/{meeting.id}",
    ):
        assert expected in text
