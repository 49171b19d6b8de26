"""People marked as bots: users.is_bot

Revision ID: 0009_review_bots
Revises: 0008_list_speed
Create Date: 2026-12-07

Bots and service accounts (an alerting integration, a chat bot, a CI account) are users too,
so that their tokens work; marked as bots, they are left out of meeting participants and of
the responders a review expects to attend.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_review_bots"
down_revision = "0008_list_speed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("is_bot", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("is_bot")
