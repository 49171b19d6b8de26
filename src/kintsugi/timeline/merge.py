"""Merge per-source event streams into one timeline, folding what several sources report once."""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import timedelta
from operator import attrgetter

from kintsugi.timeline.events import Event

DEFAULT_FOLD_WINDOW = timedelta(minutes=5)
"""How far apart two sources' reports of the same alert may be and still fold into one event."""

_at = attrgetter("at")


def merge(
    streams: Iterable[Iterable[Event]], *, fold_window: timedelta = DEFAULT_FOLD_WINDOW
) -> Iterator[Event]:
    """One time-ordered stream from streams that are each ordered by time.

    Streaming: holds only the events of the last ``fold_window``; ties keep the streams' order.
    """
    return fold_duplicates(heapq.merge(*streams, key=_at), fold_window)


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
    assert event.alert is not None
    for candidate in candidates:
        if candidate.source == event.source or any(
            ref.source == event.source for ref in candidate.refs
        ):
            continue
        assert candidate.alert is not None
        if candidate.alert.matches(event.alert):
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
    target.refs.append(duplicate.ref)
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
