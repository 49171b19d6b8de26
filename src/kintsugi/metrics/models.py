"""Tables of the metrics slice: the organisation's policy overrides and reviewer answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kintsugi.core.db import Base
from kintsugi.core.types import UTCDateTime, utcnow


class PolicyRow(Base):
    """The policy as set on the admin page (one row, id 1): only the fields set there, which
    override the settings file's."""

    __tablename__ = "metrics_policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(80), default="")


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
