"""Keyset (cursor) paging of the post-mortem list: pages concatenate to the whole list in
order, without a row twice or a row missed, also when post-mortems are added between pages;
pages start inside the list's index at the cursor; the capped total stops counting."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import InputError
from kintsugi.people.principal import SYSTEM, Principal
from kintsugi.postmortems import service
from kintsugi.postmortems.document import Document, Section
from kintsugi.postmortems.listing import Cursor, list_page
from tests.postmortems.test_listing import FILTERS, _expected, _library

START = datetime(2025, 1, 1, tzinfo=UTC)
_numbers = itertools.count()


def _walk(
    session: Session, viewer: Principal, filters: service.Filters, size: int
) -> tuple[list[str], int]:
    """Every page's ids, concatenated, and how many pages it took."""
    ids: list[str] = []
    after: Cursor | None = None
    for pages in itertools.count(1):
        page = list_page(session, viewer, filters, limit=size, after=after)
        assert len(page.rows) <= size
        ids += [row.id for row in page.rows]
        if page.next is None:
            return ids, pages
        # the token is what a client holds between pages
        after = Cursor.decode(page.next.encode())


def test_pages_concatenate_to_the_list_for_every_viewer_and_filter(
    sessions: sessionmaker[Session],
) -> None:
    viewers = _library(sessions)
    with sessions() as session:
        for (name, viewer), filters in itertools.product(viewers.items(), FILTERS):
            expected = _expected(session, viewer, filters)
            for size in (1, 4, 7, 60):
                ids, pages = _walk(session, viewer, filters, size)
                assert ids == expected, (name, filters, size)
                assert pages == max(1, -(-len(expected) // size)), (name, filters, size)
            total = len(expected)
            for cap in (0, 1, 5, 100):
                capped = service.count_documents(session, viewer, filters, cap=cap)
                assert capped == min(total, cap), (name, filters, cap)
        # the data has undated post-mortems after the dated ones: both statements ran
        assert any(s.started_at is None for s in service.list_documents(session, SYSTEM))


def _add(sessions: sessionmaker[Session], starts: list[int | None]) -> None:
    docs = [
        Document(
            id=f"new-{next(_numbers)}",
            title="Added between pages",
            started_at=START + timedelta(days=day) if day is not None else None,
            sections=[Section(key="summary", heading="Summary", markdown="Added.")],
        )
        for day in starts
    ]
    with sessions.begin() as session:
        service.create_documents(session, docs, SYSTEM)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    size=st.integers(min_value=1, max_value=9),
    added=st.lists(
        st.lists(st.one_of(st.none(), st.integers(min_value=-3, max_value=12)), max_size=4),
        max_size=8,
    ),
)
def test_pages_miss_nothing_and_repeat_nothing_while_post_mortems_are_added(
    sessions: sessionmaker[Session], size: int, added: list[list[int | None]]
) -> None:
    """Post-mortems added between pages, before and after the cursor and with the same start
    as rows already shown: every row there was at the start is shown exactly once, in order,
    and the pages are in the list's order throughout."""
    with sessions() as session:
        before = [s.id for s in service.list_documents(session, SYSTEM)]
    shown: list[str] = []
    after: Cursor | None = None
    steps = iter(added)
    while True:
        with sessions() as session:
            page = list_page(session, SYSTEM, limit=size, after=after)
        shown += [row.id for row in page.rows]
        if page.next is None:
            break
        after = page.next
        _add(sessions, next(steps, []))
    assert len(shown) == len(set(shown)), "a row shown twice"
    assert [id for id in shown if id in set(before)] == before, "a row missed or out of order"
    with sessions() as session:
        now = [s.id for s in service.list_documents(session, SYSTEM)]
    assert [id for id in now if id in set(shown)] == shown, "pages out of the list's order"


def test_a_cursor_that_the_list_did_not_give_is_refused_by_field() -> None:
    for token in ("", "not base64 !", "bm90IGpzb24", Cursor(None, START, 3).encode()[:-2]):
        with pytest.raises(InputError) as caught:
            Cursor.decode(token)
        assert caught.value.field == "cursor"
    naive = Cursor(None, START.replace(tzinfo=None), 3).encode()
    with pytest.raises(InputError):
        Cursor.decode(naive)
    cursor = Cursor(START, START + timedelta(microseconds=7), 42)
    assert Cursor.decode(cursor.encode()) == cursor


def _plan(engine: Engine, sessions: sessionmaker[Session], after: Cursor) -> str:
    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.startswith("SELECT"):
            statements.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with sessions() as session:
            list_page(session, SYSTEM, limit=3, after=after)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    statement, params = statements[0]
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if not sqlite:
            conn.exec_driver_sql("SET enable_seqscan = off")
        prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
        return "\n".join(str(r[-1]) for r in conn.exec_driver_sql(prefix + statement, params))


def test_a_page_after_a_cursor_starts_inside_the_list_index(
    sessions: sessionmaker[Session], engine: Engine
) -> None:
    _library(sessions)
    if engine.dialect.name == "sqlite":
        with sessions.begin() as session:
            session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
    plan = _plan(engine, sessions, Cursor(START + timedelta(days=5), START, 10**6))
    assert "ix_postmortems_listed" in plan, plan
    assert "ORDER BY" not in plan and "Sort" not in plan, plan
    # the cursor's position is a bound of the index range, not a filter on every row
    if engine.dialect.name == "sqlite":
        assert "(started_at,updated_at)<(?,?)" in plan, plan
    else:
        assert re.search(r"Index Cond: .*ROW\(started_at, updated_at, pk\) <", plan), plan
