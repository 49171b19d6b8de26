"""The invite arrives at a real SMTP server with the .ics attached, and parses; Slack gets
the text (no attachment) only for documents the whole organisation may see."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.meetings import followups, live
from kintsugi.meetings.ics import validate_ics
from kintsugi.meetings.invite import send_invite, send_notes
from kintsugi.notify.config import NotifySettings
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems.document import Visibility
from tests.meetings.helpers import make_doc, make_person, plan
from tests.notify.fakes import FakeSlack, SmtpServer

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


def _calendar_part(mail: EmailMessage) -> EmailMessage:
    parts = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0]  # type: ignore[return-value]


def test_invite_email_carries_text_html_and_the_ics(
    sessions_sqlite: sessionmaker[Session], smtp: SmtpServer
) -> None:
    make_person(sessions_sqlite, "ana", email="ana@example.com", display_name="Ana")
    make_person(sessions_sqlite, "tomas", email="tomas@example.com", display_name="Tomás")
    make_doc(sessions_sqlite)
    meeting = plan(sessions_sqlite)
    with sessions_sqlite.begin() as session:
        outcomes = send_invite(session, SYSTEM, meeting.id, _settings(smtp), BASE)
    assert [(o.channel, o.status) for o in outcomes] == [("email", "sent")]
    assert len(smtp.received) == 1
    got = smtp.received[0]
    assert sorted(got.rcpt_tos) == ["ana@example.com", "tomas@example.com"]
    mail = got.message
    assert mail["Subject"] == "Post-Mortem: Checkout API outage - 2026-11-21"
    assert mail.get_content_type() == "multipart/mixed"
    types = [p.get_content_type() for p in mail.walk()]
    assert types[:4] == ["multipart/mixed", "multipart/alternative", "text/plain", "text/html"]
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain").get_content()
    assert "blameless review" in text and "What you observed" in text
    calendar = _calendar_part(mail)
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_filename() == "invite.ics"
    data = calendar.get_payload(decode=True)
    assert isinstance(data, bytes)
    assert validate_ics(data) == []
    assert meeting.uid.encode() in data


def test_restricted_invites_stay_off_slack(
    sessions_sqlite: sessionmaker[Session], smtp: SmtpServer
) -> None:
    make_person(sessions_sqlite, "ana", email="ana@example.com", display_name="Ana")
    make_doc(sessions_sqlite, visibility=Visibility.RESTRICTED, access=["ana"])
    make_doc(sessions_sqlite, id="open-one", title="Open one")
    hidden = plan(sessions_sqlite)
    public = plan(sessions_sqlite, ids=("open-one",))
    with FakeSlack() as slack, sessions_sqlite.begin() as session:
        settings = _settings(smtp, slack_webhook_url=slack.webhook_url)
        first = send_invite(session, SYSTEM, hidden.id, settings, BASE)
        second = send_invite(session, SYSTEM, public.id, settings, BASE)
        texts = [str(m) for m in slack.messages]
    assert [o.channel for o in first] == ["email"]
    assert [(o.channel, o.status) for o in second] == [("email", "sent"), ("slack", "sent")]
    assert len(texts) == 1 and "Open one" in texts[0] and "Checkout" not in texts[0]


def test_people_without_access_get_no_email_and_notes_are_sent(
    sessions_sqlite: sessionmaker[Session], smtp: SmtpServer
) -> None:
    make_person(sessions_sqlite, "ana", email="ana@example.com", display_name="Ana")
    make_person(sessions_sqlite, "tomas", email="tomas@example.com", display_name="Tomás")
    make_doc(sessions_sqlite, visibility=Visibility.RESTRICTED, access=["ana"])
    meeting = plan(sessions_sqlite)
    settings = _settings(smtp)
    with sessions_sqlite.begin() as session:
        send_invite(session, SYSTEM, meeting.id, settings, BASE)
        live.add_note(session, SYSTEM, meeting.id, "went-well", "Paging reached the right people")
        live.finish_session(session, SYSTEM, meeting.id)
        outcomes = send_notes(session, SYSTEM, meeting.id, settings, BASE)
        done = {f.kind: f.done for f in followups.list_followups(session, meeting.id)}
    assert [o.status for o in outcomes] == ["sent"]
    assert [r.rcpt_tos for r in smtp.received] == [["ana@example.com"], ["ana@example.com"]]
    notes = smtp.received[1].message
    assert notes["Subject"] == f"Notes: {meeting.title}"
    assert "What went well\n- Paging reached the right people" in notes.get_content().replace(
        "\r\n", "\n"
    )
    assert done["notes_sent"] is True
