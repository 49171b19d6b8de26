"""Visibility: which post-mortems a principal may see. Every query goes through here.

- ``organisation``: every signed-in person;
- ``team``: members of the document's team, and people granted access by name;
- ``restricted``: only people granted access by name.
Admins see everything (they manage access); the local CLI operator is an admin.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, or_, select

from kintsugi.people.principal import Principal, Role
from kintsugi.postmortems.models import AccessGrantRow, PostmortemRow


def visible_to(viewer: Principal) -> ColumnElement[bool]:
    """SQL condition on PostmortemRow: not deleted and visible to ``viewer``."""
    alive = PostmortemRow.deleted_at.is_(None)
    if viewer.is_system or viewer.role == Role.ADMIN:
        return alive
    if viewer.user_id is None:
        return false()
    organisation = PostmortemRow.visibility == "organisation"
    team = (
        and_(PostmortemRow.visibility == "team", PostmortemRow.team_id.in_(viewer.team_ids))
        if viewer.team_ids
        else false()
    )
    granted = exists(
        select(AccessGrantRow.user_id).where(
            AccessGrantRow.postmortem_pk == PostmortemRow.pk,
            AccessGrantRow.user_id == viewer.user_id,
        )
    )
    return and_(alive, or_(organisation, team, granted))
