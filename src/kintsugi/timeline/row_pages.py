"""The post-mortem editor's timeline rows: list, add, edit and delete events with htmx.

``GET /postmortems/{id}/timeline/rows`` gives the ``#timeline-rows`` section (forms for those
who may edit, a plain list for the others). Each write answers with the section again (or
with the one row when an edit leaves the order as it was), the document's new version and its
Timeline section's Markdown, which ``kintsugi.js`` copies into the editor's text. Bad input is
answered 422 with the row as typed and the problem naming its field; nothing is stored.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError
from kintsugi.people.permissions import Action, can
from kintsugi.people.principal import Principal
from kintsugi.postmortems.section_rows import refused_context, section_context
from kintsugi.timeline import rows
from kintsugi.webkit.deps import CurrentPrincipal, Db
from kintsugi.webkit.templating import templates

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=rows.MAX_TEXT * 2)]
Short = Annotated[str, Form(max_length=400)]


def _context(
    session: Session, postmortem_id: str, viewer: Principal, *, written: bool, **extra: Any
) -> dict[str, Any]:
    timeline = rows.load(session, postmortem_id, viewer)
    return section_context(
        session,
        timeline.postmortem_id,
        viewer,
        "timeline",
        written=written,
        tl=timeline,
        editable=can(viewer, Action.EDIT_POSTMORTEMS),
        **extra,
    )


def _section(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    return templates.TemplateResponse(
        request, "timeline/_editor.html", context, status_code=status_code
    )


@router.get("/postmortems/{postmortem_id}/timeline/rows", response_class=HTMLResponse)
def timeline_rows(
    request: Request, postmortem_id: str, db: Db, viewer: CurrentPrincipal
) -> Response:
    """The timeline's rows: editable for editors, read-only for the others."""
    with db.begin() as session:
        return _section(request, _context(session, postmortem_id, viewer, written=False))


@router.post("/postmortems/{postmortem_id}/timeline/rows", response_class=HTMLResponse)
def add_row(
    request: Request,
    postmortem_id: str,
    db: Db,
    viewer: CurrentPrincipal,
    at: Short = "",
    text: Text = "",
    actor: Short = "",
) -> Response:
    """Add an event; the section comes back in time order."""
    try:
        with db.begin() as session:
            timeline = rows.load(session, postmortem_id, viewer)
            rows.add_event(
                session, postmortem_id, viewer, rows.entry(timeline, at=at, text=text, actor=actor)
            )
            return _section(request, _context(session, postmortem_id, viewer, written=True))
    except InputError as exc:
        context = refused_context(
            db,
            _context,
            postmortem_id,
            viewer,
            exc,
            "new",
            {"at": at, "text": text, "actor": actor},
        )
        return _section(request, context, 422)


@router.post("/postmortems/{postmortem_id}/timeline/rows/{event_id}", response_class=HTMLResponse)
def edit_row(
    request: Request,
    postmortem_id: str,
    event_id: int,
    db: Db,
    viewer: CurrentPrincipal,
    at: Short = "",
    text: Text = "",
    actor: Short = "",
) -> Response:
    """Change an event: the row comes back, or the section when the event moved in time."""
    try:
        with db.begin() as session:
            timeline = rows.load(session, postmortem_id, viewer)
            before = [e.id for e in timeline.events]
            new = rows.entry(timeline, at=at, text=text, actor=actor)
            rows.update_event(session, postmortem_id, event_id, viewer, new)
            context = _context(session, postmortem_id, viewer, written=True)
    except InputError as exc:
        context = refused_context(
            db,
            _context,
            postmortem_id,
            viewer,
            exc,
            event_id,
            {"at": at, "text": text, "actor": actor},
        )
        return _row(request, context, event_id, 422)
    if [e.id for e in context["tl"].events] != before:
        response = _section(request, context)
        response.headers["HX-Retarget"] = "#timeline-rows"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    return _row(request, context, event_id)


def _row(request: Request, context: dict[str, Any], event_id: int, status: int = 200) -> Response:
    event = next((e for e in context["tl"].events if e.id == event_id), None)
    if event is None:
        return _section(request, context, status)
    return templates.TemplateResponse(
        request, "timeline/_event_row.html", {**context, "e": event}, status_code=status
    )


@router.post(
    "/postmortems/{postmortem_id}/timeline/rows/{event_id}/delete", response_class=HTMLResponse
)
def delete_row(
    request: Request, postmortem_id: str, event_id: int, db: Db, viewer: CurrentPrincipal
) -> Response:
    """Delete an event; the section comes back without it."""
    with db.begin() as session:
        rows.delete_event(session, postmortem_id, event_id, viewer)
        return _section(request, _context(session, postmortem_id, viewer, written=True))
