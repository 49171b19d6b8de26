"""The ``kintsugi actions`` commands through Typer's runner."""

from __future__ import annotations

import json
from datetime import date

import pytest
import typer
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from kintsugi import worker
from kintsugi.actions.cli import register
from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.postmortems.document import ActionItem
from tests.actions.helpers import make_postmortem
from tests.notify.fakes import Reply


@pytest.fixture
def app() -> typer.Typer:
    root = typer.Typer()
    register(root)
    worker.register(root)
    return root


@pytest.fixture
def sqlite_sessions(sqlite_url: str) -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(sqlite_url))


def _run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_add_list_update_show_report(
    app: typer.Typer, sqlite_url: str, sqlite_sessions: sessionmaker[Session]
) -> None:
    make_postmortem(sqlite_sessions, "Checkout outage", [ActionItem(title="Raise pool size")])
    code, out, err = _run(
        app,
        "actions", "add", "checkout", "Alert on pool saturation",
        "--owner", "payments", "--team", "--priority", "p1", "--due", "2026-12-15",
        "--json", "--db", sqlite_url,
    )  # fmt: skip
    assert code == 0, err
    added = json.loads(out)
    assert (added["owner"], added["owner_kind"], added["priority"], added["due"]) == (
        "payments",
        "team",
        "P1",
        "2026-12-15",
    )
    code, out, _ = _run(app, "actions", "list", "--owner", "payments", "--json", "--db", sqlite_url)
    assert code == 0
    listed = json.loads(out)
    assert listed["total"] == 1
    assert listed["items"][0]["id"] == added["id"]

    code, out, err = _run(
        app, "actions", "update", str(added["id"]), "--status", "in progress",
        "--comment", "started", "--db", sqlite_url,
    )  # fmt: skip
    assert code == 0, err
    assert "in_progress" in out
    code, out, err = _run(
        app, "actions", "update", str(added["id"]), "--status", "wont_do", "--db", sqlite_url
    )
    assert code == 1
    assert "reason" in err
    code, out, err = _run(
        app, "actions", "update", str(added["id"]), "--owner", "x", "--base-version", "1",
        "--db", sqlite_url,
    )  # fmt: skip
    assert code == 1
    assert "changed since version 1" in err

    code, out, _ = _run(app, "actions", "show", str(added["id"]), "--json", "--db", sqlite_url)
    shown = json.loads(out)
    assert [h["kind"] for h in shown["history"]] == ["created", "updated"]
    assert shown["history"][1]["comment"] == "started"

    code, out, _ = _run(app, "actions", "report", "--json", "--db", sqlite_url)
    assert code == 0
    report = json.loads(out)
    for key in (
        "total",
        "open",
        "in_progress",
        "completed",
        "overdue",
        "completion_rate",
        "on_time_completion_rate",
        "by_priority",
        "by_owner",
    ):
        assert key in report
    assert (report["total"], report["open"], report["in_progress"]) == (2, 1, 1)
    code, out, _ = _run(app, "actions", "report", "--db", sqlite_url)
    assert code == 0
    assert "completion rate 0.0%" in out


def test_user_errors_are_one_line(app: typer.Typer, sqlite_url: str) -> None:
    code, _, err = _run(app, "actions", "add", "nothing", "x", "--due", "soon", "--db", sqlite_url)
    assert code == 1
    assert "--due" in err
    assert "Traceback" not in err
    code, _, err = _run(app, "actions", "update", "99", "--status", "done", "--db", sqlite_url)
    assert code == 1
    assert "unknown status" in err
    code, _, err = _run(app, "actions", "show", "99", "--db", sqlite_url)
    assert code == 1
    assert "no action item 99" in err
    code, _, err = _run(app, "actions", "list", "--db", "mysql://x")
    assert code == 2


def test_digest_prints_and_sends(
    app: typer.Typer,
    sqlite_url: str,
    sqlite_sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.notify.fakes import FakeSlack

    make_postmortem(
        sqlite_sessions,
        "Checkout outage",
        [ActionItem(title="Old promise", owner="ana", due=date(2020, 1, 1))],
    )
    code, out, _ = _run(app, "actions", "digest", "--db", sqlite_url)
    assert code == 0
    assert "Old promise — ana, due 2020-01-01" in out
    code, out, _ = _run(app, "actions", "digest", "--json", "--db", sqlite_url)
    assert json.loads(out)["overdue_by_priority"]["none"]["count"] == 1
    for name in (
        "KINTSUGI_SMTP_HOST",
        "SLACK_WEBHOOK_URL",
        "SLACK_BOT_TOKEN",
        "KINTSUGI_SNS_TOPIC_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    code, _, err = _run(app, "actions", "digest", "--send", "--db", sqlite_url)
    assert code == 2
    assert "no channel" in err
    with FakeSlack() as slack:
        monkeypatch.setenv("SLACK_WEBHOOK_URL", slack.webhook_url)
        code, out, err = _run(app, "actions", "digest", "--send", "--db", sqlite_url)
        assert code == 0, err
        assert "slack: sent" in out
        assert len(slack.messages) == 1
        slack.failures = [Reply(404, "no_service")]
        code, out, err = _run(app, "actions", "digest", "--send", "--json", "--db", sqlite_url)
        assert code == 1
        assert json.loads(out)["outcomes"][0]["status"] == "failed"


def test_worker_once(
    app: typer.Typer,
    sqlite_url: str,
    sqlite_sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.notify.fakes import FakeSlack

    make_postmortem(sqlite_sessions, "Outage", [ActionItem(title="Fix it", owner="ana")])
    for name in ("KINTSUGI_SMTP_HOST", "SLACK_BOT_TOKEN", "KINTSUGI_SNS_TOPIC_ARN"):
        monkeypatch.delenv(name, raising=False)
    with FakeSlack() as slack:
        monkeypatch.setenv("SLACK_WEBHOOK_URL", slack.webhook_url)
        monkeypatch.setenv("KINTSUGI_DIGEST_HOUR", "0")
        monkeypatch.setenv("KINTSUGI_DIGEST_WEEKDAY", "0")
        code, out, err = _run(app, "worker", "--once", "--json", "--db", sqlite_url)
        assert code == 0, err
        report = json.loads(out)
        assert report["assignments"] == 1
        assert report["digest"] == "sent"
        assert len(slack.messages) == 2
        code, out, _ = _run(app, "worker", "--once", "--db", sqlite_url)
        assert code == 0
        assert len(slack.messages) == 2
    monkeypatch.setenv("KINTSUGI_DIGEST_HOUR", "25")
    code, _, err = _run(app, "worker", "--once", "--db", sqlite_url)
    assert code == 2
    assert "digest_hour" in err
