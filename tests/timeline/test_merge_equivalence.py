"""The fast merges give exactly what a plain, quadratic reference merge gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kintsugi.timeline.events import AlertKey, Event, Kind, Ref
from kintsugi.timeline.merge import merge, merge_lists
from tests.timeline.helpers import T0

# every test here runs with the compiled loops and with the pure Python ones

SOURCES = ["prometheus", "alertmanager", "pagerduty"]
LABELS: list[dict[str, str] | None] = [
    None,
    {"job": "api"},
    {"job": "api", "cluster": "eu"},
    {"job": "web"},
]
KINDS = [Kind.ALERT, Kind.ALERT_RESOLVED, Kind.MESSAGE, Kind.DEPLOY]

# one event: seconds after T0, kind, alert name, labels, actor, detail, link, an earlier ref
EVENT = st.tuples(
    st.integers(0, 1800),
    st.sampled_from(KINDS),
    st.sampled_from(["HighErrorRate", "DiskFull", None]),
    st.sampled_from(range(len(LABELS))),
    st.sampled_from([None, "ana"]),
    st.sampled_from(["", "5xx above 5%"]),
    st.sampled_from([None, "https://example.com/a"]),
    st.sampled_from([None, None, None, "opsgenie", "pagerduty"]),
)
STREAMS = st.lists(
    st.tuples(st.sampled_from(SOURCES), st.lists(EVENT, max_size=14)), min_size=1, max_size=4
)
WINDOWS = st.sampled_from([timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=10)])


def build(specs: list[tuple[str, list[tuple[Any, ...]]]]) -> list[list[Event]]:
    """Fresh events (merging changes them), each stream in time order."""
    streams = []
    for index, (source, spec) in enumerate(specs):
        stream = []
        for n, (seconds, kind, name, labels, actor, detail, link, ref) in enumerate(
            sorted(spec, key=lambda s: s[0])
        ):
            alert = AlertKey.of(name, LABELS[labels]) if name and kind != Kind.DEPLOY else None
            event = Event(
                at=T0 + timedelta(seconds=seconds),
                source=source,
                source_id=f"{index}-{n}",
                kind=kind,
                title=f"{kind} {name}",
                detail=detail,
                actor=actor,
                link=link,
                alert=alert,
            )
            if ref:
                event.refs.append(Ref(ref, f"earlier-{index}-{n}"))
            stream.append(event)
        streams.append(stream)
    return streams


def reference_merge(streams: list[list[Event]], window: timedelta) -> list[Event]:
    """Sort everything (stably), then fold each alert into the latest earlier report of it.

    An earlier report qualifies when it is kept, of the same kind and alert name, at most
    ``window`` before, from another source (neither its own nor one it already absorbed),
    and one label set contains the other.
    """
    kept: list[Event] = []
    for event in sorted(chain.from_iterable(streams), key=lambda e: e.at):
        target = None
        if event.alert is not None:
            for candidate in reversed(kept):
                other = candidate.alert
                if (
                    other is not None
                    and candidate.kind == event.kind
                    and other.name == event.alert.name
                    and candidate.at >= event.at - window
                    and event.source != candidate.source
                    and event.source not in [r.source for r in candidate.refs]
                    and (other.labels <= event.alert.labels or event.alert.labels <= other.labels)
                ):
                    target = candidate
                    break
        if target is None:
            kept.append(event)
            continue
        target.refs.append(Ref(event.source, event.source_id, event.link))
        target.refs.extend(event.refs)
        target.actor = target.actor or event.actor
        target.detail = target.detail or event.detail
        target.link = target.link or event.link
        assert target.alert is not None and event.alert is not None
        if len(event.alert.labels) > len(target.alert.labels):
            target.alert = event.alert
    return kept


def snapshot(events: list[Event]) -> list[tuple[Any, ...]]:
    return [
        (e.at, e.source, e.source_id, e.kind, e.title, e.detail, e.actor, e.link, e.alert, e.refs)
        for e in events
    ]


@settings(max_examples=300, deadline=None)
@given(STREAMS, WINDOWS)
def test_in_memory_merge_equals_the_reference(
    specs: list[tuple[str, list[tuple[Any, ...]]]], window: timedelta
) -> None:
    expected = snapshot(reference_merge(build(specs), window))
    assert snapshot(merge_lists(build(specs), fold_window=window)) == expected
    assert snapshot(list(merge(build(specs), fold_window=window))) == expected


@settings(max_examples=150, deadline=None)
@given(STREAMS, WINDOWS)
def test_streaming_merge_equals_the_reference(
    specs: list[tuple[str, list[tuple[Any, ...]]]], window: timedelta
) -> None:
    expected = snapshot(reference_merge(build(specs), window))
    streamed = merge([iter(s) for s in build(specs)], fold_window=window)
    assert snapshot(list(streamed)) == expected


def test_cross_source_duplicates_fold_and_same_source_repeats_do_not() -> None:
    streams = build(
        [
            ("prometheus", [(0, Kind.ALERT, "DiskFull", 1, None, "", None, None)] * 2),
            ("alertmanager", [(7, Kind.ALERT, "DiskFull", 2, "am", "disk", None, None)]),
        ]
    )
    merged = merge_lists(streams)
    assert [e.source_id for e in merged] == ["0-0", "0-1"]
    # the closest earlier report absorbs, and takes what it lacked
    assert merged[0].refs == [] and merged[1].refs == [Ref("alertmanager", "1-0")]
    assert merged[1].actor == "am" and merged[1].detail == "disk"
    assert merged[1].alert == AlertKey.of("DiskFull", LABELS[2])  # the fuller label set


def test_events_at_the_end_of_time_merge() -> None:
    end = datetime.max.replace(tzinfo=UTC)
    streams = [
        [Event(end, "prometheus", "p", Kind.ALERT, "X", alert=AlertKey.of("X"))],
        [Event(end, "alertmanager", "a", Kind.ALERT, "X", alert=AlertKey.of("X"))],
    ]
    merged = merge_lists(streams)
    assert [(e.source, [r.source for r in e.refs]) for e in merged] == [
        ("prometheus", ["alertmanager"])
    ]


def test_equal_alert_keys_are_shared() -> None:
    first = AlertKey.of("HighErrorRate", {"job": "api", "alertname": "HighErrorRate"})
    again = AlertKey.of(" higherrorrate ", {"job": "api"})
    assert first is again
    assert AlertKey.of("HighErrorRate", {"job": "web"}) is not first
