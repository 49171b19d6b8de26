"""Full-text vectors kept in the index table's own pages (PostgreSQL)

Revision ID: 0012_library_vectors_inline
Revises: 0011_access_by_user
Create Date: 2026-12-07

A search reads the tsvector of every match; stored out of line (TOAST), each read cost a
lookup in the TOAST index and two chunks, four times the read from the row itself. See
``kintsugi.library.ddl.POSTGRES_INLINE``. The upgrade rewrites ``library_fts`` in one
statement (about 15 s per 100,000 post-mortems, search waits meanwhile); SQLite's FTS5 index
is not touched.
"""

from __future__ import annotations

from alembic import op

from kintsugi.library import ddl

revision = "0012_library_vectors_inline"
down_revision = "0011_access_by_user"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in ddl.POSTGRES_INLINE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in ddl.POSTGRES_OUTLINE:
            op.execute(statement)
