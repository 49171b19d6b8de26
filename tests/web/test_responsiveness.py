"""One request, or one person, never freezes the server for everybody else.

Each test attacks a real server (``kintsugi serve`` on a loopback port) while a probe asks
for ``/healthz`` (or another user's page) every 0.1 s with a 1 s timeout: every probe must
be answered. How long the attacking request itself takes is not what is tested.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.probe import probing
from tests.support.servers import stop
from tests.web.hostile import ATTACK_TIMEOUT, Server, hostile_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with hostile_server(tmp_path_factory.mktemp("hostile")) as running:
        yield running


@pytest.mark.parametrize("unit", ["[", "![", "[a](", "\n\n", " ", "`", "~"])
def test_a_section_of_unclosed_markup_does_not_stall_the_server(server: Server, unit: str) -> None:
    # 40,000 unclosed "[" in a summary stalled /healthz for 5.6 s (the index's text pass)
    markdown = unit * (40_000 // len(unit))
    body = {
        "title": f"Crafted {unit!r}",
        "sections": [{"key": "summary", "heading": "Summary", "markdown": markdown}],
    }
    with probing(f"{server.base}/healthz") as probe:
        response = httpx.post(
            f"{server.base}/api/v1/postmortems",
            json=body,
            headers=server.editor,
            timeout=ATTACK_TIMEOUT,
        )
    assert response.status_code == 201, response.text
    assert probe.failures == [], probe


def test_lint_requests_from_one_person_do_not_starve_the_others(server: Server) -> None:
    # eight 100 KB requests held other users' pages for 24 s
    text = "](" * 50_000  # 100,000 characters: the largest a lint request may be

    def lint(_: int) -> int:
        return httpx.post(
            f"{server.base}/api/v1/lint",
            json={"text": text},
            headers=server.viewer,
            timeout=ATTACK_TIMEOUT,
        ).status_code

    pages = f"{server.base}/api/v1/postmortems"
    with (
        probing(pages, headers=server.editor) as page,
        probing(f"{server.base}/healthz") as health,
        ThreadPoolExecutor(8) as pool,
    ):
        statuses = list(pool.map(lint, range(8)))
    assert set(statuses) <= {200, 422, 429}, statuses  # checked, out of time, or "busy"
    assert page.failures == [] and health.failures == [], (page, health)


def test_a_2_mb_lint_request_is_refused_naming_the_limit(server: Server) -> None:
    # one 2 MB request took 104 s
    with probing(f"{server.base}/healthz") as probe:
        response = httpx.post(
            f"{server.base}/api/v1/lint",
            json={"text": "he should have known " * 100_000},
            headers=server.viewer,
            timeout=ATTACK_TIMEOUT,
        )
    assert response.status_code == 413
    assert "at most 1,048,576 bytes" in response.json()["detail"]
    assert probe.failures == []


def test_shutdown_does_not_wait_for_a_lint_in_progress(tmp_path: Path) -> None:
    # a long lint went on after its client left and held SIGTERM back; here the limits let
    # a 945 KB text in, and the time budget (1 s) is what ends it
    env = {
        "KINTSUGI_MAX_REQUEST_BYTES": "4000000",
        "KINTSUGI_LINT_MAX_CHARS": "2000000",
        "KINTSUGI_LINT_SECONDS": "1",
    }
    with hostile_server(tmp_path, env) as running:
        answers: list[int] = []

        def lint() -> None:
            try:
                response = httpx.post(
                    f"{running.base}/api/v1/lint",
                    json={"text": "he should have known " * 45_000},
                    headers=running.viewer,
                    timeout=ATTACK_TIMEOUT,
                )
                answers.append(response.status_code)
            except httpx.HTTPError:
                answers.append(0)

        client = threading.Thread(target=lint, daemon=True)
        client.start()
        time.sleep(0.5)  # the request is on its way (or being linted) as the server is told to stop
        process = running.process
        stop(process)  # SIGTERM, then waits (at most 20 s) for the server to exit
        assert process.returncode is not None
        client.join(timeout=ATTACK_TIMEOUT)
    assert answers and answers[0] in (0, 422), answers
