"""What the timeline slice provides to the slices below it: the store of a document's events."""

from __future__ import annotations

from kintsugi.core.events import EventBus
from kintsugi.postmortems import parts
from kintsugi.timeline import store


def wire(bus: EventBus) -> None:
    """Keep each post-mortem's own timeline events in ``timeline.store``."""
    del bus  # nothing to subscribe: a document's events are read and written with it
    parts.install(timeline=store)
