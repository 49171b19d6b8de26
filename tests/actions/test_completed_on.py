"""A completed action item keeps the day it was completed: from a Markdown column or
``actions update --completed-on``; an item imported completed with no day is left out of the
on-time rate instead of counting as completed on the day of the import."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions import items
from kintsugi.actions.items import ItemChanges
from kintsugi.actions.models import ActionItemRow
from kintsugi.actions.report import build_report
from kintsugi.core.db import transaction
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.export import export_document
from kintsugi.postmortems.markdown import parse_markdown

FILE = """---
id: cache-outage
title: Cache outage
---

# Cache outage

## Action items

| Action | Owner | Due | Status | Completed on |
| --- | --- | --- | --- | --- |
| Alert on cache hit rate | ana | 2026-03-10 | done | 2026-03-08 |
| Runbook for cache warm-up | ben | 2026-03-10 | done | 2026-03-12 |
| Load test the cache tier | ana | 2026-03-20 | done | |
"""


def _completed(sessions: sessionmaker[Session]) -> dict[str, date | None]:
    with sessions() as session:
        rows = session.execute(select(ActionItemRow.title, ActionItemRow.completed_at)).all()
    return {title: at.date() if at else None for title, at in rows}


def _import(sessions: sessionmaker[Session], text: str) -> None:
    with transaction(sessions) as session:
        postmortems.upsert_document(session, parse_markdown(text), SYSTEM)


def test_imported_items_keep_their_completion_day(sessions: sessionmaker[Session]) -> None:
    _import(sessions, FILE)
    assert _completed(sessions) == {
        "Alert on cache hit rate": date(2026, 3, 8),
        "Runbook for cache warm-up": date(2026, 3, 12),
        "Load test the cache tier": None,
    }
    with sessions() as session:
        report = build_report(session, SYSTEM, today=date(2026, 4, 1))
    # one on time, one late; the one with no day is neither
    assert (report.totals.completed_on_time, report.totals.completed_with_due) == (1, 2)


def test_export_and_import_again_keep_the_days(sessions: sessionmaker[Session]) -> None:
    _import(sessions, FILE)
    before = _completed(sessions)
    with sessions() as session:
        text = export_document(postmortems.get_document(session, "cache-outage", SYSTEM), "md")
    assert "| Completed on |" in text and "2026-03-08" in text
    _import(sessions, text)
    _import(sessions, FILE)
    assert _completed(sessions) == before


def test_update_gives_the_completion_day(sessions: sessionmaker[Session]) -> None:
    _import(sessions, FILE)
    with transaction(sessions) as session:
        item_id = session.scalar(
            select(ActionItemRow.id).where(ActionItemRow.title == "Load test the cache tier")
        )
        assert item_id is not None
        items.update_item(
            session, item_id, ItemChanges(completed_on=date(2026, 3, 19)), SYSTEM, base_version=None
        )
    assert _completed(sessions)["Load test the cache tier"] == date(2026, 3, 19)
    with sessions() as session:
        report = build_report(session, SYSTEM, today=date(2026, 4, 1))
    assert (report.totals.completed_on_time, report.totals.completed_with_due) == (2, 3)
