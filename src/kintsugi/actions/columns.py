"""Action items' table pieces for other slices' single SQL statements: a published read API.

Other slices never import ``actions.models``. Where one grouped statement must join action
items to their post-mortems (the metrics' completion scan), ``ACTION_ITEM`` gives the columns
it may select, filter and join on, read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import FromClause
from sqlalchemy.orm import InstrumentedAttribute

from kintsugi.actions.models import ActionItemRow


@dataclass(frozen=True)
class ActionItemColumns:
    """The action items table and the columns other slices read."""

    table: FromClause
    postmortem_pk: InstrumentedAttribute[int]
    title: InstrumentedAttribute[str]
    kind: InstrumentedAttribute[str | None]
    status: InstrumentedAttribute[str]
    due: InstrumentedAttribute[date | None]
    completed_at: InstrumentedAttribute[datetime | None]


ACTION_ITEM = ActionItemColumns(
    table=ActionItemRow.__table__,
    postmortem_pk=ActionItemRow.postmortem_pk,
    title=ActionItemRow.title,
    kind=ActionItemRow.kind,
    status=ActionItemRow.status,
    due=ActionItemRow.due,
    completed_at=ActionItemRow.completed_at,
)
