"""learning metrics: organisation policy, reviewer checklist answers, action item kind

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metrics_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "metrics_checklist_answers",
        sa.Column("postmortem_pk", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=60), nullable=False),
        sa.Column("answer", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=80), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["postmortem_pk"], ["postmortems.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("postmortem_pk", "item"),
    )
    op.add_column("action_items", sa.Column("kind", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("action_items") as batch:
        batch.drop_column("kind")
    op.drop_table("metrics_checklist_answers")
    op.drop_table("metrics_policy")
