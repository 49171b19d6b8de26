"""The post-mortem list through the API and the page: cursor paging, bounded totals."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from kintsugi.postmortems import service


def _create(client: TestClient, count: int) -> None:
    for n in range(count):
        body = {"title": f"Queue backlog {n}", "severity": "SEV3", "tags": ["queues"]}
        response = client.post("/api/v1/postmortems", json=body)
        assert response.status_code == 201, response.text


def test_api_cursor_pages_give_the_offset_list_and_bounded_totals_stop(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _create(client, 7)
    everything = client.get("/api/v1/postmortems").json()
    assert everything["total"] == 7 and everything["total_exact"]
    assert everything["next_cursor"] is None
    paged: list[str] = []
    params: dict[str, object] = {"limit": 3}
    while True:
        page = client.get("/api/v1/postmortems", params=params).json()
        paged += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params = {"limit": 3, "cursor": page["next_cursor"]}
    assert paged == [item["id"] for item in everything["items"]]
    monkeypatch.setattr(service, "COUNT_CAP", 5)
    bounded = client.get("/api/v1/postmortems", params={"count": "bounded"}).json()
    assert (bounded["total"], bounded["total_exact"]) == (5, False)
    assert len(bounded["items"]) == 7
    both = client.get("/api/v1/postmortems", params={"cursor": page_token(client), "offset": 3})
    assert both.status_code == 422 and "offset" in both.text
    bad = client.get("/api/v1/postmortems", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and "cursor" in bad.text


def page_token(client: TestClient) -> str:
    token = client.get("/api/v1/postmortems", params={"limit": 1}).json()["next_cursor"]
    assert isinstance(token, str)
    return token


def test_list_page_says_more_than_the_cap_counts_on_request_and_pages_on(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _create(client, 7)
    monkeypatch.setattr(service, "COUNT_CAP", 5)
    monkeypatch.setattr("kintsugi.postmortems.pages.PAGE_SIZE", 4)
    first = client.get("/postmortems", params={"tag": "queues"})
    assert first.status_code == 200
    assert "More than 5 post-mortems" in first.text
    assert "tag=queues&amp;count=exact" in first.text
    exact = client.get("/postmortems", params={"tag": "queues", "count": "exact"}).text
    assert "7 post-mortems" in exact and "page 1 of 2" in exact
    found = re.search(r'after=([A-Za-z0-9_-]+)">next', first.text)
    assert found, first.text
    second = client.get("/postmortems", params={"tag": "queues", "after": found.group(1)})
    titles = set(re.findall(r"Queue backlog \d", first.text + second.text))
    assert len(titles) == 7
    assert ">next<" not in second.text and "first page" in second.text
