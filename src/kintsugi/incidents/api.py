"""JSON API of the incidents slice: the vendor webhooks and the list of incidents.

``POST /api/v1/webhooks/incidentio`` (Standard Webhooks signatures) and
``POST /api/v1/webhooks/pagerduty`` (``X-PagerDuty-Signature``) need no user: the signature is
the proof. ``GET /api/v1/incidents`` lists the incidents with their post-mortems.
"""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request

from kintsugi.core.errors import ConfigurationError
from kintsugi.core.types import utcnow
from kintsugi.incidents import service, webhooks
from kintsugi.incidents.config import IncidentSettings
from kintsugi.incidents.notify import notify_owner
from kintsugi.webkit.deps import CurrentPrincipal, Db

router = APIRouter(prefix="/api/v1", tags=["incidents"])


def _settings() -> IncidentSettings:
    try:
        return IncidentSettings()
    except ValueError as exc:
        raise ConfigurationError(f"settings: {exc}") from exc


def _receive(request: Request, vendor: str, body: bytes) -> webhooks.Handled:
    settings = _settings()
    headers = dict(request.headers)
    if vendor == "incidentio":
        delivery = webhooks.incidentio_delivery(settings, body, headers)
    else:
        delivery = webhooks.pagerduty_delivery(settings, body, headers, now=utcnow())
    sessions = request.app.state.writing_sessions
    handled = webhooks.handle(sessions, delivery, settings)
    if handled.draft is not None and handled.status != "unchanged":
        with sessions.begin() as session:
            handled.notified = notify_owner(
                session,
                handled.draft.incident,
                handled.draft.document.id or "",
                request.app.state.settings.base_url,
            )
    return handled


@router.post("/webhooks/incidentio", response_model=webhooks.Handled)
async def incidentio_webhook(request: Request) -> webhooks.Handled:
    """An incident.io event (Standard Webhooks): a resolved incident gets its draft."""
    body = await request.body()
    return await anyio.to_thread.run_sync(_receive, request, "incidentio", body)


@router.post("/webhooks/pagerduty", response_model=webhooks.Handled)
async def pagerduty_webhook(request: Request) -> webhooks.Handled:
    """A PagerDuty v3 event: ``incident.resolved`` creates or refreshes the draft."""
    body = await request.body()
    return await anyio.to_thread.run_sync(_receive, request, "pagerduty", body)


@router.get("/incidents", response_model=list[service.IncidentRecord])
def list_incidents(
    db: Db, viewer: CurrentPrincipal, without_postmortem: bool = False
) -> list[service.IncidentRecord]:
    """Incidents, most recent first, each with its post-mortem (when the viewer may see it)."""
    with db() as session:
        records = service.list_incidents(session, viewer, without_postmortem=without_postmortem)
    return records
