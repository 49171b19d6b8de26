"""Snippets of long prefixes on SQLite: the words a prefix stands for, read from the index's
vocabulary, give the snippets the slow pass gives, without merging doclists per row."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.db import make_sessionmaker
from kintsugi.library.engines import Fts5
from kintsugi.library.fts5_terms import MAX_WORDS, snippet_expression
from kintsugi.library.query import parse_query
from kintsugi.library.search import search
from kintsugi.people.principal import SYSTEM
from tests.library.helpers import add

SUMMARIES = [
    "The process stalled while the procedure ran.",
    "A problem with processing, then a procedural fix.",
    "Nothing about it here but a problem.",
    "Processes were restarted by hand.",
]


def _stored(sessions: sessionmaker[Session]) -> None:
    for n, summary in enumerate(SUMMARIES):
        add(sessions, f"Incident {n}", summary=summary)


@pytest.mark.parametrize(
    "query", ["proce*", "proces*", "proce* NOT hand", "problem OR procedu*", "hand OR proce*"]
)
def test_spelled_out_prefixes_give_the_slow_pass_snippets(
    sqlite_engine: Engine, query: str
) -> None:
    sessions = make_sessionmaker(sqlite_engine)
    _stored(sessions)
    node = parse_query(query)
    assert node is not None
    engine = Fts5(node)
    with sessions() as session:
        pks = [int(pk) for pk, _ in engine.every_match(session, [])]
        assert pks, query
        spelled_out = snippet_expression(session, node)
        assert spelled_out is not None and "*" not in spelled_out, spelled_out
        fast = engine._snippets(session, pks, spelled_out, by_rowid=True)
        slow = engine._snippets(session, pks, engine.expression, by_rowid=False)
        assert fast == slow, query
        assert engine.snippets(session, pks) == slow
        assert all("<mark>" in snippet for snippet in slow.values())
        if "problem" not in query:  # a word that shares the indexed 3 letters only
            assert "<mark>problem" not in "".join(fast.values()), fast


def test_a_prefix_of_many_words_or_in_a_phrase_takes_the_slow_pass(
    sqlite_engine: Engine,
) -> None:
    sessions = make_sessionmaker(sqlite_engine)
    words = " ".join(f"alpha{n:03d}" for n in range(MAX_WORDS + 1))
    add(sessions, "Many words", summary=words)
    _stored(sessions)
    with sessions() as session:
        for query in ("alpha*", '"the proce"*'):
            node = parse_query(query)
            assert node is not None
            assert snippet_expression(session, node) is None, query
        statements: list[str] = []
        event.listen(sqlite_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        hits = search(session, SYSTEM, "alpha*").hits
        assert hits and "<mark>alpha000</mark>" in hits[0].snippet
        assert any("rowid + ?" in s for s in statements), statements


def test_a_long_prefix_search_through_the_api_reads_only(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    """The API's sessions refuse writes: the vocabulary lives in the connection's temp schema
    and the prefix is tokenized in the process's own in-memory database."""
    _stored(app_sessions)
    for _ in range(2):  # the second time, the connection already has the vocabulary table
        response = client.get("/api/v1/search", params={"q": "proce*"})
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert len(results) == 3
        assert all("<mark>proce" in hit["snippet"].lower() for hit in results), results
