"""Saving a post-mortem reaches the slices above through the wiring: its timeline events,
action items and library index are written in the same transaction, and the publish gate
runs the checks those slices install."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions import service as actions
from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.core.events import Event, bus
from kintsugi.library.models import LibraryDocumentRow
from kintsugi.library.wiring import reindex_saved
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import checks, parts, service
from kintsugi.postmortems.document import ActionItem, Document, Section, Status, TimelineEvent
from kintsugi.postmortems.events import (
    PostmortemPublished,
    PostmortemSaved,
    PostmortemStatusChanged,
)
from kintsugi.postmortems.models import PostmortemRow
from kintsugi.timeline import store
from kintsugi.wiring import wire


def _doc(title: str = "Queue backlog") -> Document:
    return Document(
        title=title,
        sections=[Section(key="summary", heading="Summary", markdown="Messages waited.")],
        timeline=[TimelineEvent(at=datetime(2026, 5, 2, 9, 0, tzinfo=UTC), text="Backlog grows")],
        action_items=[ActionItem(title="Alert on queue depth", owner="sre")],
    )


@pytest.fixture
def heard() -> Iterator[list[Event]]:
    """Every post-mortem event published while the test runs."""
    seen: list[Event] = []
    kinds = (PostmortemSaved, PostmortemStatusChanged, PostmortemPublished)
    undo = [bus.subscribe(kind, lambda _s, e: seen.append(e)) for kind in kinds]
    yield seen
    for unsubscribe in undo:
        unsubscribe()


def test_a_save_writes_the_timeline_items_and_index(
    sessions: sessionmaker[Session], heard: list[Event]
) -> None:
    with sessions.begin() as session:
        stored = service.create_document(session, _doc(), SYSTEM)
    saved = [e for e in heard if isinstance(e, PostmortemSaved)]
    assert [(e.id, e.created) for e in saved] == [(stored.id, True)]
    pk = saved[0].pk
    with sessions.begin() as session:
        assert [e[2] for e in store.events_with_ids(session, pk)] == ["Backlog grows"]
        items = actions.load_items(session, pk)
        assert [i.title for i in items] == ["Alert on queue depth"]
        assert items[0].id is not None and stored.action_items[0].id == items[0].id
        assert session.get(LibraryDocumentRow, pk).title == "Queue backlog"  # type: ignore[union-attr]

    assert stored.id is not None
    changed = _doc("Queue backlog at the edge")
    changed.action_items.append(ActionItem(title="Shed load earlier"))
    with sessions.begin() as session:
        service.update_document(session, stored.id, changed, SYSTEM, base_version=1)
    with sessions.begin() as session:
        assert [i.title for i in actions.load_items(session, pk)] == [
            "Alert on queue depth",
            "Shed load earlier",
        ]
        row = session.get(LibraryDocumentRow, pk)
        assert row is not None and row.title == "Queue backlog at the edge"
    assert [e.created for e in heard if isinstance(e, PostmortemSaved)] == [True, False]


def test_handlers_run_in_the_saving_transaction(sessions: sessionmaker[Session]) -> None:
    seen: list[tuple[bool, int | None]] = []

    def look(session: Session, event: PostmortemSaved) -> None:
        # the row is not committed yet: only the saving session can see it
        seen.append((session is outer, session.scalar(select(PostmortemRow.pk))))

    unsubscribe = bus.subscribe(PostmortemSaved, look)
    try:
        with sessions.begin() as outer:
            service.create_document(outer, _doc(), SYSTEM)
    finally:
        unsubscribe()
    assert len(seen) == 1 and seen[0][0] and seen[0][1] is not None


def test_a_failing_handler_rolls_the_save_back(sessions: sessionmaker[Session]) -> None:
    def fail(session: Session, event: PostmortemSaved) -> None:
        raise RuntimeError("the index is out of space")

    unsubscribe = bus.subscribe(PostmortemSaved, fail)
    try:
        with pytest.raises(RuntimeError, match="out of space"), sessions.begin() as session:
            service.create_document(session, _doc(), SYSTEM)
    finally:
        unsubscribe()
    with sessions.begin() as session:
        assert session.scalar(select(func.count(PostmortemRow.pk))) == 0
        assert session.scalar(select(func.count(LibraryDocumentRow.postmortem_pk))) == 0


def test_status_changes_are_announced(sessions: sessionmaker[Session], heard: list[Event]) -> None:
    with sessions.begin() as session:
        stored = service.create_document(session, _doc(), SYSTEM)
        assert stored.id is not None
        service.change_status(session, stored.id, Status.IN_REVIEW, SYSTEM)
        service.change_status(session, stored.id, Status.PUBLISHED, SYSTEM)
    changes = [(e.old, e.new) for e in heard if isinstance(e, PostmortemStatusChanged)]
    assert changes == [
        (None, Status.DRAFT),
        (Status.DRAFT, Status.IN_REVIEW),
        (Status.IN_REVIEW, Status.PUBLISHED),
    ]
    published = [e for e in heard if isinstance(e, PostmortemPublished)]
    assert [e.id for e in published] == [stored.id]
    assert published[0].published_at is not None


def test_wiring_twice_subscribes_once() -> None:
    wire()
    wire()
    assert bus.handlers(PostmortemSaved).count(reindex_saved) == 1  # type: ignore[arg-type]


def test_unwired_documents_say_what_is_missing(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parts, "_stores", parts._Stores())
    with sessions.begin() as session, pytest.raises(parts.NotWiredError, match=r"wiring\.wire"):
        service.create_document(session, _doc(), SYSTEM)


def test_publishing_without_its_checks_is_refused(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with sessions.begin() as session:
        stored = service.create_document(session, _doc(), SYSTEM)
        assert stored.id is not None
        service.change_status(session, stored.id, Status.IN_REVIEW, SYSTEM)
    monkeypatch.setattr(checks, "_checks", checks._Checks())
    with sessions.begin() as session, pytest.raises(parts.NotWiredError, match="blameless"):
        service.change_status(session, stored.id, Status.PUBLISHED, SYSTEM)
    with sessions.begin() as session:
        assert service.get_document(session, stored.id, SYSTEM).status == Status.IN_REVIEW


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["show", "queue-backlog", "--json"], '"Backlog grows"'),
        (["lint", "--id", "queue-backlog", "--json"], "[]"),  # the console script's fast path
    ],
    ids=["show", "lint"],
)
def test_the_console_script_wires_the_slices(
    sqlite_url: str, command: list[str], expected: str
) -> None:
    engine = make_engine(sqlite_url)
    with make_sessionmaker(engine).begin() as session:
        service.create_document(session, _doc(), SYSTEM)
    engine.dispose()
    # a process of its own: this one was wired by the test session
    done = subprocess.run(
        [sys.executable, "-c", "from kintsugi.cli import main; main()", *command],
        env={**os.environ, "KINTSUGI_DATABASE_URL": sqlite_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout
