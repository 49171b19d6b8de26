"""Invites go only to people Kintsugi knows, at their stored address, who may read the
post-mortem; guests only when allowed and named; addresses are checked as they come in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.audit import service as audit
from kintsugi.core.errors import InputError, PermissionDeniedError
from kintsugi.meetings import service
from kintsugi.meetings.invite import invite_ics, send_invite
from kintsugi.meetings.models import ParticipantRow
from kintsugi.meetings.participants import Participant
from kintsugi.notify.channels import NotConfiguredError
from kintsugi.notify.config import NotifySettings
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems.document import Visibility
from kintsugi.postmortems.readers import owner_people
from tests.meetings.helpers import make_doc, make_person, plan
from tests.notify.fakes import SmtpServer

BASE = "https://kintsugi.example.com"


def _settings(smtp: SmtpServer, **extra: object) -> NotifySettings:
    return NotifySettings.model_validate(
        {
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_from": "kintsugi@example.com",
            "smtp_security": "none",
            "backoff_seconds": 0,
            **extra,
        }
    )


def test_a_written_address_never_goes_with_a_users_name(
    sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    make_person(sessions, "admin", Role.ADMIN, email="admin@example.com")
    make_person(sessions, "ana", email="ana@example.com")
    make_doc(sessions, visibility=Visibility.RESTRICTED, access=["ana"])
    meeting = plan(sessions, participants=[Participant(name="Ana", username="ana")])
    spoofed = Participant(name="Admin", username="admin", email="someone@elsewhere.example")
    with sessions.begin() as session, pytest.raises(InputError) as caught:
        service.set_participants(session, SYSTEM, meeting.id, [spoofed])
    assert caught.value.field == "participants.0.email"
    # stored that way before the check: the send still uses the address stored for the user
    with sessions.begin() as session:
        service.set_participants(session, SYSTEM, meeting.id, [Participant(name="admin")])
        session.execute(
            update(ParticipantRow)
            .where(ParticipantRow.meeting_id == meeting.id)
            .values(email="someone@elsewhere.example")
        )
        send_invite(session, SYSTEM, meeting.id, _settings(smtp), BASE)
    assert [r.rcpt_tos for r in smtp.received] == [["admin@example.com"]]


def test_only_users_who_may_read_it_get_the_invite(
    sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    make_person(sessions, "ana", email="ana@example.com")
    make_person(sessions, "tomas", email="tomas@example.com")
    make_doc(sessions, visibility=Visibility.RESTRICTED, access=["ana"])
    make_doc(sessions, id="open-one", title="Open one")
    people = [
        Participant(name="Ana"),
        Participant(name="Tomás", username="tomas"),
        Participant(name="Guest", email="guest@elsewhere.example"),
    ]
    restricted = plan(sessions, participants=people)
    public = plan(sessions, ids=("open-one",), participants=people)
    with sessions.begin() as session:
        send_invite(session, SYSTEM, restricted.id, _settings(smtp), BASE)
        send_invite(session, SYSTEM, public.id, _settings(smtp), BASE)
    assert [sorted(r.rcpt_tos) for r in smtp.received] == [
        ["ana@example.com"],
        ["ana@example.com", "tomas@example.com"],  # no guest unless named and allowed
    ]


def test_guests_are_named_allowed_by_policy_and_audited(
    sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    make_doc(sessions, id="open-one", title="Open one")
    make_doc(sessions, visibility=Visibility.RESTRICTED)
    guest = Participant(name="Vendor", email="guest@elsewhere.example")
    public = plan(sessions, ids=("open-one",), participants=[guest])
    hidden = plan(sessions, participants=[guest])
    named = ["guest@elsewhere.example"]
    with sessions.begin() as session, pytest.raises(PermissionDeniedError) as off:
        send_invite(session, SYSTEM, public.id, _settings(smtp), BASE, guests=named)
    assert "KINTSUGI_INVITE_GUESTS" in str(off.value)
    allowed = _settings(smtp, invite_guests=True)
    with sessions.begin() as session, pytest.raises(PermissionDeniedError):
        send_invite(session, SYSTEM, hidden.id, allowed, BASE, guests=named)
    with sessions.begin() as session, pytest.raises(InputError) as stranger:
        send_invite(session, SYSTEM, public.id, allowed, BASE, guests=["other@elsewhere.example"])
    assert stranger.value.field == "guests.0"
    with sessions.begin() as session:
        send_invite(session, SYSTEM, public.id, allowed, BASE, guests=named)
    assert [r.rcpt_tos for r in smtp.received] == [named]
    with sessions() as session:
        events = audit.events(session, action="guests_invited")
    assert [(e.target, e.detail["guests"]) for e in events] == [(f"meeting:{public.id}", named)]


def test_notices_go_to_known_people_only(sessions: sessionmaker[Session]) -> None:
    make_person(sessions, "ana", email="ana@example.com")
    with sessions() as session:
        assert owner_people(session, "someone@elsewhere.example") == []
        assert owner_people(session, "ANA@example.com") == [("ana", "ana@example.com")]


def test_a_line_break_in_an_address_is_refused_at_input(
    sessions: sessionmaker[Session], client: TestClient, make_user: Callable[..., str]
) -> None:
    make_doc(sessions)
    meeting = plan(sessions)
    bad = {"name": "Eve", "email": "eve@example.com\r\nBcc: all@example.com"}
    response = client.put(
        f"/api/v1/meetings/{meeting.id}/participants", json={"participants": [bad]}
    )
    assert response.status_code == 422
    assert "participants.0.email" in str(response.json()["detail"])
    page = client.post(
        f"/meetings/{meeting.id}/participants",
        data={"guest_name": "Eve", "guest_email": "eve at example.com"},
    )
    assert page.status_code == 422 and "guest: &#39;eve at example.com&#39; is not an" in page.text
    # one stored before the check does not break the calendar file
    with sessions.begin() as session:
        session.execute(
            update(ParticipantRow)
            .where(ParticipantRow.meeting_id == meeting.id)
            .values(email="eve@example.com\r\nX: y")
        )
        view = service.get_meeting(session, meeting.id, SYSTEM)
    assert b"eve@example.com" not in invite_ics(view, BASE, "k@example.com")
    assert client.get(f"/api/v1/meetings/{meeting.id}/invite.ics").status_code == 200


def test_slack_without_a_channel_names_the_variable(
    sessions: sessionmaker[Session],
    client: TestClient,
    smtp: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_doc(sessions)
    meeting = plan(sessions)
    monkeypatch.setenv("KINTSUGI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KINTSUGI_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("KINTSUGI_SMTP_SECURITY", "none")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-" + "1" * 20)
    monkeypatch.delenv("KINTSUGI_SLACK_CHANNEL", raising=False)
    monkeypatch.delenv("SLACK_WEBHOOK_URL", raising=False)
    response = client.post(f"/api/v1/meetings/{meeting.id}/invite/send")
    assert response.status_code == 503, response.text
    assert "KINTSUGI_SLACK_CHANNEL" in response.json()["detail"]
    page = client.get(f"/meetings/{meeting.id}")
    assert "Slack is not configured" in page.text and "KINTSUGI_SLACK_CHANNEL" in page.text
    sent = client.post(f"/meetings/{meeting.id}/send")
    assert sent.status_code == 422 and "KINTSUGI_SLACK_CHANNEL" in sent.text
    with sessions.begin() as session, pytest.raises(NotConfiguredError):
        send_invite(session, SYSTEM, meeting.id, NotifySettings(), BASE)
    assert smtp.received == []
