"""What a search should give, worked out the plain way: the engine's bare full-text statement,
the visibility rule (``visible_to``) on its own, each filter as its own statement, and the
facets counted from the stored rows. Search must agree with it for every viewer and filter."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import column, func, select, table, text
from sqlalchemy.orm import Session

from kintsugi.library.ddl import TEXT_CONFIG
from kintsugi.library.query import parse_query, to_fts5, to_tsquery
from kintsugi.library.search import SearchFilters
from kintsugi.people import service as people
from kintsugi.people.principal import Principal
from kintsugi.postmortems.access import visible_to
from kintsugi.postmortems.models import CauseCategoryRow, PostmortemRow, ServiceRow, TagRow

Expected = tuple[int, dict[str, dict[str, int]], list[str]]


def scores(session: Session, query: str) -> dict[int, float]:
    """Every document the bare full-text statement matches, with its score."""
    node = parse_query(query)
    assert node is not None
    if session.get_bind().dialect.name == "sqlite":
        rows = session.execute(
            text(
                "SELECT rowid, -bm25(library_fts, 10.0, 5.0, 5.0, 1.0) FROM library_fts "
                "WHERE library_fts MATCH :q"
            ),
            {"q": to_fts5(node)},
        )
    else:
        fts = table("library_fts", column("postmortem_pk"), column("document"))
        tsquery = to_tsquery(node, TEXT_CONFIG)
        rows = session.execute(
            select(fts.c.postmortem_pk, func.ts_rank_cd(fts.c.document, tsquery, 1)).where(
                fts.c.document.op("@@")(tsquery)
            )
        )
    return {int(pk): float(score) for pk, score in rows}


def visible(session: Session, viewer: Principal) -> set[int]:
    """The pks the rule lets ``viewer`` see."""
    return set(session.scalars(select(PostmortemRow.pk).where(visible_to(viewer))))


def _labels(session: Session) -> dict[str, dict[int, set[str]]]:
    found: dict[str, dict[int, set[str]]] = {"tag": {}, "service": {}, "cause": {}}
    for facet, owner, label in (
        ("tag", TagRow.postmortem_pk, TagRow.tag),
        ("service", ServiceRow.postmortem_pk, ServiceRow.service),
        ("cause", CauseCategoryRow.postmortem_pk, CauseCategoryRow.category),
    ):
        for pk, value in session.execute(select(owner, label)):
            found[facet].setdefault(int(pk), set()).add(str(value))
    return found


def _rows(session: Session) -> dict[int, Any]:
    r = PostmortemRow
    columns = (r.pk, r.id, r.severity, r.status, r.kind, r.team_id, r.started_at, r.created_at)
    return {int(row.pk): row for row in session.execute(select(*columns))}


def expected(
    session: Session, viewer: Principal, query: str, filters: SearchFilters, limit: int = 100
) -> Expected:
    """Total, facet counts and the ids of the first page, worked out the plain way."""
    filters = filters.normalised()
    rows, labels = _rows(session), _labels(session)
    team_id = people.team_id(session, filters.team) if filters.team else None

    def year(row: Any) -> int:
        return int((row.started_at or row.created_at).year)

    def passes(pk: int) -> bool:
        row = rows[pk]
        checks = [
            filters.severity is None or row.severity == filters.severity,
            filters.status is None or row.status == filters.status,
            filters.kind is None or row.kind == filters.kind,
            filters.team is None or row.team_id == team_id,
            filters.year is None or year(row) == filters.year,
        ]
        for facet in ("tag", "service", "cause"):
            wanted = getattr(filters, facet)
            checks.append(wanted is None or wanted in labels[facet].get(pk, set()))
        return all(checks)

    found = scores(session, query) if query.strip() else {pk: 0.0 for pk in rows}
    pks = [pk for pk in found.keys() & visible(session, viewer) if pk in rows and passes(pk)]
    facets: dict[str, Counter[str]] = {f: Counter() for f in ("tag", "service", "cause")}
    facets.update(severity=Counter(), status=Counter(), year=Counter())
    for pk in pks:
        row = rows[pk]
        facets["severity"][row.severity or "none"] += 1
        facets["status"][row.status] += 1
        facets["year"][str(year(row))] += 1
        for facet in ("tag", "service", "cause"):
            facets[facet].update(labels[facet].get(pk, set()))
    if query.strip():
        order = sorted(pks, key=lambda pk: (-found[pk], -pk))
    else:
        order = sorted(pks, key=lambda pk: _newest(rows[pk]), reverse=True)
    ids = [rows[pk].id for pk in order[:limit]]
    return len(pks), {k: dict(v) for k, v in facets.items()}, ids


def _newest(row: Any) -> tuple[bool, float, float, int]:
    started = row.started_at
    return (
        started is not None,
        started.timestamp() if started is not None else 0.0,
        row.created_at.timestamp(),
        int(row.pk),
    )
