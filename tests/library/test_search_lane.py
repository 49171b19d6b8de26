"""Searches run on a lane of threads of their own: however many people search at once, the
other pages keep the server's threads; past the lane's queue a search gets 429."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import httpx
import pytest

from kintsugi.core.config import Settings
from kintsugi.core.errors import TooManyRequestsError
from kintsugi.library import lane as search_lane
from kintsugi.library import search as library_search
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.web.app import create_app
from kintsugi.webkit.limits import WorkLane
from tests.support.servers import serve


def test_a_lane_runs_so_many_at_once_queues_the_next_and_refuses_past_its_queue(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lane = WorkLane(size=1, waiting=1)
    release = threading.Event()
    started: list[str] = []
    refused: list[TooManyRequestsError] = []

    def work(name: str) -> str:
        started.append(name)
        release.wait(10)
        return name

    async def main() -> list[str]:
        done: list[str] = []

        async def run(name: str) -> None:
            done.append(await lane.run("search", lambda: work(name)))

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(run, "first")
            tasks.start_soon(run, "second")
            while lane.admitted < 2:
                await anyio.sleep(0.01)
            await anyio.sleep(0.1)
            assert started == ["first"]  # the second waits its turn, holding no thread
            try:
                await lane.run("search", lambda: work("third"))
            except TooManyRequestsError as exc:
                refused.append(exc)
            release.set()
        return done

    # on a thread of its own: a browser test before may leave an event loop on this one
    with ThreadPoolExecutor(1) as runner:
        assert runner.submit(anyio.run, main).result(timeout=30) == ["first", "second"]
    assert len(refused) == 1
    assert "busy with other search requests (1 at once, 1 waiting)" in str(refused[0])
    assert refused[0].retry_after == 2
    assert "refused a search request: 1 at once and 1 waiting already" in caplog.text
    assert lane.admitted == 0


class _Blocked:
    """Searches that wait until ``release`` is set (slow searches of a large library)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = 0


@pytest.fixture
def blocked_searches(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Blocked]:
    blocked = _Blocked()
    real = library_search.search

    def slow(*args: Any, **kwargs: Any) -> Any:
        blocked.entered += 1
        blocked.release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(library_search, "search", slow)
    yield blocked
    blocked.release.set()


def test_other_pages_answer_while_searches_wait_and_a_full_queue_is_a_429(
    sqlite_url: str, blocked_searches: _Blocked, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_lane, "SEARCH_WAITING", 2)
    app = create_app(Settings(database_url=sqlite_url, web_threads=2, search_at_once=1))
    with app.state.writing_sessions.begin() as session:
        people.create_user(session, SYSTEM, "reader", role=Role.VIEWER, password="x" * 20)
        secret = people.create_token(session, SYSTEM, "reader", "tests", "read").secret
    headers = {"Authorization": f"Bearer {secret}"}
    answers: list[int] = []
    try:
        with (
            serve(app, lifespan=True) as base,
            httpx.Client(base_url=base, headers=headers, timeout=30) as web,
        ):

            def search(word: str) -> None:
                answers.append(web.get("/api/v1/search", params={"q": word}).status_code)

            # more searches than the server has threads: one works, two wait their turn
            searches = [threading.Thread(target=search, args=(w,)) for w in ("dns", "tls", "db")]
            for thread in searches:
                thread.start()
            deadline = time.monotonic() + 10
            while blocked_searches.entered < 1:
                assert time.monotonic() < deadline, "no search started"
                time.sleep(0.01)
            time.sleep(0.3)  # the other two arrive
            assert blocked_searches.entered == 1
            listed = web.get("/api/v1/postmortems", timeout=5)
            assert listed.status_code == 200
            refused = web.get("/api/v1/search", params={"q": "queue"}, timeout=5)
            assert refused.status_code == 429
            assert refused.headers["Retry-After"] == "2"
            assert "busy with other search requests" in refused.json()["detail"]
            blocked_searches.release.set()
            for thread in searches:
                thread.join(timeout=30)
    finally:
        app.state.engine.dispose()
    assert answers == [200, 200, 200]
    assert app.state.search_lane.admitted == 0
