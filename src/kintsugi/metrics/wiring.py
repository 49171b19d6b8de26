"""The quality checklist takes part in publishing: what the gate reads, and its warning."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kintsugi.core.events import EventBus
from kintsugi.postmortems import checks
from kintsugi.postmortems.document import Document

# The checklist (and the slices it reads) is imported when a document is first published, not
# here: every program wires the slices as it starts, and most commands never publish.


class ChecklistGate:
    """The checklist's side of the publish gate (``postmortems.checks.ChecklistCheck``)."""

    def text(self, session: Session, pk: int, doc: Document) -> Document:
        from kintsugi.metrics.checklist import current_text

        return current_text(session, pk, doc)[0]

    def warning(
        self, session: Session, pk: int, doc: Document, *, lint_findings: int
    ) -> str | None:
        from kintsugi.metrics.checklist import publish_warning

        return publish_warning(session, pk, doc, lint_findings=lint_findings)


def wire(bus: EventBus) -> None:
    """Install the checklist as the publish gate's checklist check."""
    del bus  # a check answers the gate; it does not react to events
    checks.install(checklist=ChecklistGate())
