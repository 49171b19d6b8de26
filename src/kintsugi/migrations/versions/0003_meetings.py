"""meetings (the facilitation kit): meetings, participants, agenda parts, session notes, follow-ups

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        _time("starts_at", False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("organizer", sa.String(length=80), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=False),
        sa.Column("format", sa.String(length=40), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("current_part", sa.String(length=40), nullable=True),
        _time("started_at", True),
        _time("held_at", True),
        _time("created_at", False),
        _time("updated_at", False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_meetings_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("uid", name=op.f("uq_meetings_uid")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index("ix_meetings_held_at", ["held_at"], unique=False)
        batch_op.create_index("ix_meetings_status_starts_at", ["status", "starts_at"], unique=False)

    op.create_table(
        "meeting_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        _time("due_at", False),
        _time("remind_at", False),
        _time("done_at", True),
        _time("reminded_at", True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_followups_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_followups")),
        sa.UniqueConstraint("meeting_id", "kind", name="uq_meeting_followups_kind"),
    )
    with op.batch_alter_table("meeting_followups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_followups_remind_at"), ["remind_at"], unique=False
        )

    op.create_table(
        "meeting_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=40), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("priority", sa.String(length=4), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        _time("created_at", False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_notes_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_notes")),
    )
    with op.batch_alter_table("meeting_notes", schema=None) as batch_op:
        batch_op.create_index("ix_meeting_notes_meeting_part", ["meeting_id", "part"], unique=False)

    op.create_table(
        "meeting_part_runs",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=40), nullable=False),
        _time("started_at", False),
        _time("ended_at", True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_part_runs_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "part", name=op.f("pk_meeting_part_runs")),
    )
    op.create_table(
        "meeting_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_participants_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_meeting_participants_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_participants")),
    )
    with op.batch_alter_table("meeting_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_participants_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "meeting_postmortems",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("postmortem_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_postmortems_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["postmortem_pk"],
            ["postmortems.pk"],
            name=op.f("fk_meeting_postmortems_postmortem_pk_postmortems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "postmortem_pk", name=op.f("pk_meeting_postmortems")),
    )
    with op.batch_alter_table("meeting_postmortems", schema=None) as batch_op:
        batch_op.create_index(
            "ix_meeting_postmortems_postmortem_pk", ["postmortem_pk"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting_postmortems", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_postmortems_postmortem_pk")
    op.drop_table("meeting_postmortems")
    with op.batch_alter_table("meeting_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_participants_meeting_id"))
    op.drop_table("meeting_participants")
    op.drop_table("meeting_part_runs")
    with op.batch_alter_table("meeting_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_notes_meeting_part")
    op.drop_table("meeting_notes")
    with op.batch_alter_table("meeting_followups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_followups_remind_at"))
    op.drop_table("meeting_followups")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_meetings_status_starts_at")
        batch_op.drop_index("ix_meetings_held_at")
    op.drop_table("meetings")
