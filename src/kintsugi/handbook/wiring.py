"""The handbook's self-check tells the meetings page who is a trained facilitator."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kintsugi.core.events import EventBus
from kintsugi.meetings import facilitators


def trained_facilitators(session: Session) -> list[str]:
    """Those who passed the self-check (``meetings.facilitators.TrainedFacilitators``)."""
    # Imported on the first meetings page, not here: every program wires the slices as it
    # starts, and most never show that page.
    from kintsugi.handbook.training import trained_facilitators as passed

    return passed(session)


def wire(bus: EventBus) -> None:
    """Install the self-check's passes as the meetings' trained facilitators."""
    del bus  # a read answers the page; it does not react to events
    facilitators.install(trained_facilitators)
