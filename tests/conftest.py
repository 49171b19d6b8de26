"""Shared fixtures: a fresh, migrated database per test, on SQLite and on PostgreSQL.

Each engine is migrated once per test process into a template (a file for SQLite, a
template database for PostgreSQL); every test gets its own copy of it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.core.migrations import upgrade
from kintsugi.wiring import wire
from tests.support.browser import browser  # noqa: F401 - one Playwright per test process
from tests.support.corpus import corpus_dir, missing_reason

POSTGRES_ADMIN_URL = os.environ.get(
    "KINTSUGI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
_TEMPLATE_DB = f"kintsugi_tpl_{os.getpid()}"


@pytest.fixture(scope="session", autouse=True)
def wired() -> None:
    """The slices wired together as every program wires them (``kintsugi.wiring``)."""
    wire()


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The real post-mortems (``KINTSUGI_CORPUS``, by default ../shared/corpus).

    Where they are absent the test is skipped, with the reason in the summary.
    """
    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    return corpus_dir()


def _pg_admin() -> Engine:
    return create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test's database is copied from."""
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{_TEMPLATE_DB}"'))
        conn.execute(text(f'CREATE DATABASE "{_TEMPLATE_DB}"'))
    url = admin.url.set(database=_TEMPLATE_DB).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{_TEMPLATE_DB}" WITH (FORCE)'))
    admin.dispose()


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'kintsugi.db'}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database file that each test's database is copied from."""
    path = tmp_path_factory.mktemp("sqlite-template") / "kintsugi.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection closed: the WAL is checkpointed into the file
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """URL of a fresh, migrated SQLite database (a copy of the template)."""
    target = tmp_path / "kintsugi.db"
    for suffix in ("", "-wal"):
        source = sqlite_template.with_name(sqlite_template.name + suffix)
        if source.exists():
            shutil.copyfile(source, target.with_name(target.name + suffix))
    return _sqlite_url(tmp_path)


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    """URL of a fresh, migrated PostgreSQL database (dropped after the test)."""
    name = f"kintsugi_t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_TEMPLATE_DB}"'))
    yield admin.url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh, migrated database on each engine in turn (storage tests use this)."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """Engine on the fresh database of ``db_url``."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """Session factory on the fresh database."""
    return make_sessionmaker(engine)


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    """Engine on a fresh SQLite database only (for tests that need not run twice)."""
    eng = make_engine(sqlite_url)
    yield eng
    eng.dispose()
