"""The full-text engines behind one interface: SQLite FTS5 and PostgreSQL full-text search.

Each engine turns a parsed query into one statement that gives every matching post-mortem
with its score (SQLite: bm25; PostgreSQL: ts_rank_cd), narrowed in the same statement by the
conditions the caller passes: visibility (``postmortems.access.visible_to``) and the filters.
The full-text index drives that statement: the engine finds the matches, and each match is
then looked up by primary key in ``postmortems`` to check the conditions. So a search costs
what the engine's own statement costs, whichever filters are set; and the score, the costly
part, is only computed for the matches that pass them.

On SQLite the order is forced with ``CROSS JOIN``: without the planner's statistics (a library
that was never ANALYZEd) SQLite otherwise starts from the index of a filter column and asks
FTS5 about each of its rows, one MATCH per row (33 s for a common word on 100,000 documents).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import FromClause, Join

from kintsugi.core.db import local_settings
from kintsugi.library.ddl import FTS_TABLE, TEXT_CONFIG
from kintsugi.library.fts5_terms import has_long_prefix, snippet_expression
from kintsugi.library.models import LibraryDocumentRow
from kintsugi.library.query import Node, to_fts5, to_tsquery
from kintsugi.library.text import MARK_END, MARK_START
from kintsugi.postmortems.columns import POSTMORTEM

AnySelect = Select[*tuple[Any, ...]]
SNIPPET_TOKENS = 24
TITLE_WEIGHT, SUMMARY_WEIGHT, KEYWORDS_WEIGHT, BODY_WEIGHT = 10.0, 5.0, 5.0, 1.0
"""bm25 column weights on SQLite (PostgreSQL: title and keywords A, summary B, body C)."""


class Engine(Protocol):
    scores_alone: bool
    """Whether a document's score depends on that document alone (not on the others)."""

    def every_match(
        self,
        session: Session,
        conditions: Sequence[ColumnElement[bool]],
        only: frozenset[int] | None = None,
    ) -> Sequence[tuple[int, float]]:
        """(pk, score) of every match that meets ``conditions`` (and is in ``only``)."""
        ...

    def best(self, conditions: Sequence[ColumnElement[bool]], limit: int) -> AnySelect:
        """The statement of the ``limit`` best (pk, score) that meet ``conditions``."""
        ...

    def snippets(self, session: Session, pks: list[int]) -> dict[int, str]:
        """Raw highlighted snippets (title, summary or body) of ``pks``."""
        ...


def engine_for(session: Session, node: Node) -> Engine:
    """The engine of the session's database for the query ``node``."""
    if session.get_bind().dialect.name == "sqlite":
        return Fts5(node)
    return Postgres(node)


class _IndexFirst(Join):
    """An inner join whose left side (the full-text index) the planner must read first."""

    inherit_cache = True


@compiles(_IndexFirst, "sqlite")
def _cross_join(join: _IndexFirst, compiler: SQLCompiler, **kw: Any) -> str:
    # "a JOIN b ON ..." as SQLite's "a CROSS JOIN b ON ...": the same inner join, with the
    # order of the loops fixed (the left side is a plain table name, so the first JOIN is it)
    compiled: str = compiler.visit_join(join, **kw)  # type: ignore[no-untyped-call]
    return compiled.replace(" JOIN ", " CROSS JOIN ", 1)


@compiles(_IndexFirst)
def _plain_join(join: _IndexFirst, compiler: SQLCompiler, **kw: Any) -> str:
    compiled: str = compiler.visit_join(join, **kw)  # type: ignore[no-untyped-call]
    return compiled


def _index_first(index: FromClause, key: ColumnElement[int]) -> _IndexFirst:
    return _IndexFirst(index, POSTMORTEM.table, POSTMORTEM.pk == key)


def _pairs(session: Session, query: AnySelect) -> Sequence[tuple[int, float]]:
    """Every (pk, score) row of ``query``, straight from the driver (tens of thousands)."""
    result = session.connection().execute(query)  # Core: the driver's cursor, no ORM rows
    rows: Sequence[tuple[int, float]] = result.cursor.fetchall()
    result.close()
    return rows


def _narrowed(
    query: AnySelect, conditions: Sequence[ColumnElement[bool]], only: frozenset[int] | None
) -> AnySelect:
    query = query.where(*conditions)
    if only is not None:
        query = query.where(POSTMORTEM.pk.in_(sorted(only)))
    return query


# ----------------------------------------------------------------------------- SQLite


_FTS5 = table(FTS_TABLE, column("rowid", Integer))
_FTS5_NAME: ColumnElement[Any] = literal_column(FTS_TABLE)


class _Scored:
    """What both engines do once their statement scores the matches (``_scored``)."""

    def _scored(self, conditions: Sequence[ColumnElement[bool]]) -> AnySelect:
        raise NotImplementedError

    def every_match(
        self,
        session: Session,
        conditions: Sequence[ColumnElement[bool]],
        only: frozenset[int] | None = None,
    ) -> Sequence[tuple[int, float]]:
        return _pairs(session, _narrowed(self._scored(conditions), (), only))

    def best(self, conditions: Sequence[ColumnElement[bool]], limit: int) -> AnySelect:
        ordered = self._scored(conditions).order_by(
            literal_column("score").desc(), POSTMORTEM.pk.desc()
        )
        return ordered.limit(limit)


class Fts5(_Scored):
    scores_alone = False  # BM25 weighs each word by how many documents have it

    def __init__(self, node: Node) -> None:
        self.node = node
        self.expression = to_fts5(node)
        self.long_prefix = has_long_prefix(node)

    def _match(self, expression: str | None = None) -> ColumnElement[bool]:
        given = expression or self.expression
        return _FTS5_NAME.op("MATCH")(bindparam(None, given, unique=True))

    def _scored(self, conditions: Sequence[ColumnElement[bool]]) -> AnySelect:
        score = -func.bm25(_FTS5_NAME, TITLE_WEIGHT, SUMMARY_WEIGHT, KEYWORDS_WEIGHT, BODY_WEIGHT)
        query = select(POSTMORTEM.pk, score.label("score"))
        query = query.select_from(_index_first(_FTS5, _FTS5.c.rowid))
        return query.where(self._match(), *conditions)

    def snippets(self, session: Session, pks: list[int]) -> dict[int, str]:
        if not pks:
            return {}
        if not self.long_prefix:
            return self._snippets(session, pks, self.expression, by_rowid=True)
        # FTS5 would merge the doclists of every word with that prefix once per pk asked
        # for: the words the prefix stands for instead (library.fts5_terms), and for a row
        # those miss, one pass over the matches with the pks picked out by SQLite
        found: dict[int, str] = {}
        spelled_out = snippet_expression(session, self.node)
        if spelled_out is not None:
            found = self._snippets(session, pks, spelled_out, by_rowid=True)
        missing = [pk for pk in pks if pk not in found]
        if missing:
            found |= self._snippets(session, missing, self.expression, by_rowid=False)
        return found

    def _snippets(
        self, session: Session, pks: list[int], expression: str, *, by_rowid: bool
    ) -> dict[int, str]:
        def snippet(column_index: int) -> ColumnElement[str]:
            return func.snippet(_FTS5_NAME, column_index, MARK_START, MARK_END, "…", SNIPPET_TOKENS)

        rowid: ColumnElement[int] = _FTS5.c.rowid if by_rowid else _FTS5.c.rowid + 0
        rows = session.execute(
            select(_FTS5.c.rowid, snippet(3), snippet(1), snippet(0))
            .select_from(_FTS5)
            .where(self._match(expression), rowid.in_(pks))
        )
        return {int(r[0]): _best_snippet(r[1], r[2], r[3]) for r in rows}


# ----------------------------------------------------------------------------- PostgreSQL


_TSV = table(FTS_TABLE, column("postmortem_pk", Integer), column("document"))
SNIPPET_BODY_START = 4000
"""Characters of a body a PostgreSQL snippet is looked for in before the summary and title."""
_HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=15, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


_SCORING_SETTINGS = {
    "parallel_tuple_cost": "0.01",
    "parallel_setup_cost": "100",
    "jit": "off",
    "plan_cache_mode": "force_custom_plan",
}


class Postgres(_Scored):
    scores_alone = True  # ts_rank_cd reads the one document only

    def __init__(self, node: Node) -> None:
        self.node = node

    def _tsquery(self) -> ColumnElement[Any]:
        return to_tsquery(self.node, TEXT_CONFIG)

    def every_match(
        self,
        session: Session,
        conditions: Sequence[ColumnElement[bool]],
        only: frozenset[int] | None = None,
    ) -> Sequence[tuple[int, float]]:
        # Scoring is most of the cost (ts_rank_cd reads each match's tsvector), and the
        # planner keeps it on one core: it prices the hand-over of every match from the
        # parallel workers (parallel_tuple_cost, 0.1 a row) as if it cost more than the
        # scoring. A tenth of that lets the scan, the join and the scores run in the workers
        # (1.7x faster for a word in most of 1,000,000 documents on 2 cores). It counts
        # the scoring at one operator's cost, so starting the workers (parallel_setup_cost,
        # 1000) looked dearer than the CPU they save on 100,000 documents: a tenth of that
        # too (a third off a word in most of them). JIT compiling
        # the statement costs more than it saves here. And the plan is made for each query:
        # the driver prepares a statement run five times, and PostgreSQL would then reuse a
        # generic plan, one for every tsquery, which cannot tell a word in most documents
        # (read the table, in parallel) from a rare one (the GIN index): it doubled the p95
        # of the benchmark's queries at 100,000. All three for this transaction only.
        with local_settings(session, _SCORING_SETTINGS):
            return super().every_match(session, conditions, only)

    def _scored(self, conditions: Sequence[ColumnElement[bool]]) -> AnySelect:
        tsquery = self._tsquery()
        score = func.ts_rank_cd(_TSV.c.document, tsquery, 1)
        query = select(POSTMORTEM.pk, score.label("score"))
        query = query.select_from(_index_first(_TSV, _TSV.c.postmortem_pk))
        return query.where(_TSV.c.document.op("@@")(tsquery), *conditions)

    def snippets(self, session: Session, pks: list[int]) -> dict[int, str]:
        # ts_headline parses the whole text it is given, about 0.3 µs a character: 13 ms for
        # a 45,000-character body, so 20 long hits cost a quarter of a second. So the start
        # of each body is asked first; the summary and title only for the hits whose start
        # has no match, and the rest of the body only for those that have none at all
        doc = LibraryDocumentRow
        found = self._headlines(session, pks, func.left(doc.body, SNIPPET_BODY_START))
        rest = func.substr(doc.body, SNIPPET_BODY_START - 100)  # the word cut above, whole
        for texts in ((doc.summary, doc.title), (rest,)):
            wanted = [pk for pk in found if not _marked(found[pk])]
            for pk, more in self._headlines(session, wanted, *texts).items():
                found[pk] += more
        return {pk: _best_snippet(*texts) for pk, texts in found.items()}

    def _headlines(
        self,
        session: Session,
        pks: list[int],
        *texts: ColumnElement[str] | InstrumentedAttribute[str],
    ) -> dict[int, tuple[str | None, ...]]:
        """The highlighted passages of ``texts`` for each of ``pks``."""
        if not pks:
            return {}
        config: ColumnElement[Any] = literal_column(f"'{TEXT_CONFIG}'::regconfig")
        tsquery = self._tsquery()
        headlines = [func.ts_headline(config, text, tsquery, _HEADLINE_OPTIONS) for text in texts]
        query = select(LibraryDocumentRow.postmortem_pk, *headlines).where(
            LibraryDocumentRow.postmortem_pk.in_(pks)
        )
        return {int(row[0]): tuple(row[1:]) for row in session.execute(query)}


def _marked(texts: Sequence[str | None]) -> bool:
    """Whether one of ``texts`` has a highlighted match."""
    return any(text and MARK_START in text for text in texts)


# ----------------------------------------------------------------------------- snippets


def render_snippet(raw: str) -> str:
    """Engine snippet text to HTML: everything escaped except the highlight marks."""
    text = " ".join(raw.split())
    escaped = html.escape(text, quote=False)
    opened = escaped.count(MARK_START) - escaped.count(MARK_END)
    escaped = escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return escaped + "</mark>" * max(opened, 0)


def _best_snippet(*candidates: str | None) -> str:
    """The first snippet with a highlighted match, else the first that has text."""
    texts = [c for c in candidates if c and c.strip()]
    for candidate in texts:
        if MARK_START in candidate:
            return render_snippet(candidate)
    return render_snippet(texts[0]) if texts else ""
