"""Named grants indexed by person

Revision ID: 0011_access_by_user
Revises: 0010_token_expiry
Create Date: 2026-12-07

Visibility reads a viewer's named grants as one set per statement
(``postmortems.access``): ``user_id`` leads this index so that set is a range of it, not a
scan of every grant.
"""

from __future__ import annotations

from alembic import op

revision = "0011_access_by_user"
down_revision = "0010_token_expiry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_postmortem_access_user", "postmortem_access", ["user_id", "postmortem_pk"])


def downgrade() -> None:
    op.drop_index("ix_postmortem_access_user", table_name="postmortem_access")
