"""The blameless-language linter guards publishing: the publish gate runs its check."""

from __future__ import annotations

from kintsugi.core.events import EventBus
from kintsugi.language.linter import blocking_findings
from kintsugi.postmortems import checks


def wire(bus: EventBus) -> None:
    """Install the linter's blocking findings as the publish gate's language check."""
    del bus  # a check answers the gate; it does not react to events
    checks.install(lint=blocking_findings)
