"""The post-mortem editor's action item rows: list, add, edit and delete items with htmx.

``GET /postmortems/{id}/actions/rows`` gives the ``#action-rows`` section (forms for those who
may change items, a plain list for the others). Writes answer with the row (an edit) or the
section (add, delete), the document's new version and its Action Items section's Markdown,
which ``kintsugi.js`` copies into the editor's text. Bad input is answered 422 with the row as
typed and the problem naming its field; nothing is stored.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from kintsugi.actions import rows
from kintsugi.actions.items import MAX_OWNER, MAX_TITLE
from kintsugi.core.errors import InputError
from kintsugi.people.permissions import Action, can
from kintsugi.people.principal import Principal
from kintsugi.postmortems.document import ActionItemKind, ActionItemStatus, Priority
from kintsugi.postmortems.section_rows import refused_context, section_context
from kintsugi.webkit.deps import CurrentPrincipal, Db
from kintsugi.webkit.templating import templates

router = APIRouter(include_in_schema=False)

Title = Annotated[str, Form(max_length=MAX_TITLE)]
Owner = Annotated[str, Form(max_length=MAX_OWNER)]
Short = Annotated[str, Form(max_length=100)]
Reason = Annotated[str, Form(max_length=MAX_TITLE)]


def _context(
    session: Session, postmortem_id: str, viewer: Principal, *, written: bool, **extra: Any
) -> dict[str, Any]:
    loaded = rows.load(session, postmortem_id, viewer)
    return section_context(
        session,
        loaded.postmortem_id,
        viewer,
        "action_items",
        written=written,
        ar=loaded,
        editable=can(viewer, Action.CHANGE_ACTION_ITEMS) and can(viewer, Action.EDIT_POSTMORTEMS),
        priorities=[p.value for p in Priority],
        statuses=[s.value for s in ActionItemStatus],
        kinds=[k.value for k in ActionItemKind],
        **extra,
    )


def _section(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    return templates.TemplateResponse(
        request, "actions/_editor.html", context, status_code=status_code
    )


@router.get("/postmortems/{postmortem_id}/actions/rows", response_class=HTMLResponse)
def action_rows(request: Request, postmortem_id: str, db: Db, viewer: CurrentPrincipal) -> Response:
    """The action items' rows: editable for editors, read-only for the others."""
    with db.begin() as session:
        return _section(request, _context(session, postmortem_id, viewer, written=False))


@router.post("/postmortems/{postmortem_id}/actions/rows", response_class=HTMLResponse)
def add_row(
    request: Request,
    postmortem_id: str,
    db: Db,
    viewer: CurrentPrincipal,
    title: Title = "",
    owner: Owner = "",
    priority: Short = "",
    due: Short = "",
    status: Short = "",
    kind: Short = "",
    reason: Reason = "",
) -> Response:
    """Add an item at the end of the list."""
    typed = dict(
        title=title, owner=owner, priority=priority, due=due, status=status, kind=kind,
        reason=reason,
    )  # fmt: skip
    try:
        with db.begin() as session:
            values = rows.fields(
                title=title, owner=owner, priority=priority, due=due, status=status, kind=kind
            )
            rows.add(session, postmortem_id, viewer, rows.new_item(values, reason))
            return _section(request, _context(session, postmortem_id, viewer, written=True))
    except InputError as exc:
        context = refused_context(db, _context, postmortem_id, viewer, exc, "new", typed)
        return _section(request, context, 422)


@router.post("/postmortems/{postmortem_id}/actions/rows/{item_id}", response_class=HTMLResponse)
def edit_row(
    request: Request,
    postmortem_id: str,
    item_id: int,
    db: Db,
    viewer: CurrentPrincipal,
    base_version: Annotated[int, Form()],
    title: Title = "",
    owner: Owner = "",
    priority: Short = "",
    due: Short = "",
    status: Short = "",
    kind: Short = "",
    reason: Reason = "",
) -> Response:
    """Change an item; the row comes back."""
    typed = dict(
        title=title, owner=owner, priority=priority, due=due, status=status, kind=kind,
        reason=reason,
    )  # fmt: skip
    try:
        with db.begin() as session:
            values = rows.fields(
                title=title, owner=owner, priority=priority, due=due, status=status, kind=kind
            )
            changes = rows.changes_of(values, reason)
            rows.update(session, postmortem_id, item_id, viewer, changes, base_version=base_version)
            context = _context(session, postmortem_id, viewer, written=True)
    except InputError as exc:
        context = refused_context(db, _context, postmortem_id, viewer, exc, item_id, typed)
        return _row(request, context, item_id, 422)
    return _row(request, context, item_id)


def _row(request: Request, context: dict[str, Any], item_id: int, status: int = 200) -> Response:
    item = next((i for i in context["ar"].items if i.id == item_id), None)
    if item is None:
        return _section(request, context, status)
    return templates.TemplateResponse(
        request, "actions/_item_row.html", {**context, "item": item}, status_code=status
    )


@router.post(
    "/postmortems/{postmortem_id}/actions/rows/{item_id}/delete", response_class=HTMLResponse
)
def delete_row(
    request: Request, postmortem_id: str, item_id: int, db: Db, viewer: CurrentPrincipal
) -> Response:
    """Delete an item; the section comes back without it."""
    with db.begin() as session:
        rows.delete(session, postmortem_id, item_id, viewer)
        return _section(request, _context(session, postmortem_id, viewer, written=True))
