"""The JSON API for post-mortems, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service


def _create(client: TestClient, **body: Any) -> dict[str, Any]:
    payload = {"title": "Queue backlog", "severity": "SEV3", "tags": ["queues"], **body}
    response = client.post("/api/v1/postmortems", json=payload)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_create_get_list(client: TestClient) -> None:
    created = _create(
        client,
        sections=[{"key": "summary", "heading": "Summary", "markdown": "Emails were late."}],
        action_items=[{"title": "Add backoff", "owner": "Jonas", "priority": "P1"}],
    )
    assert created["id"] == "queue-backlog"
    assert created["version"] == 1
    assert created["action_items"][0]["priority"] == "P1"
    got = client.get("/api/v1/postmortems/queue-backlog").json()
    assert got["sections"] == [
        {"key": "summary", "heading": "Summary", "markdown": "Emails were late."}
    ]
    listed = client.get("/api/v1/postmortems", params={"tag": "queues"}).json()
    assert listed["total"] == 1
    assert listed["items"][0]["id"] == "queue-backlog"
    assert client.get("/api/v1/postmortems", params={"severity": "SEV1"}).json()["total"] == 0


def test_list_json_is_the_summaries_wire_shape(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    _create(client, started_at="2025-03-09T10:15:00+01:00", services=["mail", "api"])
    with app_sessions() as session:
        (row,) = service.list_documents(session, SYSTEM)
    assert row.updated_at.isoformat().endswith("+00:00")
    expected = {
        "total": 1,
        "total_exact": True,
        "items": [
            {
                "id": "queue-backlog",
                "title": "Queue backlog",
                "kind": "postmortem",
                "status": "draft",
                "severity": "SEV3",
                "started_at": "2025-03-09T09:15:00+00:00",
                "updated_at": row.updated_at.isoformat(),
                "tags": ["queues"],
                "services": ["api", "mail"],
                "visibility": "organisation",
            }
        ],
        "next_cursor": None,
    }
    listed = client.get("/api/v1/postmortems")
    assert listed.content == json.dumps(expected, separators=(",", ":")).encode()


def test_create_from_template(client: TestClient) -> None:
    created = _create(client, title="Imagined outage", template="premortem")
    assert created["kind"] == "premortem"
    assert "scenario" in [s["key"] for s in created["sections"]]


def test_update_with_stale_version_is_409_with_both_versions(client: TestClient) -> None:
    doc = _create(client)
    first = client.put(
        f"/api/v1/postmortems/{doc['id']}", json={"title": "Renamed", "base_version": 1}
    )
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 2
    stale = client.put(
        f"/api/v1/postmortems/{doc['id']}", json={"title": "Lost edit", "base_version": 1}
    )
    assert stale.status_code == 409
    body = stale.json()
    assert "changed since version 1" in body["detail"]
    assert body["current"]["title"] == "Renamed"
    assert client.get(f"/api/v1/postmortems/{doc['id']}").json()["title"] == "Renamed"


def test_an_update_keeps_what_it_does_not_mention(client: TestClient) -> None:
    doc = _create(
        client,
        visibility="restricted",
        access=["admin"],
        sections=[{"key": "summary", "heading": "Summary", "markdown": "Emails were late."}],
        action_items=[{"title": "Add backoff", "owner": "Jonas", "priority": "P1"}],
    )
    renamed = client.put(
        f"/api/v1/postmortems/{doc['id']}", json={"title": "Renamed", "base_version": 1}
    ).json()
    assert renamed["title"] == "Renamed" and renamed["visibility"] == "restricted"
    assert renamed["access"] == ["admin"] and renamed["tags"] == ["queues"]
    assert renamed["sections"] == doc["sections"]
    assert [a["title"] for a in renamed["action_items"]] == ["Add backoff"]

    # Markdown replaces the content; who may see it changes only when something says so
    markdown = "# Rewritten\n\n## Summary\n\nEmails were late for an hour.\n"
    rewritten = client.put(
        f"/api/v1/postmortems/{doc['id']}", json={"markdown": markdown, "base_version": 2}
    ).json()
    assert rewritten["title"] == "Rewritten" and rewritten["visibility"] == "restricted"
    opened = client.put(
        f"/api/v1/postmortems/{doc['id']}",
        json={"markdown": "---\nvisibility: organisation\n---\n" + markdown, "base_version": 3},
    ).json()
    assert opened["visibility"] == "organisation" and opened["title"] == "Rewritten"


def test_status_transitions(client: TestClient) -> None:
    doc = _create(client)
    url = f"/api/v1/postmortems/{doc['id']}/status"
    bad = client.post(url, json={"status": "published"})
    assert bad.status_code == 422
    assert "cannot move from draft to published" in bad.json()["detail"]
    assert client.post(url, json={"status": "in_review"}).json()["status"] == "in_review"
    assert client.post(url, json={"status": "published"}).json()["status"] == "published"


def test_errors_are_json_with_detail(client: TestClient) -> None:
    missing = client.get("/api/v1/postmortems/nope")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "no post-mortem with id 'nope'"}
    invalid = client.post("/api/v1/postmortems", json={"title": "x", "severity": "SEV9"})
    assert invalid.status_code == 422
    assert any("severity" in problem for problem in invalid.json()["detail"])
    untitled = client.post("/api/v1/postmortems", json={})
    assert untitled.status_code == 422
    assert untitled.json()["detail"] == "title: a title is required"


def test_export_formats(client: TestClient) -> None:
    _create(
        client,
        sections=[{"key": "summary", "heading": "Summary", "markdown": "<script>x()</script>ok"}],
    )
    html = client.get("/api/v1/postmortems/queue-backlog/export", params={"format": "html"})
    assert html.status_code == 200
    assert "<script>" not in html.text
    assert "ok" in html.text
    as_json = client.get("/api/v1/postmortems/queue-backlog/export", params={"format": "json"})
    assert as_json.json()["title"] == "Queue backlog"
    assert (
        client.get("/api/v1/postmortems/queue-backlog/export", params={"format": "pdf"}).status_code
        == 422
    )


def test_openapi_schema_lists_the_endpoints(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/v1/postmortems" in schema["paths"]
    assert "/api/v1/postmortems/{id}/status" in schema["paths"]


def test_security_headers(client: TestClient) -> None:
    response = client.get("/postmortems")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
