"""Tables of the incidents slice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kintsugi.core.db import Base
from kintsugi.core.types import UTCDateTime


class IncidentRow(Base):
    """One incident, keyed by its reference (``incidentio:01HQ...``, ``manual:db-failover``).

    ``postmortem_id`` names the post-mortem written about it (None: none yet); ``near_miss``
    marks an event that did not become an incident (it needs no post-mortem).
    """

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(220), unique=True)
    vendor: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    severity: Mapped[str | None] = mapped_column(String(10), index=True)
    vendor_severity: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(40), default="open")
    near_miss: Mapped[bool] = mapped_column(Boolean, default=False)
    link: Mapped[str | None] = mapped_column(String(1000))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    detected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mitigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    lead: Mapped[str | None] = mapped_column(String(200))
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Extra timeline source specs the draft was built with (a webhook refresh uses them)."""
    postmortem_id: Mapped[str | None] = mapped_column(String(80), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebhookDeliveryRow(Base):
    """A webhook delivery handled once: its vendor's delivery id, so that a replay or a retry
    of a delivery already handled changes nothing."""

    __tablename__ = "incident_webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor: Mapped[str] = mapped_column(String(20))
    delivery_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(220))
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("vendor", "delivery_id", name="uq_incident_webhook_deliveries_delivery"),
    )
