"""``kintsugi rca``: show, import (with clear errors), export, diagram, categories, recurring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from kintsugi.postmortems.document import Document
from kintsugi.rca.cli import register
from tests.rca.conftest import PM_ID, full_analysis


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Root."""

    register(app)
    return app


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_app(), ["rca", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(db_url: str, sessions: sessionmaker[Session], postmortem: Document) -> str:
    return db_url


def test_import_show_and_export_round_trip(db: str, tmp_path: Path) -> None:
    path = tmp_path / "rca.json"
    path.write_text(json.dumps(full_analysis()), encoding="utf-8")
    code, _, err = run("import", PM_ID, str(path), "--db", db)
    assert code == 0, err
    assert "version 1" in err and "2 barriers" in err

    code, out, _ = run("show", PM_ID, "--db", db)
    assert code == 0
    assert "## Root Cause Analysis" in out
    assert "Consumer settings are not load tested before deploys" in out
    assert "fish-1: no action item addresses" in out

    code, out, _ = run("show", PM_ID, "--json", "--db", db)
    data = json.loads(out)
    assert data["version"] == 1 and data["analysis"]["problem"].startswith("Orders")

    exported = tmp_path / "out.json"
    assert run("export", PM_ID, "--out", str(exported), "--db", db)[0] == 0
    assert run("import", PM_ID, str(exported), "--db", db)[0] == 0
    code, out, _ = run("show", PM_ID, "--json", "--db", db)
    again = json.loads(out)
    assert again["version"] == 2
    assert again["analysis"] == data["analysis"]
    code, out, _ = run("history", PM_ID, "--json", "--db", db)
    assert [(v["version"], v["change"]) for v in json.loads(out)] == [
        (2, "imported"), (1, "imported"),
    ]  # fmt: skip
    code, out, _ = run("history", PM_ID, "--db", db)
    assert code == 0 and "   2  " in out and "system  imported" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "rca.json:1: not valid JSON"),
        ("[]", "rca.json: an analysis is a JSON object"),
        (json.dumps({"fishbone": [{"bone": "luck", "text": "x"}]}), "fishbone[0].bone"),
        (json.dumps({"five_whys": [{"problem": "p", "steps": [{"why": "w"}]}]}),
         "five_whys[0].steps[0].because: Field required"),
        (json.dumps({"links": [{"action_item": "Nope", "target": "x"}]}), "links[0].target"),
    ],
)  # fmt: skip
def test_invalid_files_exit_1_with_one_clear_line(
    db: str, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "rca.json"
    path.write_text(content, encoding="utf-8")
    code, out, err = run("import", PM_ID, str(path), "--db", db)
    assert code == 1
    assert out == ""
    assert message in " ".join(err.split())
    assert "Traceback" not in err
    code, out, _ = run("show", PM_ID, "--json", "--db", db)
    assert json.loads(out)["version"] == 0  # nothing stored


def test_diagram_to_files(db: str, tmp_path: Path) -> None:
    path = tmp_path / "rca.json"
    path.write_text(json.dumps(full_analysis()), encoding="utf-8")
    run("import", PM_ID, str(path), "--db", db)
    svg = tmp_path / "fish.svg"
    code, _, err = run("diagram", PM_ID, "--kind", "fishbone", "--out", str(svg), "--db", db)
    assert code == 0, err
    assert svg.read_text().startswith("<svg") and "No throughput alert" in svg.read_text()
    mmd = tmp_path / "tree.mmd"
    assert run("diagram", PM_ID, "--kind", "tree", "--out", str(mmd), "--db", db)[0] == 0
    assert mmd.read_text().startswith("flowchart LR")
    code, _, err = run("diagram", PM_ID, "--kind", "pie", "--db", db)
    assert code == 1 and "unknown diagram 'pie'" in err
    code, _, err = run("diagram", "no-such-postmortem", "--db", db)
    assert code == 1 and "no post-mortem" in err


def test_categories_and_recurring(db: str, tmp_path: Path) -> None:
    code, out, _ = run("categories", "--json", "--db", db)
    assert code == 0 and any(c["key"] == "monitoring-gap" for c in json.loads(out))
    code, out, _ = run("categories", "--add", "vendor", "--label", "Vendor", "--db", db)
    assert code == 0 and "vendor" in out
    code, _, err = run("categories", "--add", "Not A Key", "--db", db)
    assert code == 1 and "not a category key" in err
    path = tmp_path / "rca.json"
    path.write_text(json.dumps(full_analysis()), encoding="utf-8")
    run("import", PM_ID, str(path), "--db", db)
    code, out, _ = run("recurring", "--min", "1", "--json", "--db", db)
    assert code == 0
    assert {r["category"] for r in json.loads(out)} >= {"config-change", "testing-gap"}
    code, out, _ = run("recurring", "--db", db)
    assert code == 0 and "no category of cause appears in 2" in out


def test_schema_describes_the_file_format() -> None:
    code, out, _ = run("schema")
    schema = json.loads(out)
    assert code == 0
    assert {"five_whys", "fishbone", "changes", "barriers", "links"} <= set(schema["properties"])


def test_the_documented_example_is_valid() -> None:
    from kintsugi.rca.service import parse_analysis
    from tests.support.corpus import ROOT

    text = (ROOT / "docs" / "rca.md").read_text(encoding="utf-8")
    example = text.split("```json\n", 1)[1].split("```", 1)[0]
    analysis = parse_analysis(json.loads(example))
    assert analysis.five_whys[0].steps[-1].root_cause
    assert {link.target for link in analysis.links} == {"why-root", "barrier-1"}
