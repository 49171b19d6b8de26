"""Full-text search over the library, with facets and highlighted snippets.

One interface, two engines (``kintsugi.library.engines``): SQLite FTS5 (ranked by bm25) and
PostgreSQL full-text search (ranked by ts_rank_cd). Who may see what is decided in SQL by
``postmortems.access.visible_to``, in the same statement that finds the matches and applies
the filters; results, totals, facet counts and snippets only ever come from the pks that
statement gives. The facets are then counted in memory (``kintsugi.library.facets``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

import numpy as np
from pydantic import Field, TypeAdapter
from sqlalchemy import (
    ColumnElement,
    Integer,
    cast,
    false,
    func,
    select,
)
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError
from kintsugi.library.engines import engine_for, render_snippet
from kintsugi.library.facets import FacetColumns, IntArray, count_matches, fresh_columns
from kintsugi.library.matches import cache_for
from kintsugi.library.models import LibraryDocumentRow
from kintsugi.library.query import Node, parse_query
from kintsugi.library.text import excerpt
from kintsugi.people import service as people
from kintsugi.people.principal import Principal
from kintsugi.postmortems.access import visibility_shape, visible_to
from kintsugi.postmortems.columns import CAUSES, POSTMORTEM, SERVICES, TAGS
from kintsugi.postmortems.document import Kind, Severity, Status
from kintsugi.postmortems.service import tags_and_services

__all__ = [
    "FACETS",
    "FILTERS",
    "FacetCount",
    "Hit",
    "SearchFilters",
    "SearchResult",
    "ranked_pks",
    "recently_added",
    "render_snippet",
    "search",
]

MAX_LIMIT = 100
FACET_LIMIT = 30
FACETS = ("tag", "service", "severity", "year", "status", "cause")
FILTERS = (*FACETS, "kind", "team")
_UNSET = Field(exclude_if=lambda value: value is None)
"""A filter left unset (None) is not on the wire."""


@dataclass(frozen=True)
class SearchFilters:
    """Narrow a search; None means any."""

    tag: Annotated[str | None, _UNSET] = None
    service: Annotated[str | None, _UNSET] = None
    severity: Annotated[str | None, _UNSET] = None
    year: Annotated[int | None, _UNSET] = None
    status: Annotated[str | None, _UNSET] = None
    cause: Annotated[str | None, _UNSET] = None
    """A root-cause category (from the post-mortems' root cause analyses)."""
    kind: Annotated[str | None, _UNSET] = None
    """postmortem, premortem or near_miss."""
    team: Annotated[str | None, _UNSET] = None
    """The name of the team a post-mortem belongs to."""

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
        kind = self.kind.strip().lower().replace(" ", "_").replace("-", "_") if self.kind else None
        if kind and kind not in {k.value for k in Kind}:
            allowed = ", ".join(k.value for k in Kind)
            raise InputError(f"unknown kind {self.kind!r}; one of {allowed}", field="kind")
        if self.year is not None and not 1900 <= self.year <= 2999:
            raise InputError(f"{self.year} is not a year", field="year")
        return SearchFilters(
            tag=(self.tag or "").strip() or None,
            service=(self.service or "").strip() or None,
            severity=severity,
            year=self.year,
            status=status,
            cause=(self.cause or "").strip().lower() or None,
            kind=kind,
            team=(self.team or "").strip() or None,
        )

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _FILTERS_WIRE.dump_python(self, mode="json")
        return wire


_FILTERS_WIRE = TypeAdapter(SearchFilters)


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

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _HIT_WIRE.dump_python(self, mode="json")
        return wire


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _FACET_WIRE.dump_python(self, mode="json")
        return wire


@dataclass(kw_only=True)
class SearchResult:
    """A page of hits, how many there are in all, and the facets of all of them.

    The fields are in the order of the wire's keys, ``hits`` last as ``results``
    (keyword-only, so that order cannot bind a positional argument to the wrong field).
    """

    query: str
    filters: SearchFilters
    total: int
    limit: int = 20
    offset: int = 0
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    hits: Annotated[list[Hit], Field(serialization_alias="results")]

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _WIRE.dump_python(self, mode="json", by_alias=True)
        return wire


_HIT_WIRE = TypeAdapter(Hit)
_FACET_WIRE = TypeAdapter(FacetCount)
_WIRE = TypeAdapter(SearchResult)


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
    conditions = [visible_to(viewer), *_filter_conditions(session, filters)]
    columns = fresh_columns(session)
    if node is None:
        page, snippets, total, counts = _listing(session, columns, conditions, limit, offset)
    else:
        page, snippets, total, counts = _matching(
            session, columns, viewer, node, filters, conditions, limit, offset
        )
    return SearchResult(
        query=query,
        filters=filters,
        total=total,
        hits=_hits(session, page, snippets, viewer),
        facets=_ordered_facets(counts) if facets else {},
        limit=limit,
        offset=offset,
    )


_Found = tuple[list[tuple[int, Any]], dict[int, str], int, dict[str, dict[str, int]]]
"""A page of (pk, score), the snippets of its pks, the total, and the facet counts."""


def _matching(
    session: Session,
    columns: FacetColumns,
    viewer: Principal,
    node: Node,
    filters: SearchFilters,
    conditions: list[ColumnElement[bool]],
    limit: int,
    offset: int,
) -> _Found:
    """Rank and count in one pass over the matches that visibility and the filters let
    through (one SQL statement; its result kept for repeats in the match cache)."""
    engine = engine_for(session, node)
    shape, values = visibility_shape(viewer)
    # the matches are this viewer's: the key holds the visibility rule's parameters
    seen_as = (shape, values.get("viewer_id"), tuple(values.get("viewer_teams", ())))
    key = (type(engine).__name__, node, filters, seen_as)
    cache = cache_for(columns)
    matched, scores = cache.matches(
        columns,
        key,
        lambda only: engine.every_match(session, conditions, only),
        partial=engine.scores_alone,
    )
    counted = count_matches(columns, matched, scores, limit=limit, offset=offset)
    pks = [pk for pk, _ in counted.page]
    snippets = cache.snippets(key, pks, lambda missing: engine.snippets(session, missing))
    return counted.page, snippets, counted.total, counted.facets


def _listing(
    session: Session,
    columns: FacetColumns,
    conditions: list[ColumnElement[bool]],
    limit: int,
    offset: int,
) -> _Found:
    """Browsing: every post-mortem that visibility and the filters let through (the pks from
    SQL), newest first, and their facets. (The service indexes each post-mortem as it stores
    it; asking ``library_documents`` about 100,000 of them would cost more than the rest.)"""
    statement = select(POSTMORTEM.pk).where(*conditions)
    result = session.connection().execute(statement)  # the driver's rows: 100,000 of them
    rows = result.cursor.fetchall()
    result.close()
    pks: IntArray = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    with columns.lock:
        first = columns.newest_first(pks, offset + limit)[offset:]
        counts = columns.facets(pks)
    page: list[tuple[int, Any]] = [(int(pk), None) for pk in first]
    return page, _summaries(session, [pk for pk, _ in page]), len(pks), counts


def _filter_conditions(session: Session, filters: SearchFilters) -> list[ColumnElement[bool]]:
    """The filters as SQL conditions on ``postmortems`` (checked per match, by primary key)."""
    r = POSTMORTEM
    conditions: list[ColumnElement[bool]] = []
    for name in ("severity", "status", "kind"):
        value = getattr(filters, name)
        if value:
            conditions.append(getattr(r, name) == value)
    if filters.team:
        team_id = people.team_id(session, filters.team)
        conditions.append(r.team_id == team_id if team_id is not None else false())
    labels = ((filters.tag, TAGS), (filters.service, SERVICES), (filters.cause, CAUSES))
    for value, label in labels:
        if value:
            conditions.append(r.pk.in_(select(label.postmortem_pk).where(label.value == value)))
    if filters.year is not None:
        conditions.append(_year_of(session) == filters.year)
    return conditions


def _year_of(session: Session) -> ColumnElement[int]:
    """The year of a post-mortem (started, else created; UTC), from its own row: the same
    value as ``library_documents.year`` and as the facet counts."""
    when = func.coalesce(POSTMORTEM.started_at, POSTMORTEM.created_at)
    if session.get_bind().dialect.name == "sqlite":  # stored as 'YYYY-MM-DD HH:MM:SS', UTC
        return cast(func.substr(when, 1, 4), Integer)
    return cast(func.extract("year", func.timezone("UTC", when)), Integer)


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
        POSTMORTEM.pk,
        POSTMORTEM.id,
        POSTMORTEM.title,
        POSTMORTEM.severity,
        POSTMORTEM.status,
        POSTMORTEM.kind,
        POSTMORTEM.started_at,
    ).where(POSTMORTEM.pk.in_(pks))
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


def ranked_pks(
    session: Session,
    viewer: Principal,
    node: Node,
    *,
    conditions: list[ColumnElement[bool]] | None = None,
    limit: int = 10,
) -> list[tuple[int, float]]:
    """(post-mortem pk, relevance) of the best matches of ``node`` the viewer may see."""
    statement = engine_for(session, node).best([visible_to(viewer), *(conditions or [])], limit)
    return [(int(pk), float(score)) for pk, score in session.execute(statement)]


def recently_added(session: Session, viewer: Principal, limit: int = 8) -> list[Hit]:
    """The post-mortems most recently added to the library, newest first."""
    query = (
        select(POSTMORTEM.pk)
        .join(LibraryDocumentRow, LibraryDocumentRow.postmortem_pk == POSTMORTEM.pk)
        .where(visible_to(viewer))
        .order_by(POSTMORTEM.created_at.desc(), POSTMORTEM.pk.desc())
        .limit(limit)
    )
    page: list[tuple[int, Any]] = [(int(pk), None) for pk in session.scalars(query)]
    pks = [pk for pk, _ in page]
    return _hits(session, page, _summaries(session, pks))
