"""On PostgreSQL a post-mortem's tsvector is kept in the row, where a search reads it cheaply.

Out of line (TOAST) each read of a vector is a lookup in the TOAST index and its chunks;
migration 0012 keeps vectors of up to a page in the row, and rewrites those stored before.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, Engine, text

from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.core.migrations import downgrade, upgrade
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service
from kintsugi.postmortems.document import Document, Section

pytestmark = pytest.mark.postgres

# 250 distinct words: a vector of 4.5 kB, which PostgreSQL moves out of the row
# by default (past 2 kB, and vectors hardly compress)
LONG_DETAILS = " ".join(f"lexeme{i}x" for i in range(250))


def _store_long_document(engine: Engine) -> None:
    with make_sessionmaker(engine).begin() as session:
        doc = Document(
            title="Vector storage",
            sections=[Section(key="resolution", heading="Resolution", markdown=LONG_DETAILS)],
        )
        service.create_document(session, doc, SYSTEM)


def _vectors_out_of_line(conn: Connection) -> int:
    toast = conn.execute(
        text("SELECT reltoastrelid::regclass::text FROM pg_class WHERE relname = 'library_fts'")
    ).scalar_one()
    return int(conn.execute(text(f"SELECT count(DISTINCT chunk_id) FROM {toast}")).scalar_one())


def _vector_bytes(conn: Connection) -> int:
    return int(
        conn.execute(text("SELECT max(pg_column_size(document)) FROM library_fts")).scalar_one()
    )


def test_a_long_documents_vector_is_stored_in_the_row(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    _store_long_document(engine)
    with engine.connect() as conn:
        assert _vector_bytes(conn) > 4000
        assert _vectors_out_of_line(conn) == 0
        hits = conn.execute(
            text("SELECT count(*) FROM library_fts WHERE document @@ 'lexeme249x'::tsquery")
        ).scalar_one()
    engine.dispose()
    assert hits == 1


def test_the_upgrade_moves_vectors_stored_before_into_their_rows(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    downgrade(engine, "0011_access_by_user")  # back to before 0012 (its downgrade runs too)
    _store_long_document(engine)
    with engine.connect() as conn:
        assert _vectors_out_of_line(conn) == 1
        before = conn.execute(text("SELECT document::text FROM library_fts")).scalar_one()
    upgrade(engine)
    with engine.connect() as conn:
        assert _vectors_out_of_line(conn) == 0
        after = conn.execute(text("SELECT document::text FROM library_fts")).scalar_one()
        storage = conn.execute(
            text(
                "SELECT attstorage FROM pg_attribute "
                "WHERE attrelid = 'library_fts'::regclass AND attname = 'document'"
            )
        ).scalar_one()
    engine.dispose()
    assert after == before
    assert storage == "m"
