"""Pages: the board of all action items (filters, inline status change), the report, and the
read-only item list a post-mortem page loads with htmx."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kintsugi.actions import items
from kintsugi.actions.items import ItemChanges, ItemFilters
from kintsugi.actions.owners import people
from kintsugi.actions.report import build_report
from kintsugi.core.errors import ConflictError, InputError, KintsugiError
from kintsugi.postmortems.document import ActionItemStatus, Priority
from kintsugi.postmortems.service import find_row
from kintsugi.webkit.deps import CurrentPrincipal, Db
from kintsugi.webkit.messages import human_message
from kintsugi.webkit.templating import templates

router = APIRouter(include_in_schema=False)

BOARD_LIMIT = 500
STATUSES = [s.value for s in ActionItemStatus]
PRIORITIES = [p.value for p in Priority]


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _filters(
    owner: str, team: str, priority: str, status: str, overdue: str, postmortem: str
) -> ItemFilters:
    return ItemFilters(
        owner=owner.strip() or None,
        team=team.strip() or None,
        priority=priority if priority in [*PRIORITIES, "none"] else None,
        status=status if status in STATUSES else None,
        overdue=overdue in ("1", "on", "true"),
        postmortem=postmortem.strip() or None,
    )


@router.get("/actions", response_class=HTMLResponse)
def board(
    request: Request,
    db: Db,
    viewer: CurrentPrincipal,
    owner: str = "",
    team: str = "",
    priority: str = "",
    status: str = "",
    overdue: str = "",
    postmortem: str = "",
) -> Response:
    """Every action item the viewer may see, filtered; htmx requests get the rows only."""
    filters = _filters(owner, team, priority, status, overdue, postmortem)
    with db.begin() as session:
        rows = items.list_items(session, viewer, filters, limit=BOARD_LIMIT)
        total = items.count_items(session, viewer, filters)
        known = people(session)
    context = {
        "rows": rows,
        "people": known,
        "total": total,
        "filters": filters,
        "statuses": STATUSES,
        "priorities": PRIORITIES,
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "rows":
        return _page(request, "actions/_rows.html", context)
    return _page(request, "actions/board.html", context)


@router.post("/actions/{item_id}/status", response_class=HTMLResponse)
def change_status(
    request: Request,
    item_id: int,
    db: Db,
    viewer: CurrentPrincipal,
    status: Annotated[str, Form()],
    base_version: Annotated[int, Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
    comment: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    """Change an item's status from the board; htmx gets the row back (with any problem shown)."""
    error = None
    fields: dict[str, Any] = {}
    try:
        fields["status"] = items.parse_status(status)
        if reason.strip():
            fields["wont_do_reason"] = reason
        if comment.strip():
            fields["comment"] = comment
        with db.begin() as session:
            item = items.update_item(
                session, item_id, ItemChanges(**fields), viewer, base_version=base_version
            )
    except ConflictError as exc:
        error = f"{exc}: showing the current state; change it again if you still want to."
        with db.begin() as session:
            item = items.get_item(session, item_id, viewer)
    except InputError as exc:
        error = human_message(exc)
        with db.begin() as session:
            item = items.get_item(session, item_id, viewer)
    with db.begin() as session:
        known = people(session)
    if not request.headers.get("HX-Request"):
        if error:
            raise KintsugiError(error)
        return RedirectResponse("/actions", status_code=303)
    return _page(
        request,
        "actions/_row.html",
        {"item": item, "error": error, "statuses": STATUSES, "people": known},
    )


@router.get("/actions/report", response_class=HTMLResponse)
def report_page(request: Request, db: Db, viewer: CurrentPrincipal) -> Response:
    """The report: totals, rates, by priority and owner, oldest overdue first."""
    with db.begin() as session:
        result = build_report(session, viewer)
    return _page(request, "actions/report.html", {"report": result})


@router.get("/postmortems/{postmortem_id}/actions", response_class=HTMLResponse)
def postmortem_items(
    request: Request, postmortem_id: str, db: Db, viewer: CurrentPrincipal
) -> Response:
    """The items of one post-mortem as a read-only table (an htmx partial for its page)."""
    with db.begin() as session:
        pm = find_row(session, postmortem_id, viewer)
        rows = items.list_items(session, viewer, ItemFilters(postmortem=pm.id))
    return _page(request, "actions/_postmortem_items.html", {"rows": rows, "postmortem_id": pm.id})
