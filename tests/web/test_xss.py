"""Known XSS payloads in every field a person can write never reach a page alive."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.xss import PAYLOADS, injection_problems


def _markdown(payload: str) -> str:
    return (
        f"# Incident {payload}\n\n"
        f"## Summary\n\n{payload}\n\n"
        "## Timeline\n\nAll times in UTC.\n\n| Time | Event | Actor |\n| --- | --- | --- |\n"
        f"| 2026-01-05 10:00 | Event {payload} | {payload} |\n\n"
        f"## {payload}\n\nOther section {payload}\n\n"
        "## Action Items\n\n| Action | Owner |\n| --- | --- |\n"
        f"| Fix {payload} | {payload} |\n"
    )


@pytest.fixture
def poisoned(client: TestClient) -> list[str]:
    ids = []
    for n, payload in enumerate(PAYLOADS):
        response = client.post(
            "/api/v1/postmortems",
            json={
                "title": f"T{n} {payload}",
                "markdown": _markdown(payload),
                "tags": [f"tag{n}{payload}"[:90]],
                "services": [payload[:150]],
            },
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def _pages(client: TestClient, id: str) -> dict[str, str]:
    return {
        "document": client.get(f"/postmortems/{id}").text,
        "editor": client.get(f"/postmortems/{id}/edit").text,
        "history": client.get(f"/postmortems/{id}/history").text,
        "html export": client.get(f"/api/v1/postmortems/{id}/export?format=html").text,
    }


def test_payloads_in_every_field_stay_inert(client: TestClient, poisoned: list[str]) -> None:
    listing = client.get("/postmortems").text
    assert injection_problems(listing) == []
    assert injection_problems(client.get("/audit").text) == []
    for id in poisoned:
        for name, html in _pages(client, id).items():
            assert injection_problems(html) == [], (id, name)
    preview = client.post("/preview", data={"markdown": "\n\n".join(PAYLOADS)}).text
    assert injection_problems(preview) == []


def test_payloads_in_imported_files_stay_inert(
    client: TestClient, tmp_path: Path, sqlite_url: str
) -> None:
    from typer.testing import CliRunner

    from kintsugi.cli import app

    folder = tmp_path / "evil"
    folder.mkdir()
    for n, payload in enumerate(PAYLOADS):
        front = f"---\nid: evil-{n}\ntags: ['{payload.replace(chr(39), '')}']\n---\n"
        (folder / f"evil-{n}.md").write_text(front + _markdown(payload), encoding="utf-8")
    db = str(client.app.state.settings.database_url)  # type: ignore[attr-defined]
    result = CliRunner().invoke(app, ["import", str(folder), "--db", db])
    assert result.exit_code == 0, result.output
    for n in range(len(PAYLOADS)):
        for name, html in _pages(client, f"evil-{n}").items():
            assert injection_problems(html) == [], (n, name)


def test_the_checker_catches_what_it_should() -> None:
    assert injection_problems("<img src=x onerror=alert(1)>")
    assert injection_problems('<a href="javascript:alert(1)">x</a>')
    assert injection_problems("<script>alert(1)</script>")
    assert not injection_problems("&lt;script&gt;alert(1)&lt;/script&gt;")
    assert not injection_problems("<textarea><script>alert(1)</script></textarea>")
