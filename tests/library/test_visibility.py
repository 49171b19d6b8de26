"""Search results, totals and facet counts follow the one visibility rule (``visible_to``) for
every kind of viewer and every combination of query and filters, on both databases; and the
full-text index drives the statement, whatever the filters."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.db import make_sessionmaker
from kintsugi.library import matches
from kintsugi.library.search import SearchFilters, search
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Principal, Role
from kintsugi.postmortems.deletion import delete_document
from kintsugi.postmortems.document import Kind, Severity, Status, Visibility

from .helpers import add, user
from .reference import expected

WORDS = ("database", "certificate", "cache", "rollback", "timeout", "kafka")
TAGS = ("db", "tls", "network")
SERVICES = ("api", "search")
QUERIES = (
    "",
    "database",
    "cache OR certificate",
    "rollback NOT timeout",
    '"incident 1"',
    "data*",
    "(kafka OR cache) AND timeout",
    "incident",
)


def _library(sessions: sessionmaker[Session]) -> dict[str, Principal]:
    """A small library with every kind of visibility, and the viewers that look at it."""
    rng = random.Random(11)
    with sessions.begin() as session:
        admin = people.principal_for(
            session, people.create_user(session, SYSTEM, "boss", role=Role.ADMIN)
        )
    viewers = {
        "admin": admin,
        "member": user(sessions, "member", teams=["blue"]),
        "two teams, granted": user(sessions, "granted", teams=["red", "green"]),
        "outsider": user(sessions, "outsider"),
        "anonymous": Principal(user_id=None, username="anonymous", role=Role.VIEWER),
        "system": SYSTEM,
    }
    ids = []
    for n in range(40):
        visibility = rng.choice(list(Visibility))
        teamless = visibility != Visibility.TEAM and rng.random() < 0.3
        ids.append(
            add(
                sessions,
                f"Incident {n} {' '.join(rng.sample(WORDS, 2))}",
                summary=" ".join(rng.choices(WORDS, k=5)),
                tags=rng.sample(TAGS, rng.randint(0, 2)),
                services=rng.sample(SERVICES, rng.randint(0, 2)),
                severity=rng.choice([None, *Severity]),
                status=rng.choice(list(Status)),
                year=rng.choice([2024, 2025]),
                visibility=visibility,
                team=None if teamless else rng.choice(["blue", "red", "green"]),
                access=["granted"] if rng.random() < 0.3 else [],
                kind=rng.choice(list(Kind)),
            )
        )
    with sessions.begin() as session:
        for id in ids[::7]:
            delete_document(session, id, SYSTEM)
    return viewers


def _filters() -> st.SearchStrategy[SearchFilters]:
    def maybe(values: Any) -> st.SearchStrategy[Any]:
        return st.none() | st.sampled_from(values)

    return st.builds(
        SearchFilters,
        severity=maybe([s.value for s in Severity]),
        status=maybe([s.value for s in Status]),
        tag=maybe(TAGS),
        service=maybe(SERVICES),
        year=maybe([2024, 2025]),
        kind=maybe([k.value for k in Kind]),
        team=maybe(["blue", "red", "green"]),
    )


def test_search_and_facets_follow_the_rule_for_every_viewer(
    sessions: sessionmaker[Session],
) -> None:
    viewers = _library(sessions)
    seen: set[str] = set()

    @settings(
        max_examples=120,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(
        viewer=st.sampled_from(sorted(viewers)),
        query=st.sampled_from(QUERIES),
        filters=_filters(),
        cached=st.booleans(),
    )
    def check(viewer: str, query: str, filters: SearchFilters, cached: bool) -> None:
        if not cached:
            matches.clear_all()
        with sessions() as session:
            result = search(session, viewers[viewer], query, filters, limit=100)
            got = (
                result.total,
                {k: {c.value: c.count for c in v} for k, v in result.facets.items() if v},
                [h.id for h in result.hits],
            )
            total, facets, ids = expected(session, viewers[viewer], query, filters)
        assert got == (total, {k: v for k, v in facets.items() if v}, ids)
        if total:
            seen.add(viewer)

    check()
    assert seen >= {"admin", "member", "outsider", "system"}  # real matches were compared


def test_the_full_text_index_drives_the_statement_whatever_the_filters(
    sessions: sessionmaker[Session], engine: Engine
) -> None:
    """Without the planner's statistics SQLite would start from a filter column's index and
    ask FTS5 about each of its rows (seconds on a large library)."""
    viewer = user(sessions, "viewer")
    for n in range(3):
        add(sessions, f"Cache stampede {n}", severity=Severity.SEV1, tags=["db"])
    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "bm25(" in statement or "ts_rank_cd(" in statement:
            statements.append((statement, params))

    with sessions() as session:
        if engine.dialect.name == "sqlite":
            session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
            session.commit()
    event.listen(engine, "before_cursor_execute", record)
    try:
        with sessions() as session:
            filters = SearchFilters(severity="SEV1", status="draft", tag="db", year=2025)
            assert search(session, viewer, "cache", filters).total == 3
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        for statement, params in statements:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            first = plan[0][3]
            assert first.startswith("SCAN library_fts VIRTUAL TABLE"), plan


def test_the_scoring_statement_may_run_in_parallel_workers_on_postgresql(
    sessions: sessionmaker[Session], engine: Engine
) -> None:
    """Scoring every match is most of a search's cost on PostgreSQL; the statement, visibility
    included, must be parallel-safe, or the planner keeps it on one core however large the
    library (a correlated subquery in the visibility rule once did that)."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs every statement on one core")
    add(sessions, "Cache stampede", severity=Severity.SEV1, tags=["db"])
    viewers = [
        user(sessions, "member", teams=["blue"]),
        user(sessions, "loner"),
        SYSTEM,
    ]
    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "ts_rank_cd(" in statement:
            statements.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        for viewer in viewers:
            with sessions() as session:
                search(session, viewer, "cache", SearchFilters(tag="db", severity="SEV1"))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(statements) == len(viewers)
    with engine.connect() as conn:
        version = int(conn.exec_driver_sql("SHOW server_version_num").scalar_one())
        force = "debug_parallel_query" if version >= 160000 else "force_parallel_mode"
        # a Gather on top of the whole plan is only possible when all of it is parallel-safe
        conn.exec_driver_sql(f"SET {force} = on")
        for statement, params in statements:
            plan = conn.exec_driver_sql("EXPLAIN " + statement, params).scalars().all()
            assert plan[0].lstrip().startswith("Gather"), "\n".join(plan)


_SETTINGS = (
    "SELECT current_setting('parallel_tuple_cost'), current_setting('parallel_setup_cost'), "
    "current_setting('jit'), current_setting('plan_cache_mode')"
)


@pytest.mark.parametrize("reads_only", [True, False], ids=["reading session", "transaction"])
def test_the_scoring_statement_runs_with_its_parallel_settings(
    engine: Engine, reads_only: bool
) -> None:
    """The settings that let PostgreSQL score in parallel workers, and plan for the query at
    hand, hold for the scoring statement itself, also in the web app's reading sessions
    (autocommit, where a local setting would end with its own statement), and not after it."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs every statement on one core")
    add(make_sessionmaker(engine), "Cache stampede", severity=Severity.SEV1, tags=["db"])
    seen: list[tuple[str, str]] = []

    def record(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "ts_rank_cd(" in statement:
            seen.append(cursor.connection.execute(_SETTINGS).fetchone())

    sessions = make_sessionmaker(engine, reads_only=reads_only)
    event.listen(engine, "before_cursor_execute", record)
    try:
        with sessions() as session:
            before = session.execute(text(_SETTINGS)).one()
            found = search(session, SYSTEM, "cache")
            after = session.execute(text(_SETTINGS)).one()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert found.total == 1
    assert seen == [("0.01", "100", "off", "force_custom_plan")]
    if reads_only:  # nothing lingers on the connection for the statements after it
        assert after == before
