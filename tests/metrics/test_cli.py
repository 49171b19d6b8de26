"""``kintsugi metrics`` (and ``overdue``, ``recurring``, ``policy``) from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from kintsugi.cli import build_app
from kintsugi.metrics.service import KEYS
from kintsugi.postmortems.document import Severity
from tests.metrics.helpers import incident

RUNNER = CliRunner()


def _run(*args: str) -> Result:
    return RUNNER.invoke(build_app("metrics"), ["metrics", *args])


def test_metrics_json_has_every_key_with_its_fields(
    db_url: str, sessions: sessionmaker[Session]
) -> None:
    incident(sessions, "a", started="2026-05-01 10:00", resolved="2026-05-01 11:00",
             published="2026-05-01 15:00")  # fmt: skip
    result = _run("--since", "2026-01-01", "--until", "2026-07-01", "--json", "--db", db_url)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [m["key"] for m in data["metrics"]] == list(KEYS)
    by_key = {m["key"]: m for m in data["metrics"]}
    assert by_key["time_to_post_mortem_hours"]["current"] == 4.0
    assert by_key["time_to_post_mortem_hours"]["trend"] == [["2026-05", 4.0]]
    human = _run("--since", "2026-01-01", "--db", db_url)
    assert "Time to post-mortem" in human.stdout


def test_overdue_exits_1_when_some_are_late(db_url: str, sessions: sessionmaker[Session]) -> None:
    assert _run("overdue", "--db", db_url).exit_code == 0
    incident(sessions, "late", severity=Severity.SEV1, started="2026-01-01 10:00",
             resolved="2026-01-01 11:00", authors=["ana"])  # fmt: skip
    result = _run("overdue", "--json", "--db", db_url)
    assert result.exit_code == 1
    overdue = json.loads(result.stdout)["overdue"]
    assert [(o["id"], o["authors"]) for o in overdue] == [("late", ["ana"])]


def test_a_bad_policy_file_is_a_configuration_error(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("deadlines:\n  sev1_hours: soon\n")
    monkeypatch.setenv("KINTSUGI_POLICY_FILE", str(policy))
    result = _run("policy", "--db", sqlite_url)
    assert result.exit_code == 2
    assert f"{policy}: deadlines.sev1_hours:" in result.stderr
    assert "Traceback" not in result.output


def test_bad_dates_are_reported(sqlite_url: str) -> None:
    result = _run("--since", "soon", "--db", sqlite_url)
    assert result.exit_code == 1
    assert "since" in result.stderr
