"""The post-mortem list: its rows, their total, and the values of its filter menus.

The list page and the API list run these on every request, so each statement is built once
per shape of viewer (and set of filters) and its values are bound per call. They stay cheap
at 100,000 post-mortems because of how they meet the indexes:

- the rows walk ``ix_postmortems_listed`` (migration 0008: the live post-mortems in list
  order, with the columns visibility and the filters read), so a page reads the index up to
  its last row and the table only for the rows it shows;
- the total counts over the same index without reading the table, and stops at ``cap`` when
  one is given (the list page shows "more than N" then, and counts exactly on request);
- a page after a cursor (keyset paging, ``after``) starts inside the index at the cursor's
  position, so page 2,000 costs what page 1 costs (an offset walks every row before it);
- the menus step through the distinct tags and services in their own indexes (one seek per
  value) and ask, for each value, whether one visible post-mortem has it, stopping at the
  first: they never read every post-mortem.

Visibility is ``access.visible_with`` in every statement: the one rule.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import TypeAdapter
from sqlalchemy import (
    Integer,
    Select,
    String,
    bindparam,
    func,
    literal,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from kintsugi.core.errors import InputError
from kintsugi.core.types import UTCDateTime
from kintsugi.core.wire import IsoDatetime
from kintsugi.people.principal import Principal
from kintsugi.postmortems.access import Shape, visibility_shape, visible_to, visible_with
from kintsugi.postmortems.models import PostmortemRow, ServiceRow, TagRow

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])
COUNT_CAP = 1000
"""Where a bounded count stops: the list says "more than 1,000" and counts exactly on request."""


@dataclass(frozen=True)
class Filters:
    """What ``list_documents`` narrows to; None means any."""

    severity: str | None = None
    tag: str | None = None
    status: str | None = None
    kind: str | None = None
    service: str | None = None


@dataclass(frozen=True)
class Summary:
    """One row of a post-mortem list."""

    id: str
    title: str
    kind: str
    status: str
    severity: str | None
    started_at: IsoDatetime | None
    updated_at: IsoDatetime
    tags: list[str]
    services: list[str]
    visibility: str

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _WIRE.dump_python(self, mode="json")
        return wire


_WIRE = TypeAdapter(Summary)


@dataclass(frozen=True)
class Cursor:
    """A position in the list's order: a page after it starts with the next row.

    It holds the keys of the order (not just a pk), so the position stays where it was when
    post-mortems are added or deleted between pages: no row is shown twice or skipped.
    """

    started_at: datetime | None
    updated_at: datetime
    pk: int

    def encode(self) -> str:
        """An opaque token for a URL."""
        keys = [self.started_at.isoformat() if self.started_at else None]
        raw = json.dumps([*keys, self.updated_at.isoformat(), self.pk], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """The cursor of a token ``encode`` made (InputError naming ``cursor`` otherwise)."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            started, updated, pk = json.loads(raw)
            cursor = cls(
                started_at=datetime.fromisoformat(started) if started is not None else None,
                updated_at=datetime.fromisoformat(updated),
                pk=int(pk),
            )
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
            raise InputError("not a cursor this list gave", field="cursor") from exc
        for when in (cursor.started_at, cursor.updated_at):
            if when is not None and when.tzinfo is None:
                raise InputError("not a cursor this list gave", field="cursor")
        return cursor


@dataclass(frozen=True)
class Page:
    """A page of the list, and the cursor of the next one (None on the last page)."""

    rows: list[Summary]
    next: Cursor | None


def list_documents(
    session: Session,
    viewer: Principal,
    filters: Filters = Filters(),
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[Summary]:
    """Documents the viewer may see, newest incident first (then the latest changed, then
    the latest created: an order without ties, so pages never overlap)."""
    shape, params = visibility_shape(viewer)
    given = _filter_values(filters)
    statement = _list_statement(shape, frozenset(given), limited=limit is not None)
    values = {**params, **given, "offset": offset}
    if limit is not None:
        values["limit"] = limit
    return _summaries(session, session.execute(statement, values).all())


def list_page(
    session: Session,
    viewer: Principal,
    filters: Filters = Filters(),
    *,
    limit: int,
    after: Cursor | None = None,
    offset: int = 0,
) -> Page:
    """The ``limit`` documents after ``after`` (or after the first ``offset``), in the order
    of ``list_documents``, and the cursor of the page after them.

    After a cursor: two statements at most, each a range of ``ix_postmortems_listed`` from the
    cursor on: the dated post-mortems, then (when the page is not full) the undated ones,
    which come last. An offset walks the index from the start (kept for compatibility).
    """
    shape, params = visibility_shape(viewer)
    given = _filter_values(filters)
    values: dict[str, Any] = {**params, **given}
    rows: list[Any] = []
    if after is None:
        statement = _list_statement(shape, frozenset(given), limited=True)
        rows = list(session.execute(statement, {**values, "offset": offset, "limit": limit + 1}))
    elif offset:
        raise InputError("give a cursor or an offset, not both", field="offset")
    elif after.started_at is not None:  # the dated ones after it, then the undated ones
        rows = _after(session, shape, given, values, after, dated=True, limit=limit + 1)
        if len(rows) <= limit:
            rows += _after(
                session, shape, given, values, None, dated=False, limit=limit + 1 - len(rows)
            )
    else:
        rows = _after(session, shape, given, values, after, dated=False, limit=limit + 1)
    last = rows[limit - 1] if len(rows) > limit else None
    following = Cursor(last.started_at, last.updated_at, last.pk) if last is not None else None
    return Page(rows=_summaries(session, rows[:limit]), next=following)


def _after(
    session: Session,
    shape: Shape,
    given: dict[str, str],
    values: dict[str, Any],
    after: Cursor | None,
    *,
    dated: bool,
    limit: int,
) -> list[Any]:
    """Up to ``limit`` rows of the dated (or undated) post-mortems, after ``after``."""
    statement = _keyset_statement(shape, frozenset(given), dated=dated, after=after is not None)
    values = {**values, "limit": limit}
    if after is not None:
        values |= {"after_started": after.started_at, "after_updated": after.updated_at}
        values["after_pk"] = after.pk
    return list(session.execute(statement, values).all())


def _summaries(session: Session, rows: Sequence[Any]) -> list[Summary]:
    tags, services = tags_and_services(session, [row.pk for row in rows])
    return [
        Summary(
            id=row.id,
            title=row.title,
            kind=row.kind,
            status=row.status,
            severity=row.severity,
            started_at=row.started_at,
            updated_at=row.updated_at,
            tags=tags.get(row.pk, []),
            services=services.get(row.pk, []),
            visibility=row.visibility,
        )
        for row in rows
    ]


def visible_heads(
    session: Session, viewer: Principal, ids: Collection[str]
) -> dict[str, tuple[str, str]]:
    """(title, status) by id of the post-mortems among ``ids`` (whole ids) that ``viewer`` may
    see, in one statement."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(PostmortemRow.id, PostmortemRow.title, PostmortemRow.status).where(
            visible_to(viewer), PostmortemRow.id.in_(wanted)
        )
    )
    return {id: (title, status) for id, title, status in rows}


def count_documents(
    session: Session, viewer: Principal, filters: Filters = Filters(), *, cap: int | None = None
) -> int:
    """How many documents ``list_documents`` would give without a limit; with ``cap``, at
    most ``cap`` (counting stops there: the cost of a count grows with what it counts)."""
    shape, params = visibility_shape(viewer)
    given = _filter_values(filters)
    statement = _count_statement(shape, frozenset(given), capped=cap is not None)
    values: dict[str, Any] = {**params, **given}
    if cap is not None:
        values["cap"] = cap
    return int(session.scalar(statement, values) or 0)


def facet_values(session: Session, viewer: Principal) -> dict[str, list[str]]:
    """The tags and services in use among visible documents, each in order (filter menus)."""
    shape, params = visibility_shape(viewer)
    found: dict[str, list[str]] = {"tags": [], "services": []}
    for facet, value in session.execute(_facets_statement(shape), params):
        found[facet].append(value)
    return found


def tags_and_services(
    session: Session, pks: Sequence[int]
) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Tags and services of the documents ``pks``, each list in alphabetical order.

    One round trip (per 500 documents) for both: lists and search results show both.
    """
    tags: dict[int, list[str]] = {}
    services: dict[int, list[str]] = {}
    for start in range(0, len(pks), 500):
        chunk = list(pks[start : start + 500])
        for part, pk, label in session.execute(_TAGS_AND_SERVICES_OF, {"pks": chunk}):
            (tags if part == "tag" else services).setdefault(int(pk), []).append(label)
    return tags, services


def _tags_and_services_statement() -> Select[str, int, str]:
    pks = bindparam("pks", expanding=True, type_=Integer)
    both = union_all(
        select(literal("tag"), TagRow.postmortem_pk, TagRow.tag).where(
            TagRow.postmortem_pk.in_(pks)
        ),
        select(literal("service"), ServiceRow.postmortem_pk, ServiceRow.service).where(
            ServiceRow.postmortem_pk.in_(pks)
        ),
    ).subquery()
    return select(both.c[0], both.c[1], both.c[2]).order_by(both.c[0], both.c[1], both.c[2])


_TAGS_AND_SERVICES_OF = _tags_and_services_statement()

LIST_ORDER = (
    PostmortemRow.started_at.desc().nulls_last(),
    PostmortemRow.updated_at.desc(),
    PostmortemRow.pk.desc(),
)
"""The list's order, as ``LISTED_INDEX`` holds it (migration 0008)."""


@functools.cache
def _list_statement(
    shape: Shape, filters: frozenset[str], *, limited: bool
) -> Select[*tuple[Any, ...]]:
    r = PostmortemRow
    query = select(
        r.pk, r.id, r.title, r.kind, r.status, r.severity, r.started_at, r.updated_at,
        r.visibility,
    ).where(visible_with(shape))  # fmt: skip
    query = _filtered(query, filters, walk_in_order=True).order_by(*LIST_ORDER)
    query = query.offset(bindparam("offset", type_=Integer))
    if limited:
        query = query.limit(bindparam("limit", type_=Integer))
    return query


@functools.cache
def _keyset_statement(
    shape: Shape, filters: frozenset[str], *, dated: bool, after: bool
) -> Select[*tuple[Any, ...]]:
    """A page of the dated (or undated) post-mortems, from a cursor's position if ``after``.

    The position is a row-value comparison on the index's own keys, so both engines start
    the index range there (a dated page never reaches the undated ones, whose NULL start a
    row comparison cannot order: they are their own statement).
    """
    r = PostmortemRow
    query = select(
        r.pk, r.id, r.title, r.kind, r.status, r.severity, r.started_at, r.updated_at,
        r.visibility,
    ).where(visible_with(shape))  # fmt: skip
    updated = bindparam("after_updated", type_=UTCDateTime())
    pk = bindparam("after_pk", type_=Integer)
    if dated:
        query = query.where(r.started_at.is_not(None))
        if after:
            started = bindparam("after_started", type_=UTCDateTime())
            query = query.where(
                tuple_(r.started_at, r.updated_at, r.pk) < tuple_(started, updated, pk)
            )
    else:
        query = query.where(r.started_at.is_(None))
        if after:
            query = query.where(tuple_(r.updated_at, r.pk) < tuple_(updated, pk))
    query = _filtered(query, filters, walk_in_order=True).order_by(*LIST_ORDER)
    return query.limit(bindparam("limit", type_=Integer))


@functools.cache
def _count_statement(shape: Shape, filters: frozenset[str], *, capped: bool) -> Select[int]:
    if not capped:
        query = select(func.count()).select_from(PostmortemRow).where(visible_with(shape))
        return _filtered(query, filters)
    # the first ``cap`` rows that pass, counted: a walk that stops there
    rows = _filtered(select(PostmortemRow.pk).where(visible_with(shape)), filters)
    return select(func.count()).select_from(rows.limit(bindparam("cap", type_=Integer)).subquery())


def _filter_values(filters: Filters) -> dict[str, str]:
    """The filters that are set, by name, as the statements compare them."""
    values = {
        "severity": filters.severity.upper() if filters.severity else None,
        "status": filters.status,
        "kind": filters.kind,
        "tag": filters.tag,
        "service": filters.service,
    }
    return {name: value for name, value in values.items() if value}


class _Unindexed(FunctionElement[Any]):
    """A column that SQLite uses no index for (``+column``, its documented way); as it is
    elsewhere. See ``_filtered``."""

    inherit_cache = True
    name = "unindexed"


@compiles(_Unindexed)
def _as_it_is(element: _Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(_Unindexed, "sqlite")
def _without_index(element: _Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.clauses, **kw)


def _filtered(query: Q, filters: frozenset[str], *, walk_in_order: bool = False) -> Q:
    """``query`` narrowed by the ``filters`` named (their values bound by name).

    On SQLite, severity, status and kind are compared unindexed: the list's index holds them,
    so a page and a total check them while walking it. Without planner statistics (an
    imported library) SQLite would start from a single-column index instead, and fetch (and,
    for a page, sort) every post-mortem of a common value. PostgreSQL keeps statistics and
    chooses by them.

    ``walk_in_order`` (a page): on SQLite the tag and service are checked against the set of
    post-mortems that have them while walking the list's index, stopping after the page's
    last row, rather than fetch and sort every post-mortem with a common tag. A total
    starts from the tag's or service's own index: it needs them all.
    """
    r = PostmortemRow
    pk: Any = _Unindexed(r.pk) if walk_in_order else r.pk
    for name in ("severity", "status", "kind"):
        if name in filters:
            column = _Unindexed(getattr(r, name))
            query = query.where(column == bindparam(name, type_=String))
    if "tag" in filters:
        tagged = select(TagRow.postmortem_pk).where(TagRow.tag == bindparam("tag", type_=String))
        query = query.where(pk.in_(tagged))
    if "service" in filters:
        serving = select(ServiceRow.postmortem_pk).where(
            ServiceRow.service == bindparam("service", type_=String)
        )
        query = query.where(pk.in_(serving))
    return query


@functools.cache
def _facets_statement(shape: Shape) -> Select[*tuple[Any, ...]]:
    """("tags" or "services", value) of the visible documents, each once, in order."""
    tags = _visible_values("tags", TagRow, TagRow.tag, shape)
    services = _visible_values("services", ServiceRow, ServiceRow.service, shape)
    both = union_all(tags, services).subquery()
    return select(both.c.facet, both.c.value).order_by(both.c.facet, both.c.value)


def _visible_values(
    facet: str, table: type[TagRow] | type[ServiceRow], value: Any, shape: Shape
) -> Select[*tuple[Any, ...]]:
    """(``facet``, each distinct ``value`` that a post-mortem visible to ``shape`` has).

    The distinct values come from stepping through the value's index, one seek each (a
    recursive CTE: the next value after the last one found); for each, a subquery asks for one
    visible post-mortem with it. Neither reads every row.
    """
    first = select(value.label("value")).order_by(value).limit(1).scalar_subquery()
    steps = select(first.label("value")).cte(f"{facet}_values", recursive=True)
    following = select(value).where(value > steps.c.value).order_by(value).limit(1)
    steps = steps.union_all(select(following.scalar_subquery()).where(steps.c.value.is_not(None)))
    # a scalar subquery with LIMIT 1, not EXISTS: PostgreSQL turns an EXISTS into a join
    # over every row of the table, where this stops at the first visible post-mortem
    one_visible = (
        select(PostmortemRow.pk)
        .select_from(table)
        .join(PostmortemRow, PostmortemRow.pk == table.postmortem_pk)
        .where(value == steps.c.value, visible_with(shape))
        .limit(1)
        .scalar_subquery()
    )
    return select(literal(facet).label("facet"), steps.c.value.label("value")).where(
        steps.c.value.is_not(None), one_visible.is_not(None)
    )
