"""Tables of the meetings slice."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kintsugi.core.db import Base
from kintsugi.core.types import UTCDateTime, utcnow


class MeetingRow(Base):
    """One meeting: a post-mortem review, a pre-mortem exercise or a learning session.

    ``uid`` is the calendar event's stable UID; ``sequence`` rises on every reschedule and on
    cancelling. ``status``: scheduled, running, held or cancelled.
    """

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    duration_minutes: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    organizer: Mapped[str] = mapped_column(String(80))
    location: Mapped[str] = mapped_column(String(500), default="")
    format: Mapped[str] = mapped_column(String(40), default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    current_part: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        Index("ix_meetings_status_starts_at", "status", "starts_at"),
        Index("ix_meetings_held_at", "held_at"),
    )


class MeetingPostmortemRow(Base):
    """The documents a meeting is about (one for a review, several for a learning session)."""

    __tablename__ = "meeting_postmortems"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    postmortem_pk: Mapped[int] = mapped_column(
        ForeignKey("postmortems.pk", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_meeting_postmortems_postmortem_pk", "postmortem_pk"),)


class ParticipantRow(Base):
    """Someone invited, with their role; ``user_id``/``email`` when they match a user."""

    __tablename__ = "meeting_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(320))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    attended: Mapped[bool] = mapped_column(Boolean, default=False)


class PartRunRow(Base):
    """When the live session started (and left) one agenda part."""

    __tablename__ = "meeting_part_runs"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    part: Mapped[str] = mapped_column(String(40), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NoteRow(Base):
    """One note taken during the session: append-only, one row per entry and author.

    Notes of the action items part carry the item's owner, priority and due date.
    """

    __tablename__ = "meeting_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    part: Mapped[str] = mapped_column(String(40))
    author: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[str | None] = mapped_column(String(4))
    due: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_meeting_notes_meeting_part", "meeting_id", "part"),)


class FollowUpRow(Base):
    """A follow-up after the meeting: due when, reminded when, done when."""

    __tablename__ = "meeting_followups"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    remind_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("meeting_id", "kind", name="uq_meeting_followups_kind"),)
