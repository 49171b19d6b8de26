"""One time-zone helper: typed zones are checked with the field named, stored ones fall back to
UTC, and times are shown in their zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kintsugi.core.errors import InputError
from kintsugi.core.zones import format_local, is_zone, parse_zone, to_local, zone_or_utc

AT = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def test_a_typed_zone_is_checked_and_the_field_named() -> None:
    assert parse_zone("Europe/Copenhagen").key == "Europe/Copenhagen"
    assert parse_zone("").key == "UTC"
    for bad in ("Mars/Base", "../etc/passwd", "/etc/localtime", "Europe"):
        with pytest.raises(InputError) as error:
            parse_zone(bad, field="--timezone")
        assert error.value.field == "--timezone"
        assert "unknown time zone" in str(error.value)
    with pytest.raises(InputError):
        parse_zone("", required=True)


def test_a_stored_zone_falls_back_to_utc_and_times_show_in_it() -> None:
    assert zone_or_utc("Mars/Base").key == "UTC"
    assert zone_or_utc(None).key == "UTC"
    assert is_zone("America/New_York") and not is_zone("Mars/Base") and not is_zone("")
    assert to_local(AT, "Europe/Copenhagen").hour == 14  # summer time
    assert format_local(AT, "Europe/Copenhagen") == "2026-07-01 14:00 CEST"
    assert format_local(AT, "Mars/Base", "%H:%M %Z") == "12:00 UTC"
    assert format_local(None, "UTC") == "-"
