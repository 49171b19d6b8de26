"""The post-mortem list: its rows, their total, and the values of its filter menus.

The list page and the API list run these on every request, so each statement is built once
per shape of viewer (and set of filters) and its values are bound per call. They stay cheap
at 100,000 post-mortems because of how they meet the indexes:

- the rows walk ``ix_postmortems_listed`` (migration 0008: the live post-mortems in list
  order, with the columns visibility and the filters read), so a page reads the index up to
  its last row and the table only for the rows it shows;
- the total counts over the same index without reading the table;
- the menus step through the distinct tags and services in their own indexes (one seek per
  value) and ask, for each value, whether one visible post-mortem has it, stopping at the
  first: they never read every post-mortem.

Visibility is ``access.visible_with`` in every statement: the one rule.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    Integer,
    Select,
    String,
    bindparam,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from kintsugi.people.principal import Principal
from kintsugi.postmortems.access import Shape, visibility_shape, visible_to, visible_with
from kintsugi.postmortems.models import PostmortemRow, ServiceRow, TagRow

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])


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
    started_at: datetime | None
    updated_at: datetime
    tags: list[str]
    services: list[str]
    visibility: str

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "status": self.status,
            "severity": self.severity,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "updated_at": self.updated_at.isoformat(),
            "tags": self.tags,
            "services": self.services,
            "visibility": self.visibility,
        }


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
    rows = session.execute(statement, values).all()
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


def count_documents(session: Session, viewer: Principal, filters: Filters = Filters()) -> int:
    """How many documents ``list_documents`` would give without a limit."""
    shape, params = visibility_shape(viewer)
    given = _filter_values(filters)
    statement = _count_statement(shape, frozenset(given))
    return int(session.scalar(statement, {**params, **given}) or 0)


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
def _count_statement(shape: Shape, filters: frozenset[str]) -> Select[int]:
    query = select(func.count()).select_from(PostmortemRow).where(visible_with(shape))
    return _filtered(query, filters)


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
