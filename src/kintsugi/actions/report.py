"""How action items are getting done: totals, rates, by priority and owner, oldest overdue.

The figures are aggregated in SQL (one grouped scan over the items of the post-mortems the viewer
may see, plus an indexed query for the oldest overdue items); Python only adds up the few
(priority, owner) groups the database returns.

Definitions:
- ``overdue``: open or in progress, with a due date before ``today`` (UTC).
- ``completion_rate``: completed / (total - won't do); won't-do items are decisions, not misses.
  None when there is nothing to complete.
- ``by_owner``: one row per person however their items name them (username, display name or
  email: ``people.matching``), per team, and per unmatched text.
- ``on_time_completion_rate``: among completed items that had a due date, the share completed on
  or before it (the UTC date of ``completed_at`` <= due). None when there are none.
"""

from __future__ import annotations

from dataclasses import field, fields
from datetime import date
from typing import Annotated, Any, cast

from pydantic import (
    Field,
    GetJsonSchemaHandler,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    computed_field,
    model_serializer,
)
from pydantic.dataclasses import dataclass
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from kintsugi.actions.items import OPEN_STATUSES, ItemView, get_item, today_utc
from kintsugi.actions.models import ActionItemRow
from kintsugi.actions.owners import people
from kintsugi.core.sqlfuncs import utc_date
from kintsugi.core.wire import EVERY_KEY_WRITTEN
from kintsugi.people.matching import PeopleIndex
from kintsugi.people.principal import Principal
from kintsugi.postmortems.access import visible_to
from kintsugi.postmortems.columns import POSTMORTEM
from kintsugi.postmortems.document import ActionItemStatus, Priority

NO_PRIORITY = "none"
UNASSIGNED = "(unassigned)"


def _splice(data: dict[str, Any], name: str) -> dict[str, Any]:
    """``data`` with the keys of the object at ``name`` written in its place."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key == name:
            flat.update(value)
        else:
            flat[key] = value
    return flat


def _splice_schema(
    schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler, name: str
) -> JsonSchemaValue:
    """The JSON schema of a class written by ``_splice``: the nested object's properties in the
    place of ``name``, as the JSON has them (made from the fields: the serializer's own return
    type, ``Any``, would say nothing)."""
    unflattened = {key: value for key, value in schema.items() if key != "serialization"}
    json_schema = handler(cast(core_schema.CoreSchema, unflattened))
    target = handler.resolve_ref_schema(json_schema)
    nested = handler.resolve_ref_schema(target["properties"][name])
    target["properties"] = _splice({**target["properties"], name: nested["properties"]}, name)
    target["required"] = [
        key
        for given in target.get("required", [])
        for key in (nested.get("required", []) if given == name else [given])
    ]
    return json_schema


@dataclass(config=EVERY_KEY_WRITTEN)
class Counts:
    """Counts of one group of items; the rates are computed fields, derived whenever read."""

    total: int = 0
    open: int = 0
    in_progress: int = 0
    completed: int = 0
    wont_do: int = 0
    overdue: int = 0
    completed_with_due: Annotated[int, Field(exclude=True)] = 0
    completed_on_time: Annotated[int, Field(exclude=True)] = 0

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def completion_rate(self) -> float | None:
        doable = self.total - self.wont_do
        return round(self.completed / doable, 4) if doable else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def on_time_completion_rate(self) -> float | None:
        if not self.completed_with_due:
            return None
        return round(self.completed_on_time / self.completed_with_due, 4)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _COUNTS_WIRE.dump_python(self, mode="json")
        return data


@dataclass(config=EVERY_KEY_WRITTEN)
class OwnerCounts:
    """Counts of the items of one owner (person or team); its JSON has the counts inline."""

    owner: str
    owner_kind: str
    counts: Counts = field(default_factory=Counts)
    label: Annotated[str, Field(exclude=True)] = ""
    """The person's display name when the owner is a known person (else empty)."""

    @model_serializer(mode="wrap")
    def _flat(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _splice(handler(self), "counts")

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return _splice_schema(schema, handler, "counts")

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _OWNER_WIRE.dump_python(self, mode="json")
        return data


@dataclass(config=EVERY_KEY_WRITTEN)
class Report:
    """The action items report as of ``today``: ``as_of``, the totals inline, then the groups and
    the oldest overdue items."""

    today: Annotated[date, Field(serialization_alias="as_of")]
    totals: Counts
    by_priority: dict[str, Counts]
    by_owner: list[OwnerCounts]
    oldest_overdue: list[ItemView]

    @model_serializer(mode="wrap")
    def _flat(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _splice(handler(self), "totals")

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return _splice_schema(schema, handler, "totals")

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _WIRE.dump_python(self, mode="json", by_alias=True)
        return data


_COUNTS_WIRE = TypeAdapter(Counts)
_OWNER_WIRE = TypeAdapter(OwnerCounts)
_WIRE = TypeAdapter(Report)


def grouped_counts_query(today: date, viewer: Principal) -> Any:
    """SELECT priority, owner, owner_kind and the counts of each group of visible items."""
    item = ActionItemRow
    status = item.status
    overdue = and_(
        status.in_((ActionItemStatus.OPEN.value, ActionItemStatus.IN_PROGRESS.value)),
        item.due < today,
    )
    completed = status == ActionItemStatus.COMPLETED.value
    # an item completed on an unknown day (imported without one) is neither on time nor late
    completed_with_due = and_(completed, item.due.is_not(None), item.completed_at.is_not(None))
    on_time = and_(completed_with_due, utc_date(item.completed_at) <= item.due)

    def count_if(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    return (
        select(
            item.priority,
            item.owner,
            item.owner_kind,
            func.count(),
            count_if(status == ActionItemStatus.OPEN.value),
            count_if(status == ActionItemStatus.IN_PROGRESS.value),
            count_if(completed),
            count_if(status == ActionItemStatus.WONT_DO.value),
            count_if(overdue),
            count_if(completed_with_due),
            count_if(on_time),
        )
        .join(POSTMORTEM.table, POSTMORTEM.pk == item.postmortem_pk)
        .where(visible_to(viewer))
        .group_by(item.priority, item.owner, item.owner_kind)
    )


def _column_sums(rows: list[tuple[int, ...]]) -> Counts:
    return Counts(*(sum(column) for column in zip(*rows, strict=True))) if rows else Counts()


def build_report(
    session: Session,
    viewer: Principal,
    *,
    today: date | None = None,
    overdue_limit: int = 20,
) -> Report:
    """The report over the items of the post-mortems ``viewer`` may see."""
    today = today or today_utc()
    everything: list[tuple[int, ...]] = []
    per_priority: dict[str, list[tuple[int, ...]]] = {p.value: [] for p in Priority}
    per_priority[NO_PRIORITY] = []
    per_owner: dict[tuple[str, str], list[tuple[int, ...]]] = {}
    index = people(session)
    for priority, owner, owner_kind, *numbers in session.execute(
        grouped_counts_query(today, viewer)
    ):
        counts = tuple(int(n or 0) for n in numbers)
        everything.append(counts)
        per_priority.setdefault(priority or NO_PRIORITY, []).append(counts)
        kind = owner_kind or "person"
        person = index.match(owner) if kind == "person" else None
        key = (person.username if person else owner or UNASSIGNED, kind)
        per_owner.setdefault(key, []).append(counts)
    by_owner = sorted(
        (
            OwnerCounts(
                owner=owner,
                owner_kind=kind,
                counts=_column_sums(rows),
                label=_label(index, owner) if kind == "person" else "",
            )
            for (owner, kind), rows in per_owner.items()
        ),
        key=lambda o: (-o.counts.overdue, -o.counts.total, o.owner.lower(), o.owner_kind),
    )
    return Report(
        today=today,
        totals=_column_sums(everything),
        by_priority={key: _column_sums(rows) for key, rows in per_priority.items()},
        by_owner=by_owner,
        oldest_overdue=oldest_overdue(session, viewer, today, overdue_limit),
    )


def _label(index: PeopleIndex, owner: str) -> str:
    person = index.match(owner)
    return person.label if person else ""


def oldest_overdue(session: Session, viewer: Principal, today: date, limit: int) -> list[ItemView]:
    """The ``limit`` overdue items with the oldest due dates (then lowest ids).

    One query per open status, each walking the (status, due) index in order and stopping at
    ``limit`` visible items, so this stays cheap however many items are overdue.
    """
    if limit <= 0:
        return []
    candidates: list[tuple[date, int]] = []
    for status in OPEN_STATUSES:
        candidates += [
            (due or today, item_id)
            for item_id, due in session.execute(
                select(ActionItemRow.id, ActionItemRow.due)
                .join(POSTMORTEM.table, POSTMORTEM.pk == ActionItemRow.postmortem_pk)
                .where(
                    visible_to(viewer),
                    ActionItemRow.status == status,
                    ActionItemRow.due < today,
                )
                .order_by(ActionItemRow.due, ActionItemRow.id)
                .limit(limit)
            )
        ]
    chosen = [item_id for _due, item_id in sorted(candidates)[:limit]]
    return [get_item(session, item_id, viewer, today=today) for item_id in chosen]
