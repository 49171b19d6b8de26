"""The library over HTTP: GET /api/v1/search, similar incidents, and the /library page."""

from __future__ import annotations

import functools
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.people.principal import Role
from kintsugi.postmortems.document import Severity, Visibility

from .conftest import token_for
from .helpers import add


def _seed(sessions: sessionmaker[Session]) -> None:
    add(
        sessions,
        "Partner API certificate expired",
        summary="The TLS certificate of the partner API expired <overnight>.",
        tags=["tls"],
        services=["partner-api"],
        severity=Severity.SEV1,
        year=2024,
    )
    add(
        sessions,
        "CoreDNS upgrade broke resolution",
        summary="CoreDNS pods crash-looped after the upgrade.",
        tags=["dns"],
        severity=Severity.SEV2,
        year=2025,
    )
    add(
        sessions,
        "Secret certificate leak",
        summary="A private certificate was leaked.",
        tags=["secret-tag"],
        visibility=Visibility.RESTRICTED,
    )


def test_search_api_returns_results_facets_and_snippets(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    _seed(app_sessions)
    response = client.get("/api/v1/search", params={"q": "certificate"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2  # the admin sees the restricted one too
    first = body["results"][0]
    assert set(first) >= {"id", "title", "severity", "date", "tags", "snippet", "score"}
    assert {r["id"] for r in body["results"]} == {
        "partner-api-certificate-expired",
        "secret-certificate-leak",
    }
    partner = next(r for r in body["results"] if r["id"] == "partner-api-certificate-expired")
    assert partner["date"] == "2024-06-01" and partner["tags"] == ["tls"]
    assert "<mark>certificate</mark>" in partner["snippet"] or "<mark>" in partner["snippet"]
    assert "<overnight>" not in partner["snippet"]
    assert set(body["facets"]) == {"tag", "service", "severity", "year", "status", "cause"}

    filtered = client.get(
        "/api/v1/search", params={"q": "certificate", "severity": "SEV1", "year": 2024}
    ).json()
    assert [r["id"] for r in filtered["results"]] == ["partner-api-certificate-expired"]
    paged = client.get("/api/v1/search", params={"limit": 1, "offset": 1}).json()
    assert paged["total"] == 3 and len(paged["results"]) == 1


def test_search_api_errors(client: TestClient) -> None:
    bad = client.get("/api/v1/search", params={"q": "dns AND"})
    assert bad.status_code == 422
    assert "AND needs a search term after it" in bad.json()["detail"]
    assert client.get("/api/v1/search", params={"severity": "SEV9"}).status_code == 422
    assert client.get("/api/v1/search", params={"limit": 1000}).status_code == 422
    unknown_team = client.get("/api/v1/search", params={"q": "dns", "team": "nobody"})
    assert unknown_team.status_code == 422 and "unknown team 'nobody'" in str(unknown_team.json())
    unknown_kind = client.get("/api/v1/search", params={"kind": "retro"})
    assert unknown_kind.status_code == 422 and "unknown kind 'retro'" in str(unknown_kind.json())


def test_viewers_only_find_what_they_may_see(
    app: FastAPI, app_sessions: sessionmaker[Session]
) -> None:
    _seed(app_sessions)
    token = token_for(app_sessions, "viewer", Role.VIEWER)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as viewer:
        body = viewer.get("/api/v1/search", params={"q": "certificate"}).json()
        assert [r["id"] for r in body["results"]] == ["partner-api-certificate-expired"]
        assert body["total"] == 1
        assert "secret-tag" not in {c["value"] for c in body["facets"]["tag"]}
        page = viewer.get("/library", params={"q": "leaked OR certificate"})
        assert "Secret certificate" not in page.text and "secret-tag" not in page.text
        assert viewer.get("/api/v1/postmortems/secret-certificate-leak/similar").status_code == 404
        similar = viewer.get(
            "/api/v1/postmortems/partner-api-certificate-expired/similar",
            params={"method": "lexical"},
        ).json()
        assert "secret-certificate-leak" not in [r["id"] for r in similar["results"]]


def test_anonymous_callers_are_refused(app: FastAPI) -> None:
    with TestClient(app) as anonymous:
        assert anonymous.get("/api/v1/search", params={"q": "x"}).status_code == 401


def test_similar_api(client: TestClient, app_sessions: sessionmaker[Session]) -> None:
    _seed(app_sessions)
    response = client.get(
        "/api/v1/postmortems/partner-api-certificate-expired/similar",
        params={"limit": 2, "method": "lexical"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["method"] == "lexical" and body["id"] == "partner-api-certificate-expired"
    assert body["results"][0]["id"] == "secret-certificate-leak"
    assert (
        client.get(
            "/api/v1/postmortems/partner-api-certificate-expired/similar", params={"method": "x"}
        ).status_code
        == 422
    )


def test_library_page_searches_as_you_type(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    _seed(app_sessions)
    page = client.get("/library")
    assert page.status_code == 200
    assert 'hx-get="/library"' in page.text and "Recently added" in page.text
    own_scripts = (
        '<script src="/static/vendor/htmx.min.js" defer></script>',
        '<script src="/static/kintsugi.js" defer></script>',
    )
    assert "<script" not in functools.reduce(
        lambda text, tag: text.replace(tag, ""), own_scripts, page.text
    )
    assert re.search(r'data-facet="year".*2024.*<span class="count">1</span>', page.text, re.S)

    fragment = client.get("/library", params={"q": "coredns"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "CoreDNS upgrade broke resolution" in fragment.text
    assert "Partner API" not in fragment.text
    assert "<mark>CoreDNS</mark>" in fragment.text

    faceted = client.get("/library", params={"tag": "tls"})
    assert "Partner API certificate expired" in faceted.text and "CoreDNS" not in faceted.text
    assert "tag: tls" in faceted.text

    bad = client.get("/library", params={"q": "(dns"}, headers={"HX-Request": "true"})
    assert bad.status_code == 200 and "without a matching" in bad.text
    assert client.get("/library", params={"q": "(dns"}).status_code == 422


def test_similar_fragment_for_the_document_page(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    _seed(app_sessions)
    fragment = client.get("/library/similar/coredns-upgrade-broke-resolution")
    assert fragment.status_code == 200
    assert "Similar incidents" in fragment.text and "<html" not in fragment.text
    assert "Compared by words, meaning, services and tags" in fragment.text
