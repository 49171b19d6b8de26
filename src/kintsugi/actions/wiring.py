"""What the actions slice provides to the slices below it: the store of a document's items."""

from __future__ import annotations

from kintsugi.actions import service
from kintsugi.core.events import EventBus
from kintsugi.postmortems import parts


def wire(bus: EventBus) -> None:
    """Keep each post-mortem's action items in step with it (``actions.service``)."""
    del bus  # nothing to subscribe: a document's items are read and written with it
    parts.install(items=service)
