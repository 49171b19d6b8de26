"""The timeline builder's page: pick sources, preview the merged timeline, save it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from kintsugi.core.errors import InputError
from kintsugi.core.limits import OutOfTimeError
from kintsugi.postmortems.service import get_document
from kintsugi.timeline.api import run_build
from kintsugi.timeline.service import require_fetcher
from kintsugi.webkit.deps import CurrentPrincipal, Db
from kintsugi.webkit.templating import templates

router = APIRouter(include_in_schema=False)


def _specs(text: str) -> list[str]:
    specs = [line.strip() for line in text.splitlines() if line.strip()]
    if not specs:
        raise InputError("name at least one source, one per line", field="sources")
    return specs


def _when(value: str, field: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{value!r} is not a date and time", field=field) from None


@router.get("/postmortems/{id}/timeline", response_class=HTMLResponse)
def timeline_page(request: Request, id: str, db: Db, viewer: CurrentPrincipal) -> Response:
    require_fetcher(viewer)  # the form fetches with the server's credentials
    with db() as session:
        doc = get_document(session, id, viewer)
    return templates.TemplateResponse(
        request, "timeline/build.html", {"doc": doc, "result": None, "sources": ""}
    )


def _result(
    request: Request,
    db: Db,
    viewer: Any,
    id: str,
    sources: str,
    since: str,
    until: str,
    *,
    save: bool,
    template: str,
) -> Response:
    try:
        result = run_build(
            db,
            viewer,
            id,
            _specs(sources),
            since=_when(since, "since"),
            until=_when(until, "until"),
            save=save,
        )
        error = None
    except (InputError, OutOfTimeError) as exc:  # shown in the page, as the form's error
        result, error = None, str(exc)
    with db() as session:
        doc = get_document(session, id, viewer)
    context = {"doc": doc, "result": result, "error": error, "sources": sources}
    return templates.TemplateResponse(request, template, context, status_code=422 if error else 200)


@router.post("/postmortems/{id}/timeline/preview", response_class=HTMLResponse)
def preview(
    request: Request,
    id: str,
    db: Db,
    viewer: CurrentPrincipal,
    sources: Annotated[str, Form(max_length=4000)] = "",
    since: Annotated[str, Form(max_length=40)] = "",
    until: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """The merged timeline as an HTML fragment (nothing is stored)."""
    return _result(
        request, db, viewer, id, sources, since, until, save=False, template="timeline/_result.html"
    )


@router.post("/postmortems/{id}/timeline/save", response_class=HTMLResponse)
def save(
    request: Request,
    id: str,
    db: Db,
    viewer: CurrentPrincipal,
    sources: Annotated[str, Form(max_length=4000)] = "",
    since: Annotated[str, Form(max_length=40)] = "",
    until: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Build again and keep the events with the post-mortem."""
    return _result(
        request, db, viewer, id, sources, since, until, save=True, template="timeline/build.html"
    )
