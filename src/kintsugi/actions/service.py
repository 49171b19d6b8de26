"""Action items of a post-mortem: load and keep in step with the document.

The post-mortem service calls these when a document is read or saved. Changes that a document
save makes to an item are recorded in the item's history (actor ``document``) like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Integer, bindparam, insert, select
from sqlalchemy.orm import Session

from kintsugi.actions import history
from kintsugi.actions.history import jsonable
from kintsugi.actions.models import ActionItemHistoryRow, ActionItemRow
from kintsugi.actions.owners import owner_kind_among, people, stored_owner, team_names
from kintsugi.core.types import utcnow
from kintsugi.people.matching import PeopleIndex
from kintsugi.postmortems.document import ActionItem, ActionItemStatus
from kintsugi.postmortems.item_titles import title_key

DOCUMENT_ACTOR = "document"


_ITEMS_OF = (  # plain rows, and built once: documents are read on every request
    select(
        ActionItemRow.id,
        ActionItemRow.title,
        ActionItemRow.owner,
        ActionItemRow.priority,
        ActionItemRow.due,
        ActionItemRow.status,
        ActionItemRow.kind,
        ActionItemRow.completed_at,
    )
    .where(ActionItemRow.postmortem_pk == bindparam("pk", type_=Integer))
    .order_by(ActionItemRow.position, ActionItemRow.id)
)


def load_items(session: Session, postmortem_pk: int) -> list[ActionItem]:
    """The action items of one post-mortem, in document order."""
    return [_to_item(row) for row in session.execute(_ITEMS_OF, {"pk": postmortem_pk})]


def has_updates(session: Session, postmortem_pk: int) -> bool:
    """True when an action item of the post-mortem changed after it was created."""
    updated = session.scalar(
        select(ActionItemHistoryRow.item_id)
        .join(ActionItemRow, ActionItemRow.id == ActionItemHistoryRow.item_id)
        .where(ActionItemRow.postmortem_pk == postmortem_pk, ActionItemHistoryRow.kind != "created")
        .limit(1)
    )
    return updated is not None


def sync_document_items(
    session: Session,
    postmortem_pk: int,
    items: Sequence[ActionItem],
    *,
    actor: str = DOCUMENT_ACTOR,
    keep_changes_after: datetime | None = None,
) -> list[ActionItem]:
    """Make the stored items match ``items``, keeping ids of items that are still there.

    Items are matched by id when given, else by their title; unmatched stored items are removed.
    Every created or changed item gets a history entry by ``actor``.

    ``keep_changes_after``: when the document was loaded for editing at that time, stored items
    changed since (on the board, the API or by tracker sync) keep their stored fields instead of
    the editor's older copy, so a document save does not undo them.
    """
    existing = list(
        session.scalars(select(ActionItemRow).where(ActionItemRow.postmortem_pk == postmortem_pk))
    )
    by_id = {row.id: row for row in existing}
    by_title: dict[str, list[ActionItemRow]] = {}
    for stored in existing:
        by_title.setdefault(title_key(stored.title), []).append(stored)
    kept: set[int] = set()
    result: list[ActionItemRow] = []
    changed: list[tuple[ActionItemRow, dict[str, list[Any]], bool]] = []
    now = utcnow()
    teams = team_names(session) if items else frozenset()
    items = _owners_resolved(session, teams, items)
    matches = _matches(existing, by_id, by_title, items)
    for position, item in enumerate(items):
        match = matches[position]
        created = match is None
        if match is None:
            match = ActionItemRow(
                postmortem_pk=postmortem_pk, version=1, created_at=now, updated_at=now
            )
            session.add(match)
        row = match
        if (
            keep_changes_after is not None
            and not created
            and row.updated_at is not None
            and row.updated_at > keep_changes_after
        ):
            item = _to_item(row)
        changes = _apply(teams, row, item, position, now)
        if created or changes:
            changed.append((row, changes, created))
        if row.id is not None:
            kept.add(row.id)
        result.append(row)
    for stale in existing:
        if stale.id not in kept and stale not in result:
            session.delete(stale)
    session.flush()
    for row, changes, created in changed:
        history.record(
            session,
            row.id,
            actor=actor,
            kind="created" if created else "updated",
            changes=changes,
            at=now,
        )
    return [_to_item(row) for row in result]


def insert_document_items(
    session: Session,
    batch: Sequence[tuple[int, Sequence[ActionItem]]],
    *,
    actor: str = DOCUMENT_ACTOR,
) -> dict[int, list[ActionItem]]:
    """The items of new post-mortems, written in bulk (imports): the same rows and history
    entries as ``sync_document_items`` writes for a new post-mortem, in a few statements."""
    now = utcnow()
    teams = team_names(session)
    index = people(session) if any(i.owner for _, items in batch for i in items) else None
    rows: list[dict[str, Any]] = []
    for postmortem_pk, given in batch:
        for position, item in enumerate(_owners_resolved(session, teams, given, index)):
            rows.append(
                {
                    "postmortem_pk": postmortem_pk,
                    "position": position,
                    "title": item.title,
                    "owner": item.owner,
                    "owner_kind": owner_kind_among(teams, item.owner),
                    "priority": item.priority.value if item.priority else None,
                    "due": item.due,
                    "status": item.status.value,
                    "kind": item.kind.value if item.kind else None,
                    "wont_do_reason": None,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                    # imported items completed on a day the file does not give have no day
                    "completed_at": completed_at(item, None, None),
                }
            )
    result: dict[int, list[ActionItem]] = {pk: [] for pk, _ in batch}
    if not rows:
        return result
    ids = session.scalars(
        insert(ActionItemRow).returning(ActionItemRow.id, sort_by_parameter_order=True), rows
    ).all()
    history_rows = []
    for item_id, row in zip(ids, rows, strict=True):
        fields = ("title", "owner", "priority", "due", "status", "kind")
        changes = {f: [None, jsonable(row[f])] for f in fields if row[f] is not None}
        history_rows.append(
            {
                "item_id": item_id,
                "at": now,
                "actor": actor,
                "kind": "created",
                "changes": changes,
                "comment": None,
                "new_owner": row["owner"] or None,
            }
        )
        result[row["postmortem_pk"]].append(_to_item_dict({**row, "id": item_id}))
    session.execute(insert(ActionItemHistoryRow), history_rows)
    return result


def _owners_resolved(
    session: Session,
    teams: frozenset[str],
    items: Sequence[ActionItem],
    index: PeopleIndex | None = None,
) -> Sequence[ActionItem]:
    """``items`` with each owner as stored (``owners.stored_owner``: a person's username)."""
    if not any(item.owner for item in items):
        return items
    index = index or people(session)
    return [
        item.model_copy(update={"owner": stored_owner(teams, index, item.owner)}) for item in items
    ]


def _matches(
    existing: list[ActionItemRow],
    by_id: dict[int, ActionItemRow],
    by_title: dict[str, list[ActionItemRow]],
    items: Sequence[ActionItem],
) -> list[ActionItemRow | None]:
    """The stored row each item is, by position: by id, else by title; an item left over
    takes the stored row left over at the same place in the list (its title was edited as
    text), so that it keeps its id, history and links."""
    taken: set[int] = set()
    found: list[ActionItemRow | None] = []
    for item in items:
        match = by_id.get(item.id) if item.id is not None else None
        if match is None or match.id in taken:
            candidates = [r for r in by_title.get(title_key(item.title), []) if r.id not in taken]
            match = candidates[0] if candidates else None
        if match is not None:
            taken.add(match.id)
        found.append(match)
    ordered = sorted(existing, key=lambda r: (r.position, r.id))
    for position, match in enumerate(found):
        if match is None and position < len(ordered) and ordered[position].id not in taken:
            found[position] = ordered[position]
            taken.add(ordered[position].id)
    return found


def _to_item_dict(row: dict[str, Any]) -> ActionItem:
    return ActionItem.model_validate(
        {k: row[k] for k in ("id", "title", "owner", "priority", "due", "status", "kind")}
        | {"completed_on": _day(row["completed_at"])}
    )


def _apply(
    teams: frozenset[str], row: ActionItemRow, item: ActionItem, position: int, now: datetime
) -> dict[str, list[Any]]:
    """Copy the document's item onto the row; the fields that changed, as [old, new]."""
    status = item.status.value
    new_values: dict[str, Any] = {
        "title": item.title,
        "owner": item.owner,
        "priority": item.priority.value if item.priority else None,
        "due": item.due,
        "status": status,
    }
    if item.kind is not None:  # a document without a Kind column keeps the stored kinds
        new_values["kind"] = item.kind.value
    changes = {
        field: [getattr(row, field), value]
        for field, value in new_values.items()
        if getattr(row, field) != value
    }
    was_completed = row.status == ActionItemStatus.COMPLETED
    # a completed item keeps when it was completed: the day the text gives, else the stored
    # time; an item a person completes in the editor now is completed now; one created
    # completed from a file that gives no day has no day (left out of the on-time rate)
    if was_completed:
        row.completed_at = completed_at(item, row.completed_at, row.completed_at)
    else:
        row.completed_at = completed_at(item, None, now if row.id is not None else None)
    if "owner" in changes or row.owner_kind is None:
        row.owner_kind = owner_kind_among(teams, item.owner)
    if status != ActionItemStatus.WONT_DO:
        row.wont_do_reason = None
    row.position = position
    for field, value in new_values.items():
        setattr(row, field, value)
    if changes and row.id is not None:
        row.version = (row.version or 0) + 1
        row.updated_at = now
    return changes


def completed_at(
    item: ActionItem, stored: datetime | None, now: datetime | None
) -> datetime | None:
    """When ``item`` was completed: None unless it is completed; its ``completed_on`` (the
    stored time when on that day, else the day's start in UTC), else ``now``."""
    if item.status != ActionItemStatus.COMPLETED:
        return None
    if item.completed_on is not None:
        if stored is not None and stored.astimezone(UTC).date() == item.completed_on:
            return stored
        return day_start(item.completed_on)
    return now


def day_start(day: date) -> datetime:
    """The first moment of ``day`` in UTC."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def _to_item(row: Any) -> ActionItem:
    """The item of an ActionItemRow, or of a row with its columns."""
    return ActionItem.model_validate(
        {
            "id": row.id,
            "title": row.title,
            "owner": row.owner,
            "priority": row.priority,
            "due": row.due,
            "status": row.status,
            "kind": row.kind,
            "completed_on": _day(row.completed_at) if row.status == "completed" else None,
        }
    )


def _day(value: datetime | None) -> date | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).date()
