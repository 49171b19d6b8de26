"""The migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

import json

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.core.migrations import (
    current_revision,
    downgrade,
    head_revision,
    is_up_to_date,
    upgrade,
)
from kintsugi.core.types import utcnow
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service
from kintsugi.postmortems.document import Document
from kintsugi.schema import include_name, metadata


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": include_name}
            ),
            metadata(),
        )
    assert diff == []


def test_upgrade_is_idempotent(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    upgrade(engine)
    assert is_up_to_date(engine)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert "postmortems" in inspect(sqlite_engine).get_table_names()


def test_0006_fills_the_cause_categories_of_existing_analyses(db_url: str) -> None:
    engine = make_engine(db_url)
    downgrade(engine, "0005")  # back to before 0006 (its downgrade runs too)
    with make_sessionmaker(engine).begin() as session:
        doc = service.create_document(session, Document(title="Old"), SYSTEM)
        pk = service.find_row(session, str(doc.id), SYSTEM).pk
        factor = {"id": "f1", "text": "x", "classification": "primary", "category": "deploy"}
        session.execute(
            text(
                "INSERT INTO rca_analyses (postmortem_pk, data, version, created_at, updated_at, "
                "updated_by) VALUES (:pk, :data, 1, :now, :now, 'admin')"
            ),
            {"pk": pk, "data": json.dumps({"factors": [factor]}), "now": utcnow()},
        )
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT postmortem_pk, category FROM rca_cause_categories")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(pk, "deploy")]
