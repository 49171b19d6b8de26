"""Crafted input in every text field and endpoint never stalls a running server.

Hypothesis builds texts from shapes that once made a pass quadratic or a parser recurse
(unclosed brackets, runs of blanks, fences, deep nesting, lone surrogates) at sizes from a
few characters to past the limits, and sends each to one of the endpoints that take text,
on a real server over a loopback socket. A probe asks for ``/healthz`` every 0.1 s with a
1 s timeout throughout: every probe must be answered, and no request may get a 5xx.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.probe import probing
from tests.web.hostile import ATTACK_TIMEOUT, Server, hostile_server

UNITS = [
    "[",
    "![",
    "[a](",
    "](",
    "(",
    ")",
    "<",
    "<a ",
    "<!--",
    "`",
    "```\n",
    "~~~\n",
    "~",
    "*",
    "_",
    " ",
    "\t",
    "\n",
    "\n\n",
    " \n",
    "|",
    "| a ",
    "- ",
    "> ",
    "#",
    "1. ",
    '"',
    "'",
    "“",
    "\\",
    "http://",
    "---\n",
    "- [ ] ",
    "owner: ",
    "10:00 UTC (",
    "severity: ",
    "<!-- kintsugi: allow ",
    "he should have known ",
    "John failed to ",
    "\ud800",
    "a",
]
SIZES = [1, 100, 5_000, 40_000, 100_001, 200_001, 1_100_000]


@st.composite
def crafted(draw: st.DrawFn) -> str:
    unit = draw(st.sampled_from(UNITS))
    size = draw(st.sampled_from(SIZES))
    head = draw(st.text(max_size=20))
    tail = draw(st.sampled_from(["", "]", ")", "-->", "```", "\n# Heading\n", "."]))
    return head + unit * max(1, size // len(unit)) + tail


def _utf8(text: str) -> str:
    """``text`` as a form or a query can carry it (their encoding has no lone surrogates)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _nested(text: str) -> str:
    depth = min(len(text), 240)
    return "(" * depth + "dns" + ")" * depth


def _doc(**fields: Any) -> dict[str, Any]:
    return {"title": "Fuzzed", **fields}


def _post_json(
    client: httpx.Client, url: str, body: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    """POST ``body`` as JSON with every non-ASCII character escaped, as many clients send it
    (httpx's own ``json=`` writes UTF-8, which cannot carry a lone surrogate)."""
    content = json.dumps(body, ensure_ascii=True)
    return client.post(
        url, content=content, headers={**headers, "Content-Type": "application/json"}
    )


Send = Callable[[httpx.Client, Server, str], httpx.Response]

ENDPOINTS: dict[str, Send] = {
    "section": lambda c, s, t: _post_json(
        c,
        "/api/v1/postmortems",
        _doc(sections=[{"key": "summary", "heading": "Summary", "markdown": t}]),
        s.editor,
    ),
    "heading": lambda c, s, t: _post_json(
        c,
        "/api/v1/postmortems",
        _doc(sections=[{"key": "other", "heading": t[:1000], "markdown": "x"}]),
        s.editor,
    ),
    "markdown": lambda c, s, t: _post_json(
        c,
        "/api/v1/postmortems",
        {"markdown": f"# Fuzzed\n\n## {t[:300]}\n\n{t}\n\n## Action items\n\n- {t}\n"},
        s.editor,
    ),
    "title": lambda c, s, t: _post_json(c, "/api/v1/postmortems", {"title": t}, s.editor),
    "timeline": lambda c, s, t: _post_json(
        c, "/api/v1/postmortems", _doc(timeline=[{"text": t}]), s.editor
    ),
    "action item": lambda c, s, t: _post_json(
        c, "/api/v1/postmortems", _doc(action_items=[{"title": t}]), s.editor
    ),
    "lint": lambda c, s, t: _post_json(c, "/api/v1/lint", {"text": t}, s.viewer),
    "lint preview": lambda c, s, t: c.post(
        "/lint/preview", data={"markdown": _utf8(t)}, headers=s.viewer
    ),
    "editor preview": lambda c, s, t: c.post(
        "/preview", data={"markdown": _utf8(t)}, headers=s.viewer
    ),
    "handbook preview": lambda c, s, t: c.post(
        "/handbook/preview", data={"markdown": _utf8(t)}, headers=s.editor
    ),
    "search": lambda c, s, t: c.get(
        "/api/v1/search", params={"q": _utf8(t)[:500]}, headers=s.viewer
    ),
    "nested search": lambda c, s, t: c.get(
        "/api/v1/search", params={"q": _nested(t)}, headers=s.viewer
    ),
    "training answer": lambda c, s, t: _post_json(
        c, "/api/v1/training/attempts", {"answers": {t[:200]: 0}}, s.viewer
    ),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # a shorter lint budget keeps the run short; the other limits are the defaults
    env = {"KINTSUGI_LINT_SECONDS": "2"}
    with hostile_server(tmp_path_factory.mktemp("fuzz"), env) as running:
        yield running


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(endpoint=st.sampled_from(sorted(ENDPOINTS)), text=crafted())
def test_crafted_input_never_stalls_the_server(server: Server, endpoint: str, text: str) -> None:
    with (
        probing(f"{server.base}/healthz") as probe,
        httpx.Client(base_url=server.base, timeout=ATTACK_TIMEOUT) as client,
    ):
        response = ENDPOINTS[endpoint](client, server, text)
    assert response.status_code < 500, (endpoint, response.status_code, response.text[:300])
    assert probe.failures == [], (endpoint, probe)
