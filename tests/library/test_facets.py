"""The one-pass ranking and facet counts agree with plain SQL, and follow every change."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.library.facets import MARGIN, SEVERITIES, FacetColumns
from kintsugi.library.search import SearchFilters, search
from kintsugi.people.principal import SYSTEM, Principal
from kintsugi.postmortems import service
from kintsugi.postmortems.deletion import delete_document
from kintsugi.postmortems.document import Severity, Status, Visibility
from kintsugi.postmortems.models import PostmortemRow

from .helpers import add, user
from .reference import expected as _reference

WORDS = ("database", "certificate", "cache", "rollback", "timeout")
TAGS = ("db", "tls", "network", "capacity", "deploy")
SERVICES = ("api", "search", "payments")


def _one_pass(
    session: Session, viewer: Principal, query: str, filters: SearchFilters
) -> tuple[int, dict[str, dict[str, int]], list[str]]:
    result = search(session, viewer, query, filters, limit=100)
    facets = {k: {c.value: c.count for c in v} for k, v in result.facets.items()}
    return result.total, facets, [h.id for h in result.hits]


def test_one_pass_agrees_with_sql_for_every_viewer_and_filter(
    sessions: sessionmaker[Session],
) -> None:
    rng = random.Random(7)
    viewers = {
        "admin": SYSTEM,
        "member": user(sessions, "member", teams=["blue"]),
        "granted": user(sessions, "granted"),
        "outsider": user(sessions, "outsider"),
    }
    user(sessions, "other", teams=["red"])
    ids = []
    for n in range(36):
        visibility = rng.choice(list(Visibility))
        ids.append(
            add(
                sessions,
                f"Incident {n} {' '.join(rng.sample(WORDS, 2))}",
                summary=" ".join(rng.choices(WORDS, k=6)),
                tags=rng.sample(TAGS, rng.randint(0, 3)),
                services=rng.sample(SERVICES, rng.randint(0, 2)),
                severity=rng.choice([None, *Severity]),
                status=rng.choice(list(Status)),
                year=rng.choice([2023, 2024, 2025]),
                visibility=visibility,
                team=rng.choice(["blue", "red"]) if visibility == Visibility.TEAM else None,
                access=["granted"] if rng.random() < 0.5 else [],
            )
        )
    with sessions.begin() as session:
        for id in ids[::9]:
            delete_document(session, id, SYSTEM)

    filter_sets = [
        SearchFilters(),
        SearchFilters(severity="SEV1"),
        SearchFilters(status="published"),
        SearchFilters(year=2024),
        SearchFilters(tag="db"),
        SearchFilters(service="search", severity="SEV2"),
    ]
    compared = 0
    with sessions() as session:
        for viewer in viewers.values():
            for query in ("database", "cache OR certificate", "rollback NOT timeout", "incident"):
                for filters in filter_sets:
                    expected = _reference(session, viewer, query, filters)
                    assert _one_pass(session, viewer, query, filters) == expected
                    compared += expected[0]
    assert compared > 100  # the comparisons were about real matches


def test_counts_follow_changes_made_by_another_process(
    sessions: sessionmaker[Session], db_url: str
) -> None:
    viewer = user(sessions, "viewer")
    first = add(sessions, "Cache stampede", tags=["cache"], severity=Severity.SEV2)
    second = add(sessions, "Cache eviction storm", tags=["cache"], severity=Severity.SEV2)
    third = add(sessions, "Cache warmup slow", tags=["cache"], severity=Severity.SEV3)

    def facets() -> tuple[int, dict[str, dict[str, int]], list[str]]:
        with sessions() as session:
            return _one_pass(session, viewer, "cache", SearchFilters())

    total, counted, _ = facets()  # fills this process's copy
    assert total == 3 and counted["severity"] == {"SEV2": 2, "SEV3": 1}

    other = make_engine(db_url)  # another worker: its own engine, its own copy
    try:
        with make_sessionmaker(other).begin() as session:
            doc = service.get_document(session, first, SYSTEM)
            changed = doc.model_copy(update={"severity": Severity.SEV1, "tags": ["cache", "redis"]})
            service.update_document(session, first, changed, SYSTEM, base_version=doc.version)
            doc = service.get_document(session, second, SYSTEM)
            hidden = doc.model_copy(update={"visibility": Visibility.RESTRICTED})
            service.update_document(session, second, hidden, SYSTEM, base_version=doc.version)
            delete_document(session, third, SYSTEM)
    finally:
        other.dispose()

    total, counted, ids = facets()
    assert ids == [first] and total == 1
    assert counted["severity"] == {"SEV1": 1}
    assert counted["tag"] == {"cache": 1, "redis": 1}
    with sessions() as session:
        assert _one_pass(session, viewer, "cache", SearchFilters()) == _reference(
            session, viewer, "cache", SearchFilters()
        )


def test_a_change_that_commits_late_with_an_older_stamp_is_still_seen(
    sessions: sessionmaker[Session], db_url: str
) -> None:
    viewer = user(sessions, "viewer")
    first = add(sessions, "Cache stampede", severity=Severity.SEV2)
    add(sessions, "Cache eviction storm", severity=Severity.SEV2)
    with sessions() as session:
        assert _one_pass(session, viewer, "cache", SearchFilters())[1]["severity"] == {"SEV2": 2}
        newest = session.scalar(select(func.max(PostmortemRow.updated_at)))
    assert newest is not None

    # another worker's transaction stamped its change before the newest one we have seen,
    # and committed only now (as a long transaction does)
    other = make_engine(db_url)
    try:
        with other.begin() as connection:
            connection.execute(
                update(PostmortemRow)
                .where(PostmortemRow.id == first)
                .values(
                    severity="SEV1",
                    version=PostmortemRow.version + 1,
                    updated_at=newest - timedelta(seconds=30),
                )
            )
    finally:
        other.dispose()
    with sessions() as session:
        assert _one_pass(session, viewer, "cache", SearchFilters())[1]["severity"] == {
            "SEV1": 1,
            "SEV2": 1,
        }


def test_the_window_follows_the_clock(sessions: sessionmaker[Session]) -> None:
    first = add(sessions, "Cache stampede", severity=Severity.SEV2)
    columns = FacetColumns()
    later = datetime.now(UTC) + timedelta(hours=1)
    with sessions() as session:
        columns.refresh(session)
        columns.refresh(session, now=later)  # a quiet hour: the floor moves on
    assert columns.floor == later - MARGIN
    with sessions.begin() as session:
        doc = service.get_document(session, first, SYSTEM)
        changed = doc.model_copy(update={"severity": Severity.SEV3})
        service.update_document(session, first, changed, SYSTEM, base_version=doc.version)
        pk = service.find_row(session, first, SYSTEM).pk
        session.execute(  # stamped inside the new window
            update(PostmortemRow).where(PostmortemRow.pk == pk).values(updated_at=later)
        )
    with sessions() as session:
        columns.refresh(session, now=later)
    assert SEVERITIES[columns.severity[pk]] == "SEV3"


def test_root_cause_categories_are_a_facet_and_a_filter(sessions: sessionmaker[Session]) -> None:
    from kintsugi.rca import service as rca
    from kintsugi.rca.model import Analysis

    viewer = user(sessions, "viewer")
    deploy = add(sessions, "Cache stampede after a deploy")
    add(sessions, "Cache eviction storm")
    hidden = add(sessions, "Cache config pushed", visibility=Visibility.RESTRICTED)

    def categorise(id: str, category: str) -> None:
        factor = {"text": "the change", "classification": "primary", "category": category}
        with sessions.begin() as session:
            rca.save_analysis(
                session, id, Analysis.model_validate({"factors": [factor]}), SYSTEM,
                base_version=None,
            )  # fmt: skip

    with sessions() as session:  # the copy of the facets is filled before the analyses
        assert "cause" not in {k for k, v in search(session, viewer, "cache").facets.items() if v}
    categorise(deploy, "deploy")
    categorise(hidden, "deploy")
    with sessions() as session:
        result = search(session, viewer, "cache")
        assert {c.value: c.count for c in result.facets["cause"]} == {"deploy": 1}
        only = search(session, viewer, "cache", SearchFilters(cause="deploy"))
        assert [h.id for h in only.hits] == [deploy] and only.total == 1
        assert _one_pass(session, viewer, "cache", SearchFilters(cause="deploy")) == _reference(
            session, viewer, "cache", SearchFilters(cause="deploy")
        )
        browsed = search(session, SYSTEM, "", SearchFilters(cause="deploy"))
        assert {h.id for h in browsed.hits} == {deploy, hidden}
        assert {c.value: c.count for c in browsed.facets["cause"]} == {"deploy": 2}
