"""The JSON API and the htmx fragments of the editor."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kintsugi.language.api import router


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    app.include_router(router)
    return TestClient(app)


def test_lint_api_returns_findings_with_offsets_and_fixes(client: TestClient) -> None:
    text = "Intro.\n\nJohn deployed the wrong version."
    response = client.post("/api/v1/lint", json={"text": text})
    assert response.status_code == 200
    [finding] = response.json()["findings"]
    assert finding["rule"] == "person-lapse"
    assert (finding["line"], finding["column"]) == (3, 1)
    assert text[finding["start"] : finding["end"]] == "John deployed the wrong"
    assert finding["fix"] == {
        "start": 8,
        "end": len(text),
        "replacement": "The deployment process didn't validate the version John deployed.",
    }


def test_lint_api_uses_participants(client: TestClient) -> None:
    body = {"text": "Zed missed the page.", "participants": ["Zed"]}
    assert client.post("/api/v1/lint", json=body).json()["findings"][0]["rule"] == "person-lapse"
    assert client.post("/api/v1/lint", json={"text": "Zed missed the page."}).json() == {
        "findings": []
    }


def test_lint_api_validates_its_input(client: TestClient) -> None:
    assert client.post("/api/v1/lint", json={"participants": []}).status_code == 422
    assert client.post("/api/v1/lint", json={"text": 3}).status_code == 422


def test_the_rules_are_published(client: TestClient) -> None:
    rules = client.get("/api/v1/lint/rules").json()
    assert [r["id"] for r in rules][:2] == ["person-lapse", "fault-label"]
    assert all(r["examples"] for r in rules)


def test_preview_fragment_lists_findings_escaped_with_apply_buttons(client: TestClient) -> None:
    markdown = "<script>alert(1)</script> John deployed the wrong version <b>now</b>."
    response = client.post("/lint/preview", data={"markdown": markdown})
    assert response.status_code == 200
    html = response.text
    assert html.startswith('<div id="lint-findings"')
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html
    assert 'data-count="1"' in html
    assert '<mark class="lint-mark lint-error"' in html
    [vals] = re.findall(r'hx-vals="([^"]*)"', html)
    values = json.loads(unescape(vals))
    assert markdown[values["start"] : values["end"]] == values["original"]
    assert 'hx-post="/lint/apply"' in html


def test_preview_of_clean_text(client: TestClient) -> None:
    response = client.post("/lint/preview", data={"markdown": "The deploy failed."})
    assert 'data-count="0"' in response.text
    assert "No blameful language found." in response.text


def test_apply_returns_the_textarea_with_the_suggestion(client: TestClient) -> None:
    markdown = "Intro.\r\n\r\nThe fix was obviously to roll back.\r\n"
    html = client.post("/lint/preview", data={"markdown": markdown}).text
    values = json.loads(unescape(re.findall(r'hx-vals="([^"]*)"', html)[0]))
    response = client.post("/lint/apply", data={"markdown": markdown, **values})
    assert response.status_code == 200
    assert response.text.startswith('<textarea name="markdown" id="markdown"')
    assert 'hx-post="/preview"' in response.text and 'hx-target="#preview"' in response.text
    assert response.headers["hx-trigger-after-settle"] == "lint-refresh"
    body = unescape(re.search(r">(.*)</textarea>", response.text, re.S).group(1))  # type: ignore[union-attr]
    assert body == "Intro.\r\n\r\nThe fix was to roll back.\r\n"


def test_apply_refuses_a_stale_text(client: TestClient) -> None:
    data = {
        "markdown": "Changed meanwhile.",
        "start": 0,
        "end": 7,
        "original": "Nothing",
        "replacement": "x",
    }
    response = client.post("/lint/apply", data=data)
    assert response.status_code == 409
    assert "lint it again" in response.json()["detail"]
