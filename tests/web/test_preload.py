"""A server process loads the library's in-memory columns as it starts, in the background,
so that the first search after a start does not wait for them."""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.config import Settings
from kintsugi.library.facets import FacetColumns, columns_for
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service
from kintsugi.postmortems.document import Document
from kintsugi.web.app import create_app
from tests.timeline.services import wait_until


def _columns(sessions: sessionmaker[Session]) -> FacetColumns:
    with sessions() as session:
        return columns_for(session)


def test_a_server_process_loads_the_library_as_it_starts(db_url: str) -> None:
    app = create_app(Settings(database_url=db_url), server=True)
    sessions = app.state.reading_sessions
    with app.state.writing_sessions.begin() as session:
        service.create_document(session, Document(title="Disk full"), SYSTEM)
    assert _columns(sessions).floor is None  # nothing loads before the app starts

    with TestClient(app) as client:
        wait_until(lambda: _columns(sessions).floor is not None, "the library's columns")
        assert np.count_nonzero(_columns(sessions).version) == 1  # the one post-mortem read
        assert client.get("/healthz").status_code == 200
    app.state.engine.dispose()


def test_an_app_built_for_tests_or_tools_loads_nothing(db_url: str) -> None:
    app = create_app(Settings(database_url=db_url))
    with TestClient(app):
        time.sleep(0.2)
        assert _columns(app.state.reading_sessions).floor is None
    app.state.engine.dispose()


def test_a_database_that_cannot_be_read_does_not_stop_the_start(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    app = create_app(Settings(database_url=url), server=True)
    with caplog.at_level(logging.WARNING, logger="kintsugi.web.app"), TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        wait_until(lambda: "could not preload" in caplog.text, "the preload's warning")
