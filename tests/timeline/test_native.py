"""The compiled timeline loops are built, current, and give exactly what the pure Python gives."""

from __future__ import annotations

import hashlib
import io
import sys
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from itertools import chain, pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kintsugi import timeline
from kintsugi.timeline import merge, render, speedups
from kintsugi.timeline.events import AlertKey, Event, Kind, Ref
from tests.timeline.conftest import load_native
from tests.timeline.helpers import T0, row_events

native = load_native()

SOURCE = Path(merge.__file__).with_name("_native.pyx")


def test_the_extension_is_built_from_the_source_in_the_tree() -> None:
    # a stale build (the .pyx edited since) would run old code: reinstall (`make install`)
    built, current = native.SOURCE_SHA256, hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    assert built == current, "the extension is stale: reinstall Kintsugi"


def test_the_extension_is_used_unless_pure_python_is_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KINTSUGI_PURE_PYTHON", raising=False)
    assert speedups._load() is native
    monkeypatch.setenv("KINTSUGI_PURE_PYTHON", "1")
    assert speedups._load() is None


def test_without_the_extension_the_pure_python_runs_without_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KINTSUGI_PURE_PYTHON", raising=False)
    # as if it had not been built: no such module
    monkeypatch.delattr(timeline, "_native")
    monkeypatch.setitem(sys.modules, "kintsugi.timeline._native", None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert speedups._load() is None
        monkeypatch.setattr(speedups, "native", None)
        out = io.StringIO()
        events = merge.merge_lists([alerts("prometheus", [0]), alerts("alertmanager", [7])])
        assert render.write_table(events, ZoneInfo("UTC"), out) == 1
    assert "prometheus, alertmanager |" in out.getvalue()


def alerts(source: str, seconds: list[int]) -> list[Event]:
    return [
        Event(
            T0 + timedelta(seconds=s),
            source,
            f"{source}-{s}",
            Kind.ALERT,
            "X",
            alert=AlertKey.of("X"),
        )
        for s in seconds
    ]


# --- merging: the order of a stable sort, or None ----------------------------------------------

ZONED = {
    "utc": UTC,
    "paris": ZoneInfo("Europe/Paris"),
    "plus2": timezone(timedelta(hours=2)),
}
EXTREMES = [datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)]
# one event's time: a few seconds after T0 (ties), anywhere in 1900-2100, or an extreme
MOMENT = st.one_of(
    st.integers(0, 5).map(lambda n: T0 + timedelta(seconds=n)),
    st.integers(-4 * 10**15, 4 * 10**15).map(lambda n: T0 + timedelta(microseconds=n)),
    st.sampled_from(EXTREMES),
)


def zoned(moment: datetime, zone: str) -> datetime:
    """``moment`` in ``zone`` (in UTC still when the zone would take it past the end of time)."""
    try:
        return moment.astimezone(ZONED[zone])
    except OverflowError:
        return moment


MERGE_STREAMS = st.lists(
    st.lists(st.tuples(MOMENT, st.sampled_from(["utc", "utc", "utc", "paris", "plus2"]))),
    max_size=18,
)


@settings(max_examples=400, deadline=None)
@given(MERGE_STREAMS, st.booleans())
def test_merged_is_the_stable_sort_or_none(
    specs: list[list[tuple[datetime, str]]], in_order: bool
) -> None:
    lists = [
        [
            Event(zoned(moment, zone), "s", f"{i}-{j}", Kind.NOTE, "t")
            for j, (moment, zone) in enumerate(sorted(spec) if in_order else spec)
        ]
        for i, spec in enumerate(specs)
    ]
    expected = sorted(chain.from_iterable(lists), key=lambda e: e.at)
    result = native.merged(lists)
    mergeable = (
        len(lists) <= 16
        and all(e.at.tzinfo is UTC for e in expected)
        and all(all(a.at <= b.at for a, b in pairwise(events)) for events in lists)
    )
    if result is None:
        assert not mergeable
    else:
        assert mergeable
        assert [e.source_id for e in result] == [e.source_id for e in expected]


def test_only_lists_of_events_in_utc_are_merged() -> None:
    class Moment(datetime):
        pass

    first = alerts("prometheus", [0, 5])
    assert native.merged([first, alerts("alertmanager", [1])]) is not None
    assert native.merged(e for e in [first]) is not None
    assert native.merged([tuple(first)]) is None
    assert (
        native.merged([[*first, Event(Moment(2030, 1, 1, tzinfo=UTC), "x", "x", "x", "x")]]) is None
    )
    assert native.merged([[Event(datetime(2030, 1, 1), "x", "x", "x", "x")]]) is None
    assert native.merged([]) == []


@settings(max_examples=150, deadline=None)
@given(MERGE_STREAMS, st.sampled_from([timedelta(0), timedelta(hours=1)]))
def test_native_merge_of_any_times_equals_the_pure_merge(
    specs: list[list[tuple[datetime, str]]], window: timedelta
) -> None:
    results = []
    for loops in (native, None):
        lists = [
            [
                Event(
                    zoned(moment, zone),
                    "s" + str(i % 2),
                    f"{i}-{j}",
                    Kind.ALERT,
                    "t",
                    alert=AlertKey.of("X"),
                )
                for j, (moment, zone) in enumerate(spec)
            ]
            for i, spec in enumerate(specs)
        ]
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(speedups, "native", loops)
            results.append(snapshot(merge.merge_lists(lists, fold_window=window)))
    assert results[0] == results[1]


# --- folding: the same events and the same changes to them -------------------------------------

SOURCES = ["prometheus", "alertmanager", "pagerduty", "opsgenie"]
LABEL_SETS: list[dict[str, str] | None] = [
    None,
    {"job": "api"},
    {"job": "api", "cluster": "eu"},
    {"cluster": "eu"},
    {"job": "web"},
]
# one event: seconds (few values, so ties are common), kind, alert name, labels, actor, detail,
# link, the sources of refs it already has
FOLD_EVENT = st.tuples(
    st.integers(0, 40).map(lambda n: n * 15),
    st.sampled_from([Kind.ALERT, Kind.ALERT_RESOLVED, Kind.MESSAGE]),
    st.sampled_from(["HighErrorRate", "DiskFull", None]),
    st.sampled_from(range(len(LABEL_SETS))),
    st.sampled_from([None, "", "ana", "ben"]),
    st.sampled_from(["", "5xx above 5%", "disk | full\n"]),
    st.sampled_from([None, "", "https://example.com/a", "https://example.com/b (x)"]),
    st.lists(st.sampled_from(SOURCES), max_size=2),
)
FOLD_STREAMS = st.lists(
    st.tuples(st.sampled_from(SOURCES), st.lists(FOLD_EVENT, max_size=12)), min_size=1, max_size=5
)
WINDOWS = st.sampled_from(
    [timedelta(0), timedelta(seconds=15), timedelta(minutes=1), timedelta(minutes=5)]
)


def fold_streams(specs: list[tuple[str, list[tuple[Any, ...]]]]) -> list[list[Event]]:
    """Fresh events (folding changes them), each stream in time order."""
    streams = []
    for index, (source, spec) in enumerate(specs):
        stream = []
        for n, (seconds, kind, name, labels, actor, detail, link, refs) in enumerate(
            sorted(spec, key=lambda s: s[0])
        ):
            event = Event(
                at=T0 + timedelta(seconds=seconds),
                source=source,
                source_id=f"{index}-{n}",
                kind=kind,
                title=f"{kind} {name}",
                detail=detail,
                actor=actor,
                link=link,
                alert=AlertKey.of(name, LABEL_SETS[labels]) if name else None,
            )
            event.refs.extend(Ref(r, f"{r}-{index}-{n}", link) for r in refs)
            stream.append(event)
        streams.append(stream)
    return streams


def snapshot(events: list[Event]) -> list[tuple[Any, ...]]:
    return [
        (e.at, e.source, e.source_id, e.kind, e.title, e.detail, e.actor, e.link, e.alert, e.refs)
        for e in events
    ]


def merged(specs: list[tuple[str, list[tuple[Any, ...]]]], window: timedelta, loops: Any) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(speedups, "native", loops)
        return snapshot(merge.merge_lists(fold_streams(specs), fold_window=window))


@settings(max_examples=400, deadline=None)
@given(FOLD_STREAMS, WINDOWS)
def test_native_fold_equals_the_pure_fold(
    specs: list[tuple[str, list[tuple[Any, ...]]]], window: timedelta
) -> None:
    assert merged(specs, window, native) == merged(specs, window, None)


def test_native_fold_of_events_that_are_not_plain_events() -> None:
    """An Event subclass is read through its attributes, not its slots."""

    class Tagged(Event):
        __slots__ = ()

    streams: list[list[Event]] = [
        [Tagged(T0, "prometheus", "p", Kind.ALERT, "X", alert=AlertKey.of("X"))],
        [Event(T0, "alertmanager", "a", Kind.ALERT, "X", actor="am", alert=AlertKey.of("X"))],
    ]
    events = native.fold(sorted(streams[0] + streams[1], key=lambda e: e.at), timedelta(1))
    assert [(type(e), e.actor, [r.source for r in e.refs]) for e in events] == [
        (Tagged, "am", ["alertmanager"])
    ]


# --- table rows: the same text ---------------------------------------------------------------

NASTY = "ab |[]()<>\n\r\t\x0b\x1c\x85\xa0\u1680\u2009\u2028\u3000é—…\x00😀"
TEXT = st.one_of(
    st.sampled_from(["", " ", "   ", "Deploy api", "[x] done", "x" * 199, "x" * 200, "x" * 201]),
    st.text(alphabet=NASTY, max_size=10),
    st.text(alphabet="ab c", min_size=195, max_size=210),
    st.text(max_size=8),
)
LINK = st.one_of(
    st.none(),
    st.just(""),
    st.just("https://example.com/runs/1"),
    st.text(alphabet="ht:/x ()|<>[]é\n", max_size=8),
)
ROW_EVENT = st.tuples(
    st.integers(-100_000, 400_000),  # seconds after T0
    TEXT,  # title
    TEXT,  # detail
    st.one_of(st.none(), TEXT),  # actor
    LINK,
    st.lists(st.sampled_from(["slack", "alertmanager", "pagerduty"]), max_size=3),
    st.sampled_from([Kind.MESSAGE, Kind.DEPLOY, "custom kind"]),
)
ZONES = st.sampled_from(
    [
        ZoneInfo("UTC"),
        ZoneInfo("Europe/Paris"),
        ZoneInfo("Asia/Kolkata"),
        ZoneInfo("America/St_Johns"),
    ]
)


def table(events: list[Event], zone: ZoneInfo, loops: Any, *, chunk: int, lazy: bool) -> str:
    out = io.StringIO()
    source: list[Event] | Iterator[Event] = iter(events) if lazy else events
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(speedups, "native", loops)
        patch.setattr(render, "_CHUNK", chunk)
        assert render.write_table(source, zone, out) == len(events)
    return out.getvalue()


@settings(max_examples=400, deadline=None)
@given(
    st.lists(ROW_EVENT, max_size=12),
    ZONES,
    st.sampled_from([1, 2, 5, 256]),
    st.booleans(),
)
def test_native_rows_equal_the_pure_rows(
    specs: list[tuple[Any, ...]], zone: ZoneInfo, chunk: int, lazy: bool
) -> None:
    events = row_events(specs)  # in any order: the minute cache must not rely on it
    expected = table(events, zone, None, chunk=chunk, lazy=False)
    assert table(events, zone, native, chunk=chunk, lazy=lazy) == expected


@settings(max_examples=100, deadline=None)
@given(FOLD_STREAMS, WINDOWS, ZONES)
def test_merged_and_rendered_natively_equals_pure_python(
    specs: list[tuple[str, list[tuple[Any, ...]]]], window: timedelta, zone: ZoneInfo
) -> None:
    texts = []
    for loops in (native, None):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(speedups, "native", loops)
            events = merge.merge_lists(fold_streams(specs), fold_window=window)
            texts.append(render.render_markdown(events, zone))
    assert texts[0] == texts[1]


def test_rows_of_events_that_are_not_plain_events() -> None:
    class Tagged(Event):
        __slots__ = ()

    events = [
        Tagged(T0, "slack", "1", Kind.MESSAGE, "hello", link="https://x.example"),
        Event(T0, "slack", "2", Kind.MESSAGE, "a|b", refs=[Ref("pagerduty", "p")]),
        Event(T0, "slack", "3", Kind.NOTE, "", detail="   "),
    ]
    expected = table(events, ZoneInfo("UTC"), None, chunk=256, lazy=False)
    assert table(events, ZoneInfo("UTC"), native, chunk=256, lazy=True) == expected
    assert "| [hello](https://x.example) |  | slack |" in expected
