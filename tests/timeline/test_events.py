from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kintsugi.timeline.events import AlertKey, epoch_to_utc, parse_time


def test_parse_time_reads_rfc3339_with_zone_and_nanoseconds() -> None:
    assert parse_time("2024-05-01T14:03:00Z") == datetime(2024, 5, 1, 14, 3, tzinfo=UTC)
    assert parse_time("2024-05-01T16:03:00+02:00") == datetime(2024, 5, 1, 14, 3, tzinfo=UTC)
    got = parse_time("2017-09-04T13:19:24.025246097Z")
    assert got == datetime(2017, 9, 4, 13, 19, 24, 25246, tzinfo=UTC)
    assert parse_time("2024-05-01T14:03:00.5Z").microsecond == 500000


def test_parse_time_reads_epoch_seconds() -> None:
    assert parse_time(1714572180) == datetime(2024, 5, 1, 14, 3, tzinfo=UTC)
    assert parse_time("1714572180.000123") == datetime(2024, 5, 1, 14, 3, 0, 123, tzinfo=UTC)


@pytest.mark.parametrize("value", ["2024-05-01T14:03:00", "yesterday", "", None, True, []])
def test_parse_time_refuses_times_without_zone_and_garbage(value: object) -> None:
    with pytest.raises(ValueError):
        parse_time(value)


def test_parse_time_converts_to_utc() -> None:
    got = parse_time(datetime(2024, 5, 1, 9, 0, tzinfo=timezone(timedelta(hours=-5))))
    assert got.tzinfo == UTC and got.hour == 14


@given(st.integers(min_value=0, max_value=4_000_000_000), st.integers(0, 999_999))
def test_slack_ts_keeps_microseconds_exactly(seconds: int, micros: int) -> None:
    got = epoch_to_utc(f"{seconds}.{micros:06d}")
    assert int(got.timestamp()) == seconds
    assert got.microsecond == micros


def test_alert_keys_match_on_name_and_label_subsets() -> None:
    prometheus = AlertKey.of("HighErrorRate", {"alertname": "HighErrorRate", "job": "api"})
    alertmanager = AlertKey.of("HighErrorRate", {"job": "api", "cluster": "eu-1"})
    pagerduty = AlertKey.of("higherrorrate")
    other_job = AlertKey.of("HighErrorRate", {"job": "web"})
    assert prometheus.matches(alertmanager) and alertmanager.matches(prometheus)
    assert pagerduty.matches(prometheus)
    assert not other_job.matches(prometheus)
    assert not AlertKey.of("DiskFull").matches(pagerduty)
    assert ("alertstate", "firing") not in AlertKey.of("X", {"alertstate": "firing"}).labels
