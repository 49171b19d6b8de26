"""Vendor webhooks: a resolved incident creates or refreshes its draft, with no command.

Each delivery is checked (signature over the raw body, freshness) before anything else; a
delivery id already handled changes nothing again. The delivery's id is stored in the same
transaction as the draft, so a delivery that failed half-way is handled in full when the
vendor retries it. The incident is read from the vendor's API: the payload only says which.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, with_config
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.db import transaction
from kintsugi.core.errors import InputError
from kintsugi.core.types import utcnow
from kintsugi.core.wire import EVERY_KEY_WRITTEN
from kintsugi.incidents import service
from kintsugi.incidents.config import IncidentSettings
from kintsugi.incidents.draft import DraftResult, fetch, write_draft
from kintsugi.incidents.models import WebhookDeliveryRow
from kintsugi.incidents.signatures import (
    WebhookRejected,
    occurred_at,
    verify_pagerduty,
    verify_standard_webhook,
)
from kintsugi.people.principal import Principal, Role
from kintsugi.timeline.sources.base import RetryPolicy

INCIDENTIO_EVENTS = frozenset(
    {
        "public_incident.incident_created_v2",
        "public_incident.incident_updated_v2",
        "public_incident.incident_status_updated_v2",
        "private_incident.incident_created_v2",
        "private_incident.incident_updated_v2",
    }
)
PAGERDUTY_EVENTS = frozenset({"incident.resolved"})


def webhook_actor(vendor: str) -> Principal:
    """Who webhook drafts are written as (shown in the document's history)."""
    return Principal(user_id=None, username=f"{vendor}-webhook", role=Role.ADMIN, is_system=True)


@dataclass
class Delivery:
    """A verified delivery: its id, event type and the incident it is about (if any)."""

    vendor: str
    delivery_id: str
    event_type: str
    reference: str | None


@with_config(EVERY_KEY_WRITTEN)
@dataclass
class Handled:
    """What a delivery did: ``status`` is drafted, refreshed, unchanged, duplicate, ignored or
    not_resolved."""

    status: str
    reference: Annotated[str | None, Field(serialization_alias="incident")] = None
    postmortem: str | None = field(init=False, default=None)
    """The draft's post-mortem id (a field, set from ``draft``, so that the wire shape has it)."""
    draft: Annotated[DraftResult | None, Field(exclude=True)] = None
    notified: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.postmortem = self.draft.document.id if self.draft else None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _WIRE.dump_python(self, mode="json", by_alias=True)
        return data


_WIRE = TypeAdapter(Handled)


def incidentio_delivery(
    settings: IncidentSettings, body: bytes, headers: Mapping[str, str]
) -> Delivery:
    """Check an incident.io delivery; WebhookRejected (401) unless genuine and fresh."""
    if settings.incidentio_webhook_secret is None:
        raise WebhookRejected(
            "incident.io webhooks are not set up here: set KINTSUGI_INCIDENTIO_WEBHOOK_SECRET"
        )
    payload = verify_standard_webhook(
        settings.incidentio_webhook_secret.get_secret_value(), body, headers
    )
    delivery_id = {k.lower(): v for k, v in headers.items()}["webhook-id"]
    event_type = payload.get("event_type") if isinstance(payload, dict) else None
    if not isinstance(event_type, str):
        raise InputError("the delivery has no event_type", field="event_type")
    reference = None
    if event_type in INCIDENTIO_EVENTS:
        inner = payload.get(event_type)
        inner = inner if isinstance(inner, dict) else {}
        incident = inner.get("incident")
        ident = (incident if isinstance(incident, dict) else inner).get("id")
        if not isinstance(ident, str) or not ident:
            raise InputError(f"the {event_type} delivery names no incident id", field="id")
        reference = f"incidentio:{ident}"
    return Delivery("incidentio", delivery_id[:200], event_type[:100], reference)


def pagerduty_delivery(
    settings: IncidentSettings, body: bytes, headers: Mapping[str, str], *, now: datetime
) -> Delivery:
    """Check a PagerDuty v3 delivery; WebhookRejected (401) unless genuine and recent."""
    if settings.pagerduty_webhook_secret is None:
        raise WebhookRejected(
            "PagerDuty webhooks are not set up here: set KINTSUGI_PAGERDUTY_WEBHOOK_SECRET"
        )
    lowered = {k.lower(): v for k, v in headers.items()}
    payload = verify_pagerduty(
        settings.pagerduty_webhook_secret.get_secret_value(),
        body,
        lowered.get("x-pagerduty-signature"),
    )
    event = payload.get("event") if isinstance(payload, dict) else None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise InputError("the delivery has no event with an id", field="event")
    when = occurred_at(event)
    max_age = timedelta(seconds=settings.pagerduty_webhook_max_age_seconds)
    if when is None or not now - max_age <= when <= now + timedelta(minutes=5):
        raise WebhookRejected("webhook refused: the event's occurred_at is missing or too old")
    event_type = str(event.get("event_type") or "")
    data = event.get("data")
    reference = None
    if event_type in PAGERDUTY_EVENTS and isinstance(data, dict) and data.get("id"):
        reference = f"pagerduty:{data['id']}"
    return Delivery("pagerduty", event["id"][:200], event_type[:100], reference)


def seen(session: Session, delivery: Delivery) -> bool:
    """Whether this delivery was handled already."""
    found = session.scalar(
        select(WebhookDeliveryRow.id).where(
            WebhookDeliveryRow.vendor == delivery.vendor,
            WebhookDeliveryRow.delivery_id == delivery.delivery_id,
        )
    )
    return found is not None


def _claim(session: Session, delivery: Delivery, status: str, now: datetime) -> None:
    session.add(
        WebhookDeliveryRow(
            vendor=delivery.vendor,
            delivery_id=delivery.delivery_id,
            event_type=delivery.event_type,
            reference=delivery.reference,
            outcome={"status": status},
            received_at=now,
        )
    )
    session.flush()  # a concurrent copy of the delivery fails here (unique id)


def handle(
    sessions: sessionmaker[Session],
    delivery: Delivery,
    settings: IncidentSettings,
    *,
    env: Mapping[str, str] | None = None,
    retry: RetryPolicy | None = None,
    now: datetime | None = None,
) -> Handled:
    """Create or refresh the draft of the delivery's incident when it is resolved."""
    now = now or utcnow()
    with sessions() as session:
        if seen(session, delivery):
            return Handled("duplicate", delivery.reference)
        target = service.target_of(session, delivery.reference) if delivery.reference else None
    fetched = None
    if target is not None:
        reference, sources = target
        fetched = fetch(
            reference,
            [*sources, *(s for s in settings.webhook_source_specs if s not in sources)],
            settings=settings,
            env=env,
            retry=retry,
            now=now,
            require_resolved=True,
        )
    status = "ignored" if target is None else "not_resolved"
    result = None
    for attempt in (1, 2):
        try:
            with transaction(sessions) as session:
                if seen(session, delivery):  # a copy handled while this one was fetching
                    return Handled("duplicate", delivery.reference)
                if fetched is None:
                    _claim(session, delivery, status, now)
                    return Handled(status, delivery.reference)
                _claim(session, delivery, "handled", now)
                result = write_draft(
                    session,
                    webhook_actor(delivery.vendor),
                    fetched,
                    template="postmortem",
                    settings=settings,
                    now=now,
                )
            break
        except IntegrityError:
            # another delivery stored this one, or drafted the same incident, at the same
            # moment: the next attempt sees what it wrote
            if attempt == 2:
                raise
    assert result is not None and fetched is not None
    status = "drafted" if result.created else ("refreshed" if result.changed else "unchanged")
    return Handled(status, fetched.facts.reference, result)
