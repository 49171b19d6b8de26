"""list speed: an index of the live post-mortems in list order

Revision ID: 0008_list_speed
Revises: 0007_incidents
Create Date: 2026-12-07

The post-mortem list orders by ``started_at DESC NULLS LAST, updated_at DESC, pk DESC`` over
the live (not deleted) post-mortems; this index holds them in that order with the columns the
visibility rule and the filters read, so a page and the total read the index rather than
sort or read every row. PostgreSQL keeps those columns as INCLUDE; SQLite, which has no
INCLUDE, as trailing key columns (the pk before them already makes each key unique).
"""

from __future__ import annotations

from alembic import op

revision = "0008_list_speed"
down_revision = "0007_incidents"
branch_labels = None
depends_on = None

INDEX = "ix_postmortems_listed"
READ = "visibility, team_id, status, severity, kind"
CREATE = {
    "postgresql": (
        f"CREATE INDEX {INDEX} ON postmortems "
        "(started_at DESC NULLS LAST, updated_at DESC, pk DESC) "
        f"INCLUDE ({READ}) WHERE deleted_at IS NULL"
    ),
    "sqlite": (
        f"CREATE INDEX {INDEX} ON postmortems "
        f"(started_at DESC, updated_at DESC, pk DESC, {READ}) WHERE deleted_at IS NULL"
    ),
}


def upgrade() -> None:
    op.execute(CREATE[op.get_bind().dialect.name])


def downgrade() -> None:
    op.execute(f"DROP INDEX {INDEX}")
