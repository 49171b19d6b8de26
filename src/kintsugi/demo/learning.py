"""The demo's learning activity: a review meeting held, a learning session coming up, a trained
facilitator and a recognition, so that meetings, metrics and the digest have something to show.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.types import utcnow
from kintsugi.core.zones import zone_or_utc
from kintsugi.handbook import recognition, training
from kintsugi.meetings import live
from kintsugi.meetings.service import PlanRequest, meetings_exist, plan_meeting, schedule_review
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Principal
from kintsugi.postmortems import service as postmortems

REVIEWED = "2026-09-14-checkout-connection-pool"
DISCUSSED = ("2026-07-08-coredns-upgrade", "2026-09-14-checkout-connection-pool")
FACILITATOR = "maja"

NOTES: tuple[tuple[str, str], ...] = (
    ("what-happened", "The pool change shipped in the 09:30 deploy; alerts fired at 09:47."),
    ("went-well", "The rollback runbook was current and the rollback took six minutes."),
    ("could-improve", "The load test did not exercise the connection pool at peak traffic."),
)


def load_demo_learning(sessions: sessionmaker[Session]) -> None:
    """Add the demo's meetings, training and recognition (once: nothing when meetings exist)."""
    with sessions() as session:
        if meetings_exist(session):
            return
    with sessions.begin() as session:
        maja = _principal(session, FACILITATOR)
        _held_review(session, maja)
        _upcoming_session(session, maja)
        right = {q.id: q.correct for q in training.self_check().questions}
        training.submit(session, maja, right)
        recognition.recognise(
            session,
            maja,
            recipient="platform-team",
            recipient_kind="team",
            reason="improvement",
            message="Load-tested the connection pool at peak traffic before the next release.",
            postmortem_id=REVIEWED,
        )


def _principal(session: Session, username: str) -> Principal:
    return people.principal_for(session, people.get_user(session, username))


def _held_review(session: Session, facilitator: Principal) -> None:
    doc = postmortems.get_document(session, REVIEWED, SYSTEM)
    resolved = doc.resolved_at or utcnow()
    zone = zone_or_utc(doc.timezone)
    day = (resolved.astimezone(zone) + timedelta(days=1)).date()
    starts_at = datetime.combine(day, time(14, 0), tzinfo=zone)
    meeting, _ = schedule_review(  # history: planned as of its own start
        session, facilitator, REVIEWED, starts_at, doc.timezone, 60, now=starts_at
    )
    live.start_session(session, facilitator, meeting.id, now=starts_at)
    for step, (part, text) in enumerate(NOTES, start=1):
        entered = starts_at + step * 10 * _MIN
        live.go_to_part(session, facilitator, meeting.id, part, now=entered)
        live.add_note(session, facilitator, meeting.id, part, text, now=entered + 3 * _MIN)
    live.go_to_part(session, facilitator, meeting.id, "action-items", now=starts_at + 45 * _MIN)
    live.add_note(
        session,
        facilitator,
        meeting.id,
        "action-items",
        "Run the checkout load test against the production pool size",
        owner="tomas",
        priority="P1",
        due=day + timedelta(days=21),
        now=starts_at + 50 * _MIN,
    )
    live.finish_session(
        session,
        facilitator,
        meeting.id,
        attended=["maja", "tomas"],
        now=starts_at + 58 * _MIN,
    )


def _upcoming_session(session: Session, facilitator: Principal) -> None:
    start = datetime.combine(utcnow().date() + timedelta(days=7), time(12, 0), tzinfo=UTC)
    plan_meeting(
        session,
        facilitator,
        PlanRequest(
            kind="learning",
            starts_at=start,
            timezone="UTC",
            duration_minutes=45,
            postmortem_ids=list(DISCUSSED),
            title="Brown bag: what our connection pools and DNS taught us",
            format="brown bag",
        ),
    )


_MIN = timedelta(minutes=1)
