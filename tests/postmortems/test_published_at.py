"""When a post-mortem was published: set as it is published, or kept from an imported file.

Teams import post-mortems they published long ago; the deadline and time-to-post-mortem
metrics and the weekly sharing need the time they were published, not the day of the import.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service
from kintsugi.postmortems.document import Status
from kintsugi.postmortems.export import document_json
from kintsugi.postmortems.importer import import_paths
from kintsugi.postmortems.markdown import parse_markdown, render_markdown
from kintsugi.postmortems.models import PostmortemRow

PUBLISHED_LONG_AGO = """---
id: 2024-03-04-queue-backlog
title: Queue backlog
status: {status}
severity: SEV2
resolved_at: 2024-03-04T16:20:00+01:00
timezone: Europe/Berlin
{published}---

# Queue backlog

## Summary

Notifications were late for two hours.
"""


def _file(folder: Path, status: str = "published", published: str | None = None) -> Path:
    line = f"published_at: {published}\n" if published else ""
    path = folder / "2024-03-04-queue-backlog.md"
    path.write_text(PUBLISHED_LONG_AGO.format(status=status, published=line), encoding="utf-8")
    return path


def _stored_time(sessions: sessionmaker[Session]) -> datetime | None:
    with sessions() as session:
        return session.scalar(
            select(PostmortemRow.published_at).where(PostmortemRow.id == "2024-03-04-queue-backlog")
        )


def test_front_matter_gives_the_time_and_the_export_writes_it_back(tmp_path: Path) -> None:
    text = _file(tmp_path, published="2024-03-07T10:00:00").read_text()
    doc = parse_markdown(text)
    assert doc.published_at == datetime(2024, 3, 7, 9, 0, tzinfo=UTC)  # in the document's zone
    exported = render_markdown(doc)
    assert "published_at: 2024-03-07T10:00:00+01:00" in exported
    assert parse_markdown(exported).published_at == doc.published_at
    assert document_json(doc)["published_at"] == "2024-03-07T10:00:00+01:00"
    draft = doc.model_copy(update={"status": Status.IN_REVIEW})
    assert "published_at" not in render_markdown(draft)  # only a published one says when


def test_an_imported_post_mortem_keeps_when_it_was_published(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    _file(tmp_path, published="2024-03-07T10:00:00+01:00")
    assert import_paths(sessions, [tmp_path], SYSTEM).ok
    assert _stored_time(sessions) == datetime(2024, 3, 7, 9, 0, tzinfo=UTC)
    with sessions() as session:
        doc = service.get_document(session, "2024-03-04-queue-backlog", SYSTEM)
    assert doc.published_at == datetime(2024, 3, 7, 9, 0, tzinfo=UTC)

    # the file without the time, imported again: the stored time stays
    _file(tmp_path)
    assert import_paths(sessions, [tmp_path], SYSTEM).ok
    assert _stored_time(sessions) == datetime(2024, 3, 7, 9, 0, tzinfo=UTC)
    # the file with a corrected time: the stored time follows it
    _file(tmp_path, published="2024-03-06T18:00:00+01:00")
    assert import_paths(sessions, [tmp_path], SYSTEM).ok
    assert _stored_time(sessions) == datetime(2024, 3, 6, 17, 0, tzinfo=UTC)


def test_without_a_time_the_import_is_when_it_was_published(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    _file(tmp_path)
    before = datetime.now(UTC)
    assert import_paths(sessions, [tmp_path], SYSTEM).ok
    stored = _stored_time(sessions)
    assert stored is not None and before - timedelta(seconds=1) <= stored <= datetime.now(UTC)


def test_publishing_again_after_a_review_is_a_new_publication(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    _file(tmp_path, published="2024-03-07T10:00:00+01:00")
    assert import_paths(sessions, [tmp_path], SYSTEM).ok
    id = "2024-03-04-queue-backlog"
    with sessions.begin() as session:
        back = service.change_status(session, id, Status.IN_REVIEW, SYSTEM)
    assert back.published_at is None  # not published now
    assert "published_at" not in render_markdown(back)
    with sessions.begin() as session:
        again = service.change_status(session, id, Status.PUBLISHED, SYSTEM)
    assert again.published_at is not None
    assert again.published_at > datetime.now(UTC) - timedelta(minutes=1)
    assert _stored_time(sessions) == again.published_at


def test_a_time_given_for_a_draft_is_not_stored(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    _file(tmp_path, status="draft", published="2024-03-07T10:00:00+01:00")
    assert import_paths(sessions, [tmp_path], SYSTEM).ok
    assert _stored_time(sessions) is None
    with sessions() as session:
        assert (
            service.get_document(session, "2024-03-04-queue-backlog", SYSTEM).published_at is None
        )
