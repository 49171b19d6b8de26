"""Action items edited as Markdown keep their identity: an export imported back keeps each
item once, and an item whose title was reworded in the text keeps its id (and its history)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions.models import ActionItemRow
from kintsugi.core.db import transaction
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.export import export_document
from kintsugi.postmortems.markdown import parse_markdown

FILE = """---
id: queue-backlog
title: Queue backlog
---

# Queue backlog

## Action items

| Action | Owner | Due | Status |
| --- | --- | --- | --- |
| Alert on queue depth | ana | 2026-03-10 | open |
| Retry with backoff | ben | 2026-03-20 | open |
| Autoscale consumers | ana | 2026-04-01 | open |
"""


def _items(sessions: sessionmaker[Session]) -> dict[int, str]:
    with sessions() as session:
        rows = session.execute(select(ActionItemRow.id, ActionItemRow.title)).all()
    return {row.id: row.title for row in rows}


def _import(sessions: sessionmaker[Session], text: str) -> None:
    with transaction(sessions) as session:
        postmortems.upsert_document(session, parse_markdown(text), SYSTEM)


def _export(sessions: sessionmaker[Session]) -> str:
    with sessions() as session:
        return export_document(postmortems.get_document(session, "queue-backlog", SYSTEM), "md")


def test_a_reworded_item_keeps_its_id(sessions: sessionmaker[Session]) -> None:
    _import(sessions, FILE)
    before = _items(sessions)
    _import(sessions, _export(sessions))
    assert _items(sessions) == before
    reworded = _export(sessions).replace("Retry with backoff", "Retry with exponential backoff")
    _import(sessions, reworded)
    after = _items(sessions)
    retry = next(i for i, title in before.items() if title == "Retry with backoff")
    assert set(after) == set(before)
    assert after[retry] == "Retry with exponential backoff"
