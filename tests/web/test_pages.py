"""Server-rendered pages: list, new, document, editor, preview."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def _new(client: TestClient, title: str = "Disk full on build agents", **form: str) -> str:
    response = client.post(
        "/postmortems/new",
        data={"title": title, "template": "postmortem", "severity": "SEV2", **form},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.endswith("/edit")
    return location.removesuffix("/edit").removeprefix("/postmortems/")


def _version(html: str) -> int:
    match = re.search(r'name="base_version" value="(\d+)"', html)
    assert match, "the editor carries the version it was based on"
    return int(match.group(1))


def test_list_shows_documents_and_filters(client: TestClient) -> None:
    _new(client)
    _new(client, "Slow search", severity="SEV3")
    page = client.get("/postmortems")
    assert page.status_code == 200
    assert "Disk full on build agents" in page.text and "Slow search" in page.text
    filtered = client.get("/postmortems", params={"severity": "SEV3"})
    assert "Slow search" in filtered.text and "Disk full" not in filtered.text
    fragment = client.get("/postmortems", params={"severity": "SEV3"}, headers={"HX-Request": "1"})
    assert "<html" not in fragment.text and "Slow search" in fragment.text


def test_new_document_from_template_then_edit_and_save(client: TestClient) -> None:
    id = _new(client)
    editor = client.get(f"/postmortems/{id}/edit")
    assert editor.status_code == 200
    assert "## Summary" in editor.text
    body = (
        "## Summary\n\nBuild agents ran out of disk.\n\n"
        "## Timeline\n\nAll times in UTC.\n\n| Time | Event |\n| --- | --- |\n"
        "| 2026-11-02 10:00 | Builds start failing |\n| 2026-11-02 10:30 | Disk cleaned |\n\n"
        "## Action Items\n\n| Action | Owner | Priority |\n| --- | --- | --- |\n"
        "| Rotate build caches daily | ci-team | P1 |\n"
    )
    saved = client.post(
        f"/postmortems/{id}/edit",
        data={
            "title": "Disk full on build agents",
            "markdown": body,
            "base_version": str(_version(editor.text)),
            "severity": "SEV2",
            "tags": "ci, disk",
            "timezone": "UTC",
            "started_at": "2026-11-02T10:00",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    doc = client.get(f"/api/v1/postmortems/{id}").json()
    assert doc["tags"] == ["ci", "disk"]
    assert doc["started_at"] == "2026-11-02T10:00:00+00:00"
    assert [e["text"] for e in doc["timeline"]] == ["Builds start failing", "Disk cleaned"]
    assert doc["action_items"][0]["owner"] == "ci-team"
    page = client.get(f"/postmortems/{id}")
    assert "Build agents ran out of disk." in page.text
    assert "Rotate build caches daily" in page.text


def test_stale_editor_save_shows_conflict_and_keeps_both(client: TestClient) -> None:
    id = _new(client)
    form = {"title": "Mine", "markdown": "## Summary\n\nmy text\n", "base_version": "1"}
    assert (
        client.post(f"/postmortems/{id}/edit", data=form, follow_redirects=False).status_code == 303
    )
    form = {"title": "Theirs", "markdown": "## Summary\n\ntheir text\n", "base_version": "1"}
    conflict = client.post(f"/postmortems/{id}/edit", data=form)
    assert conflict.status_code == 409
    assert "their text" in conflict.text  # what they typed is kept for merging
    assert "my text" in conflict.text  # the saved version is shown
    assert client.get(f"/api/v1/postmortems/{id}").json()["title"] == "Mine"


def test_status_buttons_move_the_document(client: TestClient) -> None:
    id = _new(client)
    response = client.post(f"/postmortems/{id}/status", data={"status": "in_review"})
    assert response.status_code == 200
    assert client.get(f"/api/v1/postmortems/{id}").json()["status"] == "in_review"
    refused = client.post(f"/postmortems/{id}/status", data={"status": "bogus"})
    assert refused.status_code == 422


def test_a_published_document_says_when_it_was_published(client: TestClient) -> None:
    markdown = (
        "---\nid: 2024-03-04-backlog\nstatus: published\ntimezone: Europe/Berlin\n"
        "published_at: 2024-03-07T10:00:00+01:00\n---\n\n# Backlog\n\n## Summary\n\nLate mail.\n"
    )
    created = client.post("/api/v1/postmortems", json={"markdown": markdown})
    assert created.status_code == 201, created.text
    assert created.json()["published_at"] == "2024-03-07T10:00:00+01:00"
    page = client.get("/postmortems/2024-03-04-backlog").text
    assert '<span class="hint" id="published-at">2024-03-07 10:00 CET</span>' in page
    client.post("/postmortems/2024-03-04-backlog/status", data={"status": "in_review"})
    assert 'id="published-at"' not in client.get("/postmortems/2024-03-04-backlog").text


def test_preview_is_sanitised(client: TestClient) -> None:
    html = client.post(
        "/preview",
        data={"markdown": "**bold** <script>alert(1)</script><img src=x onerror=alert(1)>"},
    ).text
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "onerror" not in html


def test_missing_document_page_is_404(client: TestClient) -> None:
    response = client.get("/postmortems/does-not-exist")
    assert response.status_code == 404
    assert "no post-mortem" in response.text


def test_new_with_empty_title_shows_error(client: TestClient) -> None:
    response = client.post("/postmortems/new", data={"title": " ", "template": "postmortem"})
    assert response.status_code == 422
    assert "a title is required" in response.text


def test_publish_gate_on_the_document_page(client: TestClient) -> None:
    made = client.post(
        "/api/v1/postmortems",
        json={
            "markdown": "# Failover\n\n## Summary\n\nThe operator forgot to drain the node.\n",
        },
    ).json()
    id = made["id"]
    client.post(f"/postmortems/{id}/status", data={"status": "in_review"})
    page = client.get(f"/postmortems/{id}").text
    assert "blameful-language finding" in page and 'href="/postmortems/failover/publish"' in page
    confirm = client.get(f"/postmortems/{id}/publish").text
    assert 'id="confirm-findings"' in confirm and "Reason to publish anyway" in confirm
    refused = client.post(
        f"/postmortems/{id}/status", data={"status": "published", "confirmed": "true"}
    )
    assert refused.status_code == 422 and "must be fixed first" in refused.text
    done = client.post(
        f"/postmortems/{id}/status",
        data={
            "status": "published",
            "confirmed": "true",
            "override_reason": "the customer's own words",
        },
    )
    assert done.status_code == 200
    assert "Published over language findings by admin" in done.text


def test_editor_lints_as_you_type(client: TestClient) -> None:
    fragment = client.post(
        "/lint/preview", data={"markdown": "## Summary\n\nJohn forgot to rotate the key.\n"}
    ).text
    assert 'id="lint-findings"' in fragment and "Use suggestion" in fragment
    _new(client)
    editor = client.get("/postmortems/disk-full-on-build-agents/edit").text
    assert 'hx-post="/lint/preview"' in editor and 'id="markdown"' in editor
