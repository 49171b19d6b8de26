"""The claims table: one unit of work (a message on a channel) done at most once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kintsugi.core.db import Base
from kintsugi.core.types import UTCDateTime, utcnow


class ClaimRow(Base):
    """One ``(key, channel)`` pair, done at most once: the pair is unique.

    A worker claims a row (status ``sending`` with a lease), does the work, then marks it
    ``sent`` or ``failed``; a lapsed lease or a failed row whose ``next_attempt_at`` has come
    may be claimed again by any worker. (The table keeps its first name: notifications were
    the first work claimed in it.)
    """

    __tablename__ = "notification_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))
    worker: Mapped[str] = mapped_column(String(120))
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    subject: Mapped[str] = mapped_column(Text, default="")
    recipient: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("key", "channel", name="uq_notification_deliveries_key_channel"),
        Index("ix_notification_deliveries_status", "status", "next_attempt_at"),
    )
