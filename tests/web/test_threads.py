"""The thread pool that runs request handlers is sized by ``KINTSUGI_WEB_THREADS``."""

from __future__ import annotations

from pathlib import Path

import anyio.to_thread
from fastapi.testclient import TestClient

from kintsugi.core.config import Settings
from kintsugi.core.db import make_engine
from kintsugi.core.migrations import upgrade
from kintsugi.web.app import create_app


def test_the_setting_sizes_the_handlers_thread_pool(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    upgrade(make_engine(url))
    app = create_app(Settings(database_url=url, web_threads=3))

    @app.get("/_test/threads")
    async def threads() -> dict[str, float]:
        return {"tokens": anyio.to_thread.current_default_thread_limiter().total_tokens}

    with TestClient(app) as client:  # the lifespan runs as the server starts
        assert client.get("/_test/threads").json() == {"tokens": 3}
        assert client.get("/healthz").status_code == 200  # handlers still run in the pool
