"""Web fixtures: the app on a fresh database, through TestClient, signed in."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.config import Settings
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.web.app import create_app

PASSWORD = "correct horse battery staple"


@pytest.fixture
def app(db_url: str) -> Iterator[FastAPI]:
    """The app on a fresh database (SQLite and PostgreSQL)."""
    application = create_app(Settings(database_url=db_url))
    yield application
    application.state.engine.dispose()


@pytest.fixture
def app_sessions(app: FastAPI) -> sessionmaker[Session]:
    """The app's own session factory, for setting up data directly."""
    factory: sessionmaker[Session] = app.state.writing_sessions
    return factory


@pytest.fixture
def make_user(app_sessions: sessionmaker[Session]) -> Callable[..., str]:
    """Create a user with PASSWORD; returns a write token for them."""

    def make(username: str, role: Role = Role.EDITOR, scope: str = "write") -> str:
        with app_sessions.begin() as session:
            people.create_user(session, SYSTEM, username, role=role, password=PASSWORD)
            return people.create_token(session, SYSTEM, username, "tests", scope).secret

    return make


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    """A client that has not signed in."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def client(app: FastAPI, make_user: Callable[..., str]) -> Iterator[TestClient]:
    """A client with an admin's write token."""
    token = make_user("admin", Role.ADMIN)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as test_client:
        yield test_client
