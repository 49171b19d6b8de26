"""Search, facets and snippets on SQLite and PostgreSQL, kept in step with every write."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import InputError
from kintsugi.library.index import reindex_all, remove_document
from kintsugi.library.models import LibraryDocumentRow
from kintsugi.library.search import SearchFilters, search
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service
from kintsugi.postmortems.document import Severity, Status, Visibility
from kintsugi.postmortems.models import PostmortemRow

from .helpers import add, reindex, user


def _ids(sessions: sessionmaker[Session], query: str, **filters: object) -> list[str]:
    with sessions() as session:
        result = search(session, SYSTEM, query, SearchFilters(**filters))  # type: ignore[arg-type]
        return [hit.id for hit in result.hits]


@pytest.fixture
def library(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    add(
        sessions,
        "Partner API certificate expired",
        summary="The TLS certificate of the partner API expired at night.",
        root_cause="The certificate was renewed by hand, outside the automation.",
        actions=["Alert on certificates that expire within 21 days"],
        tags=["tls"],
        services=["partner-api"],
        severity=Severity.SEV1,
        status=Status.PUBLISHED,
        year=2024,
    )
    add(
        sessions,
        "CoreDNS upgrade broke name resolution",
        summary="After the cluster upgrade CoreDNS pods crash-looped.",
        timeline=["Rollback of the CoreDNS deployment started"],
        tags=["dns", "kubernetes"],
        services=["coredns"],
        severity=Severity.SEV2,
        year=2025,
    )
    add(
        sessions,
        "Logs not shipped to the log store",
        summary="Fluentd stopped shipping logs for ninety minutes.",
        root_cause="A configuration change removed the output plugin.",
        tags=["logging", "kubernetes"],
        services=["fluentd"],
        severity=Severity.SEV3,
        year=2025,
    )
    add(
        sessions,
        "Stale feature flags served",
        summary="The flag service served stale flags after a cache bug.",
        tags=["feature-flags"],
        services=["flags"],
        severity=Severity.SEV2,
        status=Status.PUBLISHED,
        year=2023,
    )
    return sessions


def test_finds_words_in_title_sections_timeline_and_action_items(
    library: sessionmaker[Session],
) -> None:
    assert _ids(library, "certificate")[0] == "partner-api-certificate-expired"
    assert _ids(library, "automation") == ["partner-api-certificate-expired"]
    assert _ids(library, "rollback") == ["coredns-upgrade-broke-name-resolution"]
    assert _ids(library, "21 days") == ["partner-api-certificate-expired"]
    assert _ids(library, "partner-api") == ["partner-api-certificate-expired"]


def test_stemming_phrases_prefixes_and_operators(library: sessionmaker[Session]) -> None:
    assert _ids(library, "certificates") == ["partner-api-certificate-expired"]
    assert _ids(library, '"logs not shipped"') == ["logs-not-shipped-to-the-log-store"]
    assert _ids(library, '"shipped not logs"') == []
    assert set(_ids(library, "kube*")) == {
        "coredns-upgrade-broke-name-resolution",
        "logs-not-shipped-to-the-log-store",
    }
    assert _ids(library, "kubernetes NOT coredns") == ["logs-not-shipped-to-the-log-store"]
    assert _ids(library, "kubernetes -fluentd") == ["coredns-upgrade-broke-name-resolution"]
    assert set(_ids(library, "certificate OR flags")) == {
        "partner-api-certificate-expired",
        "stale-feature-flags-served",
    }
    assert _ids(library, "certificate AND coredns") == []


def test_ranks_title_matches_first(sessions: sessionmaker[Session]) -> None:
    add(sessions, "Queue backlog", summary="A redis cache was slow; redis was mentioned once.")
    add(sessions, "Redis failover", summary="The primary failed over.")
    assert _ids(sessions, "redis")[0] == "redis-failover"


def test_filters_narrow_and_facets_count_every_match(library: sessionmaker[Session]) -> None:
    with library() as session:
        result = search(session, SYSTEM, "kubernetes")
        assert result.total == 2
        facets = {k: {c.value: c.count for c in v} for k, v in result.facets.items()}
        assert facets["tag"] == {"kubernetes": 2, "dns": 1, "logging": 1}
        assert facets["service"] == {"coredns": 1, "fluentd": 1}
        assert facets["severity"] == {"SEV2": 1, "SEV3": 1}
        assert facets["year"] == {"2025": 2}
        assert facets["status"] == {"draft": 2}

        narrowed = search(session, SYSTEM, "kubernetes", SearchFilters(severity="sev3"))
        assert [h.id for h in narrowed.hits] == ["logs-not-shipped-to-the-log-store"]
        assert narrowed.total == 1
    assert _ids(library, "", tag="tls") == ["partner-api-certificate-expired"]
    assert _ids(library, "", service="flags") == ["stale-feature-flags-served"]
    assert _ids(library, "", year=2023) == ["stale-feature-flags-served"]
    assert set(_ids(library, "", status="published")) == {
        "partner-api-certificate-expired",
        "stale-feature-flags-served",
    }
    assert _ids(library, "certificate", year=2025) == []


def test_browsing_lists_newest_first_with_facets(library: sessionmaker[Session]) -> None:
    with library() as session:
        result = search(session, SYSTEM, "")
    assert result.total == 4
    assert [h.id for h in result.hits][-1] == "stale-feature-flags-served"  # 2023
    assert all(h.score is None for h in result.hits)
    assert {c.value: c.count for c in result.facets["year"]} == {"2025": 2, "2024": 1, "2023": 1}
    assert "TLS certificate" in next(h.snippet for h in result.hits if h.severity == "SEV1")


def test_pages_through_results(library: sessionmaker[Session]) -> None:
    with library() as session:
        first = search(session, SYSTEM, "", limit=3)
        second = search(session, SYSTEM, "", limit=3, offset=3)
        unfaceted = search(session, SYSTEM, "", limit=3, facets=False)
    assert first.total == second.total == unfaceted.total == 4
    assert len(first.hits) == 3 and len(second.hits) == 1
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    assert unfaceted.facets == {}


def test_snippets_highlight_matches_and_escape_html(sessions: sessionmaker[Session]) -> None:
    add(
        sessions,
        "Injected markup",
        summary="The deploy <b>pipeline</b> & <script>alert(1)</script> broke.",
    )
    with sessions() as session:
        hit = search(session, SYSTEM, "pipeline").hits[0]
    assert "<mark>pipeline</mark>" in hit.snippet
    assert "<script>" not in hit.snippet and "<b>" not in hit.snippet
    assert "&amp;" in hit.snippet  # SQLite keeps the tags as escaped text; PostgreSQL drops them
    assert hit.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_snippets_of_every_prefix_length_highlight_their_words(
    sessions: sessionmaker[Session],
) -> None:
    """Prefixes the index keeps (2 and 3 letters) and longer ones, alone and in phrases."""
    for n in range(4):
        add(sessions, f"Renewal {n}", summary="The certificates were renewed by hand.")
    with sessions() as session:
        for query in ("ce*", "cer*", "certif*", '"were renew"*', "certif* AND hand"):
            result = search(session, SYSTEM, query)
            assert result.total == 4, query
            assert all("<mark>" in hit.snippet for hit in result.hits), query


def test_a_snippet_reads_a_section_heading_as_a_heading(sessions: sessionmaker[Session]) -> None:
    add(sessions, "Checkout outage", root_cause="The liveness probe called the database.")
    with sessions() as session:
        hit = search(session, SYSTEM, "liveness").hits[0]
    assert "Root cause: The <mark>liveness</mark> probe" in hit.snippet


def test_a_snippet_finds_a_match_deep_in_a_long_document(sessions: sessionmaker[Session]) -> None:
    """PostgreSQL looks at the start of a long body first, then at the rest of it."""
    steps = [f"Step {n}: the operators checked queue worker {n}" for n in range(400)]
    add(sessions, "Long night", summary="Workers stalled.", timeline=[*steps, "Zeppelin fired"])
    add(sessions, "Short night", summary="Workers stalled.", timeline=["Zeppelin fired early"])
    with sessions() as session:
        hits = {hit.title: hit.snippet for hit in search(session, SYSTEM, "zeppelin").hits}
        first = search(session, SYSTEM, "operators").hits[0].snippet
    assert "<mark>Zeppelin</mark> fired early" in hits["Short night"]
    assert "<mark>Zeppelin</mark> fired" in hits["Long night"]
    assert "the <mark>operators</mark> checked queue worker 0 " in first


def test_postgresql_prefers_the_summary_to_a_match_deep_in_the_body(
    sessions: sessionmaker[Session], engine: Engine
) -> None:
    """The rest of a long body is read only when its start, the summary and the title have no
    match (SQLite's snippet reads the index's positions, and keeps the body first)."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite reads the whole body for its snippet: it costs little there")
    steps = [f"Step {n}: the operators checked queue worker {n}" for n in range(400)]
    add(sessions, "Long night", summary="A zeppelin alarm.", timeline=[*steps, "Zeppelin fired"])
    with sessions() as session:
        snippet = search(session, SYSTEM, "zeppelin").hits[0].snippet
    assert "<mark>zeppelin</mark> alarm" in snippet and "fired" not in snippet


def test_control_characters_in_documents_cannot_forge_highlights(
    sessions: sessionmaker[Session],
) -> None:
    add(sessions, "Odd bytes", summary="before \x02<img src=x>\x03 the outage word")
    with sessions() as session:
        hit = search(session, SYSTEM, "outage").hits[0]
    assert "<img" not in hit.snippet
    assert hit.snippet.count("<mark>") == 1


def test_index_follows_updates_and_removals(library: sessionmaker[Session]) -> None:
    with library.begin() as session:
        doc = service.get_document(session, "stale-feature-flags-served", SYSTEM)
        doc.title = "Stale toggles served"
        doc.sections[0].markdown = "The toggle service served old values."
        service.update_document(session, doc.id or "", doc, SYSTEM, base_version=None)
        reindex(session, "stale-feature-flags-served")
    assert _ids(library, "toggles") == ["stale-feature-flags-served"]
    assert _ids(library, "cache") == []

    with library.begin() as session:
        pk = service.find_row(session, "stale-feature-flags-served", SYSTEM).pk
        remove_document(session, pk)
    assert _ids(library, "toggles") == []

    # a post-mortem deleted from the database takes its index entry with it
    with library.begin() as session:
        session.execute(delete(PostmortemRow).where(PostmortemRow.id.like("coredns%")))
    assert _ids(library, "coredns") == []
    with library() as session:
        assert (
            session.scalar(
                select(LibraryDocumentRow).where(LibraryDocumentRow.title.like("CoreDNS%"))
            )
            is None
        )


def test_soft_deleted_documents_are_not_found(library: sessionmaker[Session]) -> None:
    from kintsugi.core.types import utcnow

    with library.begin() as session:
        row = service.find_row(session, "partner-api-certificate-expired", SYSTEM)
        row.deleted_at = utcnow()
    assert _ids(library, "certificate") == []
    assert "partner-api-certificate-expired" not in _ids(library, "")


def test_reindex_all_rebuilds_everything(library: sessionmaker[Session]) -> None:
    with library.begin() as session:
        session.execute(delete(LibraryDocumentRow))
    assert _ids(library, "certificate") == []
    assert reindex_all(library) == 4
    assert _ids(library, "certificate") == ["partner-api-certificate-expired"]


@pytest.mark.parametrize(
    "query",
    ['"', "(", ")", "*", "-", "NOT", "OR OR", "a* b*", "'; DROP TABLE postmortems; --",
     'NEAR("a" "b", 3)', "col:val", "x:* & !y", "\\", "\x00", "é*", "::", "<->"],
)  # fmt: skip
def test_no_input_breaks_the_engine(sessions: sessionmaker[Session], query: str) -> None:
    add(sessions, "Anything at all", summary="some words here")
    with sessions() as session:
        try:
            result = search(session, SYSTEM, query)
        except InputError as error:
            assert error.field == "q"
        else:
            assert result.total >= 0


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        (SearchFilters(severity="SEV9"), "severity"),
        (SearchFilters(status="done"), "status"),
        (SearchFilters(year=20), "year"),
    ],
)
def test_bad_filters_are_input_errors(
    sessions: sessionmaker[Session], filters: SearchFilters, field: str
) -> None:
    with sessions() as session, pytest.raises(InputError) as caught:
        search(session, SYSTEM, "x", filters)
    assert caught.value.field == field


def test_restricted_documents_never_leak(sessions: sessionmaker[Session]) -> None:
    alice = user(sessions, "alice")
    bob = user(sessions, "bob", teams=["payments"])
    carol = user(sessions, "carol")
    add(
        sessions,
        "Payroll export leaked",
        summary="A payroll secret export was misrouted.",
        tags=["secret-tag"],
        services=["payroll"],
        severity=Severity.SEV1,
        year=2021,
        visibility=Visibility.RESTRICTED,
        access=["alice"],
    )
    add(
        sessions,
        "Payments team payroll outage",
        summary="The payroll job of the payments team failed.",
        tags=["team-tag"],
        year=2022,
        visibility=Visibility.TEAM,
        team="payments",
    )
    add(sessions, "Public payroll delay", summary="Payroll ran late.", tags=["public"])

    def seen(viewer: object, query: str) -> tuple[list[str], dict[str, dict[str, int]], int]:
        with sessions() as session:
            result = search(session, viewer, query)  # type: ignore[arg-type]
        facets = {k: {c.value: c.count for c in v} for k, v in result.facets.items()}
        return [h.id for h in result.hits], facets, result.total

    ids, facets, total = seen(carol, "payroll")
    assert ids == ["public-payroll-delay"] and total == 1
    assert "secret-tag" not in facets["tag"] and "team-tag" not in facets["tag"]
    assert "payroll" not in facets["service"]
    assert "SEV1" not in facets["severity"] and "2021" not in facets["year"]
    assert seen(carol, "secret") == ([], seen(carol, "secret")[1], 0)
    assert seen(carol, "")[2] == 1

    ids, facets, _ = seen(alice, "payroll")
    assert set(ids) == {"public-payroll-delay", "payroll-export-leaked"}
    assert facets["tag"].get("secret-tag") == 1

    ids, facets, _ = seen(bob, "payroll")
    assert set(ids) == {"public-payroll-delay", "payments-team-payroll-outage"}
    assert "secret-tag" not in facets["tag"]

    with sessions() as session:
        hits = search(session, carol, "export OR misrouted OR payroll").hits
    assert all("secret" not in h.snippet and "misrouted" not in h.snippet for h in hits)


def test_indexing_the_stored_document_equals_reading_it_back(
    sessions: sessionmaker[Session],
) -> None:
    from kintsugi.library.index import document_text, reindex_document
    from kintsugi.postmortems.document import Document, Section, TimelineEvent

    doc = Document(
        title="Disk full",
        tags=["capacity"],
        services=["builds"],
        sections=[
            Section(key="summary", heading="Summary", markdown="**Disk** filled up."),
            Section(key="timeline", heading="Timeline", markdown="- 10:00 alert fired"),
        ],
        timeline=[TimelineEvent(text="alert fired"), TimelineEvent(text="disk cleaned")],
    )
    with sessions.begin() as session:
        stored = service.create_document(session, doc, SYSTEM)
        row = service.find_row(session, stored.id or "", SYSTEM)
        reindex_document(session, row.pk, stored)
        fast = session.execute(select(LibraryDocumentRow.__table__)).one()._asdict()
        reindex_document(session, row.pk)
        slow = session.execute(select(LibraryDocumentRow.__table__)).one()._asdict()
        assert document_text(stored, row.created_at).summary == "Disk filled up."
    fast.pop("indexed_at"), slow.pop("indexed_at")
    assert fast == slow
    assert "disk cleaned" in fast["body"] and fast["body"].count("alert fired") == 1


def test_bulk_indexing_of_many_stored_documents(sessions: sessionmaker[Session]) -> None:
    from kintsugi.library.index import reindex_documents
    from kintsugi.postmortems.document import Document, Section

    with sessions.begin() as session:
        pairs = []
        for word in ("alpha", "beta", "gamma"):
            doc = Document(
                title=f"{word} outage",
                sections=[Section(key="summary", heading="Summary", markdown=f"{word} broke")],
            )
            stored = service.create_document(session, doc, SYSTEM)
            pairs.append((service.find_row(session, stored.id or "", SYSTEM).pk, stored))
        reindex_documents(session, pairs)
    assert _ids(sessions, "beta") == ["beta-outage"]
    assert len(_ids(sessions, "outage")) == 3
