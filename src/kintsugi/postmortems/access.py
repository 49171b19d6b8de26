"""Visibility: which post-mortems a principal may see. Every query goes through here.

- ``organisation``: every signed-in person;
- ``team``: members of the document's team, and people granted access by name;
- ``restricted``: only people granted access by name.
Admins see everything (they manage access); the local CLI operator is an admin.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    and_,
    bindparam,
    exists,
    false,
    or_,
    select,
)

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
    """The condition of ``shape``: its parameters bound to ``values``, or left to the caller
    (None) for a statement built once."""

    def param(name: str, **options: Any) -> BindParameter[Any]:
        if values is None:
            return bindparam(name, **options)
        return bindparam(name, values[name], unique=True, **options)  # one per use

    alive = PostmortemRow.deleted_at.is_(None)
    if shape == "all":
        return alive
    if shape == "none":
        return false()
    organisation = PostmortemRow.visibility == "organisation"
    team = (
        and_(
            PostmortemRow.visibility == "team",
            PostmortemRow.team_id.in_(param("viewer_teams", expanding=True)),
        )
        if shape == "member"
        else false()
    )
    granted = exists(
        select(AccessGrantRow.user_id).where(
            AccessGrantRow.postmortem_pk == PostmortemRow.pk,
            AccessGrantRow.user_id == param("viewer_id", type_=Integer),
        )
    )
    return and_(alive, or_(organisation, team, granted))
