"""A server process compiles its pages and opens its database connections before it serves,
so that the first users after a start don't wait for that."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.pool import QueuePool

from kintsugi.core.config import Settings
from kintsugi.web.app import create_app
from kintsugi.web.templating import templates


@pytest.mark.postgres
def test_a_server_process_is_ready_before_its_first_request(postgres_url: str) -> None:
    app = create_app(Settings(database_url=postgres_url, web_threads=3))
    pool = app.state.engine.pool
    assert isinstance(pool, QueuePool)
    templates.env.cache.clear()  # other tests in this process may have compiled some already
    assert pool.checkedin() == 0

    with TestClient(app):  # the lifespan runs as the server starts
        assert pool.checkedin() == 3  # one connection for each handler thread, kept open
        compiled = {name for _, name in templates.env.cache}
        assert compiled == set(templates.env.list_templates(extensions=["html"]))


def test_a_database_that_is_not_there_yet_does_not_stop_the_start() -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    app = create_app(Settings(database_url=url, web_threads=2))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
