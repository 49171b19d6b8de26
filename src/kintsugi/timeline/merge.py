"""Merge per-source event streams into one timeline, folding what several sources report once."""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import timedelta
from itertools import chain
from operator import attrgetter

from kintsugi.timeline.events import Event, Ref

DEFAULT_FOLD_WINDOW = timedelta(minutes=5)
"""How far apart two sources' reports of the same alert may be and still fold into one event."""

_at = attrgetter("at")


def merge(
    streams: Iterable[Iterable[Event]], *, fold_window: timedelta = DEFAULT_FOLD_WINDOW
) -> Iterator[Event]:
    """One time-ordered stream from streams that are each ordered by time.

    Streaming (``heapq.merge``): holds only the events of the last ``fold_window``; ties keep
    the streams' order. When every stream is a list already in memory, ``merge_lists`` does
    the same work faster.
    """
    streams = list(streams)
    lists = [s for s in streams if isinstance(s, list)]
    if len(lists) == len(streams):
        return iter(merge_lists(lists, fold_window=fold_window))
    return fold_duplicates(heapq.merge(*streams, key=_at), fold_window)


def merge_lists(
    lists: Iterable[list[Event]], *, fold_window: timedelta = DEFAULT_FOLD_WINDOW
) -> list[Event]:
    """``merge`` for lists in memory: the same result as the streaming merge.

    The lists are concatenated and sorted (timsort merges the sorted runs in C, and is stable,
    so ties keep the lists' order); folding then only looks at the events about alerts.
    """
    events = list(chain.from_iterable(lists))
    events.sort(key=_at)
    alerts = [e for e in events if e.alert is not None]
    if len(alerts) < 2:
        return events
    absorbed = _fold_in_place(alerts, fold_window)
    if not absorbed:
        return events
    return [e for e in events if e.alert is None or id(e) not in absorbed]


def _fold_in_place(alerts: list[Event], window: timedelta) -> set[int]:
    """Fold time-ordered alert events as ``fold_duplicates`` does; the ids of those absorbed."""
    held: dict[tuple[str, str], list[Event]] = {}
    absorbed: list[int] = []
    for event in alerts:
        alert = event.alert
        assert alert is not None
        slot = (event.kind, alert.name)
        candidates = held.get(slot)
        if candidates is None:
            held[slot] = [event]
            continue
        horizon = event.at - window
        if candidates[0].at < horizon:
            stale = 1
            while stale < len(candidates) and candidates[stale].at < horizon:
                stale += 1
            del candidates[:stale]
        source = event.source
        for candidate in reversed(candidates):
            if candidate.source == source or (
                candidate.refs and source in [ref.source for ref in candidate.refs]
            ):
                continue
            other = candidate.alert
            assert other is not None
            if alert.matches(other):
                absorb(candidate, event)
                absorbed.append(id(event))
                break
        else:
            candidates.append(event)
    return set(absorbed)


def fold_duplicates(
    events: Iterable[Event], window: timedelta = DEFAULT_FOLD_WINDOW
) -> Iterator[Event]:
    """Fold events about the same alert from different sources into the earliest one.

    Two events fold when they have the same kind, matching alert keys (see ``AlertKey.matches``),
    come from different sources and are at most ``window`` apart. The survivor keeps its own
    time, title and source, takes the other's actor and detail when it has none, and lists the
    other's reference in ``refs``. Input must be ordered by time; output is too.
    """
    pending: deque[Event] = deque()
    held: dict[tuple[str, str], list[Event]] = {}
    for event in events:
        if pending:
            horizon = event.at - window
            while pending and pending[0].at < horizon:
                done = pending.popleft()
                if done.alert is not None:
                    _release(held, done)
                yield done
        key = event.alert
        if key is None:
            if pending:
                pending.append(event)
            else:
                yield event
            continue
        slot = (event.kind, key.name)
        candidates = held.get(slot)
        if candidates is not None:
            target = _find_match(candidates, event)
            if target is not None:
                absorb(target, event)
                continue
            candidates.append(event)
        else:
            held[slot] = [event]
        pending.append(event)
    while pending:
        yield pending.popleft()


def _find_match(candidates: list[Event], event: Event) -> Event | None:
    """The closest earlier report of the same alert by another source, if any."""
    alert = event.alert
    source = event.source
    assert alert is not None
    for candidate in reversed(candidates):
        if candidate.source == source:
            continue
        if candidate.refs and source in [ref.source for ref in candidate.refs]:
            continue
        other = candidate.alert
        assert other is not None
        if alert.matches(other):
            return candidate
    return None


def _release(held: dict[tuple[str, str], list[Event]], event: Event) -> None:
    assert event.alert is not None
    slot = (event.kind, event.alert.name)
    candidates = held.get(slot)
    if candidates is None:
        return
    for index, candidate in enumerate(candidates):
        if candidate is event:
            del candidates[index]
            break
    if not candidates:
        del held[slot]


def absorb(target: Event, duplicate: Event) -> None:
    """Record ``duplicate`` as another report of ``target``."""
    target.refs.append(Ref(duplicate.source, duplicate.source_id, duplicate.link))
    if duplicate.refs:
        target.refs.extend(duplicate.refs)
    if not target.actor and duplicate.actor:
        target.actor = duplicate.actor
    if not target.detail and duplicate.detail:
        target.detail = duplicate.detail
    if not target.link and duplicate.link:
        target.link = duplicate.link
    if (
        target.alert is not None
        and duplicate.alert is not None
        and len(duplicate.alert.labels) > len(target.alert.labels)
    ):
        target.alert = duplicate.alert
