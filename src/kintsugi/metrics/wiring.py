"""The quality checklist takes part in publishing: what the gate reads, and its warning."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kintsugi.core.events import EventBus
from kintsugi.metrics.checklist import current_text, publish_warning
from kintsugi.postmortems import checks
from kintsugi.postmortems.document import Document


class ChecklistGate:
    """The checklist's side of the publish gate (``postmortems.checks.ChecklistCheck``)."""

    def text(self, session: Session, pk: int, doc: Document) -> Document:
        return current_text(session, pk, doc)[0]

    def warning(
        self, session: Session, pk: int, doc: Document, *, lint_findings: int
    ) -> str | None:
        return publish_warning(session, pk, doc, lint_findings=lint_findings)


def wire(bus: EventBus) -> None:
    """Install the checklist as the publish gate's checklist check."""
    del bus  # a check answers the gate; it does not react to events
    checks.install(checklist=ChecklistGate())
