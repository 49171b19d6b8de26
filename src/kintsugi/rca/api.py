"""JSON API for root cause analyses under /api/v1/postmortems/{id}/rca, and the taxonomy and
recurring causes under /api/v1/rca."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import ConflictError
from kintsugi.people.principal import Principal
from kintsugi.postmortems.history import VersionInfo
from kintsugi.rca import service, taxonomy
from kintsugi.rca.diagrams import diagram_mermaid, diagram_svg
from kintsugi.rca.model import Analysis
from kintsugi.webkit.deps import CurrentPrincipal, Db

router = APIRouter(prefix="/api/v1/postmortems/{id}/rca", tags=["root cause analysis"])
rca_router = APIRouter(prefix="/api/v1/rca", tags=["root cause analysis"])

Technique = Literal[
    "problem",
    "five_whys",
    "fishbone",
    "changes",
    "timeline",
    "factors",
    "causal_tree",
    "barriers",
    "links",
]
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "Changed since base_version; body has the current analysis"}
}


class AnalysisIn(BaseModel):
    base_version: int = Field(..., ge=0, description="The version this edit started from")
    analysis: Analysis


class TechniqueIn(BaseModel):
    base_version: int = Field(..., ge=0, description="The version this edit started from")
    value: Any = Field(..., description="The technique's new content, as in the whole analysis")


class CategoryIn(BaseModel):
    key: str = Field(..., pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    label: str = Field(..., min_length=1, max_length=120)
    description: str = Field("", max_length=2000)
    archived: bool = False


class CategoriesIn(BaseModel):
    categories: list[CategoryIn] = Field(..., max_length=500)


def _saved(
    db: sessionmaker[Session],
    id: str,
    viewer: Principal,
    analysis: Analysis,
    base: int | None,
    what: str,
) -> service.AnalysisView | Response:
    try:
        with db.begin() as session:
            return service.save_analysis(
                session, id, analysis, viewer, base_version=base, change=what
            )
    except ConflictError as exc:
        return _conflict(exc)


def _conflict(exc: ConflictError) -> Response:
    body: dict[str, Any] = {"detail": str(exc)}
    if isinstance(exc.current, service.AnalysisView):
        body["current"] = exc.current.to_json()
    return JSONResponse(body, status_code=409)


@router.get("", response_model=service.AnalysisView)
def get_analysis(id: str, db: Db, viewer: CurrentPrincipal) -> service.AnalysisView:
    """The analysis with its timeline summary, warnings and unaddressed causes.

    A post-mortem without one gives a fresh analysis (version 0) with its changes before
    detection already listed.
    """
    with db.begin() as session:
        return service.get_analysis(session, id, viewer)


@router.put("", response_model=service.AnalysisView, responses=CONFLICT)
def put_analysis(
    id: str, body: AnalysisIn, db: Db, viewer: CurrentPrincipal
) -> service.AnalysisView | Response:
    """Replace the whole analysis; refused with 409 when base_version is stale."""
    return _saved(db, id, viewer, body.analysis, body.base_version, "edited")


@router.put("/{technique}", response_model=service.AnalysisView, responses=CONFLICT)
def put_technique(
    id: str, technique: Technique, body: TechniqueIn, db: Db, viewer: CurrentPrincipal
) -> service.AnalysisView | Response:
    """Replace one technique (or the problem statement, or the links) and keep the rest;
    links to items that are gone go with them."""
    try:
        with db.begin() as session:
            return service.replace_technique(
                session, id, technique, body.value, viewer, base_version=body.base_version
            )
    except ConflictError as exc:
        return _conflict(exc)


@router.post("/import", response_model=service.AnalysisView, responses=CONFLICT)
def import_analysis(
    id: str,
    db: Db,
    viewer: CurrentPrincipal,
    data: Annotated[dict[str, Any], Body(description="An analysis as documented in docs/rca.md")],
    base_version: Annotated[int | None, Query(ge=0, le=2_000_000_000)] = None,
) -> service.AnalysisView | Response:
    """Replace the analysis with one written elsewhere (action items may be named by title,
    evidence by the event's time and text)."""
    analysis = service.parse_analysis(data, source="request")
    return _saved(db, id, viewer, analysis, base_version, "imported")


@router.get(
    "/versions",
)
def list_versions(id: str, db: Db, viewer: CurrentPrincipal) -> list[VersionInfo]:
    """Every version of the analysis: who changed it, when, how (newest first)."""
    with db.begin() as session:
        return service.versions(session, id, viewer)


@router.get("/versions/{version}", response_model=Analysis)
def get_version(id: str, version: int, db: Db, viewer: CurrentPrincipal) -> dict[str, Any]:
    """The analysis as it was at one version."""
    with db.begin() as session:
        return service.snapshot(session, id, version, viewer).model_dump(mode="json")


@router.get(
    "/diagrams/{kind}",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}, "text/plain": {}}}},
)
def get_diagram(
    id: str,
    kind: Literal["fishbone", "tree"],
    db: Db,
    viewer: CurrentPrincipal,
    format: Annotated[Literal["svg", "mermaid"], Query()] = "svg",
) -> Response:
    """The fishbone or causal tree as SVG, or as Mermaid source."""
    with db.begin() as session:
        view = service.get_analysis(session, id, viewer, lint=False)
    if format == "mermaid":
        return Response(diagram_mermaid(view, kind), media_type="text/plain; charset=utf-8")
    return Response(diagram_svg(view, kind), media_type="image/svg+xml")


@rca_router.get("/categories")
def list_categories(db: Db, viewer: CurrentPrincipal) -> list[taxonomy.Category]:
    """The organisation's cause taxonomy (archived categories included)."""
    with db.begin() as session:
        return taxonomy.list_categories(session)


@rca_router.put("/categories")
def put_categories(body: CategoriesIn, db: Db, viewer: CurrentPrincipal) -> list[taxonomy.Category]:
    """Replace the taxonomy (facilitators and admins). Categories are archived, not removed."""
    categories = [
        taxonomy.Category(c.key, c.label, c.description, c.archived) for c in body.categories
    ]
    with db.begin() as session:
        return taxonomy.replace_categories(session, categories, viewer)


@rca_router.get("/recurring", response_model=list[service.Recurrence])
def recurring(
    db: Db,
    viewer: CurrentPrincipal,
    min_count: Annotated[int, Query(ge=1, le=1000)] = 2,
) -> list[service.Recurrence]:
    """Categories of root causes and factors that recur across post-mortems."""
    with db.begin() as session:
        return service.recurring_causes(session, viewer, min_count=min_count)


EXTRA_ROUTERS = (rca_router,)
