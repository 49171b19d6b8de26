"""Helpers for the meetings tests: a post-mortem with a timeline and role fields, and people."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.meetings import service
from kintsugi.meetings.service import MeetingView, PlanRequest
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Principal, Role
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import Document
from kintsugi.postmortems.markdown import parse_markdown

MARKDOWN = """---
id: checkout-pool
title: Checkout API outage
severity: SEV1
started_at: 2026-11-20T09:42:00+01:00
resolved_at: 2026-11-20T11:00:00+01:00
timezone: Europe/Copenhagen
incident_commander: Ana
technical_lead: bo
scribe: [Cleo]
---
# Checkout API outage

## Summary

The checkout API ran out of database connections after a pool size change.
Dashboard: https://grafana.example.com/d/checkout and runbook https://wiki.example.com/runbooks/db-pool

## Timeline
All times in Europe/Copenhagen.

| Time | Event | Actor |
| --- | --- | --- |
| 2026-11-20 09:30 | Pool size change deployed | release-bot |
| 2026-11-20 09:45 | Alert fired and was acknowledged | Tomás |
| 2026-11-20 10:02 | Rolled back | Alice |

## What Went Well

Rollback was quick.
"""
# the review is due 48 hours after 2026-11-20 11:00 CET
IN_TIME = datetime(2026, 11, 21, 13, 0, tzinfo=UTC)
LATE = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)


def make_doc(
    sessions: sessionmaker[Session], markdown: str = MARKDOWN, **changes: object
) -> Document:
    """Store the post-mortem (with ``changes`` to its fields) as the local operator."""
    doc = parse_markdown(markdown).model_copy(update=changes)
    with sessions.begin() as session:
        return postmortems.create_document(session, doc, SYSTEM)


def make_person(
    sessions: sessionmaker[Session],
    username: str,
    role: Role = Role.EDITOR,
    *,
    email: str | None = None,
    display_name: str = "",
    teams: tuple[str, ...] = (),
) -> Principal:
    """A user and the principal acting as them."""
    with sessions.begin() as session:
        user = people.create_user(
            session, SYSTEM, username, role=role, email=email, display_name=display_name
        )
        for team in teams:
            try:
                people.get_team(session, team)
            except Exception:
                people.create_team(session, SYSTEM, team)
            people.add_member(session, SYSTEM, team, username)
        return people.principal_for(session, user)


def plan(
    sessions: sessionmaker[Session],
    actor: Principal = SYSTEM,
    *,
    kind: str = "postmortem",
    ids: tuple[str, ...] = ("checkout-pool",),
    starts_at: datetime = IN_TIME,
    minutes: int = 60,
    **extra: object,
) -> MeetingView:
    with sessions.begin() as session:
        return service.plan_meeting(
            session,
            actor,
            PlanRequest(
                kind=kind,
                starts_at=starts_at,
                timezone="Europe/Copenhagen",
                duration_minutes=minutes,
                postmortem_ids=list(ids),
                **extra,  # type: ignore[arg-type]
            ),
        )
