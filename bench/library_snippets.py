"""Snippets of a page of long post-mortems on PostgreSQL.

``ts_headline`` parses all the text it is given, so a snippet's cost grows with the body. The
row makes 200 documents of a generated library 15 times as long (about 45,000 characters, a
post-mortem with a long timeline), ranks them for distinct words, and times the snippets of
each page of 20 (``Postgres.snippets``: the start of each body first). Anchor: the same pages
with every text given whole, as one statement (title, summary and body of each hit).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from sqlalchemy import ColumnElement, create_engine, func, literal_column, select, text
from sqlalchemy.orm import Session

from bench.library_search import row
from kintsugi.library import engines
from kintsugi.library.ddl import TEXT_CONFIG
from kintsugi.library.models import LibraryDocumentRow
from kintsugi.library.query import parse_query
from kintsugi.postmortems.columns import POSTMORTEM

LONG_DOCUMENTS = 200
REPEAT = 15
WORDS = [
    "database", "certificate", "rollback", "kafka", "timeout", "cache", "memory", "latency",
    "deploy", "disk", "replica", "queue", "network", "alert", "config", "restart",
]  # fmt: skip


def long_snippets_row(url: str) -> dict[str, Any]:
    """The row, on the PostgreSQL library at ``url`` (its bodies are changed: a run's copy)."""
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            pks = list(
                session.scalars(
                    select(LibraryDocumentRow.postmortem_pk)
                    .order_by(LibraryDocumentRow.postmortem_pk)
                    .limit(LONG_DOCUMENTS)
                )
            )
            session.execute(
                text("UPDATE library_documents SET body = repeat(body || E'\\n\\n', :n)"
                     " WHERE postmortem_pk = ANY(:pks)"),
                {"n": REPEAT, "pks": pks},
            )  # fmt: skip
        staged: list[float] = []
        whole: list[float] = []
        with Session(engine) as session:
            for word in WORDS:
                node = parse_query(word)
                assert node is not None
                searched = engines.Postgres(node)
                page = [
                    pk for pk, _ in session.execute(searched.best([POSTMORTEM.pk.in_(pks)], 20))
                ]
                if not page:
                    continue
                started = time.perf_counter()
                searched.snippets(session, page)
                staged.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                _whole_texts(session, searched, page)
                whole.append((time.perf_counter() - started) * 1000)
    finally:
        engine.dispose()
    return row(
        f"PostgreSQL: snippets of a page of 20 long post-mortems (~45,000 characters), p50 over "
        f"{len(staged)} words",
        statistics.median(staged),
        "ms",
        "every text whole",
        statistics.median(whole),
        "",
    )


def _whole_texts(session: Session, searched: engines.Postgres, pks: list[int]) -> None:
    """The anchor: the headline of each hit's body, summary and title, every text whole."""
    config: ColumnElement[Any] = literal_column(f"'{TEXT_CONFIG}'::regconfig")
    tsquery = searched._tsquery()
    doc = LibraryDocumentRow
    headlines = [
        func.ts_headline(config, column, tsquery, engines._HEADLINE_OPTIONS)
        for column in (doc.body, doc.summary, doc.title)
    ]
    session.execute(select(doc.postmortem_pk, *headlines).where(doc.postmortem_pk.in_(pks))).all()
