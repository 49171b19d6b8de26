"""Tables of the handbook slice: edited pages and their versions, training results,
recognitions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kintsugi.core.db import Base
from kintsugi.core.types import UTCDateTime, utcnow


class HandbookPageRow(Base):
    """A handbook page an admin has edited (until then the shipped default is served)."""

    __tablename__ = "handbook_pages"

    slug: Mapped[str] = mapped_column(String(60), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    markdown: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HandbookVersionRow(Base):
    """Every saved version of a page: who, when, and the whole text."""

    __tablename__ = "handbook_page_versions"

    slug: Mapped[str] = mapped_column(
        ForeignKey("handbook_pages.slug", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    markdown: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(80))
    change: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TrainingResultRow(Base):
    """One attempt at the facilitator self-check."""

    __tablename__ = "training_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class RecognitionRow(Base):
    """A person or team recognised for a transparent post-mortem or a completed improvement."""

    __tablename__ = "recognitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_kind: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    postmortem_pk: Mapped[int | None] = mapped_column(
        ForeignKey("postmortems.pk", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
