"""Meeting times as people write them ("2026-12-03 14:00 Europe/Copenhagen") and the deadline
for holding the review after an incident."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter

from kintsugi.core.errors import InputError
from kintsugi.core.wire import IsoDatetime
from kintsugi.core.zones import parse_zone, to_local
from kintsugi.postmortems.deadlines import describe_hours

_WHEN = re.compile(
    r"\s*(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<time>\d{1,2}:\d{2})(?::00)?(?:\s+(?P<zone>\S+))?\s*"
)


def zone(name: str, *, field: str = "timezone") -> ZoneInfo:
    """The IANA time zone ``name``, or an InputError naming ``field``."""
    return parse_zone(name, field=field, required=True)


def parse_when(
    text: str, default_zone: str = "UTC", *, field: str = "when"
) -> tuple[datetime, str]:
    """``"YYYY-MM-DD HH:MM [Zone]"`` as (the moment in UTC, the zone's name)."""
    match = _WHEN.fullmatch(text or "")
    if not match:
        raise InputError(
            f"{text!r} is not a time; write it as 'YYYY-MM-DD HH:MM Zone', "
            "e.g. '2026-12-03 14:00 Europe/Copenhagen'",
            field=field,
        )
    zone_name = match.group("zone") or default_zone
    tz = zone(zone_name, field=field)
    try:
        local = datetime.strptime(f"{match.group('date')} {match.group('time')}", "%Y-%m-%d %H:%M")
    except ValueError:
        raise InputError(f"{text!r} is not a valid date and time", field=field) from None
    return local.replace(tzinfo=tz).astimezone(UTC), zone_name


def local_time(at: datetime, tz: str) -> datetime:
    """``at`` in the zone ``tz`` (UTC when the zone is unknown)."""
    return to_local(at, tz)


@dataclass(frozen=True)
class DeadlineCheck:
    """When the review should happen by, and whether the chosen time misses it."""

    deadline: IsoDatetime | None
    missed: bool
    message: str

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _WIRE.dump_python(self, mode="json")
        return wire


_WIRE = TypeAdapter(DeadlineCheck)


def check_deadline(
    severity: str | None,
    resolved_at: datetime | None,
    starts_at: datetime,
    tz: str = "UTC",
    *,
    hours: float | None,
) -> DeadlineCheck:
    """Whether the review is held within ``hours`` of resolution (the policy's deadline of
    ``severity``: ``postmortems.deadlines.deadline_hours``; None: no deadline)."""
    if resolved_at is None:
        return DeadlineCheck(None, False, "no resolution time recorded: no deadline to check")
    if hours is None:
        return DeadlineCheck(None, False, "the policy sets no deadline for this severity")
    label = describe_hours(hours)
    deadline = resolved_at + timedelta(hours=hours)
    shown = local_time(deadline, tz).strftime("%Y-%m-%d %H:%M %Z")
    sev = severity or "an incident without severity"
    if starts_at > deadline:
        late = starts_at - deadline
        hours = int(late.total_seconds() // 3600)
        return DeadlineCheck(
            deadline,
            True,
            f"{sev} reviews should be held within {label} of resolution (by {shown}); "
            f"this time is {hours} h late",
        )
    return DeadlineCheck(deadline, False, f"within the deadline ({label}: by {shown})")
