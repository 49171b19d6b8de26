"""When to hold a review: the next free working-hours slot before its deadline.

Working hours are ``KINTSUGI_WORK_HOURS`` (default ``09:00-17:00``) on weekdays, in
``KINTSUGI_WORK_ZONE`` (default: the post-mortem's own zone). A slot never starts in the past,
never on a weekend, ends within the working day, starts no later than the deadline, and does
not overlap the participants' other scheduled meetings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from kintsugi.core.errors import ConfigurationError, InputError
from kintsugi.meetings.models import MeetingRow, ParticipantRow
from kintsugi.meetings.when import check_deadline, local_time, zone
from kintsugi.postmortems.deadlines import deadline_hours

STEP = timedelta(minutes=30)
HORIZON = timedelta(days=28)
"""How far ahead to look when no deadline applies."""
_HOURS = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")


class WorkSettings(BaseSettings):
    """``KINTSUGI_WORK_HOURS`` ("09:00-17:00") and ``KINTSUGI_WORK_ZONE`` (an IANA zone;
    empty: the post-mortem's zone)."""

    model_config = SettingsConfigDict(env_prefix="KINTSUGI_", extra="ignore")

    work_hours: str = "09:00-17:00"
    work_zone: str = ""


@dataclass(frozen=True)
class WorkingHours:
    """Weekday working hours in one zone."""

    start: time = time(9)
    end: time = time(17)
    zone: str = "UTC"

    @classmethod
    def configured(cls, default_zone: str) -> WorkingHours:
        """From the settings (``default_zone`` when no zone is set)."""
        settings = WorkSettings()
        match = _HOURS.fullmatch(settings.work_hours)
        try:
            if match is None:
                raise ValueError(settings.work_hours)
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            start, end = time(h1, m1), time(h2, m2)
        except ValueError:
            raise ConfigurationError(
                f"KINTSUGI_WORK_HOURS={settings.work_hours!r} is not like 09:00-17:00"
            ) from None
        if start >= end:
            raise ConfigurationError("KINTSUGI_WORK_HOURS: the day must end after it starts")
        name = settings.work_zone.strip() or default_zone or "UTC"
        zone(name, field="KINTSUGI_WORK_ZONE")
        return cls(start, end, name)

    def fits(self, at: datetime, duration: timedelta) -> bool:
        """Whether a meeting from ``at`` for ``duration`` lies inside one working day."""
        local = local_time(at, self.zone)
        finish = local_time(at + duration, self.zone)
        return (
            local.weekday() < 5
            and finish.date() == local.date()
            and local.time() >= self.start
            and finish.time() <= self.end
        )

    def _day_start(self, day: datetime) -> datetime:
        """The start of working hours on the local date of ``day``, in UTC."""
        local = datetime.combine(day.date(), self.start, tzinfo=ZoneInfo(self.zone))
        return local.astimezone(UTC)

    def next_start(self, at: datetime, duration: timedelta) -> datetime:
        """The first moment at or after ``at`` (on the step grid) where a meeting fits."""
        candidate = _ceil(at)
        for _ in range(14):  # at most two weeks of days to walk
            local = local_time(candidate, self.zone)
            if local.weekday() < 5 and local.time() < self.start:
                candidate = self._day_start(local)
            if self.fits(candidate, duration):
                return candidate
            # move to the next day's start (past the weekend)
            nxt = local + timedelta(days=1)
            candidate = self._day_start(nxt)
            if self.fits(candidate, duration):
                return candidate
        raise InputError(f"a {duration} meeting does not fit in working hours", field="duration")


def _ceil(at: datetime) -> datetime:
    """``at`` rounded up to the step (whole half hours, UTC)."""
    at = at.astimezone(UTC).replace(second=0, microsecond=0) + (
        timedelta(minutes=1) if at.second or at.microsecond else timedelta(0)
    )
    minutes = at.hour * 60 + at.minute
    step = int(STEP.total_seconds() // 60)
    extra = (-minutes) % step
    return at + timedelta(minutes=extra)


def next_slot(
    now: datetime,
    deadline: datetime | None,
    duration: timedelta,
    hours: WorkingHours,
    busy: Sequence[tuple[datetime, datetime]] = (),
) -> datetime | None:
    """The first start after ``now`` inside working hours that starts by ``deadline`` (within
    ``HORIZON`` when None) and overlaps none of the ``busy`` times; None when none fits."""
    last = deadline if deadline is not None else now + HORIZON
    candidate = hours.next_start(now, duration)
    while candidate <= last:
        clash = [end for start, end in busy if start < candidate + duration and candidate < end]
        if not clash:
            return candidate
        candidate = hours.next_start(max(clash), duration)
    return None


def refuse_past(starts_at: datetime, now: datetime, tz: str = "UTC") -> None:
    """InputError naming the field ``when`` for a start before ``now``."""
    if starts_at < now:
        shown = local_time(starts_at, tz).strftime("%Y-%m-%d %H:%M %Z")
        raise InputError(
            f"{shown} is in the past: choose a time from now on "
            f"(it is {local_time(now, tz).strftime('%Y-%m-%d %H:%M %Z')})",
            field="when",
        )


def busy_times(
    session: Session,
    user_ids: Iterable[int],
    since: datetime,
    *,
    except_meeting: int | None = None,
) -> list[tuple[datetime, datetime]]:
    """(start, end) of the scheduled meetings from ``since`` on that any of ``user_ids`` is
    invited to (``except_meeting``: the one being moved)."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    query = (
        select(MeetingRow.starts_at, MeetingRow.duration_minutes)
        .join(ParticipantRow, ParticipantRow.meeting_id == MeetingRow.id)
        .where(
            ParticipantRow.user_id.in_(ids),
            MeetingRow.status == "scheduled",
            MeetingRow.starts_at >= since - timedelta(days=1),
        )
        .distinct()
    )
    if except_meeting is not None:
        query = query.where(MeetingRow.id != except_meeting)
    return [
        (start, start + timedelta(minutes=minutes)) for start, minutes in session.execute(query)
    ]


@dataclass(frozen=True)
class Proposal:
    """The time proposed for a review, or why there is none before the deadline."""

    at: datetime | None
    deadline: datetime | None
    zone: str
    message: str

    def when_text(self) -> str:
        """``at`` as the planning form takes it ("YYYY-MM-DD HH:MM Zone"); empty without one."""
        if self.at is None:
            return ""
        return f"{local_time(self.at, self.zone).strftime('%Y-%m-%d %H:%M')} {self.zone}"


def propose_review(
    session: Session,
    severity: str | None,
    resolved_at: datetime | None,
    doc_zone: str,
    user_ids: Iterable[int],
    duration: timedelta,
    now: datetime,
    *,
    except_meeting: int | None = None,
) -> Proposal:
    """The next free working-hours slot for a review before its deadline, avoiding the
    scheduled meetings of ``user_ids``; when none fits, the first one after the deadline and
    a message that says so."""
    hours = WorkingHours.configured(doc_zone)
    deadline = check_deadline(
        severity, resolved_at, now, hours.zone, hours=deadline_hours(session, severity)
    ).deadline
    busy = busy_times(session, user_ids, now, except_meeting=except_meeting)
    found = next_slot(now, deadline, duration, hours, busy)
    day = f"{hours.start:%H:%M}-{hours.end:%H:%M} on weekdays, {hours.zone}"
    if found is not None:
        return Proposal(found, deadline, hours.zone, f"the next free slot in working hours ({day})")
    if deadline is None:
        return Proposal(None, None, hours.zone, f"no free slot in working hours ({day}) soon")
    later = next_slot(now, None, duration, hours, busy)
    shown = local_time(deadline, hours.zone).strftime("%Y-%m-%d %H:%M %Z")
    message = f"no free slot in working hours ({day}) fits before the deadline ({shown})"
    if deadline < now:
        message = f"the deadline ({shown}) has passed; no slot can meet it"
    return Proposal(later, deadline, hours.zone, message + ": the first free slot is after it")
