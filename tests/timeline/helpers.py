"""Small builders shared by the timeline tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from kintsugi.timeline.events import AlertKey, Event, Kind, Ref

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


def row_events(specs: Iterable[tuple[Any, ...]]) -> list[Event]:
    """Events for the table-row tests, in the order given, from (seconds, title, detail,
    actor, link, refs[, kind]) specs: Slack messages unless a kind is given, the n-th one
    microsecond n after its second, reported also by the ``refs`` sources."""
    events = []
    for n, (seconds, title, detail, actor, link, refs, *kind) in enumerate(specs):
        event = Event(
            at=T0 + timedelta(seconds=seconds, microseconds=n),
            source="slack",
            source_id=str(n),
            kind=kind[0] if kind else Kind.MESSAGE,
            title=title,
            detail=detail,
            actor=actor,
            link=link,
        )
        event.refs.extend(Ref(source, f"{source}-{n}") for source in refs)
        events.append(event)
    return events
