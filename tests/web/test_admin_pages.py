"""History, delete, bin and audit pages."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from kintsugi.people.principal import Role


def _doc(client: TestClient) -> str:
    made = client.post("/api/v1/postmortems", json={"title": "Disk full", "template": "postmortem"})
    assert made.status_code == 201
    client.put(
        "/api/v1/postmortems/disk-full",
        json={
            "markdown": "# Disk full\n\n## Summary\n\nBuild agents ran out of disk.\n",
            "base_version": 1,
        },
    )
    return "disk-full"


def test_history_page_diffs_and_restores(client: TestClient) -> None:
    id = _doc(client)
    page = client.get(f"/postmortems/{id}/history")
    assert page.status_code == 200
    assert "+Build agents ran out of disk." in page.text
    assert client.get(f"/postmortems/{id}/history?from=x").status_code == 422
    restored = client.post(
        f"/postmortems/{id}/restore-version", data={"version": "1", "base_version": "2"}
    )
    assert restored.status_code == 200
    doc = client.get(f"/api/v1/postmortems/{id}").json()
    assert doc["version"] == 3
    assert "Build agents" not in str(doc["sections"])
    stale = client.post(
        f"/postmortems/{id}/restore-version", data={"version": "2", "base_version": "2"}
    )
    assert stale.status_code == 409


def test_delete_bin_and_audit_pages(client: TestClient) -> None:
    id = _doc(client)
    assert "Move to the bin" in client.get(f"/postmortems/{id}/delete").text
    client.post(f"/postmortems/{id}/delete")
    assert client.get(f"/api/v1/postmortems/{id}").status_code == 404
    assert "Disk full" in client.get("/bin").text
    assert client.get("/api/v1/bin").json()[0]["id"] == id
    client.post(f"/bin/{id}/restore")
    assert client.get(f"/api/v1/postmortems/{id}").status_code == 200
    audit = client.get("/audit").text
    assert "deleted" in audit and "restored" in audit


def test_bin_and_audit_are_for_admins(app: FastAPI, make_user: Callable[..., str]) -> None:
    token = make_user("ed", Role.EDITOR)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as editor:
        assert editor.get("/bin").status_code == 403
        assert editor.get("/audit").status_code == 403
        assert editor.get("/api/v1/bin").status_code == 403
