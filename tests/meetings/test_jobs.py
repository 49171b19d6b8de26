"""The worker reminds of each follow-up once, when it falls due, unless it is done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions.config import ActionSettings
from kintsugi.meetings import followups, live
from kintsugi.notify.config import NotifySettings
from kintsugi.people.principal import Role
from kintsugi.worker import build_worker
from tests.meetings.helpers import make_doc, make_person, plan
from tests.notify.fakes import SmtpServer

HELD = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)


def _reminders(smtp: SmtpServer) -> list[str]:
    return [
        str(r.message["Subject"]) for r in smtp.received if "Reminder" in str(r.message["Subject"])
    ]


def test_follow_up_reminders_go_out_once_when_due(
    sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    ana = make_person(sessions, "ana", Role.FACILITATOR, email="ana@example.com")
    make_doc(sessions)
    meeting = plan(sessions, ana)
    with sessions.begin() as session:
        live.finish_session(session, ana, meeting.id, now=HELD)
    worker = build_worker(
        sessions,
        NotifySettings.model_validate(
            {"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_security": "none"}
        ),
        ActionSettings(),
        base_url="https://kintsugi.example.com",
        name="test-worker",
    )
    early = worker.run_once(HELD + timedelta(hours=1))
    assert early.jobs["meetings"] == "0 follow-up reminder(s) of 0 due"
    assert _reminders(smtp) == []
    report = worker.run_once(HELD + timedelta(hours=21))
    assert report.jobs["meetings"] == "1 follow-up reminder(s) of 1 due"
    assert _reminders(smtp) == ["Reminder: Notes sent to the participants - Checkout API outage"]
    reminder = next(r for r in smtp.received if "Reminder" in str(r.message["Subject"]))
    assert reminder.rcpt_tos == ["ana@example.com"]
    assert f"/meetings/{meeting.id}" in reminder.message.get_content()
    worker.run_once(HELD + timedelta(hours=22))
    assert len(_reminders(smtp)) == 1
    with sessions.begin() as session:
        followups.mark_done(session, ana, meeting.id, "published")
    worker.run_once(HELD + timedelta(days=15))
    assert _reminders(smtp) == [
        "Reminder: Notes sent to the participants - Checkout API outage",
        "Reminder: Action items followed up - Checkout API outage",
    ]


def test_no_reminder_reaches_a_facilitator_who_may_no_longer_read_the_document(
    sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    """The reminder names the meeting's post-mortems: once one is restricted away from the
    facilitator, they are not told of it."""
    from sqlalchemy import update

    from kintsugi.postmortems.models import PostmortemRow

    ana = make_person(sessions, "ana", Role.FACILITATOR, email="ana@example.com")
    make_doc(sessions)
    meeting = plan(sessions, ana)
    with sessions.begin() as session:
        live.finish_session(session, ana, meeting.id, now=HELD)
        session.execute(
            update(PostmortemRow)
            .where(PostmortemRow.id == "checkout-pool")
            .values(visibility="restricted")
        )
    worker = build_worker(
        sessions,
        NotifySettings.model_validate(
            {"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_security": "none"}
        ),
        ActionSettings(),
        base_url="https://kintsugi.example.com",
        name="test-worker",
    )
    worker.run_once(HELD + timedelta(hours=21))
    assert _reminders(smtp) == []
