"""JSON API for action items under /api/v1/actions."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from kintsugi.actions import items
from kintsugi.actions.items import HistoryEntry, ItemChanges, ItemFilters, ItemView, NewItem
from kintsugi.actions.report import Report, build_report
from kintsugi.core.errors import ConflictError, InputError
from kintsugi.postmortems.document import ActionItemStatus
from kintsugi.webkit.deps import CurrentPrincipal, Db

router = APIRouter(prefix="/api/v1/actions", tags=["action items"])


class ItemPage(BaseModel):
    total: int
    items: list[ItemView]


class ItemIn(NewItem):
    """A new action item for the post-mortem ``postmortem_id``."""

    postmortem_id: str = Field(max_length=120)


class ItemPatch(ItemChanges):
    """Fields to change (only those present); ``base_version`` or an If-Match header is required."""

    base_version: int | None = Field(None, description="The version this change started from")


def _with_etag(item: ItemView, status_code: int = 200) -> JSONResponse:
    return JSONResponse(item.to_json(), status_code=status_code, headers={"ETag": item.etag})


def _version_from_if_match(item_id: int, if_match: str) -> int:
    match = re.fullmatch(r'\s*(?:W/)?"(\d+)-(\d+)"\s*', if_match)
    if not match or int(match.group(1)) != item_id:
        raise InputError(f"If-Match {if_match!r} is not an ETag of action item {item_id}")
    return int(match.group(2))


@router.get("", response_model=ItemPage)
def list_actions(
    db: Db,
    viewer: CurrentPrincipal,
    owner: str | None = None,
    team: str | None = None,
    priority: Annotated[str | None, Query(pattern="^(?i:P[012]|none)$")] = None,
    status_: Annotated[ActionItemStatus | None, Query(alias="status")] = None,
    overdue: bool = False,
    postmortem: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> dict[str, Any]:
    """Action items the caller may see, open work and soonest due first."""
    filters = ItemFilters(
        owner=owner,
        team=team,
        priority=priority,
        status=status_.value if status_ else None,
        overdue=overdue,
        postmortem=postmortem,
    )
    with db.begin() as session:
        found = items.list_items(session, viewer, filters, limit=limit, offset=offset)
        total = items.count_items(session, viewer, filters)
    return {"total": total, "items": [item.to_json() for item in found]}


@router.get("/report", response_model=Report)
def report(
    db: Db,
    viewer: CurrentPrincipal,
    limit: Annotated[int, Query(ge=0, le=500, description="Oldest overdue items to list")] = 20,
) -> Report:
    """Totals, completion rates, by priority and owner, oldest overdue first."""
    with db.begin() as session:
        return build_report(session, viewer, overdue_limit=limit)


@router.post("", response_model=ItemView, status_code=status.HTTP_201_CREATED)
def create_action(body: ItemIn, db: Db, viewer: CurrentPrincipal) -> Response:
    """Add an action item to a post-mortem."""
    new = NewItem.model_validate(body.model_dump(exclude={"postmortem_id"}))
    with db.begin() as session:
        item = items.add_item(session, body.postmortem_id, new, viewer)
    return _with_etag(item, status.HTTP_201_CREATED)


@router.get("/{item_id}", response_model=ItemView)
def get_action(item_id: int, db: Db, viewer: CurrentPrincipal) -> Response:
    """One action item; its ETag names its version."""
    with db.begin() as session:
        item = items.get_item(session, item_id, viewer)
    return _with_etag(item)


@router.patch(
    "/{item_id}",
    response_model=ItemView,
    responses={
        409: {"description": "Changed since base_version; body has the current item"},
        428: {"description": "Neither base_version nor If-Match was given"},
    },
)
def patch_action(
    item_id: int,
    body: ItemPatch,
    db: Db,
    viewer: CurrentPrincipal,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Change some fields of an item; refused with 409 when it changed since your version."""
    base_version = body.base_version
    if base_version is None and if_match is not None:
        base_version = _version_from_if_match(item_id, if_match)
    if base_version is None:
        return JSONResponse(
            {"detail": "give base_version (or an If-Match header) to change an action item"},
            status_code=status.HTTP_428_PRECONDITION_REQUIRED,
        )
    given = body.model_dump(exclude_unset=True, exclude={"base_version"})
    changes = ItemChanges.model_validate(given)
    try:
        with db.begin() as session:
            item = items.update_item(session, item_id, changes, viewer, base_version=base_version)
    except ConflictError as exc:
        current = exc.current
        content: dict[str, Any] = {"detail": str(exc)}
        headers = {}
        if isinstance(current, ItemView):
            content["current"] = current.to_json()
            headers["ETag"] = current.etag
        return JSONResponse(content, status_code=status.HTTP_409_CONFLICT, headers=headers)
    return _with_etag(item)


@router.get("/{item_id}/history", response_model=list[HistoryEntry])
def history(item_id: int, db: Db, viewer: CurrentPrincipal) -> list[dict[str, Any]]:
    """Every change to the item, oldest first: who, when, what changed, and comments."""
    with db.begin() as session:
        return [entry.to_json() for entry in items.item_history(session, item_id, viewer)]
