"""Library web fixtures: the app with the library's routers, signed in as an admin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.config import Settings
from kintsugi.library import api, pages
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.web.app import create_app


@pytest.fixture
def app(db_url: str) -> Iterator[FastAPI]:
    """The app on a fresh database, with the library routers (until app.py lists them)."""
    application = create_app(Settings(database_url=db_url))
    paths = {getattr(route, "path", "") for route in application.routes}
    for router in (api.router, pages.router):
        if not {getattr(r, "path", "") for r in router.routes} <= paths:
            application.include_router(router)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def app_sessions(app: FastAPI) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = app.state.writing_sessions
    return factory


def token_for(sessions: sessionmaker[Session], username: str, role: Role) -> str:
    """A read token of a new user."""
    with sessions.begin() as session:
        people.create_user(session, SYSTEM, username, role=role, password="a long enough secret")
        return people.create_token(session, SYSTEM, username, "tests", "read").secret


@pytest.fixture
def client(app: FastAPI, app_sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    """A client with an admin's token."""
    token = token_for(app_sessions, "admin", Role.ADMIN)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as test_client:
        yield test_client
