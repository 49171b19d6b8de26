"""Parsers of user files never crash: timeline event files (JSON and CSV) and root cause
analysis JSON either give data or one InputError that says where the problem is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kintsugi.core.errors import InputError
from kintsugi.rca.service import parse_analysis
from kintsugi.timeline.sources.file import FileSource

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
EVENT_KEYS = st.sampled_from(
    ["at", "time", "timestamp", "title", "text", "event", "kind", "actor", "detail", "link", "id"]
)
EVENTISH = st.lists(st.dictionaries(EVENT_KEYS, JSON_VALUES, max_size=6), max_size=5) | JSON_VALUES

FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _read(path: Path) -> None:
    try:
        list(FileSource(f"file:{path}", str(path)).read())
    except InputError as exc:
        assert exc.file == str(path)


@FUZZ
@given(data=EVENTISH)
def test_json_event_files(tmp_path_factory: Any, data: Any) -> None:
    path = tmp_path_factory.mktemp("events") / "events.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    _read(path)


@FUZZ
@given(text=st.text(max_size=300))
def test_csv_and_garbage_event_files(tmp_path_factory: Any, text: str) -> None:
    folder = tmp_path_factory.mktemp("events")
    for name in ("events.csv", "events.json", "events.txt"):
        path = folder / name
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        _read(path)


@FUZZ
@given(
    header=st.lists(EVENT_KEYS | st.text(max_size=8), min_size=1, max_size=5),
    rows=st.lists(st.lists(st.text(max_size=25), max_size=6), max_size=5),
)
def test_csv_tables(tmp_path_factory: Any, header: list[str], rows: list[list[str]]) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("events") / "events.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    _read(path)


RCA_KEYS = st.sampled_from(
    ["format", "problem", "five_whys", "fishbone", "changes", "factors", "causal_tree",
     "barriers", "timeline", "steps", "why", "because", "bone", "cause", "kind", "category",
     "evidence", "status", "id", "children", "label"]
)  # fmt: skip
RCA_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(RCA_KEYS, children, max_size=5)
    ),
    max_leaves=30,
)


@FUZZ
@given(data=st.dictionaries(RCA_KEYS, RCA_VALUES, max_size=8) | RCA_VALUES)
def test_analysis_json(data: Any) -> None:
    try:
        parse_analysis(data, source="analysis.json")
    except InputError as exc:
        assert exc.file == "analysis.json"
