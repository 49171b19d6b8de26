"""rca cause categories: the categories each analysis names, for search facets and filters

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "rca_cause_categories",
        sa.Column("postmortem_pk", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["postmortem_pk"],
            ["postmortems.pk"],
            name=op.f("fk_rca_cause_categories_postmortem_pk_postmortems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("postmortem_pk", "category", name=op.f("pk_rca_cause_categories")),
    )
    with op.batch_alter_table("rca_cause_categories", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rca_cause_categories_category"), ["category"], unique=False
        )
    _backfill(table)


def _backfill(table: sa.Table) -> None:
    """Categories of the analyses stored before this revision."""
    from kintsugi.rca.model import Analysis
    from kintsugi.rca.service import cause_items

    bind = op.get_bind()
    analyses = sa.table("rca_analyses", sa.column("postmortem_pk"), sa.column("data", sa.JSON))
    rows = [
        {"postmortem_pk": pk, "category": category}
        for pk, data in bind.execute(sa.select(analyses.c.postmortem_pk, analyses.c.data))
        for category in sorted(cause_items(Analysis.model_validate(data)))
    ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table("rca_cause_categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rca_cause_categories_category"))
    op.drop_table("rca_cause_categories")
