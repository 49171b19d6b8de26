"""The post-mortems' wire shapes: the JSON the API and ``--json`` give, key for key and in order."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from kintsugi.core.errors import InputError
from kintsugi.postmortems.importer import ImportResult
from kintsugi.postmortems.listing import Summary


def _same(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    """Equal, with the keys in the same order (as a client reading the text sees them)."""
    assert json.dumps(actual) == json.dumps(expected)


def test_summary_json_writes_datetimes_as_isoformat() -> None:
    summary = Summary(
        id="dns-outage",
        title="DNS outage",
        kind="postmortem",
        status="in_review",
        severity="SEV1",
        started_at=datetime(2025, 3, 9, 14, 5, tzinfo=UTC),
        updated_at=datetime(2025, 3, 10, 8, 30, 15, 250000, tzinfo=timezone(timedelta(hours=2))),
        tags=["dns"],
        services=["resolver", "edge"],
        visibility="team",
    )
    _same(
        summary.to_json(),
        {
            "id": "dns-outage",
            "title": "DNS outage",
            "kind": "postmortem",
            "status": "in_review",
            "severity": "SEV1",
            "started_at": "2025-03-09T14:05:00+00:00",
            "updated_at": "2025-03-10T08:30:15.250000+02:00",
            "tags": ["dns"],
            "services": ["resolver", "edge"],
            "visibility": "team",
        },
    )


def test_summary_json_without_start_or_severity() -> None:
    summary = Summary(
        id="near-miss",
        title="A near miss",
        kind="near_miss",
        status="draft",
        severity=None,
        started_at=None,
        updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        tags=[],
        services=[],
        visibility="organisation",
    )
    _same(
        summary.to_json(),
        {
            "id": "near-miss",
            "title": "A near miss",
            "kind": "near_miss",
            "status": "draft",
            "severity": None,
            "started_at": None,
            "updated_at": "2026-01-02T03:04:05+00:00",
            "tags": [],
            "services": [],
            "visibility": "organisation",
        },
    )


def test_import_result_json() -> None:
    result = ImportResult(
        created=[(Path("in/a.md"), "a"), (Path("in/sub/b.md"), "b")],
        updated=[(Path("in/c.md"), "c")],
        errors=[
            InputError("title is required", file="in/d.md", line=3, field="title"),
            InputError("not valid UTF-8"),
        ],
    )
    _same(
        result.to_json(),
        {
            "created": [{"file": "in/a.md", "id": "a"}, {"file": "in/sub/b.md", "id": "b"}],
            "updated": [{"file": "in/c.md", "id": "c"}],
            "errors": [
                {"file": "in/d.md", "line": 3, "field": "title", "message": "title is required"},
                {"file": None, "line": None, "field": None, "message": "not valid UTF-8"},
            ],
        },
    )
    assert ImportResult().to_json() == {"created": [], "updated": [], "errors": []}
