"""JSON API of the library: search and similar incidents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from kintsugi.library import search as library_search
from kintsugi.library.lane import in_search_lane
from kintsugi.library.similar import METHODS, similar
from kintsugi.webkit.deps import CurrentPrincipal, Db, WritingDb

router = APIRouter(prefix="/api/v1", tags=["library"])


@router.get("/search", response_model=dict[str, Any])
async def search(
    request: Request,
    db: Db,
    viewer: CurrentPrincipal,
    q: Annotated[
        str, Query(max_length=500, description='Words, "phrases", prefix*, AND/OR/NOT')
    ] = "",
    tag: str | None = None,
    service: str | None = None,
    severity: str | None = None,
    year: int | None = None,
    status: str | None = None,
    cause: Annotated[str | None, Query(description="A root-cause category key")] = None,
    kind: Annotated[str | None, Query(description="postmortem, premortem or near_miss")] = None,
    team: Annotated[str | None, Query(description="The name of the owning team")] = None,
    limit: Annotated[int, Query(ge=1, le=library_search.MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> JSONResponse:
    """Full-text search with facets over the post-mortems you may see (blank ``q`` lists them)."""
    filters = library_search.SearchFilters(
        tag=tag,
        service=service,
        severity=severity,
        year=year,
        status=status,
        cause=cause,
        kind=kind,
        team=team,
    )

    def work() -> JSONResponse:  # the answer is rendered on the lane's thread too
        with db() as session:
            result = library_search.search(session, viewer, q, filters, limit=limit, offset=offset)
        return JSONResponse(result.to_json())

    return await in_search_lane(request, work)


@router.get("/postmortems/{id}/similar", response_model=dict[str, Any])
async def similar_incidents(
    request: Request,
    id: str,
    db: WritingDb,
    viewer: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
    method: Annotated[str, Query(pattern="^(" + "|".join(METHODS) + ")$")] = "auto",
) -> JSONResponse:
    """The past post-mortems most like this one: by words, meaning, services and tags together
    when the embedding model is installed, else by words (docs/similar-incidents.md)."""

    def work() -> JSONResponse:
        with db.begin() as session:
            return JSONResponse(similar(session, viewer, id, limit=limit, method=method).to_json())

    return await in_search_lane(request, work)
