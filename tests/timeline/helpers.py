"""Small builders shared by the timeline tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kintsugi.timeline.events import AlertKey, Event, Kind

T0 = datetime(2024, 5, 1, 14, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    """T0 plus ``minutes``."""
    return T0 + timedelta(minutes=minutes)


def event(
    minutes: float,
    source: str = "file",
    kind: str = Kind.OTHER,
    title: str = "something",
    *,
    source_id: str | None = None,
    alert: str | None = None,
    labels: dict[str, str] | None = None,
    actor: str | None = None,
    detail: str = "",
) -> Event:
    return Event(
        at=at(minutes),
        source=source,
        source_id=source_id or f"{source}-{kind}-{minutes}",
        kind=kind,
        title=title,
        detail=detail,
        actor=actor,
        alert=AlertKey.of(alert, labels) if alert else None,
    )
