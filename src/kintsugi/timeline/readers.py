"""What other slices read of the stored timelines (they never import ``timeline.models``)."""

from __future__ import annotations

from sqlalchemy import Subquery, func, select
from sqlalchemy.orm import Session

from kintsugi.timeline.models import TimelineEventRow


def first_event_times(kind: str) -> Subquery:
    """A subquery of each post-mortem's first timed event of ``kind``: columns ``pk`` (the
    post-mortem's) and ``at``; for statements that join it to post-mortems (metrics)."""
    event = TimelineEventRow
    return (
        select(event.postmortem_pk.label("pk"), func.min(event.at).label("at"))
        .where(event.kind == kind, event.at.is_not(None))
        .group_by(event.postmortem_pk)
        .subquery()
    )


def event_texts(session: Session, postmortem_pk: int) -> list[str]:
    """The texts of one post-mortem's stored timeline events, in timeline order."""
    event = TimelineEventRow
    return list(
        session.scalars(
            select(event.text)
            .where(event.postmortem_pk == postmortem_pk)
            .order_by(event.position, event.id)
        )
    )
