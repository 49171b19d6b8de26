"""Pages and API answers are not stored by browsers or shared caches; static assets are."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_pages_and_api_answers_say_no_store(client: TestClient) -> None:
    made = client.post("/api/v1/postmortems", json={"title": "Disk full"})
    assert made.headers["cache-control"] == "no-store"
    for path in ("/api/v1/postmortems", "/api/v1/postmortems/disk-full", "/postmortems"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
    assert client.get("/api/v1/postmortems/nothing").headers["cache-control"] == "no-store"


def test_static_assets_and_chosen_caching_are_kept(client: TestClient) -> None:
    static = client.get("/static/kintsugi.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("cache-control", "")
    css = client.get("/library/assets/library-page.css")
    assert css.headers["cache-control"] == "public, max-age=3600"
