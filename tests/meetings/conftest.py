"""Fixtures of the meetings tests: the real SMTP server of the notify tests, the web app."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.db import make_sessionmaker
from tests.notify.conftest import smtp
from tests.web.conftest import anonymous, app, app_sessions, client, make_user

__all__ = ["anonymous", "app", "app_sessions", "client", "make_user", "smtp"]


@pytest.fixture
def sessions_sqlite(sqlite_engine: Engine) -> sessionmaker[Session]:
    """Sessions on a fresh SQLite database (for tests that are not about storage)."""
    return make_sessionmaker(sqlite_engine)
