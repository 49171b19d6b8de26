"""The incidents page's lines: each incident the viewer may see, its post-mortem or the lack of
one, and whether the post-mortem is overdue by the learning policy's deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from kintsugi.incidents import service
from kintsugi.incidents.service import IncidentRecord
from kintsugi.people.principal import Principal
from kintsugi.postmortems.deadlines import deadline_hours, due_at
from kintsugi.postmortems.document import Status
from kintsugi.postmortems.listing import visible_heads


@dataclass(frozen=True)
class PostmortemLink:
    """The incident's post-mortem as the list shows it."""

    id: str
    title: str
    status: str


@dataclass(frozen=True)
class IncidentLine:
    """One incident: its record, its post-mortem (None: nobody opened one, or the viewer may
    not see it), when the post-mortem is due and whether that has passed unpublished."""

    record: IncidentRecord
    postmortem: PostmortemLink | None
    due: datetime | None
    overdue: bool


def incident_lines(session: Session, viewer: Principal, now: datetime) -> list[IncidentLine]:
    """Incidents ``viewer`` may see, most recent first (``service.list_incidents``).

    Due: resolution plus the severity's deadline, for resolved incidents that are not near
    misses; overdue once that has passed with no published post-mortem.
    """
    hours: dict[str | None, float | None] = {}
    lines = []
    records = service.list_incidents(session, viewer)
    heads = visible_heads(session, viewer, [r.postmortem_id for r in records if r.postmortem_id])
    for record in records:
        head = heads.get(record.postmortem_id or "")
        link = PostmortemLink(record.postmortem_id or "", *head) if head else None
        due = None
        if record.resolved_at is not None and not record.near_miss:
            if record.severity not in hours:
                hours[record.severity] = deadline_hours(session, record.severity)
            allowed = hours[record.severity]
            due = due_at(record.resolved_at, allowed)
        published = link is not None and link.status == Status.PUBLISHED.value
        lines.append(
            IncidentLine(record, link, due, due is not None and due < now and not published)
        )
    return lines
