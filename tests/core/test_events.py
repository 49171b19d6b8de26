"""The domain-event bus: handlers by type, in order, with the caller's session."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from kintsugi.core.events import Event, EventBus


@dataclass(frozen=True)
class Happened(Event):
    n: int


@dataclass(frozen=True)
class Other(Event):
    pass


def test_handlers_run_in_order_with_the_callers_session() -> None:
    bus = EventBus()
    session = Session()
    seen: list[tuple[str, Session, int]] = []
    bus.subscribe(Happened, lambda s, e: seen.append(("first", s, e.n)))
    bus.subscribe(Happened, lambda s, e: seen.append(("second", s, e.n)))
    bus.subscribe(Other, lambda s, e: seen.append(("other", s, 0)))
    bus.publish(session, Happened(7))
    assert seen == [("first", session, 7), ("second", session, 7)]


def test_an_event_nobody_handles_does_nothing() -> None:
    EventBus().publish(Session(), Happened(1))


def test_unsubscribe_stops_a_handler() -> None:
    bus = EventBus()
    seen: list[int] = []
    unsubscribe = bus.subscribe(Happened, lambda s, e: seen.append(e.n))
    bus.publish(Session(), Happened(1))
    unsubscribe()
    unsubscribe()  # twice is harmless
    bus.publish(Session(), Happened(2))
    assert seen == [1]
    assert bus.handlers(Happened) == ()


def test_the_same_handler_twice_is_refused() -> None:
    bus = EventBus()

    def handler(session: Session, event: Happened) -> None:
        pass

    bus.subscribe(Happened, handler)
    with pytest.raises(ValueError, match="already handles Happened"):
        bus.subscribe(Happened, handler)


def test_a_handlers_error_reaches_the_publisher_and_stops_the_rest() -> None:
    bus = EventBus()
    seen: list[int] = []

    def fail(session: Session, event: Happened) -> None:
        raise RuntimeError("index is broken")

    bus.subscribe(Happened, fail)
    bus.subscribe(Happened, lambda s, e: seen.append(e.n))
    with pytest.raises(RuntimeError, match="index is broken"):
        bus.publish(Session(), Happened(1))
    assert seen == []
