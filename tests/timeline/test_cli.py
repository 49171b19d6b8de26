from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from kintsugi.core.db import make_engine, make_sessionmaker, transaction
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import Document
from kintsugi.timeline.cli import register
from kintsugi.timeline.models import TimelineEventRow
from tests.timeline import test_pagerduty
from tests.timeline.conftest import PAGERDUTY_TOKEN
from tests.timeline.fakes.pagerduty import PagerDutyFake
from tests.timeline.helpers import at

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    root = typer.Typer()
    register(root)

    @root.callback()
    def _root() -> None:
        """Test root."""

    return root


@pytest.fixture
def document(sqlite_url: str) -> str:
    engine = make_engine(sqlite_url)
    with transaction(make_sessionmaker(engine)) as session:
        postmortems.create_document(
            session,
            Document(
                id="checkout-errors",
                title="Checkout errors",
                timezone="Europe/Paris",
                started_at=at(-10),
                resolved_at=at(60),
            ),
            SYSTEM,
        )
    engine.dispose()
    return "checkout-errors"


@pytest.fixture
def changes(tmp_path: Path) -> Path:
    path = tmp_path / "changes.json"
    path.write_text(
        json.dumps(
            [
                {
                    "at": "2024-05-01T13:45:00Z",
                    "kind": "deploy",
                    "title": "Deploy api v1.42",
                    "id": "d1",
                }
            ]
        )
    )
    return path


def env(pagerduty: PagerDutyFake, token: str = PAGERDUTY_TOKEN) -> dict[str, str]:
    return {"PAGERDUTY_API_URL": pagerduty.url, "PAGERDUTY_API_TOKEN": token}


def stored_count(sqlite_url: str) -> int:
    engine = make_engine(sqlite_url)
    with make_sessionmaker(engine)() as session:
        count = session.scalar(select(func.count()).select_from(TimelineEventRow)) or 0
    engine.dispose()
    return count


def test_markdown_timeline_in_the_documents_zone(
    app: typer.Typer, document: str, sqlite_url: str, pagerduty: PagerDutyFake, changes: Path
) -> None:
    test_pagerduty.seed(pagerduty)
    result = runner.invoke(
        app,
        [
            "timeline",
            "build",
            document,
            "--source",
            "pagerduty:Q1ABC",
            "--source",
            f"file:{changes}",
            "--db",
            sqlite_url,
        ],
        env=env(pagerduty),
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("## Timeline\n\nAll times in Europe/Paris.")
    assert (
        "| 2024-05-01 15:45 | Deploy api v1.42 |  | file |" in out
    )  # 13:45 UTC shown in Paris time
    assert "| Time to acknowledge | 2m 30s |" in out
    assert "### Changes before detection" in out
    # the window came from PagerDuty's incident, with the default margin before it
    since = pagerduty.requests[-1].arg("since") or ""
    assert since.startswith("2024-05-01T08:00:30")


def test_json_output_is_one_document(
    app: typer.Typer, document: str, sqlite_url: str, pagerduty: PagerDutyFake
) -> None:
    test_pagerduty.seed(pagerduty)
    result = runner.invoke(
        app,
        [
            "timeline",
            "build",
            document,
            "-s",
            "pagerduty:Q1ABC",
            "--json",
            "--db",
            sqlite_url,
            "--since",
            "2024-05-01T15:30",
            "--until",
            "2024-05-01T18:00",
        ],
        env=env(pagerduty),
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["postmortem"] == "checkout-errors" and data["timezone"] == "Europe/Paris"
    assert (
        data["window"]["since"] == "2024-05-01T13:30:00+00:00"
    )  # a local time in the document's zone
    assert [e["kind"] for e in data["events"]][:3] == ["alert", "other", "acknowledge"]
    assert data["events"][0]["local_time"].endswith("+02:00")
    assert data["failures"] == [] and data["saved"] is None


def test_a_failed_source_exits_1_and_says_why_but_the_rest_is_built(
    app: typer.Typer, document: str, sqlite_url: str, pagerduty: PagerDutyFake, changes: Path
) -> None:
    wrong = "Wr0ng" * 5
    result = runner.invoke(
        app,
        [
            "timeline",
            "build",
            document,
            "-s",
            "pagerduty:Q1ABC",
            "-s",
            f"file:{changes}",
            "--db",
            sqlite_url,
        ],
        env=env(pagerduty, token=wrong),
    )
    assert result.exit_code == 1
    assert "Deploy api v1.42" in result.stdout
    assert "pagerduty:Q1ABC: HTTP 401" in result.stderr and "PAGERDUTY_API_TOKEN" in result.stderr
    assert wrong not in result.output


def test_save_twice_keeps_one_row_per_event(
    app: typer.Typer, document: str, sqlite_url: str, pagerduty: PagerDutyFake
) -> None:
    test_pagerduty.seed(pagerduty)
    args = ["timeline", "build", document, "-s", "pagerduty:Q1ABC", "--save", "--db", sqlite_url]
    first = runner.invoke(app, args, env=env(pagerduty))
    assert first.exit_code == 0, first.output
    assert "saved: 6 new, 0 updated" in first.stderr
    second = runner.invoke(app, args, env=env(pagerduty))
    assert second.exit_code == 0 and "saved: 0 new, 0 updated" in second.stderr
    assert stored_count(sqlite_url) == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-s", "jira:X-1"], "is not a source"),
        (["-s", "pagerduty:Q1ABC", "--format", "pdf"], "unknown format 'pdf'"),
        (["-s", "pagerduty:Q1ABC", "--since", "soon"], "since: 'soon' is not a time"),
        (["-s", "pagerduty:Q1ABC", "--timezone", "Mars/Base"], "unknown time zone"),
    ],
)
def test_bad_input_is_one_clear_message(
    app: typer.Typer, document: str, sqlite_url: str, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["timeline", "build", document, *args, "--db", sqlite_url])
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_unknown_postmortem(app: typer.Typer, sqlite_url: str, changes: Path) -> None:
    result = runner.invoke(
        app, ["timeline", "build", "nope", "-s", f"file:{changes}", "--db", sqlite_url]
    )
    assert result.exit_code == 1
    assert "no post-mortem with id 'nope'" in result.stderr
