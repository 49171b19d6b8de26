"""Searching the real post-mortems (``KINTSUGI_CORPUS``) finds the obvious ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.library.embeddings import load_embedder
from kintsugi.library.index import reindex_all
from kintsugi.library.search import SearchFilters, search
from kintsugi.library.similar import similar
from kintsugi.library.vectors import refresh_vectors
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems.importer import import_paths


@pytest.fixture
def library(sessions: sessionmaker[Session], corpus: Path) -> sessionmaker[Session]:
    result = import_paths(sessions, [corpus / "dfds", corpus / "posthog"], SYSTEM)
    assert result.ok, [str(e) for e in result.errors]
    reindex_all(sessions)  # a no-op once the service indexes on every write
    return sessions


def _top(sessions: sessionmaker[Session], query: str, n: int = 3, **filters: object) -> list[str]:
    with sessions() as session:
        found = search(session, SYSTEM, query, SearchFilters(**filters), limit=n)  # type: ignore[arg-type]
    return [hit.id for hit in found.hits]


def test_real_queries_find_the_obvious_post_mortems(library: sessionmaker[Session]) -> None:
    # PM2020-002: "Certificate for KIAM server expires"; PM2021-004: ADFS certificates expire
    assert set(_top(library, "certificate", 2)) == {
        "pm2020-002-kiam-service-disruption-on-hellman",
        "pm2021-004-adfs-outage",
    }
    traefik = _top(library, "Traefik", 5)
    assert "pm2025-002-traefik-rule-preventing-some-inbound-traffic" in traefik[:2]
    assert (
        "pm2021-008-kubernetes-ingress-controller-traefik-v2-configuration-caused-outage" in traefik
    )
    assert set(_top(library, "logs not shipped", 3)) >= {
        "pm2022-002-logs-not-shipped-to-cloudwatch",
        "pm2023-002-logs-not-shipped-to-cloudwatch",
    }
    flags = _top(library, "feature flags", 3)
    assert "2025-10-21-feature-flags-recurring-outages" in flags
    assert "2025-09-29-flags-is-down" in flags
    assert _top(library, '"Log4Shell"', 1) == ["pm2021-011-log4shell"]
    assert _top(library, "coredns", 1) == ["pm2020-004-coredns-upgrade-issue"]
    assert _top(library, "shai*", 1) == ["2025-11-26-shai-hulud-attack"]


def test_facets_and_filters_on_the_real_corpus(library: sessionmaker[Session]) -> None:
    with library() as session:
        everything = search(session, SYSTEM, "")
        kubernetes_2021 = search(session, SYSTEM, "kubernetes", SearchFilters(year=2021))
    years = {c.value: c.count for c in everything.facets["year"]}
    assert everything.total == sum(years.values()) >= 45
    assert {"2019", "2020", "2021", "2022", "2025"} <= set(years)
    assert kubernetes_2021.total == len(kubernetes_2021.hits) or kubernetes_2021.total > 20
    assert all(h.date is None or h.date.year == 2021 for h in kubernetes_2021.hits)


def test_similar_incidents_on_the_real_corpus(library: sessionmaker[Session]) -> None:
    encoder = load_embedder()
    assert encoder is not None
    with library.begin() as session:
        waiting = similar(session, SYSTEM, "pm2021-011-log4shell")
    # most documents wait for their vectors: the words still find some
    assert waiting.method == "combined" and waiting.without_vector > 40
    assert waiting.results
    assert refresh_vectors(library, encoder) == waiting.without_vector
    with library.begin() as session:
        logs = similar(session, SYSTEM, "pm2022-002-logs-not-shipped-to-cloudwatch", limit=3)
        lexical = similar(
            session, SYSTEM, "pm2022-002-logs-not-shipped-to-cloudwatch", method="lexical"
        )
        flux = similar(session, SYSTEM, "pm2021-002-flux-version-bump-causing-component-downtime")
    assert logs.method == "combined"
    assert "pm2023-002-logs-not-shipped-to-cloudwatch" in [r.id for r in logs.results][:2]
    assert "pm2023-002-logs-not-shipped-to-cloudwatch" in [r.id for r in lexical.results][:2]
    assert flux.results[0].id == ("pm2021-003-flux-version-bump-causing-component-downtime")
