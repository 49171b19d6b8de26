"""The change log of action items: every update records who, when, what changed and why."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from kintsugi.actions.models import ActionItemHistoryRow
from kintsugi.core.types import utcnow

TRACKED_FIELDS = (
    "title",
    "owner",
    "owner_kind",
    "priority",
    "due",
    "status",
    "wont_do_reason",
    "kind",
)


def jsonable(value: Any) -> Any:
    """A field value as it is kept in the history (dates as ISO text)."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def record(
    session: Session,
    item_id: int,
    *,
    actor: str,
    kind: str,
    changes: dict[str, list[Any]] | None = None,
    comment: str | None = None,
    at: datetime | None = None,
) -> ActionItemHistoryRow:
    """Add one history entry; an entry that gives the item a (new) owner is marked for notice."""
    changes = {
        field: [jsonable(old), jsonable(new)] for field, (old, new) in (changes or {}).items()
    }
    new_owner = None
    if "owner" in changes and changes["owner"][1]:
        new_owner = str(changes["owner"][1])
    row = ActionItemHistoryRow(
        item_id=item_id,
        at=at or utcnow(),
        actor=actor[:80],
        kind=kind,
        changes=changes,
        comment=comment or None,
        new_owner=new_owner,
    )
    session.add(row)
    return row
