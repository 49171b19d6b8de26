"""Incident durations (detect, acknowledge, mitigate, resolve) and changes before detection."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter

from kintsugi.core.wire import EVERY_KEY_WRITTEN, IsoDatetime
from kintsugi.timeline.events import CHANGE_KINDS, Event, Kind


@dataclass(frozen=True, slots=True)
class Durations:
    """The incident's milestones and the durations between them.

    Time to detect is from impact start to detection (the first alert or report); time to
    acknowledge from detection to the first acknowledgement; time to mitigate and time to
    resolve from impact start. A duration is None when a milestone is unknown or the times
    disagree (a milestone before the one it is measured from). The ``*_seconds`` fields are
    the durations as the wire writes them, computed from the milestones.
    """

    __pydantic_config__ = EVERY_KEY_WRITTEN

    started_at: IsoDatetime | None = None
    detected_at: IsoDatetime | None = None
    acknowledged_at: IsoDatetime | None = None
    mitigated_at: IsoDatetime | None = None
    resolved_at: IsoDatetime | None = None
    time_to_detect_seconds: float | None = field(default=None, init=False, compare=False)
    time_to_acknowledge_seconds: float | None = field(default=None, init=False, compare=False)
    time_to_mitigate_seconds: float | None = field(default=None, init=False, compare=False)
    time_to_resolve_seconds: float | None = field(default=None, init=False, compare=False)

    def __post_init__(self) -> None:
        for name, value in (
            ("time_to_detect_seconds", self.time_to_detect),
            ("time_to_acknowledge_seconds", self.time_to_acknowledge),
            ("time_to_mitigate_seconds", self.time_to_mitigate),
            ("time_to_resolve_seconds", self.time_to_resolve),
        ):
            object.__setattr__(self, name, value.total_seconds() if value is not None else None)

    @property
    def time_to_detect(self) -> timedelta | None:
        return _between(self.started_at, self.detected_at)

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        return _between(self.detected_at, self.acknowledged_at)

    @property
    def time_to_mitigate(self) -> timedelta | None:
        return _between(self.started_at, self.mitigated_at)

    @property
    def time_to_resolve(self) -> timedelta | None:
        return _between(self.started_at, self.resolved_at)

    def items(self) -> list[tuple[str, timedelta | None]]:
        """(label, duration) in reading order."""
        return [
            ("Time to detect", self.time_to_detect),
            ("Time to acknowledge", self.time_to_acknowledge),
            ("Time to mitigate", self.time_to_mitigate),
            ("Time to resolve", self.time_to_resolve),
        ]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _WIRE.dump_python(self, mode="json")
        return data


_WIRE = TypeAdapter(Durations)


def _between(start: datetime | None, end: datetime | None) -> timedelta | None:
    if start is None or end is None or end < start:
        return None
    return end - start


def compute_durations(
    events: Iterable[Event],
    *,
    started_at: datetime | None = None,
    detected_at: datetime | None = None,
    resolved_at: datetime | None = None,
) -> Durations:
    """Milestones from time-ordered ``events``; the keyword times (the document's) fill gaps.

    Start is the first "impact started" event; detection the first alert or report; resolution
    the last resolution (an incident may be reopened).
    """
    first: dict[str, datetime] = {}
    last_resolve: datetime | None = None
    for event in events:
        kind = event.kind
        if kind == Kind.RESOLVE:
            last_resolve = event.at
        if kind not in first:
            first[kind] = event.at
    detection = [t for t in (first.get(Kind.ALERT), first.get(Kind.DETECT)) if t is not None]
    detected = min(detection) if detection else detected_at
    started = first.get(Kind.IMPACT_START) or started_at or detected
    return Durations(
        started_at=started,
        detected_at=detected,
        acknowledged_at=first.get(Kind.ACKNOWLEDGE),
        mitigated_at=first.get(Kind.MITIGATE),
        resolved_at=last_resolve or resolved_at,
    )


def changes_before_detection(
    events: Iterable[Event], detected_at: datetime | None = None
) -> list[Event]:
    """Deploys and config changes before the first alert (or ``detected_at`` without alerts).

    These are the candidates of a change analysis. ``events`` must be ordered by time.
    """
    changes: list[Event] = []
    first_alert: datetime | None = None
    for event in events:
        if event.kind == Kind.ALERT:
            first_alert = event.at
            break
        if event.kind in CHANGE_KINDS:
            changes.append(event)
    cutoff = first_alert or detected_at
    if cutoff is None:
        return changes
    return [c for c in changes if c.at <= cutoff]
