"""The ``kintsugi meeting`` commands through Typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.meetings.cli import register
from kintsugi.meetings.ics import validate_ics
from tests.meetings.helpers import make_doc, make_person
from tests.notify.fakes import SmtpServer


@pytest.fixture
def app() -> typer.Typer:
    root = typer.Typer()
    root.callback()(lambda: None)
    register(root)
    return root


@pytest.fixture
def cli_sessions(sqlite_url: str) -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(sqlite_url))


def _run(app: typer.Typer, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_invite_writes_the_ics_and_reschedules_the_same_event(
    app: typer.Typer, sqlite_url: str, cli_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    make_doc(cli_sessions)
    out = tmp_path / "invite.ics"
    code, stdout, err = _run(
        app, "meeting", "invite", "checkout", "--when", "2026-12-03 14:00 Europe/Copenhagen",
        "--duration", "90", "--out", str(out), "--db", sqlite_url,
    )  # fmt: skip
    assert code == 0, err
    assert "warning" in stdout and "48 hours" in stdout  # SEV1 resolved 2026-11-20: too late
    first = out.read_bytes()
    assert validate_ics(first) == []
    code, stdout, err = _run(
        app, "meeting", "invite", "checkout", "--when", "2026-11-21 15:00", "--json",
        "--out", str(out), "--db", sqlite_url,
    )  # fmt: skip
    assert code == 0, err
    shown = json.loads(stdout)
    assert shown["meeting"]["sequence"] == 1
    assert shown["meeting"]["timezone"] == "Europe/Copenhagen"  # the document's zone
    assert shown["meeting"]["deadline"]["missed"] is False
    second = out.read_bytes()
    uid = next(line for line in first.splitlines() if line.startswith(b"UID:"))
    assert uid in second.splitlines()
    assert b"SEQUENCE:1" in second


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--when", "next tuesday"], "--when"),
        (["--when", "2026-12-03 14:00 Mars/Olympus"], "--when"),
        (["--when", "2026-12-03 14:00", "--duration", "0"], "--duration"),
        (["--when", "2026-12-03 14:00", "--duration", "1000"], "--duration"),
    ],
)
def test_bad_options_are_usage_errors_naming_the_option(
    app: typer.Typer,
    sqlite_url: str,
    cli_sessions: sessionmaker[Session],
    args: list[str],
    option: str,
) -> None:
    make_doc(cli_sessions)
    code, stdout, err = _run(app, "meeting", "invite", "checkout", *args, "--db", sqlite_url)
    assert code == 2
    assert f"error: {option}:" in err and "Traceback" not in err
    code, stdout, _ = _run(app, "meeting", "list", "--json", "--db", sqlite_url)
    assert json.loads(stdout) == {"items": []}  # nothing was stored


@pytest.mark.parametrize(
    "command",
    [
        ["invite", "checkout"],
        ["learning", "Brown bag"],
        ["premortem", "Move the queue"],
    ],
)
def test_a_time_in_the_past_is_refused_naming_the_option(
    app: typer.Typer, sqlite_url: str, cli_sessions: sessionmaker[Session], command: list[str]
) -> None:
    make_doc(cli_sessions)  # the clock stands at 2026-11-20 12:00 UTC (conftest)
    code, stdout, err = _run(
        app, "meeting", *command, "--when", "2026-11-20 11:59 UTC", "--db", sqlite_url
    )
    assert code == 2
    assert (
        "error: --when: 2026-11-20 11:59 UTC is in the past: choose a time from now on "
        "(it is 2026-11-20 12:00 UTC)"
    ) in err
    assert "Traceback" not in err
    code, stdout, _ = _run(app, "meeting", "list", "--json", "--db", sqlite_url)
    assert json.loads(stdout) == {"items": []}  # nothing was stored


def test_invite_refuses_to_move_the_review_into_the_past(
    app: typer.Typer, sqlite_url: str, cli_sessions: sessionmaker[Session]
) -> None:
    make_doc(cli_sessions)
    code, _, err = _run(
        app, "meeting", "invite", "checkout", "--when", "2026-11-21 14:00", "--db", sqlite_url
    )
    assert code == 0, err
    code, _, err = _run(
        app, "meeting", "invite", "checkout", "--when", "2026-11-19 14:00", "--db", sqlite_url
    )
    assert code == 2 and "--when: 2026-11-19 14:00 CET is in the past" in err
    code, stdout, _ = _run(app, "meeting", "list", "--json", "--db", sqlite_url)
    [kept] = json.loads(stdout)["items"]
    assert kept["starts_at"] == "2026-11-21T13:00:00+00:00"  # still where it was


def test_send_emails_the_invite(
    app: typer.Typer, sqlite_url: str, cli_sessions: sessionmaker[Session], smtp: SmtpServer
) -> None:
    make_person(cli_sessions, "ana", email="ana@example.com", display_name="Ana")
    make_doc(cli_sessions)
    env = {
        "KINTSUGI_SMTP_HOST": "127.0.0.1",
        "KINTSUGI_SMTP_PORT": str(smtp.port),
        "KINTSUGI_SMTP_SECURITY": "none",
    }
    code, stdout, err = _run(
        app, "meeting", "invite", "checkout", "--when", "2026-11-21 14:00", "--send",
        "--db", sqlite_url, env=env,
    )  # fmt: skip
    assert code == 0, err
    assert "sent on email: sent" in stdout
    assert [r.rcpt_tos for r in smtp.received] == [["ana@example.com"]]


def test_agenda_script_list_and_show(
    app: typer.Typer, sqlite_url: str, cli_sessions: sessionmaker[Session]
) -> None:
    make_doc(cli_sessions)
    code, stdout, err = _run(
        app, "meeting", "agenda", "checkout", "--duration", "90", "--json", "--db", sqlite_url
    )
    assert code == 0, err
    parts = json.loads(stdout)["parts"]
    assert [p["key"] for p in parts][:3] == ["welcome", "overview", "what-happened"]
    assert sum(p["minutes"] for p in parts) == 90
    assert parts[3]["guide"] == "/handbook/facilitation#root-causes"
    code, stdout, err = _run(app, "meeting", "script", "checkout", "--db", sqlite_url)
    assert code == 0, err
    assert "release-bot, Tomás, Alice" in " ".join(stdout.split())
    code, stdout, err = _run(
        app, "meeting", "learning", "Brown bag: connection pools", "--when", "2026-12-10 12:00 UTC",
        "--postmortem", "checkout", "--format", "brown-bag", "--json", "--db", sqlite_url,
    )  # fmt: skip
    assert code == 0, err
    learning = json.loads(stdout)["meeting"]
    assert learning["kind"] == "learning" and learning["postmortems"][0]["id"] == "checkout-pool"
    code, stdout, err = _run(
        app, "meeting", "show", str(learning["id"]), "--json", "--db", sqlite_url
    )
    assert json.loads(stdout)["title"] == "Brown bag: connection pools"
    code, stdout, err = _run(app, "meeting", "show", "999", "--db", sqlite_url)
    assert code == 1 and "no meeting 999" in err
    code, stdout, err = _run(
        app,
        "meeting",
        "premortem",
        "Move checkout to a new cluster",
        "--when",
        "2026-12-10 12:00 UTC",
        "--json",
        "--db",
        sqlite_url,
    )
    assert code == 0, err
    assert json.loads(stdout)["meeting"]["kind"] == "premortem"
    code, stdout, err = _run(
        app, "meeting", "list", "--kind", "premortem", "--json", "--db", sqlite_url
    )
    assert [m["kind"] for m in json.loads(stdout)["items"]] == ["premortem"]
