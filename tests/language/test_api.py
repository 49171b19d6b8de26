"""The JSON API and the htmx fragments of the editor."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kintsugi.language.api import pages_router, router


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    app.include_router(router)
    app.include_router(pages_router)
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


def _button(html: str, name: str) -> dict[str, str]:
    """The data attributes of the first ``button.<name>`` in ``html``, unescaped."""
    tag = re.search(rf'<button type="button" class="{name}[^"]*"([^>]*)>', html)
    assert tag, f"no {name} button"
    return {k: unescape(v) for k, v in re.findall(r'data-([a-z]+)="([^"]*)"', tag.group(1))}


def test_preview_fragment_lists_findings_escaped_with_apply_buttons(client: TestClient) -> None:
    markdown = "<script>alert(1)</script> John deployed the wrong version <b>now</b>."
    response = client.post("/lint/preview", data={"markdown": markdown})
    assert response.status_code == 200
    html = response.text
    assert html.startswith('<div id="lint-findings"')
    assert "<script>" not in html and "<b>" not in html
    assert 'data-count="1"' in html
    assert "lint-highlight" not in html and "<pre" not in html  # no copy of the document
    assert "style=" not in html and "hx-" not in html  # the page's script acts on the buttons
    apply = _button(html, "lint-apply")
    start, end = int(apply["start"]), int(apply["end"])
    assert markdown[start:end] == apply["original"]
    assert "John deployed" in apply["original"] and apply["replacement"]
    locate = _button(html, "lint-locate")
    assert markdown[int(locate["start"]) : int(locate["end"])] == "John deployed the wrong"
    assert locate["line"] == "1"
    assert '<q class="lint-text">John deployed the wrong</q>' in html


def test_preview_of_clean_text(client: TestClient) -> None:
    response = client.post("/lint/preview", data={"markdown": "The deploy failed."})
    assert 'data-count="0"' in response.text
    assert "No blameful language found." in response.text


def test_offsets_count_line_breaks_as_the_textarea_does(client: TestClient) -> None:
    """A browser posts a textarea's line breaks as CRLF but its script counts them as one."""
    posted = "Intro.\r\n\r\nThe fix was obviously to roll back.\r\n"
    in_the_browser = posted.replace("\r\n", "\n")
    apply = _button(client.post("/lint/preview", data={"markdown": posted}).text, "lint-apply")
    start, end = int(apply["start"]), int(apply["end"])
    assert in_the_browser[start:end] == apply["original"] == "The fix was obviously to roll back."


def test_apply_returns_the_textarea_with_the_suggestion(client: TestClient) -> None:
    markdown = "Intro.\n\nThe fix was obviously to roll back.\n"
    apply = _button(client.post("/lint/preview", data={"markdown": markdown}).text, "lint-apply")
    values = {k: apply[k] for k in ("start", "end", "original", "replacement")}
    response = client.post("/lint/apply", data={"markdown": markdown, **values})
    assert response.status_code == 200
    assert response.text.startswith('<textarea name="markdown" id="markdown"')
    assert 'hx-post="/preview"' in response.text and 'hx-target="#preview"' in response.text
    assert response.headers["hx-trigger-after-settle"] == "lint-refresh"
    body = unescape(re.search(r">(.*)</textarea>", response.text, re.S).group(1))  # type: ignore[union-attr]
    assert body == "Intro.\n\nThe fix was to roll back.\n"


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
