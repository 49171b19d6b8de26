"""Tables of the root cause analysis slice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kintsugi.core.db import Base
from kintsugi.core.types import UTCDateTime, utcnow


class AnalysisRow(Base):
    """The analysis of one post-mortem as one JSON document (``rca.model.Analysis``, no links)."""

    __tablename__ = "rca_analyses"

    postmortem_pk: Mapped[int] = mapped_column(
        ForeignKey("postmortems.pk", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(80), default="")

    # of two concurrent saves from the same version exactly one wins
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AnalysisVersionRow(Base):
    """The analysis after each change (with its links): who, when, what."""

    __tablename__ = "rca_versions"

    postmortem_pk: Mapped[int] = mapped_column(
        ForeignKey("postmortems.pk", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(80))
    change: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)


class LinkRow(Base):
    """An action item addresses a cause, factor or barrier of its post-mortem's analysis."""

    __tablename__ = "rca_links"

    action_item_id: Mapped[int] = mapped_column(
        ForeignKey("action_items.id", ondelete="CASCADE"), primary_key=True
    )
    target_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    target_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    postmortem_pk: Mapped[int] = mapped_column(
        ForeignKey("postmortems.pk", ondelete="CASCADE"), index=True
    )


class CategoryRow(Base):
    """One category of the organisation's cause taxonomy (the default applies while empty)."""

    __tablename__ = "rca_categories"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
