"""Sharing through the worker: announcements of published post-mortems and the weekly learning
digest, over a real SMTP server and the fake Slack and SNS APIs, each sent exactly once, and
never leaking a team or restricted document to a broadcast channel or the organisation's list
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions.items import ItemChanges, update_item
from kintsugi.actions.worker import RunReport, Worker
from kintsugi.core.types import utcnow
from kintsugi.handbook import jobs, recognition
from kintsugi.handbook.config import SharingSettings
from kintsugi.handbook.digest import LearningDigest, build_learning_digest, digest_message
from kintsugi.handbook.sharing import EVERYONE, learnings_of
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems.document import ActionItem, Status, Visibility
from kintsugi.worker import build_worker
from tests.actions import scenario
from tests.handbook.helpers import make_user, publish
from tests.notify.fakes import FakeSlack, FakeSns, SmtpServer

ORG_LIST = "everyone@example.com"
SECRET = "zqxsecret"
TEAM_SECRET = "zqxteam"


@pytest.fixture
def servers() -> Iterator[scenario.Servers]:
    with SmtpServer() as smtp, FakeSlack() as slack, FakeSns() as sns:
        yield scenario.Servers(smtp, slack, sns)


@pytest.fixture
def sharing(monkeypatch: pytest.MonkeyPatch) -> SharingSettings:
    monkeypatch.setenv("KINTSUGI_LEARNING_TO", ORG_LIST)
    monkeypatch.setenv("KINTSUGI_LEARNING_CHANNELS", "email,slack,sns")
    monkeypatch.setenv("KINTSUGI_LEARNING_DIGEST_WEEKDAY", "0")
    monkeypatch.setenv("KINTSUGI_LEARNING_DIGEST_HOUR", "0")
    return SharingSettings()


def _worker(sessions: sessionmaker[Session], servers: scenario.Servers, name: str) -> Worker:
    return build_worker(
        sessions,
        servers.notify_settings(),
        scenario.action_settings(),
        base_url="https://kintsugi.example.com",
        name=name,
    )


def _emails(servers: scenario.Servers) -> list[tuple[tuple[str, ...], str, str]]:
    """(recipients, subject, decoded text and HTML) of every email received."""
    found = []
    for received in servers.smtp.received:
        message = received.message
        parts = [
            part.get_content()
            for part in message.walk()
            if part.get_content_type() in ("text/plain", "text/html")
        ]
        found.append((tuple(sorted(received.rcpt_tos)), str(message["Subject"]), "\n".join(parts)))
    return found


def _broadcasts(servers: scenario.Servers) -> list[str]:
    slack = [str(m) for m in servers.slack.messages]
    sns = [str(p) for p in servers.sns.published]
    return slack + sns


def _world(sessions: sessionmaker[Session]) -> None:
    make_user(sessions, "ana", email="ana@example.com", teams=["sre"])
    make_user(sessions, "sam", email="sam@example.com", teams=["sre"])
    make_user(sessions, "nadia", email="nadia@example.com")
    make_user(sessions, "otto", email="otto@example.com")
    publish(sessions, "Checkout outage")
    publish(sessions, "Pager storm", marker=TEAM_SECRET, visibility=Visibility.TEAM, team="sre")
    publish(
        sessions, "Key leak", marker=SECRET, visibility=Visibility.RESTRICTED, access=("nadia",)
    )
    publish(sessions, "Draft only", status=Status.DRAFT)


def test_announcements_reach_only_those_who_may_read_and_go_once(
    sessions: sessionmaker[Session], servers: scenario.Servers, sharing: SharingSettings
) -> None:
    _world(sessions)
    now = utcnow() + timedelta(minutes=1)
    worker = _worker(sessions, servers, "w1")
    report = RunReport(worker="w1", started_at=now)
    assert jobs.announce_due(worker, now, report, sharing) == 3
    assert report.failed == []

    emails = _emails(servers)
    by_recipients = {rcpt: (subject, body) for rcpt, subject, body in emails}
    assert len(emails) == 3
    subject, body = by_recipients[(ORG_LIST,)]
    assert "Post-mortem published: Checkout outage" in subject
    assert "Checkout was down for 40 minutes" in body  # the summary
    assert "Config changes skip validation" in body  # a key learning
    assert "Treat configuration like code" in body
    assert "https://kintsugi.example.com/postmortems/checkout-outage" in body
    assert TEAM_SECRET in by_recipients[("ana@example.com", "sam@example.com")][1]
    assert SECRET in by_recipients[("nadia@example.com",)][1]
    for rcpt, _, text in emails:
        if SECRET in text:
            assert rcpt == ("nadia@example.com",)
        if TEAM_SECRET in text:
            assert rcpt == ("ana@example.com", "sam@example.com")

    broadcasts = _broadcasts(servers)
    assert len(servers.slack.messages) == 1 and len(servers.sns.published) == 1
    assert all("Checkout outage" in text for text in broadcasts)
    assert not any("zqx" in text for text in broadcasts)
    assert not any("Draft only" in text for _, _, text in emails)

    again = _worker(sessions, servers, "w2")
    second = RunReport(worker="w2", started_at=now)
    assert jobs.announce_due(again, now + timedelta(minutes=5), second, sharing) == 0
    assert second.sent == []
    assert len(servers.smtp.received) == 3 and len(servers.slack.messages) == 1


def test_the_weekly_digest_goes_once_and_shows_only_organisation_documents(
    sessions: sessionmaker[Session], servers: scenario.Servers, sharing: SharingSettings
) -> None:
    _world(sessions)
    done = publish(
        sessions,
        "Queue backlog",
        items=(ActionItem(title="Alert on consumer lag", owner="ana"),),
    )
    hidden = publish(
        sessions,
        "Secret items",
        marker=SECRET,
        visibility=Visibility.RESTRICTED,
        items=(ActionItem(title=f"Rotate {SECRET} keys", owner="nadia"),),
    )
    with sessions.begin() as session:
        for doc in (done, hidden):
            item = doc.action_items[0]
            assert item.id is not None
            update_item(session, item.id, ItemChanges(status="completed"), SYSTEM, base_version=1)
    editor = make_user(sessions, "ed", role=Role.EDITOR)
    with sessions.begin() as session:
        recognition.recognise(
            session, editor, recipient="sre", recipient_kind="team",
            reason="improvement", message="Consumer lag alerts shipped",
        )  # fmt: skip
        recognition.recognise(
            session, SYSTEM, recipient="nadia", message=f"Open about {SECRET}",
            postmortem_id=hidden.id,
        )  # fmt: skip

    now = utcnow() + timedelta(minutes=1)
    with sessions.begin() as session:
        digest = build_learning_digest(session, EVERYONE, now)
    assert [d.title for d in digest.published] == ["Checkout outage", "Queue backlog"]
    assert [i.title for i in digest.improvements] == ["Alert on consumer lag"]
    assert [r.recipient for r in digest.recognitions] == ["sre"]
    assert SECRET not in str(digest.to_json()) and TEAM_SECRET not in str(digest.to_json())

    worker = _worker(sessions, servers, "w1")
    report = RunReport(worker="w1", started_at=now)
    jobs.run_due(worker, now, report)
    # "Secret items" is restricted to nobody by name: there is no one to tell
    assert report.jobs["handbook"] == "announced 4; learning digest sent"
    digests = [e for e in _emails(servers) if "Learning digest" in e[1]]
    assert len(digests) == 1
    rcpt, _, body = digests[0]
    assert rcpt == (ORG_LIST,)
    assert "Alert on consumer lag" in body and "Consumer lag alerts shipped" in body
    assert "Treat configuration like code" in body
    for recipients, _, text in _emails(servers):
        if ORG_LIST in recipients:
            assert "zqx" not in text
    slack_digest = [m for m in servers.slack.messages if "Learning digest" in str(m)]
    assert len(slack_digest) == 1 and "zqx" not in str(slack_digest)

    later = RunReport(worker="w2", started_at=now)
    jobs.run_due(_worker(sessions, servers, "w2"), now + timedelta(hours=1), later)
    assert later.jobs["handbook"] == "announced 0; learning digest already sent"
    assert later.sent == []


def test_the_worker_runs_the_sharing_jobs(
    sessions: sessionmaker[Session], servers: scenario.Servers, sharing: SharingSettings
) -> None:
    publish(sessions, "Checkout outage")
    report = _worker(sessions, servers, "w1").run_once(utcnow() + timedelta(minutes=1))
    assert report.jobs["handbook"].startswith("announced 1;")
    keys = {key for key, _ in report.sent}
    assert "announce:checkout-outage" in keys


def test_key_learnings_come_from_the_lessons_and_could_improve_sections(
    sessions: sessionmaker[Session],
) -> None:
    doc = publish(sessions, "Checkout outage")
    assert learnings_of(doc) == [
        "Treat configuration like code.",
        "Config changes skip validation",
        "The alert fired late",
    ]
    message = digest_message(
        build_learning_digest_for(sessions), ["a@example.com"], "https://k.example.com"
    )
    assert message.blocks[0]["type"] == "header"


def build_learning_digest_for(sessions: sessionmaker[Session]) -> LearningDigest:
    with sessions.begin() as session:
        return build_learning_digest(session, EVERYONE, utcnow() + timedelta(minutes=1))


def test_a_week_with_nothing_to_share_sends_no_digest(
    sessions: sessionmaker[Session], servers: scenario.Servers, sharing: SharingSettings
) -> None:
    publish(sessions, "Still a draft", status=Status.DRAFT)
    now = utcnow()
    report = RunReport(worker="w1", started_at=now)
    assert jobs.send_digest(_worker(sessions, servers, "w1"), now, report, sharing) == (
        "nothing to share"
    )
    assert servers.smtp.received == [] and servers.slack.messages == []


def test_bad_sharing_settings_are_reported_not_raised(
    sessions: sessionmaker[Session],
    servers: scenario.Servers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KINTSUGI_LEARNING_DIGEST_HOUR", "25")
    publish(sessions, "Checkout outage")
    report = _worker(sessions, servers, "w1").run_once(utcnow() + timedelta(minutes=1))
    assert report.jobs["handbook"].startswith("not run: KINTSUGI_LEARNING_DIGEST_HOUR:")
    assert not [key for key, _ in report.sent if key.startswith(("announce:", "learning-"))]
