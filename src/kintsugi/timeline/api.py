"""JSON API of the timeline builder: preview a post-mortem's merged timeline, or save it.

``POST /api/v1/postmortems/{id}/timeline/build`` with ``{"sources": [...], "since", "until",
"save", "timezone"}``. Sources are the CLI's specs, except ``file:`` (the server's files are not
the caller's to read). Credentials come from the server's environment, so a build, even a
preview, needs the right to edit the post-mortem (editor role, write-scope token). A source
that fails is listed in ``failures``; the timeline is built from the others.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kintsugi.people.principal import Principal
from kintsugi.timeline.service import build_for_postmortem
from kintsugi.webkit.deps import CurrentPrincipal, Db

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
    """The API's and the page's build: ``build_for_postmortem`` as JSON."""
    return build_for_postmortem(
        db, viewer, id, specs, since=since, until=until, save=save, timezone=timezone
    ).to_json()


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
