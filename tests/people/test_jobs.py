"""The worker deletes expired web sessions on its passes (they were never deleted)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions.config import ActionSettings
from kintsugi.core.types import utcnow
from kintsugi.notify.config import NotifySettings
from kintsugi.people import service as people
from kintsugi.people.models import WebSession
from kintsugi.people.principal import SYSTEM
from kintsugi.worker import build_worker


def _sessions_of(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return sorted(session.scalars(select(WebSession.csrf_token)))


def test_a_worker_pass_deletes_expired_web_sessions_and_keeps_live_ones(
    sessions: sessionmaker[Session],
) -> None:
    now = utcnow()
    with sessions.begin() as session:
        people.create_user(session, SYSTEM, "maja", password="x" * 12)
        user = people.get_user(session, "maja")
        live, live_csrf = people.start_session(session, user)
        people.start_session(session, user)
        people.start_session(session, user)
        session.flush()
        for row in session.scalars(select(WebSession)):
            if row.csrf_token != live_csrf:  # the two others ended an hour ago
                row.expires_at = now - timedelta(hours=1)
    assert len(_sessions_of(sessions)) == 3

    worker = build_worker(sessions, NotifySettings(), ActionSettings(), channels={}, name="w1")
    report = worker.run_once(now)

    assert "sessions" in worker.jobs.names  # the composition root registers the purge
    assert report.jobs["sessions"] == "2 expired web session(s) deleted"
    with sessions() as session:
        assert people.resolve_session(session, live) is not None
        assert len(list(session.scalars(select(WebSession)))) == 1
    assert worker.run_once(now).jobs["sessions"] == "0 expired web session(s) deleted"
