from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kintsugi.timeline.events import Event, Kind
from kintsugi.timeline.merge import fold_duplicates, merge
from tests.timeline.helpers import at, event

# every test here runs with the compiled loops and with the pure Python ones


def test_merge_orders_events_from_several_sorted_streams() -> None:
    a = [event(0, "slack"), event(5, "slack"), event(9, "slack")]
    b = [event(1, "github"), event(6, "github")]
    c = [event(2, "file"), event(3, "file")]
    merged = list(merge([a, b, c]))
    assert [e.at for e in merged] == sorted(e.at for e in a + b + c)
    assert len(merged) == 7


def test_ties_keep_the_order_of_the_streams() -> None:
    merged = list(merge([[event(1, "first")], [event(1, "second")]]))
    assert [e.source for e in merged] == ["first", "second"]


def test_the_same_alert_from_several_sources_folds_into_one_event_with_all_refs() -> None:
    prometheus = [
        event(
            10,
            "prometheus",
            Kind.ALERT,
            "Alert firing: HighErrorRate",
            alert="HighErrorRate",
            labels={"job": "api"},
        )
    ]
    alertmanager = [
        event(
            10.5,
            "alertmanager",
            Kind.ALERT,
            "Alert firing: HighErrorRate",
            alert="HighErrorRate",
            labels={"job": "api", "cluster": "eu"},
            detail="5xx above 5%",
        )
    ]
    pagerduty = [
        event(
            11,
            "pagerduty",
            Kind.ALERT,
            "Triggered: [FIRING:1] HighErrorRate",
            alert="HighErrorRate",
            actor="Alertmanager",
        ),
        event(12, "pagerduty", Kind.ACKNOWLEDGE, "Acknowledged", actor="Ana"),
    ]
    merged = list(merge([prometheus, alertmanager, pagerduty]))
    assert [e.kind for e in merged] == [Kind.ALERT, Kind.ACKNOWLEDGE]
    alert = merged[0]
    assert alert.source == "prometheus" and alert.at == at(10)
    assert [r.source for r in alert.refs] == ["alertmanager", "pagerduty"]
    assert alert.sources == ["prometheus", "alertmanager", "pagerduty"]
    assert alert.detail == "5xx above 5%"  # taken from the report that had one
    assert alert.actor == "Alertmanager"


def test_alerts_do_not_fold_across_different_labels_sources_or_long_gaps() -> None:
    merged = list(
        merge(
            [
                [
                    event(0, "prometheus", Kind.ALERT, alert="DiskFull", labels={"host": "a"}),
                    event(
                        1, "prometheus", Kind.ALERT, alert="DiskFull", labels={"host": "a"}
                    ),  # same source: a new firing
                ],
                [
                    event(
                        0.5, "alertmanager", Kind.ALERT, alert="DiskFull", labels={"host": "b"}
                    ),  # other host
                    event(
                        30, "alertmanager", Kind.ALERT, alert="DiskFull", labels={"host": "a"}
                    ),  # too late
                ],
            ]
        )
    )
    assert len(merged) == 4
    assert all(not e.refs for e in merged)


def test_firing_and_resolution_of_one_alert_stay_apart() -> None:
    merged = list(
        merge(
            [
                [
                    event(0, "prometheus", Kind.ALERT, alert="X"),
                    event(2, "prometheus", Kind.ALERT_RESOLVED, alert="X"),
                ],
                [
                    event(0.2, "alertmanager", Kind.ALERT, alert="X"),
                    event(2.1, "alertmanager", Kind.ALERT_RESOLVED, alert="X"),
                ],
            ]
        )
    )
    assert [(e.kind, len(e.refs)) for e in merged] == [(Kind.ALERT, 1), (Kind.ALERT_RESOLVED, 1)]


def test_fold_window_is_configurable() -> None:
    streams = [[event(0, "a", Kind.ALERT, alert="X")], [event(3, "b", Kind.ALERT, alert="X")]]
    assert len(list(merge(streams, fold_window=timedelta(minutes=5)))) == 1
    streams = [[event(0, "a", Kind.ALERT, alert="X")], [event(3, "b", Kind.ALERT, alert="X")]]
    assert len(list(merge(streams, fold_window=timedelta(minutes=1)))) == 2


def test_merging_streams_lazily_and_holds_only_the_fold_window() -> None:
    pulled = {"n": 0}

    def stream(source: str, offset: float) -> Iterator[Event]:
        for i in range(100_000):
            pulled["n"] += 1
            yield event(i * 10 + offset, source, Kind.MESSAGE, source_id=f"{source}{i}")

    merged = merge([stream("slack", 0), stream("file", 5)])
    first = [next(merged) for _ in range(10)]
    assert [e.at for e in first] == sorted(e.at for e in first)
    assert pulled["n"] < 50, "merge must not read whole streams ahead"


def test_fold_duplicates_keeps_order_with_interleaved_plain_events() -> None:
    events = [
        event(0, "a", Kind.ALERT, alert="X"),
        event(1, "slack", Kind.MESSAGE),
        event(2, "b", Kind.ALERT, alert="X"),
        event(3, "slack", Kind.MESSAGE),
        event(20, "slack", Kind.MESSAGE),
    ]
    out = list(fold_duplicates(events))
    assert [e.at for e in out] == [at(0), at(1), at(3), at(20)]
    assert out[0].refs[0].source == "b"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(
                st.integers(0, 40),  # minute
                st.sampled_from([Kind.ALERT, Kind.ALERT_RESOLVED, Kind.MESSAGE]),
                st.sampled_from(["A", "B", None]),
                st.sampled_from(["x", "y"]),
            ),
            max_size=12,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_in_memory_and_streaming_merges_agree(
    specs: list[list[tuple[int, str, str | None, str]]],
) -> None:
    def streams() -> list[list[Event]]:
        result = []
        for index, spec in enumerate(specs):
            source = f"s{index}"
            result.append(
                [
                    event(
                        minute,
                        source,
                        kind,
                        source_id=f"{source}-{n}",
                        alert=name,
                        labels={"job": job} if name else None,
                    )
                    for n, (minute, kind, name, job) in enumerate(sorted(spec, key=lambda s: s[0]))
                ]
            )
        return result

    in_memory = list(merge(streams()))
    streaming = list(merge([iter(s) for s in streams()]))
    assert [(e.source_id, [r.source_id for r in e.refs]) for e in in_memory] == [
        (e.source_id, [r.source_id for r in e.refs]) for e in streaming
    ]
    assert [e.at for e in in_memory] == sorted(e.at for e in in_memory)
