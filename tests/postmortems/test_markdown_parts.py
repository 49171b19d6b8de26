"""Timeline events and action items from Markdown lists and tables, and back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from kintsugi.postmortems.document import ActionItem, ActionItemStatus, Priority, TimelineEvent
from kintsugi.postmortems.markdown import (
    parse_action_items_markdown,
    parse_timeline_markdown,
    render_action_items_markdown,
    render_timeline_markdown,
)
from kintsugi.postmortems.timeparse import (
    find_zone_statement,
    parse_duration,
    parse_when,
    resolve_zone,
    zone_info,
)

CET = ZoneInfo("CET")


def _at(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    *,
    tz: tzinfo = UTC,
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=tz)


# -- times -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso", "precision", "rest"),
    [
        ("2023-04-11 11:20", "2023-04-11T11:20:00+02:00", "minute", ""),
        ("2021-12-10   15:40", "2021-12-10T15:40:00+01:00", "minute", ""),
        ("2024-04-09 8:40 | x", "2024-04-09T08:40:00+02:00", "minute", " | x"),
        ("2021-12-10", "2021-12-10T00:00:00+01:00", "day", ""),
        ("2019-12-03 --:--", "2019-12-03T00:00:00+01:00", "day", ""),
        ("2024-03-13 14:??", "2024-03-13T00:00:00+01:00", "day", ""),
        ("~2025-03-03 19:30", "2025-03-03T19:30:00+01:00", "minute", ""),
        ("2020-11-17 10:45~", "2020-11-17T10:45:00+01:00", "minute", ""),
        ("2020-10-06 09:00 - 11:00", "2020-10-06T09:00:00+02:00", "minute", ""),
        ("16:58 UTC - text", "2025-09-29T16:58:00+00:00", "minute", " - text"),
        ("22:30 UTC (Oct 29)", "2025-10-29T22:30:00+00:00", "minute", ""),
        ("Jan 14, 10:18 AM", "2025-01-14T10:18:00+01:00", "minute", ""),
        ("Jan 17, 8:13 PM", "2025-01-17T20:13:00+01:00", "minute", ""),
        ("2025-10-21T14:03:27Z", "2025-10-21T14:03:27+00:00", "second", ""),
        ("14:03 +05:30", "2025-09-29T14:03:00+05:30", "minute", ""),
        ("10:00 PST", "2025-09-29T10:00:00-07:00", "minute", ""),
    ],
)
def test_parse_when(text: str, iso: str, precision: str, rest: str) -> None:
    when = parse_when(text, context=date(2025, 9, 29), tz=CET)
    assert when is not None and when.at is not None
    assert (when.at.isoformat(), when.precision, text[when.end :]) == (iso, precision, rest)


@pytest.mark.parametrize(
    "text", ["2022-02-?? ??:??", "2021/22-??-?? HH:mm", "20202-01-16 12:00", "20xx-MM-DD HH:mm"]
)
def test_parse_when_recognises_unusable_times(text: str) -> None:
    when = parse_when(text, context=date(2025, 1, 1), tz=UTC)
    assert when is not None and when.at is None


@pytest.mark.parametrize("text", ["Note: x", "2 nodes went down", "**Detection:**", ""])
def test_parse_when_ignores_other_text(text: str) -> None:
    assert parse_when(text, context=date(2025, 1, 1), tz=UTC) is None


def test_a_bare_time_needs_a_day() -> None:
    when = parse_when("16:58", context=None, tz=UTC)
    assert when is not None and when.at is None and when.needs_context
    yearless = parse_when("16:58 (Oct 29)", context=None, tz=UTC)
    assert yearless is not None and yearless.at is None and yearless.needs_context
    unknown = parse_when("2025-02-?? 16:58", context=None, tz=UTC)
    assert unknown is not None and unknown.at is None and not unknown.needs_context


def test_zones() -> None:
    assert resolve_zone("UTC+2") == "Etc/GMT-2"
    assert zone_info("Etc/GMT-2").utcoffset(None) == timedelta(hours=2)
    assert resolve_zone("CEST") == "CET"
    assert resolve_zone("Europe/Copenhagen") == "Europe/Copenhagen"
    assert resolve_zone("Atlantis/Central") is None
    assert find_zone_statement("All times in CET.") == "CET"
    assert find_zone_statement("(all times in Pacific Time)") == "America/Los_Angeles"
    assert find_zone_statement("Times are UTC") == "UTC"
    assert find_zone_statement("The timeline is long") is None


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("544 minutes", 544), ("19 hours 43 minutes.", 1183), ("11 Days", 15840), ("4h 5m", 245)],
)
def test_durations(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["N/A", "?", "ZZZ", ""])
def test_durations_that_are_not(text: str) -> None:
    assert parse_duration(text) is None


# -- timelines ---------------------------------------------------------------------------------


def test_timeline_list_with_bold_times_and_a_date_change() -> None:
    markdown = """\
### October 29, 2025 - Latency

- **22:30 UTC (Oct 29)** - Incident reported
- **Note:** not an event
- Plain bullet without a time
- **00:03 UTC (Oct 30)** - Rolled back
- **05:39 UTC** - Resolved
  - 05:40 - a nested entry counts too
"""
    events = parse_timeline_markdown(markdown)
    assert [(e.at, e.text) for e in events] == [
        (_at(2025, 10, 29, 22, 30), "Incident reported"),
        (_at(2025, 10, 30, 0, 3), "Rolled back"),
        (_at(2025, 10, 30, 5, 39), "Resolved"),
        (_at(2025, 10, 30, 5, 40), "a nested entry counts too"),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "- 16:58 - Writer database saturated",
        "- 16:58: Writer database saturated",
        "- `16:58` Writer database saturated",
        "- [16:58] Writer database saturated",
        "- 2025-09-29 16:58 UTC: Writer database saturated",
        "* 4:58 PM — Writer database saturated",
    ],
)
def test_timeline_list_shapes(line: str) -> None:
    (event,) = parse_timeline_markdown(line, base_date=date(2025, 9, 29))
    assert event.at == _at(2025, 9, 29, 16, 58)
    assert event.text == "Writer database saturated"


def test_timeline_table_with_actor_column_and_zone_statement() -> None:
    markdown = """\
All times in CET.

| When | Who | What happened |
|------|-----|---------------|
| 2020-01-21 15:36 | KIAM | Certificate expires |
| 2020-07-01 09:00 |  | Summer time |
| | | |
| 2020-01-?? | ops | Unknown day |
"""
    events = parse_timeline_markdown(markdown, timezone="UTC")
    assert events == [
        TimelineEvent(
            at=_at(2020, 1, 21, 15, 36, tz=CET), text="Certificate expires", actor="KIAM"
        ),
        TimelineEvent(at=_at(2020, 7, 1, 9, 0, tz=CET), text="Summer time"),
        TimelineEvent(at=None, text="Unknown day", actor="ops"),
    ]
    assert events[1].at is not None and events[1].at.utcoffset() == timedelta(hours=2)


def test_timeline_zone_from_the_time_header_and_actor_prefix() -> None:
    markdown = """\
| Time (UTC) | Event |
|---|---|
| Jan 14, 10:18 AM | (Jane Doe) Customer reported it |
| Jan 14, 11:00 AM | (T&I level) Meeting |
"""
    events = parse_timeline_markdown(markdown, timezone="CET", base_date=date(2026, 1, 1))
    assert events[0] == TimelineEvent(
        at=_at(2026, 1, 14, 10, 18), text="Customer reported it", actor="Jane Doe"
    )
    assert events[1].actor is None and events[1].text == "(T&I level) Meeting"


def test_timeline_pipes_in_cells() -> None:
    markdown = "| Time | Event |\n|---|---|\n| 2025-01-01 10:00 | a \\| b |\n"
    (event,) = parse_timeline_markdown(markdown)
    assert event.text == "a | b"


def test_render_timeline_reads_back() -> None:
    events = [
        TimelineEvent(at=_at(2025, 3, 30, 0, 30), text="Before the clocks change"),
        TimelineEvent(at=_at(2025, 3, 30, 1, 30), text="After | with a pipe", actor="Lloyd"),
        TimelineEvent(at=_at(2025, 3, 31, tz=CET), text="The whole day", precision="day"),
        TimelineEvent(at=_at(2025, 3, 31, 8, 0, 15), text="With seconds", precision="second"),
        TimelineEvent(at=None, text="Some time later"),
    ]
    markdown = render_timeline_markdown(events, "CET")
    assert markdown.startswith("All times in CET.\n\n| Time | Event | Actor |\n")
    assert "| 2025-03-30 01:30 | Before the clocks change |  |" in markdown
    assert "| 2025-03-30 03:30 | After \\| with a pipe | Lloyd |" in markdown
    assert parse_timeline_markdown(markdown) == events
    assert parse_timeline_markdown(render_timeline_markdown([], "UTC")) == []


# -- action items ------------------------------------------------------------------------------


def test_action_item_lists() -> None:
    markdown = """\
- [x] Rotate the keys
- [ ] Add an alert Owner: @alice
- ✅ Write the runbook
- ~~Buy a pager~~
- Migrate the cluster [P0] (Due: 2025-12-01)
- P1: Document the process, Status: in progress
- Check the backups (priority: low; owner: Bob Smith)
  - a sub-bullet is detail
  - [ ] so is this
-
- [ ]
"""
    items = parse_action_items_markdown(markdown)
    assert items == [
        ActionItem(title="Rotate the keys", status=ActionItemStatus.COMPLETED),
        ActionItem(title="Add an alert", owner="@alice"),
        ActionItem(title="Write the runbook", status=ActionItemStatus.COMPLETED),
        ActionItem(title="Buy a pager", status=ActionItemStatus.WONT_DO),
        ActionItem(title="Migrate the cluster", priority=Priority.P0, due=date(2025, 12, 1)),
        ActionItem(
            title="Document the process", priority=Priority.P1, status=ActionItemStatus.IN_PROGRESS
        ),
        ActionItem(title="Check the backups", priority=Priority.P2, owner="Bob Smith"),
    ]


def test_annotation_words_inside_other_words_are_text() -> None:
    items = parse_action_items_markdown(
        "- Ship the beta 2025-01-01 build\n- Ask the co-owner: Kim\n"
    )
    assert [(i.title, i.owner, i.due) for i in items] == [
        ("Ship the beta 2025-01-01 build", None, None),
        ("Ask the co-owner: Kim", None, None),
    ]


def test_action_items_under_a_completed_heading_and_numbered_lists() -> None:
    markdown = """\
### Immediate actions (completed)

1. **Fix the trigger**
   We fixed it.

- detail of the first item

2. **Scale the workers**

### Planned actions (planned or in-progress)

1. **Monitor the engine**

**Action item:** Start incidents earlier. Owner: @lucas
"""
    items = parse_action_items_markdown(markdown)
    assert [(i.title, i.status, i.owner) for i in items] == [
        ("**Fix the trigger** We fixed it.", ActionItemStatus.COMPLETED, None),
        ("**Scale the workers**", ActionItemStatus.COMPLETED, None),
        ("**Monitor the engine**", ActionItemStatus.OPEN, None),
        ("Start incidents earlier.", ActionItemStatus.OPEN, "@lucas"),
    ]


def test_action_item_table() -> None:
    markdown = """\
| Action Item | Type | Who | Priority | Bug # | Due Date | Status |
|---|---|---|---|---|---|---|
| Add alerting | Prevent | alice | high | JIRA-1 | 2025-06-01 | done |
| Fix the docs | Process | | P2 | | June 3, 2025 | in progress |
| | | | | | | |
| Drop the cache | Other | bob | weird | | not a date | won't do |
"""
    assert parse_action_items_markdown(markdown) == [
        ActionItem(
            title="Add alerting (JIRA-1)",
            owner="alice",
            priority=Priority.P1,
            due=date(2025, 6, 1),
            status=ActionItemStatus.COMPLETED,
        ),
        ActionItem(
            title="Fix the docs",
            priority=Priority.P2,
            due=date(2025, 6, 3),
            status=ActionItemStatus.IN_PROGRESS,
        ),
        ActionItem(title="Drop the cache", owner="bob", status=ActionItemStatus.WONT_DO),
    ]


def test_render_action_items_as_a_checklist() -> None:
    items = [
        ActionItem(title="Rotate the keys", status=ActionItemStatus.COMPLETED),
        ActionItem(title="Add an alert"),
    ]
    markdown = render_action_items_markdown(items)
    assert markdown == "- [x] Rotate the keys\n- [ ] Add an alert\n"
    assert parse_action_items_markdown(markdown) == items


def test_render_action_items_as_a_table() -> None:
    items = [
        ActionItem(
            title="Add | alerting", owner="alice", priority=Priority.P0, due=date(2025, 6, 1)
        ),
        ActionItem(title="Docs", status=ActionItemStatus.WONT_DO),
        ActionItem(title="Runbook", status=ActionItemStatus.IN_PROGRESS, priority=Priority.P2),
    ]
    markdown = render_action_items_markdown(items)
    assert markdown.startswith("| Action | Owner | Priority | Due | Status |\n")
    assert parse_action_items_markdown(markdown) == items
    assert render_action_items_markdown([]) == ""
