"""The library's wire shapes: the JSON the API and ``--json`` give, key for key and in order."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from kintsugi.library.search import FacetCount, Hit, SearchFilters, SearchResult
from kintsugi.library.similar import SimilarIncident, SimilarResult
from kintsugi.library.similar_eval import Evaluation, MethodScore
from kintsugi.library.static import BuildResult


def _same(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    """Equal, with the keys in the same order (as a client reading the text sees them)."""
    assert json.dumps(actual) == json.dumps(expected)


def test_search_result_json() -> None:
    result = SearchResult(
        query="dns timeout",
        filters=SearchFilters(tag="dns", year=2025, team="Core"),
        total=42,
        hits=[
            Hit(
                id="dns-outage",
                title="DNS outage",
                severity="SEV1",
                status="published",
                kind="postmortem",
                date=date(2025, 3, 9),
                tags=["dns", "network"],
                services=["resolver"],
                snippet="a <mark>dns</mark> timeout",
                score=0.8125,
            ),
            Hit(
                id="near-miss",
                title="A near miss",
                severity=None,
                status="draft",
                kind="near_miss",
                date=None,
                tags=[],
                services=[],
                snippet="",
                score=None,
            ),
        ],
        facets={
            "tag": [FacetCount("dns", 3), FacetCount("network", 1)],
            "year": [FacetCount("2025", 4)],
            "cause": [],
        },
        limit=2,
        offset=4,
    )
    _same(
        result.to_json(),
        {
            "query": "dns timeout",
            "filters": {"tag": "dns", "year": 2025, "team": "Core"},
            "total": 42,
            "limit": 2,
            "offset": 4,
            "facets": {
                "tag": [{"value": "dns", "count": 3}, {"value": "network", "count": 1}],
                "year": [{"value": "2025", "count": 4}],
                "cause": [],
            },
            "results": [
                {
                    "id": "dns-outage",
                    "title": "DNS outage",
                    "severity": "SEV1",
                    "status": "published",
                    "kind": "postmortem",
                    "date": "2025-03-09",
                    "tags": ["dns", "network"],
                    "services": ["resolver"],
                    "snippet": "a <mark>dns</mark> timeout",
                    "score": 0.8125,
                },
                {
                    "id": "near-miss",
                    "title": "A near miss",
                    "severity": None,
                    "status": "draft",
                    "kind": "near_miss",
                    "date": None,
                    "tags": [],
                    "services": [],
                    "snippet": "",
                    "score": None,
                },
            ],
        },
    )


def test_search_filters_json_holds_only_those_set_in_order() -> None:
    assert SearchFilters().to_json() == {}
    every = SearchFilters(
        team="Core",
        kind="premortem",
        cause="deploy",
        status="published",
        year=2024,
        severity="SEV2",
        service="api",
        tag="db",
    )
    _same(
        every.to_json(),
        {
            "tag": "db",
            "service": "api",
            "severity": "SEV2",
            "year": 2024,
            "status": "published",
            "cause": "deploy",
            "kind": "premortem",
            "team": "Core",
        },
    )
    assert SearchFilters(tag="").to_json() == {"tag": ""}  # only None is left out


def test_search_result_defaults_json() -> None:
    result = SearchResult(query="", filters=SearchFilters(), total=0, hits=[])
    _same(
        result.to_json(),
        {
            "query": "",
            "filters": {},
            "total": 0,
            "limit": 20,
            "offset": 0,
            "facets": {},
            "results": [],
        },
    )


def test_similar_result_json() -> None:
    result = SimilarResult(
        "dns-outage",
        "DNS outage",
        "lexical",
        [
            SimilarIncident(
                "resolver-crash", "Resolver crash", "SEV2", "published", date(2024, 12, 31), 1.0
            ),
            SimilarIncident("undated", "Undated", None, "draft", None, 0.25),
        ],
    )
    _same(
        result.to_json(),
        {
            "id": "dns-outage",
            "title": "DNS outage",
            "method": "lexical",
            "results": [
                {
                    "id": "resolver-crash",
                    "title": "Resolver crash",
                    "severity": "SEV2",
                    "status": "published",
                    "date": "2024-12-31",
                    "score": 1.0,
                },
                {
                    "id": "undated",
                    "title": "Undated",
                    "severity": None,
                    "status": "draft",
                    "date": None,
                    "score": 0.25,
                },
            ],
            "without_vector": 0,
        },
    )


def test_evaluation_json() -> None:
    evaluation = Evaluation(
        k=5,
        documents=12,
        queries=10,
        groups=3,
        scores=[MethodScore("lexical", 0.6, {"dns": 0.5, "disk": 0.75})],
        skipped=[("a/b.md", "missing"), ("c.md", "content differs from its recorded SHA-256")],
    )
    _same(
        evaluation.to_json(),
        {
            "k": 5,
            "documents": 12,
            "queries": 10,
            "groups": 3,
            "scores": [
                {"method": "lexical", "precision": 0.6, "per_group": {"dns": 0.5, "disk": 0.75}}
            ],
            "skipped": [
                {"file": "a/b.md", "reason": "missing"},
                {"file": "c.md", "reason": "content differs from its recorded SHA-256"},
            ],
        },
    )


def test_build_result_json() -> None:
    _same(
        BuildResult(Path("site/out"), 7, 2).to_json(),
        {"out_dir": "site/out", "documents": 7, "left_out": 2},
    )
