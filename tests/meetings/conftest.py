"""Fixtures of the meetings tests: the real SMTP server of the notify tests, the web app."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.db import make_sessionmaker
from tests.notify.conftest import smtp
from tests.web.conftest import anonymous, app, app_sessions, client, make_user

__all__ = ["anonymous", "app", "app_sessions", "client", "make_user", "smtp"]

SCENARIO_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
"""The tests' story: the incident resolved 2026-11-20 10:00 UTC, its review a day later."""


@pytest.fixture(autouse=True)
def scenario_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Planning refuses a start before now: the service's clock stands at the story's now,
    whatever day the tests run (the refusal tests move it on)."""
    monkeypatch.setattr("kintsugi.meetings.service.utcnow", lambda: SCENARIO_NOW)
    return SCENARIO_NOW


@pytest.fixture
def sessions_sqlite(sqlite_engine: Engine) -> sessionmaker[Session]:
    """Sessions on a fresh SQLite database (for tests that are not about storage)."""
    return make_sessionmaker(sqlite_engine)
