"""Cached search matches: reused while nothing changed, re-scored only for what did."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.core.errors import ConflictError
from kintsugi.library import matches
from kintsugi.library.search import SearchFilters, SearchResult, search
from kintsugi.people.principal import SYSTEM, Principal
from kintsugi.postmortems import service
from kintsugi.postmortems.document import Section, Severity

from .helpers import add, user

WORDS = ("kafka", "lag", "database", "failover", "cache", "eviction", "quota", "dns")


@contextmanager
def scoring_statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The full-text scoring statements run on ``engine`` meanwhile (with their parameters)."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "bm25(" in statement or "ts_rank_cd(" in statement:
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _search(
    sessions: sessionmaker[Session], viewer: Principal, query: str, **filters: Any
) -> SearchResult:
    with sessions() as session:
        return search(session, viewer, query, SearchFilters(**filters), limit=50)


def _uncached(
    sessions: sessionmaker[Session], viewer: Principal, query: str, **filters: Any
) -> SearchResult:
    matches.clear_all()
    try:
        return _search(sessions, viewer, query, **filters)
    finally:
        matches.clear_all()


def _edit(sessions: sessionmaker[Session], id: str, title: str, summary: str) -> None:
    with sessions.begin() as session:
        doc = service.get_document(session, id, SYSTEM)
        changed = doc.model_copy(
            update={
                "title": title,
                "sections": [Section(key="summary", heading="Summary", markdown=summary)],
            }
        )
        service.update_document(session, id, changed, SYSTEM, base_version=doc.version)


def test_a_repeated_search_is_not_scored_again(
    sessions: sessionmaker[Session], engine: Engine
) -> None:
    viewer = user(sessions, "viewer")
    for n in range(5):
        add(sessions, f"Kafka consumer lag {n}", summary="kafka lag grew")
    first = _search(sessions, viewer, "kafka")
    assert first.total == 5
    with scoring_statements(engine) as scored:
        again = _search(sessions, viewer, "kafka")
        page_two = _search(sessions, viewer, "kafka", severity=None)
    assert scored == []
    assert again.to_json() == first.to_json() == page_two.to_json()


def test_only_the_documents_changed_since_are_scored_again(
    sessions: sessionmaker[Session], engine: Engine, db_url: str
) -> None:
    viewer = user(sessions, "viewer")
    # (ids are indexed too: these don't contain the word searched for)
    stays = add(sessions, "Consumer lag", summary="kafka lag grew")
    leaves = add(sessions, "Broker disk full", summary="kafka retention")
    joins = add(sessions, "Database failover", summary="replica promoted")
    assert {h.id for h in _search(sessions, viewer, "kafka").hits} == {stays, leaves}

    other = make_engine(db_url)  # another worker process changes two documents
    try:
        other_sessions = make_sessionmaker(other)
        _edit(other_sessions, leaves, "Broker disk full", "retention was too long")
        _edit(other_sessions, joins, "Database failover", "the kafka connector stalled")
    finally:
        other.dispose()

    with scoring_statements(engine) as scored:
        result = _search(sessions, viewer, "kafka")
    assert sorted(h.id for h in result.hits) == sorted([stays, joins])
    assert result.total == 2
    assert len(scored) == 1
    if engine.dialect.name == "postgresql":  # narrowed to the two changed documents
        narrowed = scored[0][1]
        values = set(narrowed.values()) if isinstance(narrowed, dict) else set(narrowed)
        with sessions() as session:
            changed = {service.find_row(session, id, SYSTEM).pk for id in (leaves, joins)}
        assert changed <= values
    # (SQLite's BM25 depends on the other documents: any change scores everything again)
    joined = next(h for h in result.hits if h.id == joins)
    assert "<mark>kafka</mark>" in joined.snippet.lower()  # not the cached snippet of before
    assert result.to_json() == _uncached(sessions, viewer, "kafka").to_json()


def test_cached_searches_agree_with_uncached_ones_through_random_edits(
    sessions: sessionmaker[Session],
) -> None:
    rng = random.Random(3)
    viewer = user(sessions, "viewer", teams=["blue"])
    ids = [
        add(
            sessions,
            " ".join(rng.sample(WORDS, 3)),
            summary=" ".join(rng.choices(WORDS, k=8)),
            severity=rng.choice(list(Severity)),
        )
        for _ in range(16)
    ]
    queries = ["kafka", "database OR cache", "lag NOT quota", "dns"]
    compared = 0
    for _ in range(12):
        for _ in range(rng.randint(0, 3)):
            _edit(
                sessions,
                rng.choice(ids),
                " ".join(rng.sample(WORDS, 2)),
                " ".join(rng.choices(WORDS, k=6)),
            )
        query = rng.choice(queries)
        severity = rng.choice([None, "SEV2"])
        cached = _search(sessions, viewer, query, severity=severity).to_json()
        assert cached == _uncached(sessions, viewer, query, severity=severity).to_json()
        _search(sessions, viewer, query, severity=severity)  # fill the cache again
        compared += cached["total"]
    assert compared > 20


def test_a_document_taken_out_of_the_index_is_no_longer_found(
    sessions: sessionmaker[Session],
) -> None:
    from kintsugi.library.index import remove_document

    viewer = user(sessions, "viewer")
    gone = add(sessions, "Quota exhausted", summary="quota")
    assert _search(sessions, viewer, "quota").total == 1
    with sessions.begin() as session:
        remove_document(session, service.find_row(session, gone, SYSTEM).pk)
    assert _search(sessions, viewer, "quota").total == 0


def test_concurrent_searches_never_wait_for_the_pool_while_holding_the_copy(
    sessions: sessionmaker[Session], db_url: str
) -> None:
    # every thread but one holding a connection while waiting for the copy's lock, and the one
    # holding the lock waiting for a connection: the pool is as small as can be to provoke it
    from concurrent.futures import ThreadPoolExecutor

    viewer = user(sessions, "viewer")
    ids = [add(sessions, f"Kafka lag {n}", summary="kafka lag dns") for n in range(6)]
    small = make_engine(db_url, pool_size=2, max_overflow=0, pool_timeout=10)
    try:
        small_sessions = make_sessionmaker(small)

        def work(n: int) -> int:
            if n % 5 == 0:
                # two threads editing the same document: one is refused, as it should be
                with suppress(ConflictError):
                    _edit(small_sessions, ids[n % len(ids)], f"Kafka lag {n}", "kafka dns")
            return _search(small_sessions, viewer, ["kafka", "dns", "lag"][n % 3]).total

        with ThreadPoolExecutor(max_workers=8) as pool:
            totals = list(pool.map(work, range(40)))
    finally:
        small.dispose()
    assert totals == [6] * 40
