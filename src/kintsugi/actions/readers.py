"""What other slices read of the action items (they never import ``actions.models``)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from kintsugi.actions.items import OPEN_STATUSES
from kintsugi.actions.models import ActionItemRow


def any_open(session: Session, postmortem_pks: Collection[int]) -> bool:
    """Whether any action item of the post-mortems ``postmortem_pks`` is still open."""
    if not postmortem_pks:
        return False
    found = session.scalar(
        select(ActionItemRow.id)
        .where(
            ActionItemRow.postmortem_pk.in_(list(postmortem_pks)),
            ActionItemRow.status.in_(OPEN_STATUSES),
        )
        .limit(1)
    )
    return found is not None
