"""Timeline lines written "[12-05 16:21] text" (month-day, no year, as Kubernetes
post-mortems write them) take the document's year, the year before when the month is after
the incident's."""

from __future__ import annotations

from datetime import UTC, datetime

from kintsugi.postmortems.markdown import parse_markdown

DOC = """---
title: API server overload
started_at: {started}
timezone: UTC
---

# API server overload

## Timeline

- [12-30 23:50] Load on the API servers rises
- [12-31 23:58] First alert fires
- [01-01 00:10] Traffic shifted to the standby region
"""


def _times(started: str) -> list[datetime | None]:
    return [e.at for e in parse_markdown(DOC.format(started=started)).timeline]


def test_month_day_entries_take_the_documents_year() -> None:
    assert _times("2019-12-30T23:50:00Z") == [
        datetime(2019, 12, 30, 23, 50, tzinfo=UTC),
        datetime(2019, 12, 31, 23, 58, tzinfo=UTC),
        datetime(2020, 1, 1, 0, 10, tzinfo=UTC),
    ]


def test_a_month_after_the_incidents_rolls_back_a_year() -> None:
    # the document says the incident started on January 1st: December is the year before
    assert _times("2020-01-01T00:00:00Z") == [
        datetime(2019, 12, 30, 23, 50, tzinfo=UTC),
        datetime(2019, 12, 31, 23, 58, tzinfo=UTC),
        datetime(2020, 1, 1, 0, 10, tzinfo=UTC),
    ]


def test_the_text_after_the_brackets_is_the_event() -> None:
    events = parse_markdown(DOC.format(started="2019-12-30T23:50:00Z")).timeline
    assert events[0].text == "Load on the API servers rises"
