"""The handbook's self-check tells the meetings page who is a trained facilitator."""

from __future__ import annotations

from kintsugi.core.events import EventBus
from kintsugi.handbook.training import trained_facilitators
from kintsugi.meetings import facilitators


def wire(bus: EventBus) -> None:
    """Install the self-check's passes as the meetings' trained facilitators."""
    del bus  # a read answers the page; it does not react to events
    facilitators.install(trained_facilitators)
