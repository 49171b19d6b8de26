"""Tables of the metrics slice: reviewer answers to the quality checklist (the policy's
table is the post-mortems' ``PolicyRow``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kintsugi.core.db import Base
from kintsugi.core.types import UTCDateTime, utcnow


class ChecklistAnswerRow(Base):
    """A reviewer's answer to one quality checklist item of one post-mortem."""

    __tablename__ = "metrics_checklist_answers"

    postmortem_pk: Mapped[int] = mapped_column(
        ForeignKey("postmortems.pk", ondelete="CASCADE"), primary_key=True
    )
    item: Mapped[str] = mapped_column(String(60), primary_key=True)
    answer: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str] = mapped_column(String(80))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
