"""Tables of the action items slice: items, their history, tracker links."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kintsugi.core.db import Base
from kintsugi.core.types import UTCDateTime, utcnow


class ActionItemRow(Base):
    """One follow-up of a post-mortem; ``version`` increases on every change (the ETag)."""

    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    postmortem_pk: Mapped[int] = mapped_column(
        ForeignKey("postmortems.pk", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    owner_kind: Mapped[str] = mapped_column(String(10), default="person")
    priority: Mapped[str | None] = mapped_column(String(4))
    due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    wont_do_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # fix, prevention, detection, mitigation, process, documentation (added by migration 0004)
    kind: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (
        Index("ix_action_items_status_due", "status", "due"),
        # Covers the report's grouped scan (GROUP BY priority, owner, owner_kind) so it reads
        # neither the table nor a temporary sort.
        Index(
            "ix_action_items_report",
            "priority",
            "owner",
            "owner_kind",
            "status",
            "due",
            "completed_at",
            "postmortem_pk",
        ),
    )


class ActionItemHistoryRow(Base):
    """One change to an item: who, when, what changed (field -> [old, new]) and a comment.

    ``new_owner`` is set when the change assigned the item to someone; ``notified_at`` records
    that the worker has told them (so each assignment is announced once).
    """

    __tablename__ = "action_item_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("action_items.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    comment: Mapped[str | None] = mapped_column(Text)
    new_owner: Mapped[str | None] = mapped_column(String(200))
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_action_item_history_item_id", "item_id", "at"),
        Index("ix_action_item_history_pending", "notified_at", "new_owner"),
    )


class TrackerLinkRow(Base):
    """The issue an item was exported to (GitHub or Jira) and what the last sync saw: the
    issue's state and update stamp, and the item's status and version at that moment."""

    __tablename__ = "action_item_links"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("action_items.id", ondelete="CASCADE"), primary_key=True
    )
    tracker: Mapped[str] = mapped_column(String(10))
    project: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(1000))
    remote_state: Mapped[str] = mapped_column(String(40))
    remote_updated: Mapped[str | None] = mapped_column(String(60))
    local_status: Mapped[str] = mapped_column(String(20))
    synced_version: Mapped[int] = mapped_column(Integer)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_action_item_links_tracker", "tracker", "project"),)
