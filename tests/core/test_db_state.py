"""Telling a write the database refuses (read-only, full) from other database errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from kintsugi.core.db import make_engine
from kintsugi.core.db_state import write_refusal


def test_a_full_sqlite_database_refuses_writes_as_full(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")

    @event.listens_for(engine, "connect")
    def _small(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.execute("PRAGMA max_page_count = 8")  # type: ignore[attr-defined]

    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE filler (x TEXT)"))
        with pytest.raises(DBAPIError) as raised, engine.begin() as connection:
            for _ in range(100):
                connection.execute(text("INSERT INTO filler VALUES (:x)"), {"x": "x" * 4000})
        assert write_refusal(raised.value) == "full"
    finally:
        engine.dispose()


def test_other_database_errors_are_not_refusals(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    try:
        with pytest.raises(DBAPIError) as raised, engine.connect() as connection:
            connection.execute(text("SELECT * FROM missing"))
        assert write_refusal(raised.value) is None
        assert write_refusal(ValueError("not a database error")) is None
    finally:
        engine.dispose()
