"""Action items across post-mortems: list, read, add, update and their history.

Items inherit the visibility of their post-mortem: every query joins the post-mortem and applies
``visible_to(viewer)``, so an item of a post-mortem the viewer may not see does not exist for
them. Writes need the editor role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from kintsugi.actions import history
from kintsugi.actions.models import ActionItemHistoryRow, ActionItemRow, TrackerLinkRow
from kintsugi.actions.owners import owner_kind_for, people, resolve_owner, team_member_names
from kintsugi.actions.service import day_start
from kintsugi.core.errors import ConflictError, InputError, NotFoundError
from kintsugi.core.types import utcnow
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import Principal
from kintsugi.postmortems.access import visible_to
from kintsugi.postmortems.columns import POSTMORTEM
from kintsugi.postmortems.document import ActionItemKind, ActionItemStatus, Priority
from kintsugi.postmortems.service import find_row

OPEN_STATUSES = (ActionItemStatus.OPEN.value, ActionItemStatus.IN_PROGRESS.value)
MAX_TITLE = 2000
MAX_OWNER = 200


@dataclass(frozen=True)
class ItemFilters:
    """What a list of items narrows to; None (or False) means any."""

    owner: str | None = None
    team: str | None = None
    priority: str | None = None
    status: str | None = None
    overdue: bool = False
    postmortem: str | None = None


class TrackerLink(BaseModel):
    """Where an item lives in an issue tracker."""

    tracker: str
    project: str
    external_id: str
    url: str
    remote_state: str
    synced_at: datetime


class ItemView(BaseModel):
    """An action item as shown to a viewer, with its post-mortem."""

    id: int
    postmortem_id: str
    postmortem_title: str
    title: str
    owner: str | None
    owner_kind: str
    priority: str | None
    due: date | None
    status: str
    wont_do_reason: str | None
    version: int
    overdue: bool
    kind: str | None = None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    tracker: TrackerLink | None = None

    @property
    def etag(self) -> str:
        """The HTTP entity tag of this version of the item."""
        return f'"{self.id}-{self.version}"'

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class HistoryEntry(BaseModel):
    """One change to an item."""

    id: int
    at: datetime
    actor: str
    kind: str
    changes: dict[str, list[Any]]
    comment: str | None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class NewItem(BaseModel):
    """An item to add to a post-mortem."""

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    owner: str | None = Field(None, max_length=MAX_OWNER)
    owner_kind: str | None = Field(None, pattern="^(person|team)$")
    priority: Priority | None = None
    due: date | None = None
    status: ActionItemStatus = ActionItemStatus.OPEN
    wont_do_reason: str | None = Field(None, max_length=MAX_TITLE)
    kind: ActionItemKind | None = None

    @field_validator("title", "owner", "wont_do_reason")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() if value is not None else None


class ItemChanges(BaseModel):
    """Fields to change on an item; only the fields given are changed (None clears)."""

    title: str | None = Field(None, min_length=1, max_length=MAX_TITLE)
    owner: str | None = Field(None, max_length=MAX_OWNER)
    owner_kind: str | None = Field(None, pattern="^(person|team)$")
    priority: Priority | None = None
    due: date | None = None
    status: ActionItemStatus | None = None
    wont_do_reason: str | None = Field(None, max_length=MAX_TITLE)
    kind: ActionItemKind | None = None
    completed_on: date | None = None
    """The day a completed item was completed, when it was not the day it was marked so."""
    comment: str | None = Field(None, max_length=10_000)

    @field_validator("title", "owner", "wont_do_reason", "comment")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() if value is not None else None


# ----------------------------------------------------------------------------- reading


def today_utc() -> date:
    """Today's date in UTC: the day items become overdue after their due date."""
    return utcnow().date()


def overdue_condition(today: date) -> ColumnElement[bool]:
    """SQL: the item is still open (or in progress) and its due date has passed."""
    return and_(
        ActionItemRow.status.in_(OPEN_STATUSES),
        ActionItemRow.due.is_not(None),
        ActionItemRow.due < today,
    )


def _base_query(viewer: Principal) -> Select[ActionItemRow, str, str, TrackerLinkRow]:
    return (
        select(ActionItemRow, POSTMORTEM.id, POSTMORTEM.title, TrackerLinkRow)
        .join(POSTMORTEM.table, POSTMORTEM.pk == ActionItemRow.postmortem_pk)
        .outerjoin(TrackerLinkRow, TrackerLinkRow.item_id == ActionItemRow.id)
        .where(visible_to(viewer))
    )


def filter_conditions(
    session: Session, filters: ItemFilters, today: date
) -> list[ColumnElement[bool]]:
    """SQL conditions for ``filters`` (the post-mortem visibility is added by the caller)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.owner:
        conditions.append(
            func.lower(ActionItemRow.owner).in_(owner_spellings(session, filters.owner))
        )
    if filters.team:
        members = [m.lower() for m in team_member_names(session, filters.team)]
        team_owned = func.lower(ActionItemRow.owner) == filters.team.strip().lower()
        conditions.append(
            or_(team_owned, func.lower(ActionItemRow.owner).in_(members)) if members else team_owned
        )
    if filters.priority:
        if filters.priority.lower() == "none":
            conditions.append(ActionItemRow.priority.is_(None))
        else:
            conditions.append(ActionItemRow.priority == _priority(filters.priority))
    if filters.status:
        conditions.append(ActionItemRow.status == _status(filters.status).value)
    if filters.overdue:
        conditions.append(overdue_condition(today))
    if filters.postmortem:
        conditions.append(POSTMORTEM.id == filters.postmortem)
    return conditions


def owner_spellings(session: Session, owner: str) -> list[str]:
    """Lower-cased texts an item's owner may hold for ``owner``: the person it names by any of
    their names (items stored before owners were matched to people), else the text itself."""
    person = people(session).match(owner)
    if person is None:
        return [owner.strip().lower()]
    names = (person.username, person.display_name, person.email or "")
    return sorted({name.strip().lower() for name in names if name.strip()})


def list_items(
    session: Session,
    viewer: Principal,
    filters: ItemFilters = ItemFilters(),
    *,
    limit: int | None = None,
    offset: int = 0,
    today: date | None = None,
) -> list[ItemView]:
    """Items the viewer may see: open work first, soonest due first."""
    today = today or today_utc()
    query = _base_query(viewer).where(*filter_conditions(session, filters, today))
    query = query.order_by(
        case((ActionItemRow.status.in_(OPEN_STATUSES), 0), else_=1),
        ActionItemRow.due.asc().nulls_last(),
        case(
            (ActionItemRow.priority == "P0", 0),
            (ActionItemRow.priority == "P1", 1),
            (ActionItemRow.priority == "P2", 2),
            else_=3,
        ),
        ActionItemRow.id,
    ).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [
        _view(item, pm_id, pm_title, link, today=today)
        for item, pm_id, pm_title, link in session.execute(query)
    ]


def count_items(
    session: Session,
    viewer: Principal,
    filters: ItemFilters = ItemFilters(),
    *,
    today: date | None = None,
) -> int:
    """How many items ``list_items`` would give without a limit."""
    today = today or today_utc()
    query = (
        select(func.count(ActionItemRow.id))
        .join(POSTMORTEM.table, POSTMORTEM.pk == ActionItemRow.postmortem_pk)
        .where(visible_to(viewer), *filter_conditions(session, filters, today))
    )
    return int(session.scalar(query) or 0)


def get_item(
    session: Session, item_id: int, viewer: Principal, *, today: date | None = None
) -> ItemView:
    """One item, if the viewer may see its post-mortem."""
    row = session.execute(_base_query(viewer).where(ActionItemRow.id == item_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"no action item {item_id}")
    item, pm_id, pm_title, link = row
    return _view(item, pm_id, pm_title, link, today=today or today_utc())


def item_history(session: Session, item_id: int, viewer: Principal) -> list[HistoryEntry]:
    """Every change to the item, oldest first."""
    get_item(session, item_id, viewer)
    rows = session.scalars(
        select(ActionItemHistoryRow)
        .where(ActionItemHistoryRow.item_id == item_id)
        .order_by(ActionItemHistoryRow.at, ActionItemHistoryRow.id)
    )
    return [
        HistoryEntry(
            id=r.id, at=r.at, actor=r.actor, kind=r.kind, changes=r.changes, comment=r.comment
        )
        for r in rows
    ]


# ----------------------------------------------------------------------------- writing


def _require_editor(actor: Principal) -> None:
    require(actor, Action.CHANGE_ACTION_ITEMS)


def _visible_row(session: Session, item_id: int, viewer: Principal) -> ActionItemRow:
    row = session.scalars(
        select(ActionItemRow)
        .join(POSTMORTEM.table, POSTMORTEM.pk == ActionItemRow.postmortem_pk)
        .where(ActionItemRow.id == item_id, visible_to(viewer))
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"no action item {item_id}")
    return row


def add_item(session: Session, postmortem_id: str, new: NewItem, actor: Principal) -> ItemView:
    """Add an item at the end of the post-mortem's action items."""
    _require_editor(actor)
    pm = find_row(session, postmortem_id, actor)
    if new.status == ActionItemStatus.WONT_DO and not new.wont_do_reason:
        raise InputError("won't do needs a reason", field="wont_do_reason")
    now = utcnow()
    last = session.scalar(
        select(func.max(ActionItemRow.position)).where(ActionItemRow.postmortem_pk == pm.pk)
    )
    owner = resolve_owner(session, new.owner, new.owner_kind)
    row = ActionItemRow(
        postmortem_pk=pm.pk,
        position=(last + 1) if last is not None else 0,
        title=new.title,
        owner=owner,
        owner_kind=owner_kind_for(session, owner, new.owner_kind),
        priority=new.priority.value if new.priority else None,
        due=new.due,
        status=new.status.value,
        wont_do_reason=new.wont_do_reason if new.status == ActionItemStatus.WONT_DO else None,
        version=1,
        created_at=now,
        updated_at=now,
        completed_at=now if new.status == ActionItemStatus.COMPLETED else None,
        kind=new.kind.value if new.kind else None,
    )
    session.add(row)
    session.flush()
    initial = {
        field: [None, getattr(row, field)]
        for field in history.TRACKED_FIELDS
        if getattr(row, field) is not None and field != "owner_kind"
    }
    history.record(session, row.id, actor=actor.username, kind="created", changes=initial, at=now)
    return get_item(session, row.id, actor)


def update_item(
    session: Session,
    item_id: int,
    changes: ItemChanges,
    actor: Principal,
    *,
    base_version: int | None,
    history_kind: str = "updated",
) -> ItemView:
    """Apply ``changes`` (only the fields set on it); ConflictError when ``base_version`` is stale.

    ``base_version=None`` skips the check (the CLI operator acting on the latest state).
    A change to "won't do" needs a reason; completing stamps ``completed_at``.
    """
    _require_editor(actor)
    row = _visible_row(session, item_id, actor)
    if base_version is not None and base_version != row.version:
        raise ConflictError(
            f"action item {item_id} changed since version {base_version} (now {row.version})",
            current=get_item(session, item_id, actor),
        )
    given = changes.model_fields_set - {"comment", "completed_on"}
    wanted: dict[str, Any] = {}
    for field in given:
        value = getattr(changes, field)
        if field in ("priority", "status", "kind") and value is not None:
            value = value.value
        if field == "title" and not value:
            raise InputError("the title cannot be empty", field="title")
        if field == "owner":
            value = resolve_owner(session, value, changes.owner_kind)
        wanted[field] = value
    if "owner" in wanted and "owner_kind" not in wanted:
        wanted["owner_kind"] = owner_kind_for(session, wanted["owner"])
    elif "owner_kind" in wanted:
        wanted["owner_kind"] = owner_kind_for(
            session, wanted.get("owner", row.owner), wanted["owner_kind"]
        )
    new_status = wanted.get("status", row.status)
    if "completed_on" in changes.model_fields_set:
        if new_status != ActionItemStatus.COMPLETED:
            raise InputError("only a completed item has a completion day", field="completed_on")
        if changes.completed_on is not None and changes.completed_on > today_utc():
            raise InputError("the completion day is in the future", field="completed_on")
        when = day_start(changes.completed_on) if changes.completed_on else None
        if when != row.completed_at:
            wanted["completed_at"] = when
    if new_status == ActionItemStatus.WONT_DO:
        reason = wanted.get("wont_do_reason", row.wont_do_reason)
        if not reason:
            raise InputError("won't do needs a reason", field="wont_do_reason")
    else:
        wanted["wont_do_reason"] = None
    diff = {
        field: [getattr(row, field), value]
        for field, value in wanted.items()
        if getattr(row, field) != value
    }
    if not diff and not changes.comment:
        return get_item(session, item_id, actor)
    now = utcnow()
    if "status" in diff and "completed_at" not in diff:
        row.completed_at = now if new_status == ActionItemStatus.COMPLETED else None
    for field, (_old, value) in diff.items():
        setattr(row, field, value)
    row.version += 1
    row.updated_at = now
    kind = history_kind if diff else "comment"
    history.record(
        session,
        row.id,
        actor=actor.username,
        kind=kind,
        changes=diff,
        comment=changes.comment,
        at=now,
    )
    session.flush()
    return get_item(session, item_id, actor)


# ----------------------------------------------------------------------------- mapping


def _priority(value: str) -> str:
    try:
        return Priority(value.strip().upper()).value
    except ValueError:
        allowed = ", ".join(p.value for p in Priority)
        raise InputError(
            f"unknown priority {value!r}; one of {allowed}", field="priority"
        ) from None


def _status(value: str) -> ActionItemStatus:
    normalised = value.strip().lower().replace(" ", "_").replace("-", "_").replace("'", "")
    try:
        return ActionItemStatus(normalised)
    except ValueError:
        allowed = ", ".join(s.value for s in ActionItemStatus)
        raise InputError(f"unknown status {value!r}; one of {allowed}", field="status") from None


def parse_status(value: str) -> ActionItemStatus:
    """A status from user input: ``in progress``, ``in-progress``, ``won't do`` are accepted."""
    return _status(value)


def parse_kind(value: str) -> ActionItemKind:
    """An action item kind from user input (case-insensitive)."""
    try:
        return ActionItemKind(value.strip().lower())
    except ValueError:
        allowed = ", ".join(k.value for k in ActionItemKind)
        raise InputError(f"unknown kind {value!r}; one of {allowed}", field="kind") from None


def parse_priority(value: str) -> Priority:
    """A priority from user input (case-insensitive)."""
    return Priority(_priority(value))


def _view(
    row: ActionItemRow,
    pm_id: str,
    pm_title: str,
    link: TrackerLinkRow | None,
    *,
    today: date,
) -> ItemView:
    return ItemView(
        id=row.id,
        postmortem_id=pm_id,
        postmortem_title=pm_title,
        title=row.title,
        owner=row.owner,
        owner_kind=row.owner_kind or "person",
        priority=row.priority,
        due=row.due,
        status=row.status,
        wont_do_reason=row.wont_do_reason,
        version=row.version,
        overdue=bool(row.status in OPEN_STATUSES and row.due is not None and row.due < today),
        created_at=row.created_at,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
        kind=row.kind,
        tracker=(
            TrackerLink(
                tracker=link.tracker,
                project=link.project,
                external_id=link.external_id,
                url=link.url,
                remote_state=link.remote_state,
                synced_at=link.synced_at,
            )
            if link is not None
            else None
        ),
    )
