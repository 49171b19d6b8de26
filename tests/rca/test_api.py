"""The RCA JSON API on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kintsugi.people.principal import Role
from tests.rca.conftest import PM_ID, full_analysis, make_token

BASE = f"/api/v1/postmortems/{PM_ID}/rca"


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    token = make_token(app, "ed", Role.EDITOR)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as test_client:
        yield test_client


def test_get_put_and_conflict(client: TestClient) -> None:
    fresh = client.get(BASE)
    assert fresh.status_code == 200, fresh.text
    body = fresh.json()
    assert body["version"] == 0
    assert body["analysis"]["changes"][0]["related"] == "unknown"
    event_ids = {e["id"] for e in body["events"]}
    assert body["analysis"]["changes"][0]["evidence"][0]["event_id"] in event_ids

    analysis = body["analysis"] | {"problem": "Orders stalled"}
    saved = client.put(BASE, json={"base_version": 0, "analysis": analysis})
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 1

    stale = client.put(BASE, json={"base_version": 0, "analysis": {"problem": "Late"}})
    assert stale.status_code == 409
    assert stale.json()["current"]["analysis"]["problem"] == "Orders stalled"
    assert client.get(BASE).json()["analysis"]["problem"] == "Orders stalled"

    versions = client.get(f"{BASE}/versions").json()
    assert [v["version"] for v in versions] == [1]
    assert client.get(f"{BASE}/versions/1").json()["problem"] == "Orders stalled"
    assert client.get(f"{BASE}/versions/9").status_code == 404


def test_one_technique_at_a_time(client: TestClient) -> None:
    imported = client.post(f"{BASE}/import", json=full_analysis())
    assert imported.status_code == 200, imported.text
    barriers = [
        {"name": "Canary", "type": "technical", "state": "failed", "why": "Too short"},
    ]
    response = client.put(f"{BASE}/barriers", json={"base_version": 1, "value": barriers})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [b["name"] for b in body["analysis"]["barriers"]] == ["Canary"]
    new_id = body["analysis"]["barriers"][0]["id"]
    assert new_id not in ("barrier-1", "barrier-2")  # ids of removed items are not reused
    assert len(body["analysis"]["fishbone"]) == 2  # the rest is kept
    # the link to the removed barrier-1 went with it; the one to why-3 stays
    assert [link["target"] for link in body["analysis"]["links"]] == ["why-3"]
    assert {u["target"] for u in body["unaddressed"]} == {"fish-1", "node-2", new_id}

    bad = client.put(
        f"{BASE}/causal_tree",
        json={"base_version": 2, "value": [{"kind": "root_cause", "text": "x", "parent": "x"}]},
    )
    assert bad.status_code == 422
    assert "causal_tree" in bad.json()["detail"]
    unknown = client.put(f"{BASE}/astrology", json={"base_version": 2, "value": []})
    assert unknown.status_code == 422


def test_import_errors_name_the_field(client: TestClient) -> None:
    data: dict[str, Any] = full_analysis()
    data["fishbone"][1]["bone"] = "luck"
    response = client.post(f"{BASE}/import", json=data)
    assert response.status_code == 422
    assert "fishbone[1].bone" in response.json()["detail"]
    assert client.get(BASE).json()["version"] == 0


def test_diagrams(client: TestClient) -> None:
    client.post(f"{BASE}/import", json=full_analysis())
    svg = client.get(f"{BASE}/diagrams/fishbone")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.startswith("<svg") and "Prefetch of 1" in svg.text
    tree = client.get(f"{BASE}/diagrams/tree", params={"format": "mermaid"})
    assert tree.text.startswith("flowchart LR")
    assert client.get(f"{BASE}/diagrams/venn").status_code == 422


def test_visibility_and_roles(app: FastAPI, client: TestClient) -> None:
    assert client.get("/api/v1/postmortems/secret/rca").status_code == 404
    assert (
        client.put(
            "/api/v1/postmortems/secret/rca", json={"base_version": 0, "analysis": {}}
        ).status_code
        == 404
    )
    token = make_token(app, "viewer", Role.VIEWER)
    viewer = {"Authorization": f"Bearer {token}"}
    assert client.get(BASE, headers=viewer).status_code == 200
    refused = client.put(BASE, headers=viewer, json={"base_version": 0, "analysis": {}})
    assert refused.status_code == 403


def test_categories_and_recurring(app: FastAPI, client: TestClient) -> None:
    categories = client.get("/api/v1/rca/categories").json()
    assert any(c["key"] == "config-change" for c in categories)
    refused = client.put("/api/v1/rca/categories", json={"categories": categories})
    assert refused.status_code == 403  # editors may not change the taxonomy
    token = make_token(app, "fay", Role.FACILITATOR)
    facilitator = {"Authorization": f"Bearer {token}"}
    categories.append({"key": "vendor", "label": "Vendor", "description": "", "archived": False})
    changed = client.put(
        "/api/v1/rca/categories", headers=facilitator, json={"categories": categories}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()[-1]["key"] == "vendor"
    shrunk = client.put(
        "/api/v1/rca/categories", headers=facilitator, json={"categories": categories[:3]}
    )
    assert shrunk.status_code == 422

    client.post(f"{BASE}/import", json=full_analysis())
    recurring = client.get("/api/v1/rca/recurring", params={"min_count": 1}).json()
    assert {r["category"] for r in recurring} >= {"config-change", "testing-gap"}
    assert client.get("/api/v1/rca/recurring").json() == []
