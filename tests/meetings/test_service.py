"""Meetings in storage (SQLite and PostgreSQL): planning, participants, rescheduling,
visibility, the figures other slices use, and the deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import InputError, NotFoundError, PermissionDeniedError
from kintsugi.meetings import live, service
from kintsugi.meetings.participants import Participant
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import Visibility
from kintsugi.postmortems.policy import save_overrides
from tests.meetings.helpers import IN_TIME, LATE, make_doc, make_person, plan


def test_participants_come_from_roles_and_the_timeline_in_order(
    sessions: sessionmaker[Session],
) -> None:
    """The timeline's bot (release-bot) is not invited."""
    make_person(sessions, "ana", email="ana@example.com", display_name="Ana")
    make_person(sessions, "tomas", email="tomas@example.com", display_name="Tomás")
    make_doc(sessions)
    meeting = plan(sessions)
    people = [(p.name, p.role, p.email) for p in meeting.participants]
    assert people == [
        ("Ana", "facilitator", "ana@example.com"),
        ("bo", "technical_lead", None),
        ("Tomás", "responder", "tomas@example.com"),
        ("Alice", "responder", None),
        ("Cleo", "scribe", None),
    ]
    assert meeting.participants[0].username == "ana"
    assert meeting.title == "Post-Mortem: Checkout API outage - 2026-11-21"
    assert meeting.deadline is not None and meeting.deadline["missed"] is False


def test_organizer_facilitates_when_the_document_names_nobody(
    sessions: sessionmaker[Session],
) -> None:
    eve = make_person(sessions, "eve", Role.FACILITATOR, email="eve@example.com")
    make_doc(sessions, extra={})
    meeting = plan(sessions, eve)
    assert (meeting.participants[0].name, meeting.participants[0].role) == ("eve", "facilitator")
    assert meeting.organizer_email == "eve@example.com"


def test_reschedule_keeps_the_uid_and_raises_the_sequence(
    sessions: sessionmaker[Session],
) -> None:
    make_doc(sessions)
    first = plan(sessions)
    with sessions.begin() as session:
        moved, rescheduled = service.schedule_review(
            session, SYSTEM, "checkout", LATE, "Europe/Copenhagen", 90
        )
    assert rescheduled
    assert (moved.id, moved.uid) == (first.id, first.uid)
    assert moved.sequence == first.sequence + 1
    assert moved.title.endswith("2026-12-03")
    assert moved.deadline is not None and moved.deadline["missed"] is True
    with sessions.begin() as session:
        cancelled = service.cancel(session, SYSTEM, first.id)
    assert (cancelled.status, cancelled.sequence) == ("cancelled", moved.sequence + 1)


def test_the_review_deadline_is_the_learning_policys(sessions: sessionmaker[Session]) -> None:
    make_doc(sessions)  # SEV1, resolved 2026-11-20 10:00 UTC; the review a day later
    first = plan(sessions).deadline
    assert first is not None and first["missed"] is False
    assert first["deadline"] == "2026-11-22T10:00:00+00:00"  # the default: 48 hours
    with sessions.begin() as session:  # the admin page shortens SEV1 to 12 hours
        save_overrides(session, SYSTEM, {"deadlines": {"sev1_hours": 12}})
    with sessions.begin() as session:
        moved, _ = service.schedule_review(
            session, SYSTEM, "checkout", IN_TIME, "Europe/Copenhagen", 90
        )
    assert moved.deadline is not None and moved.deadline["missed"] is True
    assert moved.deadline["deadline"] == "2026-11-20T22:00:00+00:00"
    assert "within 12 hours of resolution" in str(moved.deadline["message"])


def test_bad_plans_are_refused_with_the_field(sessions: sessionmaker[Session]) -> None:
    make_doc(sessions)
    with pytest.raises(InputError) as bad_duration:
        plan(sessions, minutes=5)
    assert bad_duration.value.field == "duration_minutes"
    with pytest.raises(InputError) as two_docs:
        plan(sessions, ids=())
    assert two_docs.value.field == "postmortem_ids"
    with pytest.raises(InputError) as role:
        plan(sessions, participants=[Participant(name="x", role="boss")])
    assert role.value.field == "participants.0.role"
    viewer = make_person(sessions, "vic", Role.VIEWER)
    with pytest.raises(PermissionDeniedError):
        plan(sessions, viewer)


def test_meetings_of_hidden_post_mortems_do_not_exist_for_others(
    sessions: sessionmaker[Session],
) -> None:
    nadia = make_person(sessions, "nadia")
    otto = make_person(sessions, "otto")
    make_doc(sessions, visibility=Visibility.RESTRICTED, access=["nadia"])
    make_doc(sessions, id="open-one", title="Open one", extra={})
    hidden = plan(sessions)
    learning = plan(sessions, kind="learning", ids=("checkout-pool", "open-one"), title="Weekly")
    open_review = plan(sessions, ids=("open-one",))
    window = {"since": IN_TIME - timedelta(days=1), "until": IN_TIME + timedelta(days=1)}
    with sessions.begin() as session:
        assert {m.id for m in service.upcoming(session, nadia, **window)} == {
            hidden.id,
            learning.id,
            open_review.id,
        }
        assert [m.id for m in service.upcoming(session, otto, **window)] == [open_review.id]
        assert [m.id for m in service.list_meetings(session, otto)] == [open_review.id]
        for meeting_id in (hidden.id, learning.id):
            with pytest.raises(NotFoundError):
                service.get_meeting(session, meeting_id, otto)
            with pytest.raises(NotFoundError):
                live.list_notes(session, otto, meeting_id)
        assert service.get_meeting(session, hidden.id, nadia).title.startswith("Post-Mortem")


def test_upcoming_is_the_scheduled_meetings_in_the_window(
    sessions: sessionmaker[Session],
) -> None:
    make_doc(sessions)
    soon = plan(sessions, kind="learning", ids=(), title="Brown bag", starts_at=IN_TIME)
    plan(sessions, kind="learning", ids=(), title="Later", starts_at=IN_TIME + timedelta(days=40))
    gone = plan(sessions, kind="learning", ids=(), title="Off", starts_at=IN_TIME)
    with sessions.begin() as session:
        service.cancel(session, SYSTEM, gone.id)
        found = service.upcoming(
            session, SYSTEM, since=IN_TIME - timedelta(hours=1), until=IN_TIME + timedelta(days=7)
        )
    assert [(m.id, m.kind, m.url_path) for m in found] == [
        (soon.id, "learning", f"/meetings/{soon.id}")
    ]
    assert found[0].starts_at == IN_TIME and found[0].duration_minutes == 60


def test_held_by_month_and_attendance(sessions: sessionmaker[Session]) -> None:
    make_person(sessions, "ana", email="ana@example.com", display_name="Ana", teams=("payments",))
    make_doc(sessions, team="payments", visibility=Visibility.TEAM)
    make_doc(sessions, id="open-one", title="Open one", extra={})
    review = plan(sessions)
    learning = plan(sessions, kind="learning", ids=(), title="Deep dive")
    other = plan(sessions, ids=("open-one",))
    with sessions.begin() as session:
        pk = postmortems.find_row(session, "checkout-pool", SYSTEM).pk
        assert service.attendance(session, pk) is None
        live.finish_session(
            session,
            SYSTEM,
            review.id,
            attended=["Ana", "Tomás"],
            now=datetime(2026, 11, 21, 14, 0, tzinfo=UTC),
        )
        live.finish_session(
            session, SYSTEM, learning.id, now=datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
        )
        live.finish_session(session, SYSTEM, other.id, now=datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    since, until = datetime(2026, 11, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    with sessions.begin() as session:
        assert service.held_by_month(session, since=since, until=until) == [
            ("2026-11", 1),
            ("2026-12", 2),
        ]
        assert service.held_by_month(session, since=since, until=until, team="payments") == [
            ("2026-11", 1)
        ]
        assert service.held_by_month(session, since=since, until=until, team="nobody") == []
        assert service.held_by_month(
            session, since=datetime(2026, 12, 6, tzinfo=UTC), until=until
        ) == [("2026-12", 1)]
        assert service.attendance(session, pk) == {"Ana", "ana", "Tomás"}


def test_one_person_is_invited_once_and_attends_by_username(
    sessions: sessionmaker[Session],
) -> None:
    make_person(sessions, "tomas", email="tomas@example.com", display_name="Tomás Ferreira")
    make_doc(sessions)
    meeting = plan(
        sessions,
        participants=[
            Participant(name="tomas", role="facilitator"),
            Participant(name="Tomás Ferreira", role="responder"),
            Participant(name="Alice", role="responder"),
        ],
    )
    assert [(p.name, p.role) for p in meeting.participants] == [
        ("tomas", "facilitator"),
        ("Alice", "responder"),
    ]
    with sessions.begin() as session:
        live.start_session(session, SYSTEM, meeting.id)
        live.finish_session(session, SYSTEM, meeting.id, attended=["TOMAS"])
    with sessions() as session:
        found = service.get_meeting(session, meeting.id, SYSTEM)
    assert {p.name: p.attended for p in found.participants} == {"tomas": True, "Alice": False}
