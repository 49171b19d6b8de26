"""The worker: assignment notices, reminders and the digest, each sent exactly once."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions import deliveries
from kintsugi.actions.items import ItemChanges
from kintsugi.actions.worker import Worker
from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.jobs.models import ClaimRow
from kintsugi.notify.base import Message
from kintsugi.people.principal import SYSTEM
from kintsugi.worker import build_worker
from tests.actions import scenario
from tests.actions.race import run_worker
from tests.notify.fakes import FakeSlack, FakeSns, Reply, SmtpServer

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def servers() -> Iterator[scenario.Servers]:
    with SmtpServer() as smtp, FakeSlack() as slack, FakeSns() as sns:
        yield scenario.Servers(smtp, slack, sns)


def _worker(sessions: sessionmaker[Session], servers: scenario.Servers, name: str) -> Worker:
    return build_worker(
        sessions,
        servers.notify_settings(),
        scenario.action_settings(),
        base_url="https://kintsugi.example.com",
        name=name,
    )


def _subjects(servers: scenario.Servers) -> Counter[str]:
    return Counter(str(r.message["Subject"]) for r in servers.smtp.received)


def _check_everything_went_once(servers: scenario.Servers) -> None:
    emails = servers.smtp.received
    assert len(emails) == scenario.EXPECTED_EMAILS
    assert all(n == 1 for n in _subjects(servers).values()), _subjects(servers)
    assert len(servers.slack.messages) == scenario.EXPECTED_BROADCASTS
    assert len(servers.sns.published) == scenario.EXPECTED_BROADCASTS
    slack_text = " ".join(m["text"] for m in servers.slack.messages)
    assert "rotate keys" not in slack_text  # the restricted post-mortem stays off Slack
    assert "rotate keys" not in " ".join(p["Message"] for p in servers.sns.published)


def test_one_run_sends_everything_due_and_a_second_run_nothing(
    sessions: sessionmaker[Session], servers: scenario.Servers
) -> None:
    scenario.build(sessions, NOW.date())
    first = _worker(sessions, servers, "w1").run_once(NOW)
    assert first.failed == []
    assert first.digest == "sent"
    _check_everything_went_once(servers)
    second = _worker(sessions, servers, "w2").run_once(NOW + timedelta(minutes=1))
    assert second.sent == []
    assert second.digest == "already sent"
    _check_everything_went_once(servers)

    by_rcpt = {
        tuple(r.rcpt_tos): r
        for r in servers.smtp.received
        if "digest" not in str(r.message["Subject"])
    }
    assert ("sam@example.com", "sue@example.com") in by_rcpt  # the team's members
    digest_mail = next(r for r in servers.smtp.received if "digest" in str(r.message["Subject"]))
    assert digest_mail.rcpt_tos == [scenario.DIGEST_TO]
    text = digest_mail.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "B: alert on saturation — sre, due" in text
    assert "rotate keys" not in text
    assert "1 item(s) of team-only or restricted post-mortems are counted" in text
    html = digest_mail.message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<h2>Overdue P0 (2)</h2>" in html

    with sessions() as session:
        rows = session.scalars(select(ClaimRow)).all()
    assert {r.status for r in rows} == {"sent"}
    assert len(rows) == scenario.EXPECTED_EMAILS + 2 * scenario.EXPECTED_BROADCASTS


def test_next_day_reminds_again_and_next_week_digests_again(
    sessions: sessionmaker[Session], servers: scenario.Servers
) -> None:
    scenario.build(sessions, NOW.date())
    _worker(sessions, servers, "w1").run_once(NOW)
    before = len(servers.smtp.received)
    tomorrow = _worker(sessions, servers, "w1").run_once(NOW + timedelta(days=1))
    # A is due today now (no reminder), B and C are overdue (daily), D is due in 2 days (no).
    reminded = sorted(key for key, outcome in tomorrow.sent if outcome.channel == "email")
    assert len(reminded) == 2
    assert tomorrow.digest == "already sent"
    assert len(servers.smtp.received) == before + 2
    next_week = _worker(sessions, servers, "w1").run_once(NOW + timedelta(days=7))
    assert next_week.digest == "sent"


def test_reassignment_tells_the_new_owner(
    sessions: sessionmaker[Session], servers: scenario.Servers
) -> None:
    scenario.build(sessions, NOW.date())
    _worker(sessions, servers, "w1").run_once(NOW)
    from kintsugi.actions import items

    with sessions.begin() as session:
        owned = items.list_items(session, SYSTEM, items.ItemFilters(owner="ana"))
        item = next(i for i in owned if i.title.startswith("A:"))
        items.update_item(session, item.id, ItemChanges(owner="sam"), SYSTEM, base_version=None)
    report = _worker(sessions, servers, "w1").run_once(NOW + timedelta(minutes=5))
    emails = [o for key, o in report.sent if key.startswith("assigned:") and o.channel == "email"]
    assert [o.recipient for o in emails] == ["sam@example.com"]


def test_a_failed_channel_is_retried_later_without_resending_the_others(
    sessions: sessionmaker[Session], servers: scenario.Servers
) -> None:
    scenario.build(sessions, NOW.date())
    servers.slack.failures = [Reply(503, "unavailable")] * 100
    first = _worker(sessions, servers, "w1").run_once(NOW)
    assert {o.channel for _key, o in first.failed} == {"slack"}
    assert len(servers.smtp.received) == scenario.EXPECTED_EMAILS
    servers.slack.failures = []
    soon = _worker(sessions, servers, "w2").run_once(NOW + timedelta(minutes=1))
    assert soon.sent == []  # failed deliveries wait for their next attempt time
    later = _worker(sessions, servers, "w2").run_once(
        NOW + deliveries.RETRY_DELAY + timedelta(minutes=1)
    )
    assert {o.channel for _key, o in later.sent} == {"slack"}
    assert len(servers.slack.messages) == scenario.EXPECTED_BROADCASTS
    assert len(servers.smtp.received) == scenario.EXPECTED_EMAILS
    assert len(servers.sns.published) == scenario.EXPECTED_BROADCASTS


def test_a_lapsed_lease_is_taken_over(sessions: sessionmaker[Session]) -> None:
    message = Message(subject="s", text="t")
    claimed = deliveries.claim(sessions, "k", "slack", worker="dead", now=NOW)
    assert claimed is not None
    assert deliveries.claim(sessions, "k", "slack", worker="live", now=NOW) is None
    still = NOW + deliveries.LEASE - timedelta(seconds=1)
    assert deliveries.claim(sessions, "k", "slack", worker="live", now=still) is None
    later = NOW + deliveries.LEASE + timedelta(seconds=1)
    taken = deliveries.claim(sessions, "k", "slack", worker="live", now=later)
    assert taken == claimed
    from kintsugi.notify.deliver import Outcome

    assert not deliveries.finish(
        sessions, claimed, Outcome("slack", "sent", 1), worker="dead", now=later
    )
    assert deliveries.finish(
        sessions, claimed, Outcome("slack", "sent", 1), worker="live", now=later
    )
    with sessions() as session:
        row = session.get(ClaimRow, claimed)
        assert row is not None
        assert (row.status, row.worker, row.attempts) == ("sent", "live", 2)
    assert (
        deliveries.claim(sessions, "k", "slack", worker="x", now=later + timedelta(days=1)) is None
    )
    assert message.subject == "s"


def _race_with_processes(
    db_url: str, servers: scenario.Servers, workers: int
) -> list[dict[str, object]]:
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(workers)
    results = spawn.Queue()
    action_values = scenario.action_settings().model_dump()
    processes = [
        spawn.Process(
            target=run_worker,
            args=(db_url, servers.environment_values(), action_values, NOW, barrier, results),
        )
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return reports


@pytest.mark.postgres
def test_workers_racing_on_postgresql_send_each_message_once(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    scenario.build(make_sessionmaker(engine), NOW.date())
    engine.dispose()
    with SmtpServer() as smtp, FakeSlack() as slack, FakeSns() as sns:
        servers = scenario.Servers(smtp, slack, sns)
        smtp.delay = slack.delay = sns.delay = 0.05  # keep sends in flight while others claim
        reports = _race_with_processes(postgres_url, servers, workers=3)
        _check_everything_went_once(servers)
    sent = [entry for report in reports for entry in report["sent"]]  # type: ignore[attr-defined]
    assert len(sent) == scenario.EXPECTED_EMAILS + 2 * scenario.EXPECTED_BROADCASTS
    digest_sends = [entry for entry in sent if str(entry["key"]).startswith("digest:")]
    assert sorted(entry["channel"] for entry in digest_sends) == ["email", "slack", "sns"]


def test_workers_racing_on_sqlite_send_each_message_once(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    scenario.build(make_sessionmaker(engine), NOW.date())
    engine.dispose()
    with SmtpServer() as smtp, FakeSlack() as slack, FakeSns() as sns:
        servers = scenario.Servers(smtp, slack, sns)
        _race_with_processes(sqlite_url, servers, workers=2)
        _check_everything_went_once(servers)


@pytest.mark.postgres
def test_two_cli_workers_on_postgresql(postgres_url: str) -> None:
    """Two ``kintsugi worker --once`` processes started together (the real clock)."""
    today = datetime.now(UTC).date()
    engine = make_engine(postgres_url)
    scenario.build(make_sessionmaker(engine), today)
    engine.dispose()
    program = "from kintsugi.cli import build_app; build_app('worker')()"
    with SmtpServer() as smtp, FakeSlack() as slack, FakeSns() as sns:
        servers = scenario.Servers(smtp, slack, sns)
        smtp.delay = slack.delay = sns.delay = 0.05
        env = {**os.environ, **servers.environment()}
        command = [
            sys.executable,
            "-c",
            program,
            "worker",
            "--once",
            "--json",
            "--db",
            postgres_url,
        ]
        processes = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=120) for p in processes]
        for process, (out, err) in zip(processes, outputs, strict=True):
            assert process.returncode == 0, err.decode()
            json.loads(out)
        _check_everything_went_once(servers)


def test_owners_who_may_not_read_the_post_mortem_hear_nothing_of_it(
    sessions: sessionmaker[Session], servers: scenario.Servers
) -> None:
    """An item of a restricted post-mortem owned by someone not granted it: no assignment and
    no reminder reaches them (its title and link would tell them what they may not read)."""
    from kintsugi.postmortems.document import ActionItem, Visibility
    from tests.actions.helpers import make_postmortem, make_user

    make_user(sessions, "ana", email="ana@example.com")
    make_user(sessions, "sam", email="sam@example.com")
    make_postmortem(
        sessions,
        "Payroll data exposed",
        [
            ActionItem(title="Rotate the export key", owner="sam", due=NOW.date()),
            ActionItem(title="Audit the bucket policy", owner="ana", due=NOW.date()),
        ],
        visibility=Visibility.RESTRICTED,
        access=["ana"],
    )
    _worker(sessions, servers, "w1").run_once(NOW + timedelta(days=1))
    received = servers.smtp.received
    assert any(m.rcpt_tos == ["ana@example.com"] for m in received)  # the granted owner
    assert not any("sam@example.com" in m.rcpt_tos for m in received)
    assert not any("Rotate the export key" in str(m.message) for m in received)
