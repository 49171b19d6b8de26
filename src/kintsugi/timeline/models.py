"""Tables of the timeline slice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kintsugi.core.db import Base
from kintsugi.core.types import UTCDateTime


class TimelineEventRow(Base):
    __tablename__ = "timeline_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    postmortem_pk: Mapped[int] = mapped_column(
        ForeignKey("postmortems.pk", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    precision: Mapped[str] = mapped_column(String(10), default="minute")
    text: Mapped[str] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(40), default="document")
    source_id: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(40))
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str | None] = mapped_column(String(500))
    detail: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(1000))
    refs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    __table_args__ = (
        UniqueConstraint("postmortem_pk", "source", "source_id", name="uq_timeline_events_source"),
    )
