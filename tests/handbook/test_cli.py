"""``kintsugi handbook``, ``kintsugi training`` and ``kintsugi learning`` through Typer's runner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.handbook import training
from kintsugi.handbook.cli import register
from kintsugi.handbook.service import default_markdown
from kintsugi.people.principal import Role
from kintsugi.postmortems.document import Visibility
from tests.handbook.helpers import make_user, publish
from tests.notify.fakes import SmtpServer


@pytest.fixture
def app() -> typer.Typer:
    root = typer.Typer()
    register(root)
    return root


@pytest.fixture
def sqlite_sessions(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(sqlite_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def _run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_list_show_edit_and_history(app: typer.Typer, sqlite_url: str, tmp_path: Path) -> None:
    code, out, _ = _run(app, "handbook", "list", "--db", sqlite_url, "--json")
    assert code == 0
    assert [p["slug"] for p in json.loads(out)] == ["policy", "rca", "facilitation", "learning"]
    code, out, _ = _run(app, "handbook", "show", "rca", "--db", sqlite_url)
    assert code == 0 and out.strip() == default_markdown("rca").strip()

    edited = tmp_path / "rca.md"
    edited.write_text(default_markdown("rca") + "\nOur addition.\n", encoding="utf-8")
    code, out, _ = _run(app, "handbook", "edit", "rca", "--file", str(edited), "--db", sqlite_url)
    assert (code, out.strip()) == (0, "rca: saved version 2")
    code, _, err = _run(
        app, "handbook", "edit", "rca", "-f", str(edited), "--base-version", "1", "--db", sqlite_url
    )
    assert code == 1 and "changed since version 1" in err

    broken = tmp_path / "broken.md"
    broken.write_text("# RCA\n\nToo short.\n", encoding="utf-8")
    code, _, err = _run(app, "handbook", "edit", "rca", "-f", str(broken), "--db", sqlite_url)
    assert code == 1 and "broken.md" in err and "{#five_whys}" in err

    code, out, _ = _run(app, "handbook", "history", "rca", "--db", sqlite_url, "--json")
    assert [v["version"] for v in json.loads(out)] == [2, 1]
    code, out, _ = _run(app, "handbook", "history", "rca", "--diff", "1", "2", "--db", sqlite_url)
    assert code == 0 and "+Our addition." in out
    code, out, _ = _run(app, "handbook", "show", "rca", "--version", "1", "--db", sqlite_url)
    assert "Our addition." not in out
    code, _, err = _run(app, "handbook", "show", "nope", "--db", sqlite_url)
    assert code == 1 and "no handbook page 'nope'" in err


def test_training_status_lists_trained_facilitators(
    app: typer.Typer, sqlite_url: str, sqlite_sessions: sessionmaker[Session]
) -> None:
    fay = make_user(sqlite_sessions, "fay", role=Role.FACILITATOR)
    right = {q.id: q.correct for q in training.self_check().questions}
    with sqlite_sessions.begin() as session:
        training.submit(session, fay, right)
    code, out, _ = _run(app, "training", "status", "--db", sqlite_url, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["trained_facilitators"] == ["fay"] and data["attempts"] == 1
    code, out, _ = _run(app, "training", "status", "--db", sqlite_url)
    assert "Trained facilitators: fay" in out


def test_learning_digest_recognise_and_send(
    app: typer.Typer,
    sqlite_url: str,
    sqlite_sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    publish(sqlite_sessions, "Checkout outage")
    publish(sqlite_sessions, "Breach", marker="zqx", visibility=Visibility.RESTRICTED)
    code, out, _ = _run(
        app, "learning", "recognise", "sre", "--team", "--for", "improvement",
        "-m", "Pool alerts shipped", "--postmortem", "checkout-outage", "--db", sqlite_url,
    )  # fmt: skip
    assert code == 0 and "recognised sre" in out
    code, _, err = _run(
        app, "learning", "recognise", "x", "-m", "y", "--for", "heroics", "--db", sqlite_url
    )
    assert code == 1 and "reason" in err
    code, out, _ = _run(app, "learning", "recognitions", "--db", sqlite_url, "--json")
    assert [r["recipient"] for r in json.loads(out)] == ["sre"]

    code, out, _ = _run(app, "learning", "digest", "--db", sqlite_url, "--json")
    assert code == 0
    digest = json.loads(out)
    assert [d["title"] for d in digest["published"]] == ["Checkout outage"]
    assert "zqx" not in out
    code, out, _ = _run(app, "learning", "digest", "--db", sqlite_url)
    assert "Pool alerts shipped" in out and "Treat configuration like code" in out

    for name in ("SLACK_WEBHOOK_URL", "SLACK_BOT_TOKEN", "KINTSUGI_SNS_TOPIC_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("KINTSUGI_SMTP_HOST", raising=False)
    code, _, err = _run(app, "learning", "digest", "--send", "--db", sqlite_url)
    assert code == 2 and "no channel" in err
    with SmtpServer() as smtp:
        monkeypatch.setenv("KINTSUGI_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("KINTSUGI_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("KINTSUGI_SMTP_SECURITY", "none")
        monkeypatch.setenv("KINTSUGI_LEARNING_TO", "everyone@example.com")
        code, out, _ = _run(app, "learning", "digest", "--send", "--db", sqlite_url)
        assert (code, out.strip()) == (0, "learning digest: sent")
        code, out, _ = _run(app, "learning", "digest", "--send", "--db", sqlite_url)
        assert (code, out.strip()) == (0, "learning digest: already sent")
        assert len(smtp.received) == 1
        assert smtp.received[0].rcpt_tos == ["everyone@example.com"]
