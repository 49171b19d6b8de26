"""Visibility: which post-mortems a principal may see. Every query goes through here.

- ``organisation``: every signed-in person;
- ``team``: members of the document's team, and people granted access by name;
- ``restricted``: only people granted access by name.
Admins see everything (they manage access); the local CLI operator is an admin.
The same rule, applied to what a version stored, says who may read that version.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Literal

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    and_,
    bindparam,
    exists,
    false,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import QueryableAttribute, Session

from kintsugi.people.principal import Principal, Role
from kintsugi.postmortems.models import AccessGrantRow, PostmortemRow


def visible_to(viewer: Principal) -> ColumnElement[bool]:
    """SQL condition on PostmortemRow: not deleted and visible to ``viewer``."""
    shape, values = visibility_shape(viewer)
    return _condition(shape, values)


def visible_postmortem_id(viewer: Principal, id_column: Any) -> ColumnElement[bool]:
    """SQL condition: ``id_column`` names a post-mortem that ``viewer`` may see (for records of
    other slices that follow their post-mortem's visibility, such as incidents)."""
    return exists(select(PostmortemRow.pk).where(PostmortemRow.id == id_column, visible_to(viewer)))


def may_see_unfiled_incidents(viewer: Principal) -> bool:
    """Whether ``viewer`` may see incidents that have no post-mortem yet: editors and above.

    Nobody has chosen such an incident's visibility (its title may name a customer or a
    security issue), so only the people who write post-mortems see it; it follows its
    post-mortem's visibility once it has one.
    """
    return viewer.is_system or viewer.has_role(Role.EDITOR)


Shape = Literal["all", "none", "user", "member"]


def visibility_shape(viewer: Principal) -> tuple[Shape, dict[str, Any]]:
    """``visible_to(viewer)`` as one of four conditions and the values of its parameters.

    For statements built once and run many times (``visible_with``): building a statement
    per request costs more than running it.
    """
    if viewer.is_system or viewer.role == Role.ADMIN:
        return "all", {}
    if viewer.user_id is None:
        return "none", {}
    if viewer.team_ids:
        return "member", {"viewer_id": viewer.user_id, "viewer_teams": sorted(viewer.team_ids)}
    return "user", {"viewer_id": viewer.user_id}


def visible_with(shape: Shape) -> ColumnElement[bool]:
    """The condition of ``visibility_shape``, with bound parameters for the viewer."""
    return _condition(shape, None)


def _condition(shape: Shape, values: dict[str, Any] | None) -> ColumnElement[bool]:
    """The condition of ``shape`` on PostmortemRow: its parameters bound to ``values``, or
    left to the caller (None) for a statement built once."""
    alive = PostmortemRow.deleted_at.is_(None)
    if shape == "all":
        return alive
    if shape == "none":
        return false()
    # the viewer's grants as one uncorrelated set: the database reads them once per statement
    # (a hashed subplan on PostgreSQL, which, unlike a correlated EXISTS, also runs inside
    # parallel workers), not once per post-mortem
    granted = PostmortemRow.pk.in_(
        select(AccessGrantRow.postmortem_pk).where(
            AccessGrantRow.user_id == _param("viewer_id", values, type_=Integer)
        )
    )
    rule = _rule(shape, values, PostmortemRow.visibility, PostmortemRow.team_id, granted)
    return and_(alive, rule)


def _param(name: str, values: dict[str, Any] | None, **options: Any) -> BindParameter[Any]:
    if values is None:
        return bindparam(name, **options)
    return bindparam(name, values[name], unique=True, **options)  # one per use


def _rule(
    shape: Shape,
    values: dict[str, Any] | None,
    visibility: ColumnElement[Any] | QueryableAttribute[Any],
    team_id: ColumnElement[Any] | QueryableAttribute[Any],
    granted: ColumnElement[bool],
) -> ColumnElement[bool]:
    """The visibility rule itself, over a document's ``visibility``, ``team_id`` and whether
    the viewer is ``granted`` access by name: the one copy of it."""
    if shape == "all":
        return true()
    if shape == "none":
        return false()
    organisation = visibility == "organisation"
    team = (
        and_(
            visibility == "team",
            team_id.in_(_param("viewer_teams", values, expanding=True)),
        )
        if shape == "member"
        else false()
    )
    return or_(organisation, team, granted)


def may_see_as_stored(
    session: Session,
    viewer: Principal,
    visibility: str,
    team_id: int | None,
    granted_ids: Collection[int],
) -> bool:
    """Whether ``viewer`` may see a document whose visibility, team and named grants were
    these (a version as it was written): the rule above, applied to those values."""
    shape, values = visibility_shape(viewer)
    viewer_id = values.get("viewer_id")
    granted = literal(viewer_id in granted_ids) if viewer_id is not None else false()
    rule = _rule(shape, values, literal(visibility), literal(team_id, Integer), granted)
    return bool(session.scalar(select(rule)))
