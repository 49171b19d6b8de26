"""Action items of a post-mortem: load and keep in step with the document."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from kintsugi.actions.models import ActionItemRow
from kintsugi.core.types import utcnow
from kintsugi.postmortems.document import ActionItem, ActionItemStatus


def load_items(session: Session, postmortem_pk: int) -> list[ActionItem]:
    """The action items of one post-mortem, in document order."""
    rows = session.scalars(
        select(ActionItemRow)
        .where(ActionItemRow.postmortem_pk == postmortem_pk)
        .order_by(ActionItemRow.position, ActionItemRow.id)
    )
    return [_to_item(row) for row in rows]


def sync_document_items(
    session: Session, postmortem_pk: int, items: Sequence[ActionItem]
) -> list[ActionItem]:
    """Make the stored items match ``items``, keeping ids of items that are still there.

    Items are matched by id when given, else by their title; unmatched stored items are removed.
    """
    existing = list(
        session.scalars(select(ActionItemRow).where(ActionItemRow.postmortem_pk == postmortem_pk))
    )
    by_id = {row.id: row for row in existing}
    by_title: dict[str, list[ActionItemRow]] = {}
    for stored in existing:
        by_title.setdefault(_title_key(stored.title), []).append(stored)
    kept: set[int] = set()
    result: list[ActionItemRow] = []
    for position, item in enumerate(items):
        match = by_id.get(item.id) if item.id is not None else None
        if match is None or match.id in kept:
            candidates = [r for r in by_title.get(_title_key(item.title), []) if r.id not in kept]
            match = candidates[0] if candidates else None
        if match is None:
            match = ActionItemRow(postmortem_pk=postmortem_pk)
            session.add(match)
        row = match
        _apply(row, item, position)
        if row.id is not None:
            kept.add(row.id)
        result.append(row)
    for stale in existing:
        if stale.id not in kept and stale not in result:
            session.delete(stale)
    session.flush()
    return [_to_item(row) for row in result]


def _apply(row: ActionItemRow, item: ActionItem, position: int) -> None:
    status = item.status.value
    if status == ActionItemStatus.COMPLETED and row.status != ActionItemStatus.COMPLETED:
        row.completed_at = utcnow()
    elif status != ActionItemStatus.COMPLETED:
        row.completed_at = None
    row.position = position
    row.title = item.title
    row.owner = item.owner
    row.priority = item.priority.value if item.priority else None
    row.due = item.due
    row.status = status


def _title_key(title: str) -> str:
    return " ".join(title.lower().split())


def _to_item(row: ActionItemRow) -> ActionItem:
    return ActionItem.model_validate(
        {
            "id": row.id,
            "title": row.title,
            "owner": row.owner,
            "priority": row.priority,
            "due": row.due,
            "status": row.status,
        }
    )
