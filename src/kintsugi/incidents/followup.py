"""After a draft: the post-mortem deadline, the proposed review meeting, similar incidents,
and the owner's notification."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any

from pydantic import Field, TypeAdapter
from sqlalchemy.orm import Session

from kintsugi.core.wire import IsoDatetime
from kintsugi.incidents.facts import IncidentFacts
from kintsugi.library.similar import similar
from kintsugi.meetings import service as meetings
from kintsugi.meetings.participants import Participant, resolve_person
from kintsugi.people.principal import Principal

REVIEW_HOUR_UTC = 14
"""Reviews are proposed at this hour (UTC) on the day after resolution, inside the deadline."""


def propose_review(
    resolved_at: datetime, deadline: datetime, now: datetime, minutes: int
) -> datetime:
    """A time for the review: the day after resolution at 14:00 UTC, or earlier so that it ends
    by the deadline, never in the past (a deadline already missed gets the next hour)."""
    earliest = _next_hour(max(now, resolved_at) + timedelta(hours=2))
    candidate = datetime.combine((earliest + timedelta(days=1)).date(), time(REVIEW_HOUR_UTC), UTC)
    latest = (deadline - timedelta(minutes=minutes)).replace(minute=0, second=0, microsecond=0)
    if candidate > latest:
        candidate = latest
    return max(candidate, earliest)


def _next_hour(at: datetime) -> datetime:
    whole = at.replace(minute=0, second=0, microsecond=0)
    return whole if whole == at else whole + timedelta(hours=1)


@dataclass(frozen=True)
class Review:
    """The review meeting of a draft's post-mortem."""

    meeting_id: int
    starts_at: IsoDatetime
    proposed_now: Annotated[bool, Field(exclude=True)]
    url_path: str = field(init=False, default="")
    """The meeting's page (a field, set from ``meeting_id``, so that the wire shape has it)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "url_path", meetings.url_path(self.meeting_id))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _WIRE.dump_python(self, mode="json")
        return data


_WIRE = TypeAdapter(Review)


def ensure_review(
    session: Session,
    actor: Principal,
    postmortem_id: str,
    facts: IncidentFacts,
    deadline: datetime | None,
    *,
    minutes: int,
    now: datetime,
) -> Review | None:
    """The post-mortem's review meeting: the one planned already, else one proposed inside the
    deadline with the human responders invited (None without a resolution or deadline)."""
    existing = meetings.list_meetings(session, actor, postmortem_id=postmortem_id, limit=1)
    if existing:
        found = existing[0]
        return Review(found.id, found.starts_at, False)
    resolved = facts.times.get("resolved")
    if deadline is None or resolved is None:
        return None
    participants: list[Participant] = []
    organizer = None
    for person in facts.people:
        username, email = resolve_person(session, person.email or person.name)
        is_lead = facts.lead is not None and person is facts.lead
        if is_lead:
            organizer = username
        role = "technical_lead" if is_lead else "responder"
        participants.append(
            Participant(name=person.name, role=role, username=username, email=email or person.email)
        )
    plan = meetings.PlanRequest(
        kind="postmortem",
        starts_at=propose_review(resolved.at, deadline, now, minutes),
        timezone="UTC",
        duration_minutes=minutes,
        postmortem_ids=[postmortem_id],
        participants=participants,
        organizer=organizer,
    )
    view = meetings.plan_meeting(session, actor, plan, now=now)
    return Review(view.id, view.starts_at, True)


def similar_incidents(
    session: Session, actor: Principal, postmortem_id: str
) -> list[dict[str, Any]]:
    """Past post-mortems most like this one (the library's lexical comparison: no model to
    load while a webhook waits)."""
    found = similar(session, actor, postmortem_id, limit=5, method="lexical")
    # no scores: they move with every word of the draft, and a refresh that finds the same
    # incidents must not count as a change
    return [{"id": r.id, "title": r.title} for r in found.results]
