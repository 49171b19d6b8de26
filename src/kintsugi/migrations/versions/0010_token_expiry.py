"""API tokens may expire

Revision ID: 0010_token_expiry
Revises: 0009_review_bots
Create Date: 2026-12-07

A token made with an expiry stops working at ``expires_at``; tokens without one (all tokens
made before) work until revoked.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_token_expiry"
down_revision = "0009_review_bots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
