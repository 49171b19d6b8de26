"""library search index

The engine's own full-text index (FTS5 on SQLite, tsvector + GIN on PostgreSQL), which the
ORM cannot declare: see ``kintsugi.library.ddl``. The library's ORM tables come from 0001.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

from kintsugi.library import ddl

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ddl.create_index(op.execute, op.get_bind().dialect.name)


def downgrade() -> None:
    ddl.drop_index(op.execute, op.get_bind().dialect.name)
