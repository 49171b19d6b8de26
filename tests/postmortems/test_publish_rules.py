"""Importing and restoring follow the publish rules; only history keeps a stated time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.audit import service as audit
from kintsugi.core.errors import ConflictError
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Principal, Role
from kintsugi.postmortems import history, service
from kintsugi.postmortems.document import Document, Status, Visibility
from kintsugi.postmortems.importer import import_paths

FILE = """---
id: queue-backlog
title: Queue backlog
status: {status}
published_at: 2024-03-07T10:00:00+01:00
---

# Queue backlog

## Summary

{summary}
"""
BLAMELESS = "The retry queue had no limit, so notifications were late for two hours."
BLAMEFUL = "The on-call engineer forgot to check the replica lag before failing over."


def _person(sessions: sessionmaker[Session], name: str, role: Role) -> Principal:
    with sessions.begin() as session:
        return people.principal_for(session, people.create_user(session, SYSTEM, name, role=role))


def _write(folder: Path, status: str, summary: str = BLAMELESS) -> Path:
    path = folder / "queue-backlog.md"
    path.write_text(FILE.format(status=status, summary=summary), encoding="utf-8")
    return path


def _status(sessions: sessionmaker[Session]) -> tuple[Status, datetime | None]:
    with sessions() as session:
        doc = service.get_document(session, "queue-backlog", SYSTEM)
    return doc.status, doc.published_at


def test_an_editors_import_cannot_publish(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    editor = _person(sessions, "ed", Role.EDITOR)
    path = _write(tmp_path, "published")
    result = import_paths(sessions, [tmp_path], editor)
    assert [(e.file, e.field) for e in result.errors] == [(str(path), "status")]
    assert not result.created
    # a draft goes in; the file saying "published" later is a step the rules do not allow
    _write(tmp_path, "draft")
    assert import_paths(sessions, [tmp_path], editor).ok
    _write(tmp_path, "published")
    refused = import_paths(sessions, [tmp_path], editor)
    assert "cannot move from draft to published" in str(refused.errors[0])
    assert _status(sessions) == (Status.DRAFT, None)


def test_an_editors_import_publishes_only_through_the_gate(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    editor = _person(sessions, "ed", Role.EDITOR)
    _write(tmp_path, "in_review", BLAMEFUL)
    assert import_paths(sessions, [tmp_path], editor).ok
    _write(tmp_path, "published", BLAMEFUL)
    blocked = import_paths(sessions, [tmp_path], editor)
    assert "blameful-language finding" in str(blocked.errors[0])
    assert _status(sessions)[0] == Status.IN_REVIEW
    _write(tmp_path, "published", BLAMELESS)
    before = datetime.now(UTC)
    assert import_paths(sessions, [tmp_path], editor).ok
    status, published_at = _status(sessions)
    assert status == Status.PUBLISHED
    assert published_at is not None and published_at >= before  # not the file's 2024 time


def test_the_operators_import_keeps_history_and_says_so(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    _write(tmp_path, "published", BLAMEFUL)  # reviewed elsewhere, long ago
    assert import_paths(sessions, [tmp_path], SYSTEM).ok
    assert _status(sessions) == (Status.PUBLISHED, datetime(2024, 3, 7, 9, tzinfo=UTC))
    with sessions() as session:
        events = audit.events(session, action="imported_published")
    assert [e.target for e in events] == ["queue-backlog"]


def test_restoring_keeps_the_current_publication_time(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    _write(tmp_path, "published")
    assert import_paths(sessions, [tmp_path], SYSTEM).ok  # version 1: published in 2024
    editor = _person(sessions, "ed", Role.EDITOR)
    with sessions.begin() as session:
        service.change_status(session, "queue-backlog", Status.IN_REVIEW, editor)
        again = service.change_status(session, "queue-backlog", Status.PUBLISHED, editor)
    assert again.published_at is not None
    with sessions.begin() as session:
        restored = history.restore(session, "queue-backlog", 1, editor, base_version=3)
    assert restored.status == Status.PUBLISHED
    assert restored.published_at == again.published_at
    assert _status(sessions) == (Status.PUBLISHED, again.published_at)


def test_an_import_over_a_hidden_id_answers_as_any_taken_id(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    editor = _person(sessions, "ed", Role.EDITOR)
    with sessions.begin() as session:
        doc = Document(id="queue-backlog", title="Secret", visibility=Visibility.RESTRICTED)
        service.create_document(session, doc, SYSTEM)
        service.create_document(session, Document(id="gone", title="Gone"), SYSTEM)
    from kintsugi.postmortems import deletion

    with sessions.begin() as session:
        deletion.delete_document(session, "gone", SYSTEM)
    messages = []
    for id in ("queue-backlog", "gone"):
        with sessions.begin() as session, pytest.raises(ConflictError) as caught:
            service.upsert_document(session, Document(id=id, title="Mine"), editor)
        messages.append(str(caught.value).replace(id, "ID"))
    assert messages[0] == messages[1] and "Secret" not in messages[0]


def test_the_command_line_import_is_the_operators_and_audited(
    sqlite_url: str, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from kintsugi.cli import app
    from kintsugi.core.db import make_engine, make_sessionmaker

    _write(tmp_path, "published", BLAMEFUL)
    result = CliRunner().invoke(app, ["import", str(tmp_path), "--db", sqlite_url])
    assert result.exit_code == 0, result.stderr
    engine = make_engine(sqlite_url)
    with make_sessionmaker(engine)() as session:
        events = {e.action: e for e in audit.events(session)}
        versions = history.versions(session, "queue-backlog", SYSTEM)
    engine.dispose()
    assert events["imported_published"].actor.startswith("operator:")
    assert events["imported"].detail["created"] == 1
    assert versions[0].actor == events["imported"].actor
