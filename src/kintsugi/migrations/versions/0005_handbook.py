"""handbook pages and versions, facilitator training, recognitions, announcements

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handbook_pages",
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_handbook_pages")),
    )
    op.create_table(
        "handbook_page_versions",
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("change", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["slug"],
            ["handbook_pages.slug"],
            name=op.f("fk_handbook_page_versions_slug_handbook_pages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("slug", "version", name=op.f("pk_handbook_page_versions")),
    )
    op.create_table(
        "training_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_training_results_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_results")),
    )
    op.create_index(
        op.f("ix_training_results_user_id"), "training_results", ["user_id"], unique=False
    )
    op.create_index(
        op.f("ix_training_results_completed_at"),
        "training_results",
        ["completed_at"],
        unique=False,
    )
    op.create_table(
        "recognitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_kind", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("postmortem_pk", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["postmortem_pk"],
            ["postmortems.pk"],
            name=op.f("fk_recognitions_postmortem_pk_postmortems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognitions")),
    )
    op.create_index(
        op.f("ix_recognitions_postmortem_pk"), "recognitions", ["postmortem_pk"], unique=False
    )
    op.create_index(
        op.f("ix_recognitions_created_at"), "recognitions", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_recognitions_created_at"), table_name="recognitions")
    op.drop_index(op.f("ix_recognitions_postmortem_pk"), table_name="recognitions")
    op.drop_table("recognitions")
    op.drop_index(op.f("ix_training_results_completed_at"), table_name="training_results")
    op.drop_index(op.f("ix_training_results_user_id"), table_name="training_results")
    op.drop_table("training_results")
    op.drop_table("handbook_page_versions")
    op.drop_table("handbook_pages")
