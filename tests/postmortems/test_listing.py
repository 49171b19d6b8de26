"""The post-mortem list, its total, paging and filter menus give what a plain query gives, for
every shape of viewer, on SQLite and PostgreSQL; and they run on the list's index."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Principal, Role
from kintsugi.postmortems import service
from kintsugi.postmortems.access import visible_to
from kintsugi.postmortems.document import Document, Section, Severity, Visibility
from kintsugi.postmortems.models import PostmortemRow, ServiceRow, TagRow

TAGS = ["dns", "tls", "db", "queues", "only-restricted", "only-deleted"]
SERVICES = ["auth", "billing", "cdn", "edge"]
FILTERS = [
    service.Filters(),
    service.Filters(severity="sev1"),
    service.Filters(status="draft"),
    service.Filters(kind="near_miss"),
    service.Filters(tag="dns"),
    service.Filters(tag="only-restricted"),
    service.Filters(service="billing"),
    service.Filters(severity="SEV2", tag="tls", service="auth"),
    service.Filters(tag="no-such-tag"),
]


def _library(sessions: sessionmaker[Session]) -> dict[str, Principal]:
    """60 post-mortems of every visibility, with ties in the list's order, documents without
    a start, deleted ones, and tags only hidden or deleted documents have."""
    rng = random.Random(7)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with sessions.begin() as session:
        people.create_team(session, SYSTEM, "payments")
        people.create_team(session, SYSTEM, "search")
        for name, role in [("member", Role.EDITOR), ("named", Role.VIEWER), ("plain", Role.VIEWER)]:
            people.create_user(session, SYSTEM, name, role=role)
        people.create_user(session, SYSTEM, "root", role=Role.ADMIN)
        people.add_member(session, SYSTEM, "payments", "member")
        docs = []
        for n in range(60):
            visibility = [Visibility.ORGANISATION, Visibility.TEAM, Visibility.RESTRICTED][n % 3]
            tags = rng.sample(TAGS[:4], rng.randint(0, 2))
            if n == 5:
                tags.append("only-restricted")
            if n == 9:
                tags.append("only-deleted")
            docs.append(
                Document(
                    id=f"pm-{n:02d}",
                    title=f"Incident {n}",
                    severity=rng.choice([Severity.SEV1, Severity.SEV2, Severity.SEV3]),
                    # ten distinct starts for sixty documents: ties, broken by the next keys
                    started_at=start + timedelta(days=n % 10),
                    tags=tags,
                    services=rng.sample(SERVICES, rng.randint(0, 2)),
                    visibility=visibility,
                    team="payments" if visibility == Visibility.TEAM and n % 2 else "search",
                    access=["named"] if visibility == Visibility.RESTRICTED and n % 4 else [],
                    sections=[Section(key="summary", heading="Summary", markdown=f"Doc {n}.")],
                )
            )
        service.create_documents(session, docs, SYSTEM)
        for n in range(60):
            values: dict[str, Any] = {
                "status": "draft" if n % 3 else "published",
                "kind": "near_miss" if n % 7 == 0 else "postmortem",
                # pairs of equal times: the pk alone orders them
                "updated_at": start + timedelta(hours=n // 2),
            }
            if n % 11 == 4:
                values["started_at"] = None
            if n in (9, 12, 13):
                values["deleted_at"] = start
            session.execute(update(PostmortemRow).where(PostmortemRow.id == f"pm-{n:02d}"), values)
        viewers = {
            name: people.principal_for(session, people.get_user(session, name))
            for name in ("member", "named", "plain", "root")
        }
    return {
        **viewers,
        "system": SYSTEM,
        "signed out": Principal(user_id=None, username="anonymous", role=Role.VIEWER),
    }


def _expected(session: Session, viewer: Principal, filters: service.Filters) -> list[str]:
    """The ids a plain query finds: visible, filtered, sorted in Python."""
    query = select(PostmortemRow).where(visible_to(viewer))
    if filters.severity:
        query = query.where(PostmortemRow.severity == filters.severity.upper())
    if filters.status:
        query = query.where(PostmortemRow.status == filters.status)
    if filters.kind:
        query = query.where(PostmortemRow.kind == filters.kind)
    rows = list(session.scalars(query))
    if filters.tag:
        tagged = set(session.scalars(select(TagRow.postmortem_pk).where(TagRow.tag == filters.tag)))
        rows = [r for r in rows if r.pk in tagged]
    if filters.service:
        serving = select(ServiceRow.postmortem_pk).where(ServiceRow.service == filters.service)
        rows = [r for r in rows if r.pk in set(session.scalars(serving))]
    oldest = datetime.min.replace(tzinfo=UTC)

    def newest_first(r: PostmortemRow) -> tuple[bool, datetime, datetime, int]:
        return (r.started_at is not None, r.started_at or oldest, r.updated_at, r.pk)

    return [r.id for r in sorted(rows, key=newest_first, reverse=True)]


def _expected_facets(session: Session, viewer: Principal) -> dict[str, list[str]]:
    def values(column: Any, pk: Any) -> list[str]:
        joined = select(column).join(PostmortemRow, PostmortemRow.pk == pk)
        return sorted(set(session.scalars(joined.where(visible_to(viewer)))))

    return {
        "tags": values(TagRow.tag, TagRow.postmortem_pk),
        "services": values(ServiceRow.service, ServiceRow.postmortem_pk),
    }


def test_list_total_pages_and_menus_match_a_plain_query(sessions: sessionmaker[Session]) -> None:
    viewers = _library(sessions)
    with sessions() as session:
        for name, viewer in viewers.items():
            for filters in FILTERS:
                expected = _expected(session, viewer, filters)
                listed = service.list_documents(session, viewer, filters)
                assert [s.id for s in listed] == expected, (name, filters)
                assert service.count_documents(session, viewer, filters) == len(expected)
                pages = [
                    s.id
                    for offset in range(0, len(expected) + 7, 7)
                    for s in service.list_documents(
                        session, viewer, filters, limit=7, offset=offset
                    )
                ]
                assert pages == expected, (name, filters)
            assert service.facet_values(session, viewer) == _expected_facets(session, viewer)
        # the data is what the test means it to be
        assert "only-restricted" in service.facet_values(session, viewers["named"])["tags"]
        assert "only-restricted" not in service.facet_values(session, viewers["plain"])["tags"]
        assert "only-deleted" not in service.facet_values(session, SYSTEM)["tags"]
        assert service.count_documents(session, viewers["signed out"]) == 0
        listed = service.list_documents(session, SYSTEM)
        assert listed[-1].started_at is None and len(listed) == 57
        summary = next(s for s in listed if s.id == "pm-05")
        assert "only-restricted" in summary.tags


def _plans(engine: Engine, sessions: sessionmaker[Session], viewer: Principal) -> dict[str, str]:
    """The plan of the main statement of each call a list page makes, by call."""
    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.startswith(("SELECT", "WITH")):
            statements.append((statement, params))

    filtered = service.Filters(tag="dns", severity="SEV1")
    calls = {
        "page": lambda s: service.list_documents(s, viewer, limit=20, offset=20),
        "filtered page": lambda s: service.list_documents(s, viewer, filtered, limit=20),
        "total": lambda s: service.count_documents(s, viewer),
        "filtered total": lambda s: service.count_documents(s, viewer, filtered),
        "menus": lambda s: service.facet_values(s, viewer),
    }
    found: dict[str, tuple[str, Any]] = {}
    event.listen(engine, "before_cursor_execute", record)
    try:
        with sessions() as session:
            for name, call in calls.items():
                statements.clear()
                call(session)
                found[name] = statements[0]  # the page's tags come after its rows
    finally:
        event.remove(engine, "before_cursor_execute", record)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if not sqlite:
            conn.exec_driver_sql("SET enable_seqscan = off")  # a few rows: show what can serve
        prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
        return {
            name: "\n".join(str(row[-1]) for row in conn.exec_driver_sql(prefix + s, p))
            for name, (s, p) in found.items()
        }


@pytest.mark.parametrize("who", ["plain", "root"])
def test_pages_walk_the_list_index_in_order_and_menus_scan_no_post_mortems(
    sessions: sessionmaker[Session], engine: Engine, who: str
) -> None:
    """Without the index a page sorted every visible post-mortem and the menus read them all;
    SQLite must choose the index without the planner's statistics (an imported library)."""
    viewer = _library(sessions)[who]
    if engine.dialect.name == "sqlite":
        with sessions.begin() as session:
            session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
    plans = _plans(engine, sessions, viewer)
    for name in ("page", "filtered page"):
        assert "ix_postmortems_listed" in plans[name], plans[name]
        assert "ORDER BY" not in plans[name] and "Sort" not in plans[name], plans[name]
    for name, plan in plans.items():
        assert "Seq Scan on postmortems" not in plan, (name, plan)
        assert not re.search(r"SCAN postmortems$", plan, re.M), (name, plan)
