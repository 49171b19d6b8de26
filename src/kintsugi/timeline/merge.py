"""Merge per-source event streams into one timeline, folding what several sources report once."""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import chain
from operator import attrgetter
from typing import cast

from kintsugi.timeline.events import Event, Ref

DEFAULT_FOLD_WINDOW = timedelta(minutes=5)
"""How far apart two sources' reports of the same alert may be and still fold into one event."""

_at = attrgetter("at")
_new_ref = tuple.__new__
_EARLIEST = datetime.min.replace(tzinfo=UTC)


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
    so ties keep the lists' order); one pass then folds the events about alerts.
    """
    return _fold_pure(sorted(chain.from_iterable(lists), key=_at), fold_window)


def _fold_pure(events: list[Event], window: timedelta) -> list[Event]:
    """Fold time-ordered ``events``; the kept ones, in order (``events`` itself when all are)."""
    if not _fold_in_place(events, window):
        return events
    # An Event is always true (no __len__ or __bool__): filter(None) drops only the absorbed.
    return list(filter(None, cast("list[Event | None]", events)))


def _fold_in_place(events: list[Event], window: timedelta) -> bool:
    """Fold time-ordered ``events`` as ``fold_duplicates`` does, in one pass.

    An absorbed event's place becomes None; returns whether any was absorbed. ``absorb`` is
    written out: this loop runs once per event of a large timeline.
    """
    # kind -> alert name -> the events, in time order, that may still absorb
    held: dict[str, dict[str, list[Event]]] = {}
    absorbed = False
    holes = cast("list[Event | None]", events)
    for position, event in enumerate(events):
        alert = event.alert
        if alert is None:
            continue
        by_name = held.get(event.kind)
        if by_name is None:
            held[event.kind] = {alert.name: [event]}
            continue
        candidates = by_name.get(alert.name)
        if candidates is None:
            by_name[alert.name] = [event]
            continue
        at = event.at
        # a candidate at c is stale once c + window < at, that is c < at - window (exact:
        # whole microseconds); when at - window is before the start of time none is stale
        try:
            horizon = at - window
        except OverflowError:
            horizon = _EARLIEST
        if candidates[0].at < horizon:
            stale = 1
            while stale < len(candidates) and candidates[stale].at < horizon:
                stale += 1
            if stale == 1:
                candidates.pop(0)
            else:
                del candidates[:stale]
        source = event.source
        labels = alert.labels
        for target in reversed(candidates):
            if target.source == source:
                continue
            refs = target.refs
            if refs and _reported_by(refs, source):
                continue
            other = target.alert
            assert other is not None
            theirs = other.labels
            if labels is theirs or (
                labels <= theirs if len(labels) <= len(theirs) else theirs <= labels
            ):
                # absorb(target, event), written out
                refs.append(_new_ref(Ref, (source, event.source_id, event.link)))
                if event.refs:
                    refs.extend(event.refs)
                if not target.actor and event.actor:
                    target.actor = event.actor
                if not target.detail and event.detail:
                    target.detail = event.detail
                if not target.link and event.link:
                    target.link = event.link
                if len(labels) > len(theirs):
                    target.alert = alert
                holes[position] = None
                absorbed = True
                break
        else:
            candidates.append(event)
    return absorbed


def _reported_by(refs: list[Ref], source: str) -> bool:
    """Whether one of ``refs`` is a report by ``source``."""
    return any(ref.source == source for ref in refs)


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
        if candidate.refs and _reported_by(candidate.refs, source):
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
    # tuple.__new__ skips the named tuple's Python-level __new__ (this runs once per fold)
    target.refs.append(_new_ref(Ref, (duplicate.source, duplicate.source_id, duplicate.link)))
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
