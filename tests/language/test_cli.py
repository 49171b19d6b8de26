"""``kintsugi lint``: formats, exit codes, --fix, stdin and stored documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from kintsugi.core.db import make_engine, make_sessionmaker, transaction
from kintsugi.language.cli import register
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service
from kintsugi.postmortems.document import Document, Section

BLAMEFUL = "# Outage\n\nJohn deployed the wrong version.\n\nThe root cause was human error.\n"


@pytest.fixture
def app() -> typer.Typer:
    root = typer.Typer()
    register(root)

    @root.command("noop")
    def noop() -> None:  # a second command keeps `lint` a sub-command, as in the real app
        """Nothing."""

    return root


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_text_output_and_exit_code_one_with_findings(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    path = _write(tmp_path, "pm.md", BLAMEFUL)
    result = runner.invoke(app, ["lint", str(path)])
    assert result.exit_code == 1, result.output
    assert f"{path}:3:1: error [person-lapse]" in result.stdout
    assert f"{path}:5:20: error [fault-label]" in result.stdout
    assert (
        "suggestion: The deployment process didn't validate the version John deployed."
        in result.stdout
    )
    assert "2 findings in 1 file." in result.stdout


def test_exit_code_zero_when_clean(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    path = _write(tmp_path, "ok.md", "Alice rolled back the release at 10:02.\n")
    result = runner.invoke(app, ["lint", str(path)])
    assert result.exit_code == 0
    assert "No blameful language found." in result.stdout


def test_json_output_is_a_list_of_findings(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    path = _write(tmp_path, "pm.md", BLAMEFUL)
    for flags in (["--format", "json"], ["--json"]):
        result = runner.invoke(app, ["lint", *flags, str(path)])
        assert result.exit_code == 1
        findings = json.loads(result.stdout)
        assert [f["rule"] for f in findings] == ["person-lapse", "fault-label"]
        assert findings[0] == {
            "file": str(path),
            "line": 3,
            "column": 1,
            "end_line": 3,
            "end_column": 24,
            "rule": "person-lapse",
            "severity": "error",
            "message": findings[0]["message"],
            "suggestion": "The deployment process didn't validate the version John deployed.",
            "guideline": "http://127.0.0.1:8000/handbook/policy#describe-systems-not-people",
        }


def test_sarif_output(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    path = _write(tmp_path, "pm.md", BLAMEFUL)
    result = runner.invoke(app, ["lint", "--format", "sarif", str(path)])
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    assert len(log["runs"][0]["results"]) == 2


def test_stdin_and_several_files(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    clean = _write(tmp_path, "clean.md", "The deploy failed.\n")
    result = runner.invoke(
        app, ["lint", "--json", str(clean), "-"], input="Who made the mistake?\n"
    )
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)
    assert (finding["file"], finding["rule"]) == ("<stdin>", "blame-question")


def test_fix_rewrites_files_and_reports_what_is_left(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    text = BLAMEFUL + "\nA simple check would have caught this.\n"
    path = _write(tmp_path, "pm.md", text)
    result = runner.invoke(app, ["lint", "--fix", "--json", str(path)])
    fixed = path.read_text(encoding="utf-8")
    assert "The deployment process didn't validate the version John deployed." in fixed
    assert "The root cause was a gap in the process or tooling." in fixed
    assert result.exit_code == 1  # the advice-only finding remains
    assert [f["rule"] for f in json.loads(result.stdout)] == ["hindsight"]


def test_fix_on_stdin_prints_the_fixed_text(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["lint", "--fix", "-"], input="The fix was obviously to revert.\n")
    assert result.exit_code == 0
    assert result.stdout == "The fix was to revert.\n"


def test_allow_comments_are_honoured(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    path = _write(tmp_path, "pm.md", "<!-- kintsugi: allow-file all -->\n" + BLAMEFUL)
    assert runner.invoke(app, ["lint", str(path)]).exit_code == 0


def test_participants_and_roster(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    path = _write(tmp_path, "pm.md", "Zed missed the page.\n")
    roster = _write(tmp_path, "roster.txt", "# people\nZed Quux\n")
    assert runner.invoke(app, ["lint", str(path)]).exit_code == 0
    assert runner.invoke(app, ["lint", "-p", "Zed", str(path)]).exit_code == 1
    assert runner.invoke(app, ["lint", "--roster", str(roster), str(path)]).exit_code == 1


@pytest.mark.parametrize(
    "args",
    [
        ["lint"],
        ["lint", "--format", "xml", "x.md"],
        ["lint", "missing.md"],
        ["lint", "--id", "PM-1", "x.md"],
        ["lint", "--id", "PM-1", "--fix"],
    ],
)
def test_usage_errors_exit_two(app: typer.Typer, runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output


def test_a_file_that_is_not_utf8_is_reported(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes("Caf\xe9 forgot".encode("latin-1"))
    result = runner.invoke(app, ["lint", str(path)])
    assert result.exit_code == 1
    assert f"{path}: not UTF-8 text" in result.stderr


def test_lint_a_stored_document_by_id(app: typer.Typer, runner: CliRunner, sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with transaction(make_sessionmaker(engine)) as session:
        service.create_document(
            session,
            Document(
                id="pm-lint",
                title="Checkout outage",
                sections=[
                    Section(key="summary", heading="Summary", markdown="Checkout was down.\n"),
                    Section(
                        key="root_cause",
                        heading="Root cause",
                        markdown="Context.\n\nThe intern forgot to renew the certificate.\n",
                    ),
                ],
            ),
            SYSTEM,
        )
    engine.dispose()
    result = runner.invoke(app, ["lint", "--id", "pm-lint", "--json", "--db", sqlite_url])
    assert result.exit_code == 1, result.output
    [finding] = json.loads(result.stdout)
    assert (finding["file"], finding["line"], finding["rule"]) == (
        "pm-lint#root_cause",
        3,
        "person-lapse",
    )
    missing = runner.invoke(app, ["lint", "--id", "nope", "--db", sqlite_url])
    assert missing.exit_code == 1
    assert "nope" in missing.stderr


def test_lint_id_names_a_database_it_cannot_open(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'no such folder' / 'kintsugi.db'}"
    result = runner.invoke(app, ["lint", "--id", "pm-lint", "--db", url])
    assert result.exit_code != 0
    assert "error: database: unable to open database file" in result.stderr
    assert "Traceback" not in result.output + result.stderr
