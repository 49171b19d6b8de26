"""JSON API of the timeline builder: preview a post-mortem's merged timeline, or save it.

``POST /api/v1/postmortems/{id}/timeline/build`` with ``{"sources": [...], "since", "until",
"save", "timezone"}``. Sources are the CLI's specs, except ``file:`` (the server's files are not
the caller's to read). Credentials come from the server's environment. A source that fails is
listed in ``failures``; the timeline is built from the others.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kintsugi.core.db import transaction
from kintsugi.core.errors import InputError, PermissionDeniedError
from kintsugi.people.principal import Principal, Role
from kintsugi.postmortems.service import get_document
from kintsugi.timeline.builder import build_for_incident, parse_sources
from kintsugi.timeline.render import event_json, zone_named
from kintsugi.timeline.service import save_built_events
from kintsugi.timeline.sources.base import IncidentTimes
from kintsugi.web.deps import CurrentPrincipal, Db

router = APIRouter(prefix="/api/v1/postmortems", tags=["timeline"])


class BuildIn(BaseModel):
    """What to fetch: source specs and, optionally, the window and whether to save."""

    sources: list[str] = Field(min_length=1, max_length=20)
    since: datetime | None = None
    until: datetime | None = None
    save: bool = False
    timezone: str | None = None


class RefOut(BaseModel):
    source: str
    source_id: str
    link: str | None


class EventOut(BaseModel):
    at: str
    local_time: str
    source: str
    source_id: str
    kind: str
    title: str
    detail: str
    actor: str | None
    link: str | None
    refs: list[RefOut]


class FailureOut(BaseModel):
    source: str
    message: str


class WindowOut(BaseModel):
    since: str
    until: str


class DurationsOut(BaseModel):
    started_at: str | None
    detected_at: str | None
    acknowledged_at: str | None
    mitigated_at: str | None
    resolved_at: str | None
    time_to_detect_seconds: float | None
    time_to_acknowledge_seconds: float | None
    time_to_mitigate_seconds: float | None
    time_to_resolve_seconds: float | None


class SavedOut(BaseModel):
    created: int
    updated: int
    unchanged: int
    kept: int


class BuildOut(BaseModel):
    postmortem: str
    timezone: str
    window: WindowOut
    events: list[EventOut]
    failures: list[FailureOut]
    durations: DurationsOut
    changes_before_detection: list[EventOut]
    counts: dict[str, int]
    saved: SavedOut | None


def _aware(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=zone)


def run_build(
    db: Db,
    viewer: Principal,
    id: str,
    specs: list[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    save: bool = False,
    timezone: str | None = None,
) -> dict[str, Any]:
    """Fetch, merge and (when asked) save a post-mortem's timeline: the API's and the page's work."""
    if save and not viewer.has_role(Role.EDITOR):
        raise PermissionDeniedError("saving a timeline needs the editor role")
    if any(spec.strip().lower().startswith("file:") for spec in specs):
        raise InputError("file: sources are for the command line only", field="sources")
    sources = parse_sources(specs)
    with db() as session:
        doc = get_document(session, id, viewer)
    zone = zone_named(timezone or doc.timezone)
    document_times = IncidentTimes(
        source="document",
        started_at=doc.started_at,
        detected_at=doc.detected_at,
        resolved_at=doc.resolved_at,
        title=doc.title,
    )
    result = build_for_incident(
        sources,
        since=_aware(since, zone),
        until=_aware(until, zone),
        document=document_times,
    )
    saved = None
    if save:
        with transaction(db) as session:
            saved = save_built_events(session, doc.id or id, result.events, actor=viewer).to_json()
    data = result.to_json()
    data["events"] = [event_json(e, zone) for e in result.events]
    data["changes_before_detection"] = [
        event_json(e, zone) for e in result.changes_before_detection
    ]
    return {"postmortem": doc.id or id, "timezone": zone.key, **data, "saved": saved}


@router.post("/{id}/timeline/build", response_model=BuildOut)
def build_timeline(id: str, body: BuildIn, db: Db, viewer: CurrentPrincipal) -> dict[str, Any]:
    """Fetch the sources, merge them, and return the timeline (saving it when asked)."""
    return run_build(
        db,
        viewer,
        id,
        body.sources,
        since=body.since,
        until=body.until,
        save=body.save,
        timezone=body.timezone,
    )
