"""The library page: search as you type (htmx), facets with counts, browse, recently added."""

from __future__ import annotations

from importlib.resources import files
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import InputError
from kintsugi.library import search as library_search
from kintsugi.library.lane import in_search_lane
from kintsugi.library.search import FILTERS, SearchFilters, SearchResult
from kintsugi.library.similar import similar
from kintsugi.people.principal import Principal
from kintsugi.webkit.deps import CurrentPrincipal, Db, WritingDb
from kintsugi.webkit.templating import templates

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
FACET_TITLES = {
    "tag": "Tags",
    "service": "Services",
    "severity": "Severity",
    "year": "Year",
    "status": "Status",
    "cause": "Root-cause category",
}


class _Links:
    """Links to this page with some parameters changed (facets, paging, removing a filter)."""

    def __init__(self, params: dict[str, str]) -> None:
        self.params = {k: v for k, v in params.items() if v}

    def __call__(self, **changes: object) -> str:
        merged = dict(self.params)
        merged.pop("offset", None)
        for key, value in changes.items():
            if value is None or value == "":
                merged.pop(key, None)
            else:
                merged[key] = str(value)
        return "/library" + ("?" + urlencode(merged) if merged else "")


@router.get("/library", response_class=HTMLResponse)
async def library_page(
    request: Request,
    db: Db,
    viewer: CurrentPrincipal,
    q: Annotated[str, Query(max_length=500)] = "",
    tag: str = "",
    service: str = "",
    severity: str = "",
    year: str = "",
    status: str = "",
    cause: str = "",
    kind: str = "",
    team: str = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Search and browse, on the search lane (``library.lane``)."""
    params = {
        "q": q,
        "tag": tag,
        "service": service,
        "severity": severity,
        "year": year,
        "status": status,
        "cause": cause,
        "kind": kind,
        "team": team,
    }
    return await in_search_lane(request, lambda: _library_page(request, db, viewer, params, offset))


def _library_page(
    request: Request,
    db: sessionmaker[Session],
    viewer: Principal,
    params: dict[str, str],
    offset: int,
) -> Response:
    q = params["q"]
    error: str | None = None
    result: SearchResult | None = None
    with db() as session:
        try:
            given = {k: params[k] or None for k in FILTERS if k != "year"}
            filters = SearchFilters(**given, year=_year(params["year"]))
            result = library_search.search(
                session, viewer, q, filters, limit=PAGE_SIZE, offset=offset
            )
        except InputError as exc:
            error = str(exc)
        browsing = not q.strip() and not any(params[k] for k in FILTERS)
        recent = library_search.recently_added(session, viewer) if browsing else []
    context: dict[str, Any] = {
        "q": q,
        "params": params,
        "filters": {k: params[k] for k in FILTERS if params[k]},
        "result": result,
        "error": error,
        "recent": recent,
        "link": _Links({**params, "offset": str(offset)}),
        "facet_titles": FACET_TITLES,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "safe": Markup,
    }
    fragment = bool(request.headers.get("HX-Request"))
    name = "library/_results.html" if fragment else "library/index.html"
    status_code = 422 if error and not fragment else 200
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _year(value: str) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise InputError(f"{value!r} is not a year", field="year") from None


@router.get("/library/assets/library-page.css")
def page_css() -> Response:
    """The library page's own styles (same-origin, as the content security policy asks)."""
    css = files("kintsugi.library").joinpath("static_assets", "library-page.css")
    return Response(
        css.read_text(encoding="utf-8"),
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/library/similar/{id}", response_class=HTMLResponse)
async def similar_fragment(
    request: Request,
    id: str,
    db: WritingDb,
    viewer: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> Response:
    """Similar incidents as an HTML fragment, for the document page (``hx-get`` on load)."""

    def work() -> Response:
        with db.begin() as session:
            found = similar(session, viewer, id, limit=limit)
        return templates.TemplateResponse(request, "library/_similar.html", {"similar": found})

    return await in_search_lane(request, work)
