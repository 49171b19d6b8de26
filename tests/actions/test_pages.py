"""The board, its inline status change, the report page and the post-mortem partial."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.postmortems.document import ActionItem, Priority, Visibility
from tests.actions.helpers import make_postmortem, make_user
from tests.actions.webapp import client_for


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    sessions = make_sessionmaker(make_engine(db_url))
    make_postmortem(
        sessions,
        "Checkout outage",
        [
            ActionItem(title="Raise <pool> size", owner="ana", priority=Priority.P1),
            ActionItem(title="Load test", owner="ben"),
        ],
    )
    with client_for(db_url) as test_client:
        yield test_client


def _item_id(client: TestClient, owner: str) -> int:
    found = client.get("/api/v1/actions", params={"owner": owner}).json()["items"]
    return int(found[0]["id"])


def test_board_lists_filters_and_escapes(client: TestClient) -> None:
    page = client.get("/actions")
    assert page.status_code == 200
    assert "Raise &lt;pool&gt; size" in page.text
    assert "Load test" in page.text
    assert '<script src="/static/vendor/htmx.min.js"' in page.text
    rows = client.get("/actions?owner=ben", headers={"HX-Request": "true", "HX-Target": "rows"})
    assert "<html" not in rows.text
    assert "Load test" in rows.text
    assert "Raise" not in rows.text
    assert "1 action item" in rows.text


def test_inline_status_change_returns_the_row(client: TestClient) -> None:
    item_id = _item_id(client, "ana")
    headers = {"HX-Request": "true"}
    row = client.post(
        f"/actions/{item_id}/status",
        data={"status": "in_progress", "base_version": "1"},
        headers=headers,
    )
    assert row.status_code == 200
    assert row.text.lstrip().startswith(f'<tr id="action-{item_id}"')
    assert '<option value="in_progress" selected>' in row.text
    assert client.get(f"/api/v1/actions/{item_id}").json()["status"] == "in_progress"

    no_reason = client.post(
        f"/actions/{item_id}/status",
        data={"status": "wont_do", "base_version": "2"},
        headers=headers,
    )
    assert "needs a reason" in no_reason.text
    stale = client.post(
        f"/actions/{item_id}/status",
        data={"status": "completed", "base_version": "1"},
        headers=headers,
    )
    assert "changed since version 1" in stale.text
    assert client.get(f"/api/v1/actions/{item_id}").json()["status"] == "in_progress"
    with_reason = client.post(
        f"/actions/{item_id}/status",
        data={"status": "wont_do", "reason": "pool replaced", "base_version": "2"},
        headers=headers,
    )
    assert 'value="pool replaced"' in with_reason.text
    plain = client.post(
        f"/actions/{item_id}/status",
        data={"status": "open", "base_version": "3"},
        follow_redirects=False,
    )
    assert plain.status_code == 303


def test_report_page(client: TestClient) -> None:
    page = client.get("/actions/report")
    assert page.status_code == 200
    assert '<dd id="total">2</dd>' in page.text
    assert '<dd id="completion-rate">0.0%</dd>' in page.text
    assert "ana" in page.text


def test_postmortem_partial(client: TestClient) -> None:
    partial = client.get("/postmortems/checkout-outage/actions")
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert "Load test" in partial.text
    assert client.get("/postmortems/nope/actions").status_code == 404


def test_pages_hide_restricted_items(db_url: str) -> None:
    sessions = make_sessionmaker(make_engine(db_url))
    make_postmortem(
        sessions, "Secret", [ActionItem(title="Hidden item")], visibility=Visibility.RESTRICTED
    )
    viewer = make_user(sessions, "vera")
    with client_for(db_url, viewer) as client:
        assert "Hidden item" not in client.get("/actions").text
        assert '<dd id="total">0</dd>' in client.get("/actions/report").text
        assert client.get("/postmortems/secret/actions").status_code == 404
