"""The /api/v1/actions API over TestClient, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kintsugi.actions.report import build_report
from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems.document import ActionItem, Visibility
from tests.actions.helpers import make_postmortem, make_user
from tests.actions.webapp import client_for


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    sessions = make_sessionmaker(make_engine(db_url))
    make_postmortem(sessions, "Checkout outage", [ActionItem(title="Raise pool size", owner="ana")])
    make_postmortem(
        sessions, "Secret", [ActionItem(title="Rotate keys")], visibility=Visibility.RESTRICTED
    )
    with client_for(db_url) as test_client:
        yield test_client


def test_create_get_patch_and_history(client: TestClient) -> None:
    created = client.post(
        "/api/v1/actions",
        json={
            "postmortem_id": "checkout-outage",
            "title": "Alert on saturation",
            "owner": "sre",
            "priority": "P0",
            "due": "2026-12-15",
        },
    )
    assert created.status_code == 201, created.text
    item = created.json()
    assert created.headers["ETag"] == f'"{item["id"]}-1"'
    got = client.get(f"/api/v1/actions/{item['id']}")
    assert got.json()["title"] == "Alert on saturation"

    patched = client.patch(
        f"/api/v1/actions/{item['id']}",
        json={"status": "in_progress", "comment": "on it", "base_version": 1},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == 2
    with_etag = client.patch(
        f"/api/v1/actions/{item['id']}",
        json={"due": None},
        headers={"If-Match": patched.headers["ETag"]},
    )
    assert with_etag.status_code == 200
    assert with_etag.json()["due"] is None

    stale = client.patch(f"/api/v1/actions/{item['id']}", json={"owner": "x", "base_version": 1})
    assert stale.status_code == 409
    assert stale.json()["current"]["version"] == 3
    assert stale.json()["current"]["owner"] == "sre"

    missing = client.patch(f"/api/v1/actions/{item['id']}", json={"owner": "x"})
    assert missing.status_code == 428

    history = client.get(f"/api/v1/actions/{item['id']}/history").json()
    assert [h["kind"] for h in history] == ["created", "updated", "updated"]
    assert history[1]["comment"] == "on it"
    assert history[2]["changes"] == {"due": ["2026-12-15", None]}


def test_list_filters_and_report(client: TestClient) -> None:
    client.post(
        "/api/v1/actions",
        json={"postmortem_id": "checkout", "title": "Old thing", "due": "2020-01-01"},
    )
    everything = client.get("/api/v1/actions").json()
    assert everything["total"] == 3
    overdue = client.get("/api/v1/actions", params={"overdue": "true"}).json()
    assert [i["title"] for i in overdue["items"]] == ["Old thing"]
    by_owner = client.get("/api/v1/actions", params={"owner": "ana"}).json()
    assert [i["title"] for i in by_owner["items"]] == ["Raise pool size"]
    assert client.get("/api/v1/actions", params={"status": "bogus"}).status_code == 422
    report = client.get("/api/v1/actions/report").json()
    assert (report["total"], report["overdue"]) == (3, 1)
    assert report["oldest_overdue"][0]["title"] == "Old thing"


def test_report_answer_is_the_json_of_the_report(client: TestClient, db_url: str) -> None:
    """The route returns the Report itself: its body is what ``actions report --json`` prints,
    keys in the same order (as_of first, then the totals inline; each owner before its counts)."""
    client.post(
        "/api/v1/actions",
        json={"postmortem_id": "checkout", "title": "Old thing", "due": "2020-01-01"},
    )
    answer = client.get("/api/v1/actions/report")
    sessions = make_sessionmaker(make_engine(db_url))
    with sessions.begin() as session:
        expected = build_report(session, SYSTEM).to_json()
    assert json.dumps(answer.json()) == json.dumps(expected)
    assert list(expected)[:2] == ["as_of", "total"]
    assert list(expected["by_owner"][0])[:3] == ["owner", "owner_kind", "total"]
    assert expected["oldest_overdue"][0]["title"] == "Old thing"


def test_errors(client: TestClient) -> None:
    assert client.get("/api/v1/actions/9999").status_code == 404
    bad = client.post("/api/v1/actions", json={"postmortem_id": "checkout", "title": ""})
    assert bad.status_code == 422
    nowhere = client.post("/api/v1/actions", json={"postmortem_id": "nowhere", "title": "x"})
    assert nowhere.status_code == 404
    item_id = client.get("/api/v1/actions", params={"owner": "ana"}).json()["items"][0]["id"]
    wont = client.patch(f"/api/v1/actions/{item_id}", json={"status": "wont_do", "base_version": 1})
    assert wont.status_code == 422
    assert "reason" in wont.json()["detail"]
    bad_etag = client.patch(
        f"/api/v1/actions/{item_id}", json={"owner": "x"}, headers={"If-Match": '"1-x"'}
    )
    assert bad_etag.status_code == 422


def test_viewers_see_only_visible_items_and_cannot_write(db_url: str) -> None:
    sessions = make_sessionmaker(make_engine(db_url))
    make_postmortem(sessions, "Public", [ActionItem(title="Public item")])
    secret = make_postmortem(
        sessions, "Secret", [ActionItem(title="Secret item")], visibility=Visibility.RESTRICTED
    )
    secret_item = secret.action_items[0].id
    viewer = make_user(sessions, "vera", role=Role.VIEWER)
    with client_for(db_url, viewer) as client:
        listed = client.get("/api/v1/actions").json()
        assert [i["title"] for i in listed["items"]] == ["Public item"]
        assert client.get(f"/api/v1/actions/{secret_item}").status_code == 404
        assert client.get(f"/api/v1/actions/{secret_item}/history").status_code == 404
        assert client.get("/api/v1/actions/report").json()["total"] == 1
        public_item = listed["items"][0]["id"]
        denied = client.patch(
            f"/api/v1/actions/{public_item}", json={"owner": "vera", "base_version": 1}
        )
        assert denied.status_code == 403
        denied = client.post("/api/v1/actions", json={"postmortem_id": "public", "title": "x"})
        assert denied.status_code == 403
