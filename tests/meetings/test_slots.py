"""The proposed review time: never in the past, always inside working hours on a weekday,
never after the deadline, never over someone's other meeting."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import ConfigurationError, InputError
from kintsugi.meetings import service, slots
from kintsugi.meetings.participants import Participant
from kintsugi.meetings.service import PlanRequest
from kintsugi.meetings.when import local_time
from kintsugi.people.principal import SYSTEM
from tests.meetings.helpers import make_doc, make_person

ZONES = ["UTC", "Europe/Copenhagen", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]
MOMENTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@st.composite
def hours(draw: st.DrawFn) -> slots.WorkingHours:
    start = draw(st.integers(min_value=6, max_value=12))
    end = draw(st.integers(min_value=start + 2, max_value=20))
    return slots.WorkingHours(time(start), time(end), draw(st.sampled_from(ZONES)))


@settings(max_examples=300, deadline=None)
@given(
    now=MOMENTS,
    ahead=st.one_of(st.none(), st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=9))),
    minutes=st.sampled_from([30, 60, 90]),
    work=hours(),
    busy=st.lists(
        st.tuples(
            st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=6)),
            st.integers(min_value=15, max_value=240),
        ),
        max_size=6,
    ),
)
def test_a_proposed_slot_is_in_the_future_in_hours_before_the_deadline_and_free(
    now: datetime,
    ahead: timedelta | None,
    minutes: int,
    work: slots.WorkingHours,
    busy: list[tuple[timedelta, int]],
) -> None:
    deadline = None if ahead is None else now + ahead
    duration = timedelta(minutes=minutes)
    taken = [(now + offset, now + offset + timedelta(minutes=m)) for offset, m in busy]
    found = slots.next_slot(now, deadline, duration, work, taken)
    if found is None:
        assert deadline is not None  # without a deadline four weeks always hold a free slot
        return
    assert found >= now
    assert deadline is None or found <= deadline
    local, end = local_time(found, work.zone), local_time(found + duration, work.zone)
    assert local.weekday() < 5 and local.date() == end.date()
    assert work.start <= local.time() and end.time() <= work.end
    assert all(not (start < found + duration and found < stop) for start, stop in taken)


def test_the_next_slot_skips_the_weekend_and_the_busy_morning() -> None:
    friday_evening = datetime(2026, 12, 4, 17, 30, tzinfo=UTC)  # a Friday, after hours
    work = slots.WorkingHours(time(9), time(17), "UTC")
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert slots.next_slot(friday_evening, None, timedelta(hours=1), work) == monday
    taken = [(monday, monday + timedelta(hours=2, minutes=10))]
    later = slots.next_slot(friday_evening, None, timedelta(hours=1), work, taken)
    assert later == datetime(2026, 12, 7, 11, 30, tzinfo=UTC)
    # a deadline on Sunday leaves no working-hours slot
    sunday = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert slots.next_slot(friday_evening, sunday, timedelta(hours=1), work) is None


def test_a_time_in_the_past_is_refused_with_the_time_it_is() -> None:
    now = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    with pytest.raises(InputError, match="is in the past") as caught:
        slots.refuse_past(now - timedelta(minutes=1), now, "Europe/Copenhagen")
    assert caught.value.field == "when" and "2026-12-07 11:00 CET" in str(caught.value)
    slots.refuse_past(now, now)


def test_working_hours_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINTSUGI_WORK_HOURS", "08:30-16:00")
    work = slots.WorkingHours.configured("Europe/Copenhagen")
    assert (work.start, work.end, work.zone) == (time(8, 30), time(16), "Europe/Copenhagen")
    monkeypatch.setenv("KINTSUGI_WORK_ZONE", "Asia/Tokyo")
    assert slots.WorkingHours.configured("UTC").zone == "Asia/Tokyo"
    monkeypatch.setenv("KINTSUGI_WORK_HOURS", "five to nine")
    with pytest.raises(ConfigurationError, match="KINTSUGI_WORK_HOURS"):
        slots.WorkingHours.configured("UTC")


def test_the_proposal_avoids_the_participants_other_reviews(
    sessions: sessionmaker[Session],
) -> None:
    ana = make_person(sessions, "ana", email="ana@example.com", display_name="Ana")
    make_doc(sessions)
    now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # a Monday
    monday_nine = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with sessions.begin() as session:
        service.plan_meeting(
            session,
            SYSTEM,
            PlanRequest(
                kind="learning",
                starts_at=monday_nine,
                timezone="UTC",
                duration_minutes=90,
                participants=[Participant(name="Ana", username="ana")],
            ),
        )
        free = slots.propose_review(session, "SEV3", now, "UTC", [], timedelta(hours=1), now)
        assert free.at == monday_nine
        taken = slots.propose_review(
            session, "SEV3", now, "UTC", [ana.user_id or 0], timedelta(hours=1), now
        )
        assert taken.at == datetime(2026, 12, 7, 10, 30, tzinfo=UTC)
        late = slots.propose_review(
            session, "SEV1", now - timedelta(days=5), "UTC", [], timedelta(hours=1), now
        )
    assert late.at is not None and late.at > late.deadline  # type: ignore[operator]
    assert "has passed" in late.message
