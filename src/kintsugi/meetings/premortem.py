"""The pre-mortem exercise: a pre-mortem document for a change, and its meeting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kintsugi.meetings.service import MeetingView, PlanRequest, plan_meeting, require_planner
from kintsugi.people.principal import Principal
from kintsugi.postmortems.service import create_document
from kintsugi.postmortems.templates import new_document

SCENARIO = "Imagine it is six months from now and this change caused a SEV1."


def start_premortem(
    session: Session,
    actor: Principal,
    title: str,
    starts_at: datetime,
    timezone: str,
    duration_minutes: int,
    *,
    organizer: str | None = None,
) -> MeetingView:
    """Create the pre-mortem document (its scenario set) and plan the exercise."""
    require_planner(actor)
    doc = new_document("premortem", title)
    doc.timezone = timezone
    scenario = doc.section("scenario")
    if scenario is not None:
        scenario.markdown = f"{SCENARIO}\n\nThe change: {title.strip()}"
    stored = create_document(session, doc, actor)
    assert stored.id is not None
    return plan_meeting(
        session,
        actor,
        PlanRequest(
            kind="premortem",
            starts_at=starts_at,
            timezone=timezone,
            duration_minutes=duration_minutes,
            postmortem_ids=[stored.id],
            organizer=organizer,
        ),
    )
