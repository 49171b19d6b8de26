from __future__ import annotations

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from kintsugi.core.errors import InputError
from kintsugi.timeline.durations import compute_durations
from kintsugi.timeline.events import Kind, Ref
from kintsugi.timeline.render import format_duration, render_markdown, write_table, zone_named
from tests.timeline.helpers import event

# every test here runs with the compiled loops and with the pure Python ones


def test_markdown_is_the_timeline_section_of_a_postmortem_in_the_incidents_zone() -> None:
    alert = event(3, "prometheus", Kind.ALERT, "Alert firing: HighErrorRate", detail="job=api")
    alert.refs.append(Ref("pagerduty", "PLOG1"))
    alert.link = "https://prom.example.com/graph?g0.expr=ALERTS (x)"
    note = event(10, "slack", Kind.MESSAGE, "rolling back | now", actor="Ana")
    text = render_markdown([alert, note], ZoneInfo("Europe/Paris"))
    lines = text.splitlines()
    assert lines[0] == "## Timeline"
    assert "All times in Europe/Paris." in lines
    assert "| Time | Event | Actor | Source |" in lines
    rows = [line for line in lines if line.startswith("| 2024")]
    assert rows[0].startswith("| 2024-05-01 16:03 | [Alert firing: HighErrorRate](")
    assert "%20%28x%29" in rows[0] and rows[0].endswith("| prometheus, pagerduty |")
    assert rows[1] == "| 2024-05-01 16:10 | rolling back \\| now | Ana | slack |"


def test_every_row_has_four_cells_whatever_the_text() -> None:
    nasty = event(0, "file", Kind.NOTE, "a|b\nc", detail="x" * 500 + "|\n", actor="x|y")
    out = io.StringIO()
    write_table([nasty], ZoneInfo("UTC"), out)
    row = out.getvalue().splitlines()[2]
    unescaped_pipes = row.replace("\\|", "").count("|")
    assert unescaped_pipes == 5
    assert "…" in row


def test_durations_and_changes_sections() -> None:
    events = [
        event(-30, "github", Kind.DEPLOY, "Deploy api"),
        event(0, "x", Kind.ALERT, alert="X"),
        event(30, "x", Kind.RESOLVE),
    ]
    text = render_markdown(
        events,
        ZoneInfo("UTC"),
        durations=compute_durations(events),
        changes=[events[0]],
    )
    assert "| Time to resolve | 30m 00s |" in text
    assert "### Changes before detection" in text
    assert text.count("Deploy api") == 2


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=12, seconds=3), "12m 03s"),
        (timedelta(hours=1, minutes=5), "1h 05m"),
        (timedelta(days=2, hours=3), "2d 3h 00m"),
        (None, "unknown"),
    ],
)
def test_format_duration(value: timedelta | None, text: str) -> None:
    assert format_duration(value) == text


def test_unknown_zone_is_an_input_error() -> None:
    with pytest.raises(InputError, match="Mars/Olympus"):
        zone_named("Mars/Olympus")
