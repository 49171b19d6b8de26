"""The blameless-language linter guards publishing: the publish gate runs its check."""

from __future__ import annotations

from collections.abc import Iterable

from kintsugi.core.events import EventBus
from kintsugi.core.limits import Deadline
from kintsugi.postmortems import checks
from kintsugi.postmortems.document import Document

# The linter (its rules, its detectors) is imported when a document is first published, not
# here: every program wires the slices as it starts, and most commands never publish.


def blocking_findings(
    doc: Document, roster: Iterable[str] = (), *, deadline: Deadline | None = None
) -> list[checks.Finding]:
    """The linter's findings that block publishing ``doc`` (``linter.blocking_findings``)."""
    from kintsugi.language import linter

    return list(linter.blocking_findings(doc, roster, deadline=deadline))


def wire(bus: EventBus) -> None:
    """Install the linter's blocking findings as the publish gate's language check."""
    del bus  # a check answers the gate; it does not react to events
    checks.install(lint=blocking_findings)
