"""``kintsugi draft`` and ``kintsugi incidents`` through Typer's runner, against the fakes."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from kintsugi.cli import build_app
from tests.incidents.scenario import INCIDENT_ID, PD_INCIDENT_ID, seed_incidentio, seed_pagerduty
from tests.timeline.fakes.incidentio import IncidentIoFake
from tests.timeline.fakes.pagerduty import PagerDutyFake


@pytest.fixture
def app() -> typer.Typer:
    return build_app("draft")


def _run(app: typer.Typer, *args: str, env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_draft_json_is_the_document_with_its_id_and_a_second_run_changes_nothing(
    app: typer.Typer,
    sqlite_url: str,
    incidentio: IncidentIoFake,
    pagerduty: PagerDutyFake,
    vendor_env: dict[str, str],
) -> None:
    seed_incidentio(incidentio)
    seed_pagerduty(pagerduty)
    args = ("draft", f"incidentio:{INCIDENT_ID}", "--source", f"pagerduty:{PD_INCIDENT_ID}",
            "--template", "lightweight", "--json", "--db", sqlite_url)  # fmt: skip

    code, out, err = _run(app, *args, env=vendor_env)

    assert code == 0, err
    first = json.loads(out)
    assert first["id"] and first["severity"] == "SEV1"
    assert first["incident"]["reference"] == f"incidentio:{INCIDENT_ID}"
    assert first["draft"]["created"] is True
    assert [s["key"] for s in first["sections"]][:2] == ["summary", "timeline"]
    code, out, err = _run(app, *args, env=vendor_env)
    second = json.loads(out)
    assert code == 0, err
    assert second["id"] == first["id"] and second["version"] == first["version"]
    assert second["draft"] == {
        "created": False,
        "changed": False,
        "timeline": {"created": 0, "updated": 0, "unchanged": len(second["timeline"]), "kept": 0},
    }
    assert len(second["timeline"]) == len(first["timeline"])
    code, out, err = _run(app, "draft", f"incidentio:{INCIDENT_ID}", "--json", "--db", sqlite_url,
                          env=vendor_env)  # fmt: skip
    third = json.loads(out)  # without --source: the sources the draft was made with
    assert code == 0, err
    assert third["incident"]["sources"] == first["incident"]["sources"]
    assert third["draft"]["changed"] is False
    code, out, err = _run(app, "draft", f"pagerduty:{PD_INCIDENT_ID}", "--json", "--db", sqlite_url,
                          env=vendor_env)  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["id"] == first["id"]  # a source of that draft: the same document

    listed = build_app("incidents")
    code, out, err = _run(listed, "incidents", "list", "--json", "--db", sqlite_url, env={})
    assert code == 0, err
    assert [(i["reference"], i["postmortem_id"]) for i in json.loads(out)] == [
        (f"incidentio:{INCIDENT_ID}", first["id"])
    ]


def test_a_wrong_api_key_is_named_instead_of_a_missing_start_time(
    app: typer.Typer, sqlite_url: str, incidentio: IncidentIoFake, vendor_env: dict[str, str]
) -> None:
    seed_incidentio(incidentio)
    env = {**vendor_env, "INCIDENTIO_API_KEY": "inc_" + "revoked"}

    code, out, err = _run(app, "draft", f"incidentio:{INCIDENT_ID}", "--db", sqlite_url, env=env)

    assert code == 2
    assert "incident.io rejected the API key: check INCIDENTIO_API_KEY" in " ".join(err.split())
    assert "--since" not in err and out == ""


def test_incidents_added_by_hand_with_near_misses_and_listed(sqlite_url: str) -> None:
    app = build_app("incidents")
    code, out, err = _run(
        app, "incidents", "add", "Database failover took 20 minutes", "--severity", "sev2",
        "--started", "2026-11-02 09:00", "--resolved", "2026-11-02 10:20 Europe/Paris",
        "--service", "db", "--db", sqlite_url, env={},
    )  # fmt: skip
    assert code == 0, err
    code, out, err = _run(
        app, "incidents", "add", "Expired certificate caught in staging", "--near-miss",
        "--db", sqlite_url, env={},
    )  # fmt: skip
    assert code == 0, err
    code, out, err = _run(app, "incidents", "list", "--json", "--db", sqlite_url, env={})
    rows = json.loads(out)
    assert [(r["title"], r["near_miss"], r["severity"]) for r in rows] == [
        ("Expired certificate caught in staging", True, None),
        ("Database failover took 20 minutes", False, "SEV2"),
    ]
    assert rows[1]["resolved_at"] == "2026-11-02T09:20:00+00:00"
    assert rows[1]["reference"] == "manual:2026-11-02-database-failover-took-20-minutes"

    code, out, err = _run(
        app, "incidents", "add", "Backwards", "--started", "2026-11-02 10:00",
        "--resolved", "2026-11-02 09:00", "--db", sqlite_url, env={},
    )  # fmt: skip
    assert code == 1 and "resolved before it started" in err
    code, out, err = _run(
        app, "incidents", "add", "Bad time", "--started", "yesterday", "--db", sqlite_url, env={}
    )
    assert code == 2 and "--started" in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["jira:OPS-1"], "is not an incident reference"),
        (["incidentio:01HQ", "--template", "premortem"], "--template: one of postmortem"),
        (["incidentio:01HQ", "--source", "nagios:x"], "'nagios:x' is not a source"),
    ],
)
def test_a_bad_draft_command_is_a_usage_error(
    app: typer.Typer, sqlite_url: str, args: list[str], expected: str
) -> None:
    code, out, err = _run(app, "draft", *args, "--db", sqlite_url, env={})
    assert code == 2
    assert expected in " ".join(err.split()) and out == ""
