"""The exact JSON (keys, order, formats) of the actions slice's reports, written out by hand."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from kintsugi.actions.digest import Digest
from kintsugi.actions.items import ItemView, TrackerLink
from kintsugi.actions.messages import ItemLine
from kintsugi.actions.report import Counts, OwnerCounts, Report
from kintsugi.actions.sync import SyncChange, SyncReport
from kintsugi.actions.worker import RunReport
from kintsugi.core.config import Settings
from kintsugi.notify.deliver import Outcome
from kintsugi.web.app import create_app


def _same(actual: object, expected: object) -> None:
    """Equal, with the keys in the same order at every level."""
    assert actual == expected
    assert json.dumps(actual) == json.dumps(expected)


def _counts() -> Counts:
    return Counts(
        total=10,
        open=3,
        in_progress=2,
        completed=4,
        wont_do=1,
        overdue=2,
        completed_with_due=3,
        completed_on_time=2,
    )


# completed / (total - won't do) = 4 / 9; on time / completed with a due date = 2 / 3
COUNTS_JSON = {
    "total": 10,
    "open": 3,
    "in_progress": 2,
    "completed": 4,
    "wont_do": 1,
    "overdue": 2,
    "completion_rate": 0.4444,
    "on_time_completion_rate": 0.6667,
}
EMPTY_JSON = {
    "total": 0,
    "open": 0,
    "in_progress": 0,
    "completed": 0,
    "wont_do": 0,
    "overdue": 0,
    "completion_rate": None,
    "on_time_completion_rate": None,
}


def test_counts_json() -> None:
    _same(_counts().to_json(), COUNTS_JSON)
    _same(Counts().to_json(), EMPTY_JSON)
    only_wont_do = Counts(total=2, wont_do=2).to_json()
    assert only_wont_do["completion_rate"] is None


def test_counts_add_keeps_the_rates() -> None:
    counts = Counts(total=1, completed=1, completed_with_due=1)
    counts.add(Counts(total=1, open=1, completed_with_due=1, completed_on_time=1))
    assert (counts.total, counts.open, counts.completed) == (2, 1, 1)
    assert (counts.completion_rate, counts.on_time_completion_rate) == (0.5, 0.5)


def test_counts_rates_follow_a_count_changed_directly() -> None:
    counts = _counts()
    counts.completed, counts.completed_on_time = 9, 3
    # 9 / (10 - 1) and 3 / 3: the rates are derived when read, never stored
    assert (counts.completion_rate, counts.on_time_completion_rate) == (1.0, 1.0)
    assert counts.to_json()["completion_rate"] == 1.0


def test_owner_counts_json_has_the_counts_inline_and_no_label() -> None:
    owner = OwnerCounts(owner="ana", owner_kind="person", counts=_counts(), label="Ana Lima")
    _same(owner.to_json(), {"owner": "ana", "owner_kind": "person", **COUNTS_JSON})


def test_report_json() -> None:
    created = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    item = ItemView(
        id=7,
        postmortem_id="2026-01-05-checkout-outage",
        postmortem_title="Checkout outage",
        title="Raise pool size",
        owner="ana",
        owner_kind="person",
        priority="P1",
        due=date(2026, 2, 1),
        status="open",
        wont_do_reason=None,
        version=2,
        overdue=True,
        created_at=created,
        updated_at=created,
        completed_at=None,
        tracker=TrackerLink(
            tracker="github",
            project="acme/shop",
            external_id="12",
            url="https://github.com/acme/shop/issues/12",
            remote_state="open",
            synced_at=created,
        ),
    )
    report = Report(
        today=date(2026, 3, 2),
        totals=_counts(),
        by_priority={"P0": Counts(total=1, open=1, overdue=1), "none": Counts()},
        by_owner=[
            OwnerCounts("payments", "team", Counts(total=1, completed=1)),
            OwnerCounts("ana", "person", _counts(), "Ana Lima"),
        ],
        oldest_overdue=[item],
    )
    p0 = {**EMPTY_JSON, "total": 1, "open": 1, "overdue": 1, "completion_rate": 0.0}
    team = {**EMPTY_JSON, "total": 1, "completed": 1, "completion_rate": 1.0}
    _same(
        report.to_json(),
        {
            "as_of": "2026-03-02",
            **COUNTS_JSON,
            "by_priority": {"P0": p0, "none": EMPTY_JSON},
            "by_owner": [
                {"owner": "payments", "owner_kind": "team", **team},
                {"owner": "ana", "owner_kind": "person", **COUNTS_JSON},
            ],
            # an item is written as the API's ItemView writes it
            "oldest_overdue": [item.to_json()],
        },
    )


def _schema_of(schemas: dict[str, Any], name: str) -> tuple[list[str], list[str]]:
    schema = schemas[name]
    return list(schema["properties"]), schema["required"]


def test_the_openapi_schemas_name_the_keys_of_the_flat_json() -> None:
    """The report route's response model is ``Report``: its schema, and those of the counts it
    holds, have exactly the keys that the JSON has (the counts inline, no hidden fields)."""
    app = create_app(Settings(database_url="sqlite://"))
    schemas = app.openapi()["components"]["schemas"]
    app.state.engine.dispose()
    counts = list(COUNTS_JSON)
    assert _schema_of(schemas, "Counts") == (counts, counts)
    owner = ["owner", "owner_kind", *counts]
    assert _schema_of(schemas, "OwnerCounts") == (owner, owner)
    report = ["as_of", *counts, "by_priority", "by_owner", "oldest_overdue"]
    assert _schema_of(schemas, "Report") == (report, report)
    assert schemas["Report"]["properties"]["by_owner"]["items"] == {
        "$ref": "#/components/schemas/OwnerCounts"
    }


def test_sync_report_json() -> None:
    updated = SyncChange(
        7, "#12", "https://github.com/acme/shop/issues/12", "open -> completed", "closed"
    )
    conflict = SyncChange(9, "OPS-4", "https://jira.example.com/browse/OPS-4", "wont_do", "Done")
    report = SyncReport(
        updated=[updated], conflicts=[conflict], unchanged=3, errors=["Jira OPS: HTTP 500"]
    )
    updated_json = {
        "item_id": 7,
        "issue": "#12",
        "url": "https://github.com/acme/shop/issues/12",
        "local": "open -> completed",
        "remote": "closed",
    }
    _same(updated.to_json(), updated_json)
    _same(
        report.to_json(),
        {
            "updated": [updated_json],
            "conflicts": [
                {
                    "item_id": 9,
                    "issue": "OPS-4",
                    "url": "https://jira.example.com/browse/OPS-4",
                    "local": "wont_do",
                    "remote": "Done",
                }
            ],
            "unchanged": 3,
            "errors": ["Jira OPS: HTTP 500"],
        },
    )
    _same(SyncReport().to_json(), {"updated": [], "conflicts": [], "unchanged": 0, "errors": []})


def test_run_report_json() -> None:
    report = RunReport(
        worker="host-1:4242",
        started_at=datetime(2026, 3, 2, 8, 0, 5, tzinfo=timezone(timedelta(hours=2))),
        assignments=2,
        reminders=1,
        digest="sent",
        jobs={"learning digest": "not due"},
    )
    report.record(
        "assigned:7",
        [
            Outcome("slack", "sent", 1, recipient="#ops", provider_id="1700.1"),
            Outcome("email", "skipped", 0),
        ],
    )
    report.record(
        "reminder:9",
        [Outcome("email", "failed", 3, "ana@example.com", error="HTTP 500", retryable=True)],
    )
    _same(
        report.to_json(),
        {
            "worker": "host-1:4242",
            "started_at": "2026-03-02T08:00:05+02:00",
            "assignments": 2,
            "reminders": 1,
            "digest": "sent",
            "jobs": {"learning digest": "not due"},
            "sent": [
                {
                    "key": "assigned:7",
                    "channel": "slack",
                    "status": "sent",
                    "attempts": 1,
                    "recipient": "#ops",
                    "error": None,
                }
            ],
            "failed": [
                {
                    "key": "reminder:9",
                    "channel": "email",
                    "status": "failed",
                    "attempts": 3,
                    "recipient": "ana@example.com",
                    "error": "HTTP 500",
                }
            ],
        },
    )


def test_digest_json() -> None:
    overdue = ItemLine(
        id=5,
        title="Rotate keys",
        owner="ana",
        priority="P0",
        due=date(2026, 2, 1),
        status="open",
        postmortem_id="2026-01-05-checkout-outage",
        postmortem_title="Checkout outage",
    )
    done = ItemLine(
        id=6,
        title="Add an alert",
        owner=None,
        priority=None,
        due=None,
        status="completed",
        postmortem_id="2026-01-05-checkout-outage",
        postmortem_title="Checkout outage",
    )
    digest = Digest(
        as_of=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        totals=_counts(),
        overdue_by_priority={"P0": [overdue], "none": []},
        overdue_counts={"P0": 2, "none": 0},
        completed_this_week=[done],
        completed_this_week_count=1,
        withheld=1,
        limit=20,
        notes=["not on the wire"],
    )
    _same(
        digest.to_json(),
        {
            "as_of": "2026-03-02T09:00:00+00:00",
            **COUNTS_JSON,
            "overdue_by_priority": {
                "P0": {
                    "count": 2,
                    "items": [
                        {
                            "id": 5,
                            "title": "Rotate keys",
                            "owner": "ana",
                            "priority": "P0",
                            "due": "2026-02-01",
                            "postmortem_id": "2026-01-05-checkout-outage",
                        }
                    ],
                },
                "none": {"count": 0, "items": []},
            },
            "completed_this_week": {
                "count": 1,
                "items": [
                    {
                        "id": 6,
                        "title": "Add an alert",
                        "owner": None,
                        "priority": None,
                        "due": None,
                        "postmortem_id": "2026-01-05-checkout-outage",
                    }
                ],
            },
            "withheld": 1,
        },
    )
