"""When a post-mortem (and its review) is due: hours after resolution, by severity, as the
learning policy sets them (``postmortems.policy``). Meetings, incidents and metrics read
deadlines here."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kintsugi.postmortems.policy import effective_policy


def deadline_hours(session: Session, severity: str | None) -> float | None:
    """Hours from resolution to a published post-mortem; None when the severity has none."""
    return effective_policy(session).deadlines.hours_for(severity)


def due_at(resolved_at: datetime | None, hours: float | None) -> datetime | None:
    """The deadline ``hours`` after ``resolved_at``; None without either."""
    if resolved_at is None or hours is None:
        return None
    return resolved_at + timedelta(hours=hours)


def describe_hours(hours: float) -> str:
    """A deadline's length as people say it: "48 hours", "a week", "10 days"."""
    if hours == 168:
        return "a week"
    if hours <= 72 or hours % 24:
        return f"{hours:g} hours"
    return f"{hours / 24:g} days"
