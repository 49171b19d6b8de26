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
from kintsugi.timeline.service import BuiltTimeline, build_for_postmortem
from kintsugi.webkit.deps import CurrentPrincipal, Db

router = APIRouter(prefix="/api/v1/postmortems", tags=["timeline"])


class BuildIn(BaseModel):
    """What to fetch: source specs and, optionally, the window and whether to save."""

    sources: list[str] = Field(min_length=1, max_length=20)
    since: datetime | None = None
    until: datetime | None = None
    save: bool = False
    timezone: str | None = None


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
    """The page's build: ``build_for_postmortem`` as JSON (as the API and ``--json`` write it)."""
    return build_for_postmortem(
        db, viewer, id, specs, since=since, until=until, save=save, timezone=timezone
    ).to_json()


@router.post("/{id}/timeline/build", response_model=BuiltTimeline)
def build_timeline(id: str, body: BuildIn, db: Db, viewer: CurrentPrincipal) -> BuiltTimeline:
    """Fetch the sources, merge them, and return the timeline (saving it when asked)."""
    return build_for_postmortem(
        db,
        viewer,
        id,
        body.sources,
        since=body.since,
        until=body.until,
        save=body.save,
        timezone=body.timezone,
    )
