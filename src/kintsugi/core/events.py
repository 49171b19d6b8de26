"""Domain events: a lower slice tells the slices above it what happened, without importing them.

The bus is synchronous: ``publish`` runs every handler subscribed to the event's type, in the
order they subscribed, with the caller's session, so the work they do is part of the caller's
transaction (a handler that fails makes the whole change fail, and the caller rolls it back).

Subscriptions are made once, at the composition root (``kintsugi.wiring.wire``), never as a
side effect of importing a module. An event is a frozen dataclass, and a handler takes the
session and the event::

    @dataclass(frozen=True)
    class Saved(Event):
        pk: int

    bus.subscribe(Saved, lambda session, event: reindex(session, event.pk))
    bus.publish(session, Saved(pk=1))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Event:
    """Base of every domain event: a fact, named in the past tense."""


E = TypeVar("E", bound=Event)
Handler = Callable[[Session, E], None]


class EventBus:
    """Handlers by event type; ``publish`` calls them in the caller's transaction."""

    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Callable[[Session, Event], None]]] = {}

    def subscribe(self, event_type: type[E], handler: Handler[E]) -> Callable[[], None]:
        """Run ``handler`` on each ``event_type`` published; returns a function that undoes it.

        Subscribing the same handler twice to one type is refused: it would run twice.
        """
        handlers = self._handlers.setdefault(event_type, [])
        if handler in handlers:
            raise ValueError(f"{handler!r} already handles {event_type.__name__}")
        handlers.append(handler)  # type: ignore[arg-type]

        def unsubscribe() -> None:
            if handler in handlers:
                handlers.remove(handler)  # type: ignore[arg-type]

        return unsubscribe

    def handlers(self, event_type: type[Event]) -> tuple[Callable[[Session, Event], None], ...]:
        """The handlers of ``event_type``, in the order they run."""
        return tuple(self._handlers.get(event_type, ()))

    def publish(self, session: Session, event: Event) -> None:
        """Run the handlers of ``type(event)`` now, with ``session``; their errors propagate."""
        for handler in self.handlers(type(event)):
            handler(session, event)


bus = EventBus()
"""The application's bus: empty until the composition root subscribes the slices to it."""
