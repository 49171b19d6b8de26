"""A database that cannot be written: reads go on, writes get a 503 that says why, and
``/readyz`` says so while ``/healthz`` (liveness) stays 200."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kintsugi.core.config import Settings
from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems import service
from kintsugi.postmortems.document import Document
from kintsugi.web.app import create_app
from kintsugi.webkit.auth import SESSION_COOKIE
from tests.conftest import POSTGRES_ADMIN_URL


def _fill(url: str) -> tuple[str, str]:
    """A user with a write token and a session, and one post-mortem: (token, cookie)."""
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        people.create_user(session, SYSTEM, "maja", role=Role.ADMIN, password="x" * 12)
        token = people.create_token(session, SYSTEM, "maja", "tests", "write").secret
        cookie, _csrf = people.start_session(session, people.get_user(session, "maja"))
        service.create_document(session, Document(title="Disk full"), SYSTEM)
    engine.dispose()
    return token, cookie


def _app(url: str) -> Iterator[FastAPI]:
    app = create_app(Settings(database_url=url))
    yield app
    app.state.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def read_only(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[FastAPI, str, str]]:
    """(app on a database it cannot write, a write token, a session cookie)."""
    if request.param == "sqlite":
        url = str(request.getfixturevalue("sqlite_url"))
        token, cookie = _fill(url)
        path = make_url(url).database
        # the file opened read-only, as a read-only mount or file permissions make it
        yield from ((app, token, cookie) for app in _app(f"sqlite:///file:{path}?mode=ro&uri=true"))
        return
    url = str(request.getfixturevalue("postgres_url"))
    token, cookie = _fill(url)
    name = make_url(url).database
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:  # as on a standby, or a database set read-only
        connection.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    admin.dispose()
    yield from ((app, token, cookie) for app in _app(url))


def test_reads_work_and_writes_say_the_database_cannot_be_written(
    read_only: tuple[FastAPI, str, str],
) -> None:
    app, token, cookie = read_only
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as api:
        listed = api.get("/api/v1/postmortems")
        assert listed.status_code == 200, listed.text  # the token's last-use time is not stored
        assert listed.json()["total"] == 1
        refused = api.post("/api/v1/postmortems", json={"title": "Queue backlog"})
        assert refused.status_code == 503
        assert "cannot be written" in refused.json()["detail"]
        assert api.get("/api/v1/postmortems").json()["total"] == 1
    with TestClient(app, cookies={SESSION_COOKIE: cookie}) as browser:
        page = browser.get("/postmortems", follow_redirects=False)
        assert page.status_code == 200 and "Disk full" in page.text


def test_readiness_tells_a_database_that_cannot_be_written(
    read_only: tuple[FastAPI, str, str],
) -> None:
    app, _token, _cookie = read_only
    with TestClient(app) as anonymous:
        assert anonymous.get("/healthz").status_code == 200  # the process is alive
        ready = anonymous.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {"status": "not ready", "database": "read-only"}


def test_readiness_of_a_database_that_reads_and_writes(anonymous: TestClient) -> None:
    ready = anonymous.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": "read-write"}


def test_readiness_of_a_database_that_cannot_be_reached() -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    for app in _app(url):
        with TestClient(app) as anonymous:
            ready = anonymous.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {"status": "not ready", "database": "unavailable"}
