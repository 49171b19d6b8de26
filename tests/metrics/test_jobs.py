"""Reminders to the authors of overdue post-mortems, through the worker: once a day, on the
policy's channels, and by email only (never Slack or SNS) for restricted documents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions.worker import RunReport
from kintsugi.metrics import jobs
from kintsugi.postmortems.document import Severity, Visibility
from kintsugi.worker import build_worker
from tests.actions import scenario
from tests.actions.helpers import make_user
from tests.metrics.helpers import NOW, incident
from tests.notify.fakes import FakeSlack, FakeSns, SmtpServer


@pytest.fixture
def servers() -> Iterator[scenario.Servers]:
    with SmtpServer() as smtp, FakeSlack() as slack, FakeSns() as sns:
        yield scenario.Servers(smtp, slack, sns)


def _run(
    sessions: sessionmaker[Session], servers: scenario.Servers, now: datetime = NOW
) -> RunReport:
    worker = build_worker(
        sessions,
        servers.notify_settings(),
        scenario.action_settings(),
        base_url="https://kintsugi.example.com",
        name="test-worker",
    )
    report = RunReport(worker=worker.name, started_at=now)
    jobs.run_due(worker, now, report)
    return report


def test_the_job_is_registered_with_the_worker(
    sessions: sessionmaker[Session], servers: scenario.Servers
) -> None:
    worker = build_worker(sessions, servers.notify_settings(), scenario.action_settings())
    assert "metrics" in worker.jobs.names
    assert "metrics" in worker.run_once(NOW).jobs


def test_authors_are_reminded_once_a_day_and_restricted_ones_by_email_only(
    sessions: sessionmaker[Session], servers: scenario.Servers
) -> None:
    make_user(sessions, "ana", email="ana@example.com")
    make_user(sessions, "ivan", email="ivan@example.com")
    incident(
        sessions, "public-pm", severity=Severity.SEV1, started="2026-06-10 08:00",
        resolved="2026-06-10 09:00", authors=["ana"],
    )  # fmt: skip
    incident(
        sessions, "secret-pm", severity=Severity.SEV2, started="2026-06-10 08:00",
        resolved="2026-06-10 09:00", authors=["ivan"], visibility=Visibility.RESTRICTED,
        access=["ivan"],
    )  # fmt: skip
    incident(  # within its week: no reminder
        sessions, "fresh", severity=Severity.SEV3, started="2026-06-14 08:00",
        resolved="2026-06-14 09:00", authors=["ana"],
    )  # fmt: skip
    report = _run(sessions, servers)
    assert report.jobs["metrics"] == "2 overdue post-mortem(s); 4 reminder(s) sent"
    emails = {str(m.message["To"]): str(m.message["Subject"]) for m in servers.smtp.received}
    assert emails == {
        "ana@example.com": "Post-mortem overdue: Incident public-pm",
        "ivan@example.com": "Post-mortem overdue: Incident secret-pm",
    }
    broadcast = [m["text"] for m in servers.slack.messages] + [
        p["Message"] for p in servers.sns.published
    ]
    assert len(broadcast) == 2
    assert all("public-pm" in text for text in broadcast)
    assert not any("secret" in text for text in broadcast)
    keys = {key for key, _outcome in report.sent}
    assert keys == {"pm-deadline:public-pm:2026-06-15", "pm-deadline:secret-pm:2026-06-15"}

    again = _run(sessions, servers, NOW + timedelta(hours=3))
    assert again.sent == [] and len(servers.smtp.received) == 2
    next_day = _run(sessions, servers, NOW + timedelta(days=1))
    assert len(next_day.sent) == 4


def test_reminders_can_be_switched_off(
    sessions: sessionmaker[Session], servers: scenario.Servers
) -> None:
    from kintsugi.metrics.policy import save_overrides
    from kintsugi.people.principal import SYSTEM

    incident(
        sessions, "late", severity=Severity.SEV1, started="2026-06-10 08:00",
        resolved="2026-06-10 09:00",
    )  # fmt: skip
    with sessions.begin() as session:
        save_overrides(session, SYSTEM, {"reminders": {"every_days": 0}})
    report = _run(sessions, servers)
    assert report.sent == [] and report.jobs["metrics"].startswith("1 overdue")


def test_a_bad_policy_file_is_reported_not_raised(
    sessions: sessionmaker[Session],
    servers: scenario.Servers,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[reminders]\nevery_days = 'often'\n")
    monkeypatch.setenv("KINTSUGI_POLICY_FILE", str(policy))
    report = _run(sessions, servers)
    assert report.jobs["metrics"].startswith(f"not run: {policy}: reminders.every_days")


def test_an_author_who_may_no_longer_read_the_post_mortem_is_not_reminded(
    sessions: sessionmaker[Session], servers: scenario.Servers
) -> None:
    """Authors named on a restricted post-mortem that is not granted to them hear nothing."""
    make_user(sessions, "ana", email="ana@example.com")
    make_user(sessions, "ivan", email="ivan@example.com")
    incident(
        sessions, "secret-pm", severity=Severity.SEV2, started="2026-06-10 08:00",
        resolved="2026-06-10 09:00", authors=["ivan", "ana"], visibility=Visibility.RESTRICTED,
        access=["ivan"],
    )  # fmt: skip
    _run(sessions, servers)
    assert [m.rcpt_tos for m in servers.smtp.received] == [["ivan@example.com"]]
