"""``write_table`` writes exactly ``table_row`` for every event, whatever the text."""

from __future__ import annotations

import io
import sys
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kintsugi.timeline import render
from kintsugi.timeline.events import Event
from kintsugi.timeline.render import (
    HEADER,
    cell_text,
    is_clean,
    local_minute,
    table_row,
    write_table,
)
from tests.timeline.helpers import row_events

# every test here runs with the compiled loops and with the pure Python ones

NASTY = "ab |[]()<>\n\r\t\x0b\x0c\x1f\x85\xa0\u2028\u2029\u3000é—…\x00"
TEXT = st.one_of(
    st.sampled_from(["", " ", "Deploy api", "Alert firing: X", "x" * 250]),
    st.text(alphabet=NASTY, max_size=12),
    st.text(alphabet="ab c", min_size=190, max_size=230),
)
LINK = st.one_of(
    st.none(), st.just("https://example.com/runs/1"), st.text(alphabet="ht:/x ()|<>[]", max_size=8)
)
EVENT = st.tuples(
    st.integers(-10_000, 400_000),  # seconds after T0: crosses minutes, days and DST
    TEXT,  # title
    TEXT,  # detail
    st.one_of(st.none(), TEXT),  # actor
    LINK,
    st.lists(st.sampled_from(["alertmanager", "pagerduty", "slack"]), max_size=2),
)
ZONES = st.sampled_from([ZoneInfo("UTC"), ZoneInfo("Europe/Paris"), ZoneInfo("Asia/Kolkata")])


def events_of(specs: list[tuple[Any, ...]]) -> list[Event]:
    """``row_events`` of ``specs`` in time order."""
    return row_events(sorted(specs, key=lambda s: s[0]))


def plain_table(events: list[Event], zone: ZoneInfo) -> str:
    rows = "".join(table_row(e, local_minute(e.at, zone)) + "\n" for e in events)
    return HEADER + rows


@settings(max_examples=300, deadline=None)
@given(st.lists(EVENT, max_size=12), ZONES, st.sampled_from([1, 3, 256]), st.booleans())
def test_write_table_equals_the_plain_rows(
    specs: list[tuple[Any, ...]], zone: ZoneInfo, chunk: int, backwards: bool
) -> None:
    events = events_of(specs)
    if backwards:  # the minute cache must not rely on the order
        events.reverse()
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "_CHUNK", chunk)  # several chunks, clean and not
        assert write_table(events, zone, out) == len(events)
    assert out.getvalue() == plain_table(events, zone)


@settings(max_examples=200, deadline=None)
@given(st.lists(EVENT, min_size=1, max_size=8), ZONES)
def test_every_row_is_one_line_of_four_cells(specs: list[tuple[Any, ...]], zone: ZoneInfo) -> None:
    events = events_of(specs)
    out = io.StringIO()
    write_table(events, zone, out)
    lines = out.getvalue().splitlines()  # splits on every line break Python knows
    assert len(lines) == len(events) + 2
    for line in lines[2:]:
        assert line.replace("\\|", "").count("|") == 5, line
        assert line.isprintable() or "\x00" in line  # NUL is left as it is


SPECIALS = sorted(set(render._ASCII_BREAKS + render._WIDE_BREAKS + render._URL_SPECIALS + "[]"))


@pytest.mark.parametrize("char", SPECIALS, ids=[f"U+{ord(c):04X}" for c in SPECIALS])
@pytest.mark.parametrize("field", ["title", "detail", "actor", "link"])
def test_one_special_character_anywhere_is_written_as_the_plain_row(char: str, field: str) -> None:
    clean = ("Deploy api", "canary", "ana", "https://example.com/1", [])
    values = dict(zip(["title", "detail", "actor", "link"], clean[:4], strict=True))
    values[field] = f"x{char}y"
    nasty = (values["title"], values["detail"], values["actor"], values["link"], ["pagerduty"])
    events = events_of([(0, *clean), (30, *nasty), (90, *clean)])
    out = io.StringIO()
    write_table(events, ZoneInfo("Europe/Paris"), out)
    assert out.getvalue() == plain_table(events, ZoneInfo("Europe/Paris"))


def test_clean_text_is_kept_as_it_is_and_anything_else_is_escaped() -> None:
    assert cell_text("rolling back now") == "rolling back now"
    assert cell_text("rolling back | now") == "rolling back \\| now"
    assert cell_text("line one\u2028line two") == "line one line two"
    assert cell_text("tab\there") == "tab here"
    assert cell_text(None) == ""


def test_every_whitespace_but_the_space_needs_escaping() -> None:
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace() and c != 32]
    assert sorted(render._BREAKS) == sorted(spaces)
    assert sorted(render._ASCII_BREAKS + render._WIDE_BREAKS) == sorted([*spaces, "|"])
    assert not any(is_clean(f"a{c}b") for c in spaces)
    assert is_clean("a b")
