"""`kintsugi backup` and `kintsugi restore` round-trip the whole database, on both engines."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from kintsugi.cli import app
from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import deletion, service
from kintsugi.postmortems.document import Document, Section

runner = CliRunner()


def _titles(db_url: str) -> list[str]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        titles = sorted(s.title for s in service.list_documents(session, SYSTEM))
    engine.dispose()
    return titles


def test_backup_and_restore_round_trip(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        for title in ("Disk full", "DNS outage"):
            doc = Document(
                title=title, sections=[Section(key="summary", heading="Summary", markdown=title)]
            )
            service.create_document(session, doc, SYSTEM)
    engine.dispose()
    out = tmp_path / "kintsugi.backup"
    made = runner.invoke(app, ["backup", str(out), "--db", db_url])
    assert made.exit_code == 0, made.output
    assert out.stat().st_size > 0
    again = runner.invoke(app, ["backup", str(out), "--db", db_url])
    assert again.exit_code == 1 and "already exists" in again.output

    engine = make_engine(db_url)
    with make_sessionmaker(engine).begin() as session:
        deletion.delete_document(session, "disk-full", SYSTEM)
        service.create_document(session, Document(title="After the backup"), SYSTEM)
    engine.dispose()
    assert _titles(db_url) == ["After the backup", "DNS outage"]

    refused = runner.invoke(app, ["restore", str(out), "--db", db_url])
    assert refused.exit_code == 2 and "--yes" in refused.output
    restored = runner.invoke(app, ["restore", str(out), "--yes", "--db", db_url])
    assert restored.exit_code == 0, restored.output
    assert _titles(db_url) == ["DNS outage", "Disk full"]


def test_restore_rejects_a_file_that_is_not_a_backup(sqlite_url: str, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello")
    result = runner.invoke(app, ["restore", str(bogus), "--yes", "--db", sqlite_url])
    assert result.exit_code == 1
    assert "notes.txt" in result.output and "Traceback" not in result.output
