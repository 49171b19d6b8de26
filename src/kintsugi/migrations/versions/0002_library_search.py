"""library search index

The engine's own full-text index (FTS5 on SQLite, tsvector + GIN on PostgreSQL), which the
ORM cannot declare: see ``kintsugi.library.ddl``. The library's ORM tables come from the
initial migration; on a database whose initial migration predates them they are created here.

NOTE for scripts that regenerate 0001: keep this file (move it aside while regenerating).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kintsugi.library import ddl

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _create_library_tables() -> None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("library_documents"):
        op.create_table(
            "library_documents",
            sa.Column("postmortem_pk", sa.Integer(), nullable=False),
            sa.Column("year", sa.Integer(), nullable=True),
            sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("title", sa.Text(), nullable=False),
            sa.Column("summary", sa.Text(), nullable=False),
            sa.Column("keywords", sa.Text(), nullable=False),
            sa.Column("body", sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(
                ["postmortem_pk"],
                ["postmortems.pk"],
                name=op.f("fk_library_documents_postmortem_pk_postmortems"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("postmortem_pk", name=op.f("pk_library_documents")),
        )
        with op.batch_alter_table("library_documents", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_library_documents_year"), ["year"], unique=False)
    if not inspector.has_table("library_vectors"):
        op.create_table(
            "library_vectors",
            sa.Column("postmortem_pk", sa.Integer(), nullable=False),
            sa.Column("model", sa.String(length=80), nullable=False),
            sa.Column("dim", sa.Integer(), nullable=False),
            sa.Column("text_hash", sa.String(length=64), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("vector", sa.LargeBinary(), nullable=False),
            sa.ForeignKeyConstraint(
                ["postmortem_pk"],
                ["postmortems.pk"],
                name=op.f("fk_library_vectors_postmortem_pk_postmortems"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("postmortem_pk", name=op.f("pk_library_vectors")),
        )
        with op.batch_alter_table("library_vectors", schema=None) as batch_op:
            batch_op.create_index(
                "ix_library_vectors_model_updated_at", ["model", "updated_at"], unique=False
            )


def upgrade() -> None:
    _create_library_tables()
    ddl.create_index(op.execute, op.get_bind().dialect.name)


def downgrade() -> None:
    ddl.drop_index(op.execute, op.get_bind().dialect.name)
