"""A post-mortem's action items edited one row at a time (the editor's row editor).

Adding and changing go through ``items.add_item`` / ``items.update_item`` (their permission
check, the item's history, its version); each write then stores the document again with its
Action Items section written from the items (``postmortems.service.edit_document``: a new
version by the actor), so the Markdown shows the change. Deleting is recorded in the audit log
(the item's history goes with it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kintsugi.actions import items
from kintsugi.actions.items import ItemChanges, ItemFilters, ItemView, NewItem
from kintsugi.actions.models import ActionItemRow
from kintsugi.actions.owners import people
from kintsugi.audit import service as audit
from kintsugi.core.errors import InputError, NotFoundError, input_error_from
from kintsugi.people.matching import PeopleIndex, Person
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import Principal
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.body import section_written
from kintsugi.postmortems.document import ActionItemKind, ActionItemStatus, Priority

T = TypeVar("T")


@dataclass(frozen=True)
class ItemRows:
    """A post-mortem's items in document order, and the people an owner may be."""

    postmortem_id: str
    items: list[ItemView]
    people: PeopleIndex

    def person(self, item: ItemView) -> Person | None:
        """The person who owns ``item``, when its owner is one."""
        return self.people.match(item.owner) if item.owner_kind == "person" else None

    def unmatched(self, item: ItemView) -> bool:
        """The owner is text that names no person and no team (flagged on the page)."""
        return bool(item.owner) and item.owner_kind == "person" and self.person(item) is None


def load(session: Session, postmortem_id: str, viewer: Principal) -> ItemRows:
    """The items of ``postmortem_id`` in document order, if the viewer may see it."""
    row = postmortems.find_row(session, postmortem_id, viewer)
    order = list(
        session.scalars(
            select(ActionItemRow.id)
            .where(ActionItemRow.postmortem_pk == row.pk)
            .order_by(ActionItemRow.position, ActionItemRow.id)
        )
    )
    views = {v.id: v for v in items.list_items(session, viewer, ItemFilters(postmortem=row.id))}
    return ItemRows(row.id, [views[i] for i in order if i in views], people(session))


def _choice(value: str, parse: Callable[[str], T], field: str, label: str) -> T | None:
    text = value.strip()
    if not text:
        return None
    try:
        return parse(text)
    except ValueError:
        raise InputError(f"{text!r} is not a {label}", field=field) from None


def _due(value: str) -> date | None:
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{text!r} is not a date (YYYY-MM-DD)", field="due") from None


def fields(
    *, title: str, owner: str, priority: str, due: str, status: str, kind: str
) -> dict[str, object]:
    """The typed row as item fields; InputError naming the field that does not parse."""
    if not title.strip():
        raise InputError("the action needs a title", field="title")
    return {
        "title": title.strip(),
        "owner": owner.strip() or None,
        "priority": _choice(priority.upper(), Priority, "priority", "priority (P0, P1, P2)"),
        "due": _due(due),
        "status": _choice(status, ActionItemStatus, "status", "status") or ActionItemStatus.OPEN,
        "kind": _choice(kind, ActionItemKind, "kind", "kind"),
    }


def new_item(values: dict[str, object], reason: str) -> NewItem:
    """The item to add from ``fields`` and a won't-do reason; InputError naming a bad field."""
    try:
        return NewItem.model_validate({**values, "wont_do_reason": reason.strip() or None})
    except ValidationError as exc:
        raise input_error_from(exc) from None


def changes_of(values: dict[str, object], reason: str) -> ItemChanges:
    """The changes that make an item say ``fields`` (every field set: empty clears it)."""
    try:
        return ItemChanges.model_validate({**values, "wont_do_reason": reason.strip() or None})
    except ValidationError as exc:
        raise input_error_from(exc) from None


def _store(session: Session, postmortem_id: str, actor: Principal, change: str) -> None:
    """Store the document again with its Action Items section written from the items."""
    session.flush()
    postmortems.edit_document(
        session,
        postmortem_id,
        lambda doc: section_written(doc, "action_items"),
        actor,
        base_version=None,
        change=change,
    )


def add(session: Session, postmortem_id: str, actor: Principal, new: NewItem) -> int:
    """Add an item at the end; returns its id."""
    require(actor, Action.EDIT_POSTMORTEMS)
    view = items.add_item(session, postmortem_id, new, actor)
    _store(session, view.postmortem_id, actor, "action item added")
    return view.id


def _own_item(session: Session, postmortem_id: str, item_id: int, actor: Principal) -> ItemView:
    require(actor, Action.EDIT_POSTMORTEMS)
    pm = postmortems.find_row(session, postmortem_id, actor)
    view = items.get_item(session, item_id, actor)
    if view.postmortem_id != pm.id:
        raise NotFoundError(f"no action item {item_id} in this post-mortem")
    return view


def update(
    session: Session,
    postmortem_id: str,
    item_id: int,
    actor: Principal,
    changes: ItemChanges,
    *,
    base_version: int | None,
) -> None:
    """Change an item (refused with ConflictError when ``base_version`` is stale)."""
    before = _own_item(session, postmortem_id, item_id, actor)
    after = items.update_item(session, item_id, changes, actor, base_version=base_version)
    if after.version != before.version:
        _store(session, after.postmortem_id, actor, f"action item {item_id} edited")


def delete(session: Session, postmortem_id: str, item_id: int, actor: Principal) -> None:
    """Remove an item from the post-mortem (recorded in the audit log)."""
    require(actor, Action.CHANGE_ACTION_ITEMS)
    view = _own_item(session, postmortem_id, item_id, actor)
    row = session.get(ActionItemRow, item_id)
    if row is None:
        raise NotFoundError(f"no action item {item_id}")
    session.delete(row)
    audit.record(
        session, actor, "action_item_deleted", view.postmortem_id, item=item_id, title=view.title
    )
    _store(session, view.postmortem_id, actor, f"action item {item_id} deleted")
