"""Full-text search over the library, with facets and highlighted snippets.

One interface, two engines: SQLite FTS5 (ranked by bm25) and PostgreSQL full-text search
(ranked by ts_rank_cd). Every statement joins through ``visible_to(viewer)``, so results,
totals, facet counts and snippets only ever come from documents the viewer may see.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    union_all,
)
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError
from kintsugi.library.ddl import FTS_TABLE, TEXT_CONFIG
from kintsugi.library.facets import Wanted, count_matches, fresh_columns
from kintsugi.library.matches import cache_for
from kintsugi.library.models import LibraryDocumentRow
from kintsugi.library.query import Node, parse_query, to_fts5, to_tsquery
from kintsugi.library.text import MARK_END, MARK_START, excerpt
from kintsugi.people.principal import Principal
from kintsugi.postmortems.access import visible_to
from kintsugi.postmortems.document import Severity, Status
from kintsugi.postmortems.models import PostmortemRow, ServiceRow, TagRow
from kintsugi.postmortems.service import tags_and_services
from kintsugi.rca.models import CauseCategoryRow

AnySelect = Select[*tuple[Any, ...]]
MAX_LIMIT = 100
FACET_LIMIT = 30
FACETS = ("tag", "service", "severity", "year", "status", "cause")
SNIPPET_TOKENS = 24
TITLE_WEIGHT, SUMMARY_WEIGHT, KEYWORDS_WEIGHT, BODY_WEIGHT = 10.0, 5.0, 5.0, 1.0
"""bm25 column weights on SQLite (PostgreSQL: title and keywords A, summary B, body C)."""


@dataclass(frozen=True)
class SearchFilters:
    """Narrow a search; None means any."""

    tag: str | None = None
    service: str | None = None
    severity: str | None = None
    year: int | None = None
    status: str | None = None
    cause: str | None = None
    """A root-cause category (from the post-mortems' root cause analyses)."""

    def normalised(self) -> SearchFilters:
        """The same filters checked and in stored form (raises InputError on a bad value)."""
        severity = self.severity.strip().upper().replace(" ", "") if self.severity else None
        if severity and severity not in {s.value for s in Severity}:
            allowed = ", ".join(s.value for s in Severity)
            raise InputError(
                f"unknown severity {self.severity!r}; one of {allowed}", field="severity"
            )
        status = self.status.strip().lower().replace(" ", "_") if self.status else None
        if status and status not in {s.value for s in Status}:
            allowed = ", ".join(s.value for s in Status)
            raise InputError(f"unknown status {self.status!r}; one of {allowed}", field="status")
        if self.year is not None and not 1900 <= self.year <= 2999:
            raise InputError(f"{self.year} is not a year", field="year")
        return SearchFilters(
            tag=(self.tag or "").strip() or None,
            service=(self.service or "").strip() or None,
            severity=severity,
            year=self.year,
            status=status,
            cause=(self.cause or "").strip().lower() or None,
        )

    def to_json(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in FACETS if getattr(self, k) is not None}


@dataclass(frozen=True)
class Hit:
    """One post-mortem found."""

    id: str
    title: str
    severity: str | None
    status: str
    kind: str
    date: date | None
    tags: list[str]
    services: list[str]
    snippet: str
    """HTML: the text escaped, matched words in ``<mark>``."""
    score: float | None

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "status": self.status,
            "kind": self.kind,
            "date": self.date.isoformat() if self.date else None,
            "tags": self.tags,
            "services": self.services,
            "snippet": self.snippet,
            "score": self.score,
        }


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int

    def to_json(self) -> dict[str, object]:
        return {"value": self.value, "count": self.count}


@dataclass
class SearchResult:
    """A page of hits, how many there are in all, and the facets of all of them."""

    query: str
    filters: SearchFilters
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    limit: int = 20
    offset: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "filters": self.filters.to_json(),
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
            "facets": {k: [c.to_json() for c in v] for k, v in self.facets.items()},
            "results": [h.to_json() for h in self.hits],
        }


def search(
    session: Session,
    viewer: Principal,
    query: str = "",
    filters: SearchFilters = SearchFilters(),
    *,
    limit: int = 20,
    offset: int = 0,
    facets: bool = True,
) -> SearchResult:
    """Search the post-mortems ``viewer`` may see; a blank query lists them, newest first."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    if offset < 0:
        raise InputError("offset must not be negative", field="offset")
    filters = filters.normalised()
    node = parse_query(query)
    engine = _engine_for(session, node)
    conditions = [visible_to(viewer), *_filter_conditions(filters)]

    counts: dict[str, list[FacetCount]] = {}
    if node is not None and facets:
        # rank and count in one pass over the matches (see kintsugi.library.facets)
        # the filters narrow the matches in SQL, so that only those are scored (as the engine
        # would); visibility and the facet counts are then done in memory
        columns = fresh_columns(session)
        conditions = _filter_conditions(filters)

        def match(only: frozenset[int] | None) -> Sequence[tuple[int, float]]:
            narrowed = conditions if only is None else [*conditions, PostmortemRow.pk.in_(only)]
            return engine.every_match(session, narrowed)

        key = (type(engine).__name__, node, filters)
        cache = cache_for(columns)
        matched, scores = cache.matches(columns, key, match, partial=engine.scores_alone)
        counted = count_matches(
            session, viewer, columns, matched, scores, Wanted(), limit=limit, offset=offset
        )
        pks = [pk for pk, _ in counted.page]
        snippets = cache.snippets(key, pks, lambda missing: engine.snippets(session, missing))
        hits = _hits(session, counted.page, snippets, viewer)
        return SearchResult(
            query=query,
            filters=filters,
            total=counted.total,
            hits=hits,
            facets=_ordered_facets(counted.facets),
            limit=limit,
            offset=offset,
        )

    ranked = (
        engine.scored(conditions).order_by(literal_column("score").desc(), PostmortemRow.pk.desc())
        if node is not None
        else _browse(conditions)
    )
    page = [(int(r[0]), r[1]) for r in session.execute(ranked.limit(limit).offset(offset))]
    pks = [pk for pk, _ in page]
    snippets = engine.snippets(session, pks) if node is not None else _summaries(session, pks)
    hits = _hits(session, page, snippets)

    if facets:
        counts = _facets(session, engine, conditions)
        total = sum(c.count for c in counts["severity"])
    elif len(page) < limit and (page or offset == 0):
        total = offset + len(page)
    else:
        total = _count(session, engine, conditions)
    return SearchResult(
        query=query,
        filters=filters,
        total=total,
        hits=hits,
        facets=counts,
        limit=limit,
        offset=offset,
    )


def render_snippet(raw: str) -> str:
    """Engine snippet text to HTML: everything escaped except the highlight marks."""
    text = " ".join(raw.split())
    escaped = html.escape(text, quote=False)
    opened = escaped.count(MARK_START) - escaped.count(MARK_END)
    escaped = escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return escaped + "</mark>" * max(opened, 0)


# ----------------------------------------------------------------------------- engines


class _Engine(Protocol):
    scores_alone: bool
    """Whether a document's score depends on that document alone (not on the others)."""

    def match(self) -> ColumnElement[bool]: ...

    def scored(self, conditions: list[ColumnElement[bool]]) -> AnySelect: ...

    def join(self, query: AnySelect) -> AnySelect: ...

    def snippets(self, session: Session, pks: list[int]) -> dict[int, str]: ...

    def every_match(
        self, session: Session, conditions: list[ColumnElement[bool]]
    ) -> Sequence[tuple[int, float]]: ...


def _engine_for(session: Session, node: Node | None) -> _Engine:
    if node is None:
        return _NoMatch()
    if session.get_bind().dialect.name == "sqlite":
        return _Fts5(node)
    return _Postgres(node)


class _NoMatch:
    """Browsing: every indexed document."""

    scores_alone = True

    def match(self) -> ColumnElement[bool]:
        return literal_column("1") == literal_column("1")

    def scored(self, conditions: list[ColumnElement[bool]]) -> AnySelect:  # pragma: no cover
        raise AssertionError("browsing is not ranked")

    def join(self, query: AnySelect) -> AnySelect:
        return query

    def snippets(self, session: Session, pks: list[int]) -> dict[int, str]:  # pragma: no cover
        return _summaries(session, pks)

    def every_match(  # pragma: no cover
        self, session: Session, conditions: list[ColumnElement[bool]]
    ) -> Sequence[tuple[int, float]]:
        raise AssertionError("browsing is not ranked")


_FTS5 = table(FTS_TABLE, column("rowid", Integer))
_FTS5_NAME: ColumnElement[Any] = literal_column(FTS_TABLE)


class _Fts5:
    scores_alone = False  # BM25 weighs each word by how many documents have it

    def __init__(self, node: Node) -> None:
        self.expression = to_fts5(node)

    def match(self) -> ColumnElement[bool]:
        return _FTS5_NAME.op("MATCH")(bindparam(None, self.expression, unique=True))

    def join(self, query: AnySelect) -> AnySelect:
        return query.join(_FTS5, _FTS5.c.rowid == PostmortemRow.pk).where(self.match())

    def _score(self) -> ColumnElement[float]:
        return -func.bm25(_FTS5_NAME, TITLE_WEIGHT, SUMMARY_WEIGHT, KEYWORDS_WEIGHT, BODY_WEIGHT)

    def every_match(
        self, session: Session, conditions: list[ColumnElement[bool]]
    ) -> Sequence[tuple[int, float]]:
        query = select(_FTS5.c.rowid, self._score()).select_from(_FTS5)
        if conditions:
            query = query.join(PostmortemRow, PostmortemRow.pk == _FTS5.c.rowid)
        return _pairs(session, query.where(self.match(), *conditions))

    def scored(self, conditions: list[ColumnElement[bool]]) -> AnySelect:
        score = self._score()
        query = select(PostmortemRow.pk, score.label("score")).select_from(_FTS5)
        query = query.join(PostmortemRow, PostmortemRow.pk == _FTS5.c.rowid)
        return query.where(self.match(), *conditions)

    def snippets(self, session: Session, pks: list[int]) -> dict[int, str]:
        if not pks:
            return {}

        def snippet(column_index: int) -> ColumnElement[str]:
            return func.snippet(_FTS5_NAME, column_index, MARK_START, MARK_END, "…", SNIPPET_TOKENS)

        rows = session.execute(
            select(_FTS5.c.rowid, snippet(3), snippet(1), snippet(0))
            .select_from(_FTS5)
            .where(self.match(), _FTS5.c.rowid.in_(pks))
        )
        return {int(r[0]): _best_snippet(r[1], r[2], r[3]) for r in rows}


_TSV = table(FTS_TABLE, column("postmortem_pk", Integer), column("document"))
_HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=15, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


class _Postgres:
    scores_alone = True  # ts_rank_cd reads the one document only

    def __init__(self, node: Node) -> None:
        self.node = node

    def tsquery(self) -> ColumnElement[Any]:
        return to_tsquery(self.node, TEXT_CONFIG)

    def match(self) -> ColumnElement[bool]:
        return _TSV.c.document.op("@@")(self.tsquery())

    def join(self, query: AnySelect) -> AnySelect:
        return query.join(_TSV, _TSV.c.postmortem_pk == PostmortemRow.pk).where(self.match())

    def every_match(
        self, session: Session, conditions: list[ColumnElement[bool]]
    ) -> Sequence[tuple[int, float]]:
        score = func.ts_rank_cd(_TSV.c.document, self.tsquery(), 1)
        query = select(_TSV.c.postmortem_pk, score).select_from(_TSV)
        if conditions:
            query = query.join(PostmortemRow, PostmortemRow.pk == _TSV.c.postmortem_pk)
        return _pairs(session, query.where(self.match(), *conditions))

    def scored(self, conditions: list[ColumnElement[bool]]) -> AnySelect:
        score = func.ts_rank_cd(_TSV.c.document, self.tsquery(), 1)
        query = select(PostmortemRow.pk, score.label("score")).select_from(_TSV)
        query = query.join(PostmortemRow, PostmortemRow.pk == _TSV.c.postmortem_pk)
        return query.where(self.match(), *conditions)

    def snippets(self, session: Session, pks: list[int]) -> dict[int, str]:
        if not pks:
            return {}
        config: ColumnElement[Any] = literal_column(f"'{TEXT_CONFIG}'::regconfig")

        def headline(text: Any) -> ColumnElement[str]:
            return func.ts_headline(config, text, self.tsquery(), _HEADLINE_OPTIONS)

        rows = session.execute(
            select(
                LibraryDocumentRow.postmortem_pk,
                headline(LibraryDocumentRow.body),
                headline(LibraryDocumentRow.summary),
                headline(LibraryDocumentRow.title),
            ).where(LibraryDocumentRow.postmortem_pk.in_(pks))
        )
        return {int(r[0]): _best_snippet(r[1], r[2], r[3]) for r in rows}


def _pairs(session: Session, query: AnySelect) -> Sequence[tuple[int, float]]:
    """Every (pk, score) row of ``query``, straight from the driver (tens of thousands)."""
    result = session.connection().execute(query)  # Core: the driver's cursor, no ORM rows
    rows: Sequence[tuple[int, float]] = result.cursor.fetchall()
    result.close()
    return rows


def _best_snippet(*candidates: str | None) -> str:
    """The first snippet with a highlighted match, else the first that has text."""
    texts = [c for c in candidates if c and c.strip()]
    for text in texts:
        if MARK_START in text:
            return render_snippet(text)
    return render_snippet(texts[0]) if texts else ""


# ----------------------------------------------------------------------------- shared parts


def _filter_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.severity:
        conditions.append(PostmortemRow.severity == filters.severity)
    if filters.status:
        conditions.append(PostmortemRow.status == filters.status)
    if filters.tag:
        conditions.append(
            PostmortemRow.pk.in_(select(TagRow.postmortem_pk).where(TagRow.tag == filters.tag))
        )
    if filters.service:
        conditions.append(
            PostmortemRow.pk.in_(
                select(ServiceRow.postmortem_pk).where(ServiceRow.service == filters.service)
            )
        )
    if filters.cause:
        conditions.append(
            PostmortemRow.pk.in_(
                select(CauseCategoryRow.postmortem_pk).where(
                    CauseCategoryRow.category == filters.cause
                )
            )
        )
    if filters.year is not None:
        conditions.append(
            PostmortemRow.pk.in_(
                select(LibraryDocumentRow.postmortem_pk).where(
                    LibraryDocumentRow.year == filters.year
                )
            )
        )
    return conditions


def _browse(conditions: list[ColumnElement[bool]]) -> AnySelect:
    query: AnySelect = select(PostmortemRow.pk, literal_column("NULL").label("score")).join(
        LibraryDocumentRow, LibraryDocumentRow.postmortem_pk == PostmortemRow.pk
    )
    return query.where(*conditions).order_by(
        PostmortemRow.started_at.desc().nulls_last(),
        PostmortemRow.created_at.desc(),
        PostmortemRow.pk.desc(),
    )


def _summaries(session: Session, pks: list[int]) -> dict[int, str]:
    if not pks:
        return {}
    rows = session.execute(
        select(
            LibraryDocumentRow.postmortem_pk,
            LibraryDocumentRow.summary,
            func.substr(LibraryDocumentRow.body, 1, 600),
        ).where(LibraryDocumentRow.postmortem_pk.in_(pks))
    )
    return {int(r[0]): html.escape(excerpt(r[1] or r[2] or ""), quote=False) for r in rows}


def _hits(
    session: Session,
    page: list[tuple[int, Any]],
    snippets: dict[int, str],
    viewer: Principal | None = None,
) -> list[Hit]:
    """The hits of a page; with ``viewer``, only those ``visible_to`` them (checked in SQL)."""
    pks = [pk for pk, _ in page]
    if not pks:
        return []
    statement = select(
        PostmortemRow.pk,
        PostmortemRow.id,
        PostmortemRow.title,
        PostmortemRow.severity,
        PostmortemRow.status,
        PostmortemRow.kind,
        PostmortemRow.started_at,
    ).where(PostmortemRow.pk.in_(pks))
    if viewer is not None:
        statement = statement.where(visible_to(viewer))
    rows = {int(r.pk): r for r in session.execute(statement)}
    page = [(pk, score) for pk, score in page if pk in rows]
    tags, services = tags_and_services(session, pks)
    hits = []
    for pk, score in page:
        row = rows[pk]
        hits.append(
            Hit(
                id=row.id,
                title=row.title,
                severity=row.severity,
                status=row.status,
                kind=row.kind,
                date=row.started_at.date() if row.started_at else None,
                tags=tags.get(pk, []),
                services=services.get(pk, []),
                snippet=snippets.get(pk, ""),
                score=float(f"{float(score):.4g}") if score is not None else None,
            )
        )
    return hits


_STATUS_ORDER = {s.value: i for i, s in enumerate(Status)}


def _facets(
    session: Session, engine: _Engine, conditions: list[ColumnElement[bool]]
) -> dict[str, list[FacetCount]]:
    """Counts per value of each facet over every matching document the viewer may see.

    One statement: the matches are found once (a CTE) and grouped five ways.
    """
    columns = select(
        PostmortemRow.pk.label("pk"),
        PostmortemRow.severity.label("severity"),
        PostmortemRow.status.label("status"),
        _year_of(session).label("year"),
    ).select_from(PostmortemRow)
    if isinstance(engine, _NoMatch):  # browsing: only what is indexed
        columns = columns.join(
            LibraryDocumentRow, LibraryDocumentRow.postmortem_pk == PostmortemRow.pk
        )
    hits = engine.join(columns).where(*conditions).cte("hits")
    n = func.count()
    tag_key = TagRow.tag.concat(literal_column("''"))
    service_key = ServiceRow.service.concat(literal_column("''"))
    cause_key = CauseCategoryRow.category.concat(literal_column("''"))
    parts = [
        select(literal("severity"), cast(hits.c.severity, String), n).group_by(hits.c.severity),
        select(literal("status"), cast(hits.c.status, String), n).group_by(hits.c.status),
        select(literal("year"), cast(hits.c.year, String), n).group_by(hits.c.year),
        # grouping by an expression, not the column, keeps SQLite from scanning every tag
        # through its index to save a sort: it walks the matches and looks their tags up
        select(literal("tag"), tag_key, n)
        .select_from(hits)
        .join(TagRow, TagRow.postmortem_pk == hits.c.pk)
        .group_by(tag_key),
        select(literal("service"), service_key, n)
        .select_from(hits)
        .join(ServiceRow, ServiceRow.postmortem_pk == hits.c.pk)
        .group_by(service_key),
        select(literal("cause"), cause_key, n)
        .select_from(hits)
        .join(CauseCategoryRow, CauseCategoryRow.postmortem_pk == hits.c.pk)
        .group_by(cause_key),
    ]
    counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for facet, value, count in session.execute(union_all(*parts)):
        if facet == "severity":
            value = value or "none"
        if value is not None:
            counts[facet][value] = int(count)
    return _ordered_facets(counts)


def _ordered_facets(counts: dict[str, dict[str, int]]) -> dict[str, list[FacetCount]]:
    """Facet counts in the order people read them: the commonest tags, severities in order."""

    def top(values: dict[str, int]) -> list[FacetCount]:
        ranked = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_LIMIT]
        return [FacetCount(k, v) for k, v in ranked]

    return {
        "tag": top(counts["tag"]),
        "service": top(counts["service"]),
        "cause": top(counts["cause"]),
        "severity": [FacetCount(k, v) for k, v in sorted(counts["severity"].items())],
        "year": [FacetCount(k, v) for k, v in sorted(counts["year"].items(), reverse=True)],
        "status": [
            FacetCount(k, v)
            for k, v in sorted(
                counts["status"].items(), key=lambda kv: _STATUS_ORDER.get(kv[0], 99)
            )
        ],
    }


def _year_of(session: Session) -> ColumnElement[Any]:
    """The year of a post-mortem (started, else created; UTC) as text, from its own row.

    The same value as ``library_documents.year``, without reading that table's wide rows.
    """
    when = func.coalesce(PostmortemRow.started_at, PostmortemRow.created_at)
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(when, 1, 4)  # stored as 'YYYY-MM-DD HH:MM:SS' in UTC
    utc = func.timezone("UTC", when)
    return cast(cast(func.extract("year", utc), Integer), String)


def _count(session: Session, engine: _Engine, conditions: list[ColumnElement[bool]]) -> int:
    query = engine.join(
        select(func.count())
        .select_from(PostmortemRow)
        .join(LibraryDocumentRow, LibraryDocumentRow.postmortem_pk == PostmortemRow.pk)
    )
    return int(session.scalar(query.where(*conditions)) or 0)


def ranked_pks(
    session: Session,
    viewer: Principal,
    node: Node,
    *,
    conditions: list[ColumnElement[bool]] | None = None,
    limit: int = 10,
) -> list[tuple[int, float]]:
    """(post-mortem pk, relevance) of the best matches of ``node`` the viewer may see."""
    engine = _engine_for(session, node)
    query = (
        engine.scored([visible_to(viewer), *(conditions or [])])
        .order_by(literal_column("score").desc(), PostmortemRow.pk.desc())
        .limit(limit)
    )
    return [(int(pk), float(score)) for pk, score in session.execute(query)]


def recently_added(session: Session, viewer: Principal, limit: int = 8) -> list[Hit]:
    """The post-mortems most recently added to the library, newest first."""
    query: AnySelect = (
        select(PostmortemRow.pk, literal_column("NULL").label("score"))
        .join(LibraryDocumentRow, LibraryDocumentRow.postmortem_pk == PostmortemRow.pk)
        .where(visible_to(viewer))
        .order_by(PostmortemRow.created_at.desc(), PostmortemRow.pk.desc())
        .limit(limit)
    )
    page = [(int(r[0]), None) for r in session.execute(query)]
    pks = [pk for pk, _ in page]
    return _hits(session, page, _summaries(session, pks))
