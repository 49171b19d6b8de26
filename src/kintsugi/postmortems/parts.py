"""The parts of a document that other slices store: its timeline events and action items.

A document is read and saved whole, but its timeline belongs to ``timeline`` and its action
items to ``actions`` (both above this slice). Each of them provides a store that the
composition root (``kintsugi.wiring``) installs here; the post-mortems service reads and
writes the parts through these stores and never imports those slices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from kintsugi.postmortems.document import ActionItem, TimelineEvent


class NotWiredError(RuntimeError):
    """A document was read or saved before the slices were wired together."""


class TimelineStore(Protocol):
    """Stores a document's own timeline events (``kintsugi.timeline.store`` is one)."""

    def load_events(self, session: Session, postmortem_pk: int) -> list[TimelineEvent]: ...

    def replace_document_events(
        self,
        session: Session,
        postmortem_pk: int,
        events: Sequence[TimelineEvent],
        *,
        is_new: bool = False,
    ) -> list[TimelineEvent]: ...

    def insert_document_events(
        self, session: Session, batch: Sequence[tuple[int, Sequence[TimelineEvent]]]
    ) -> dict[int, list[TimelineEvent]]: ...


class ActionItemStore(Protocol):
    """Keeps a document's action items (``kintsugi.actions.service`` is one)."""

    def load_items(self, session: Session, postmortem_pk: int) -> list[ActionItem]: ...

    def sync_document_items(
        self,
        session: Session,
        postmortem_pk: int,
        items: Sequence[ActionItem],
        *,
        keep_changes_after: datetime | None = None,
    ) -> list[ActionItem]: ...

    def insert_document_items(
        self, session: Session, batch: Sequence[tuple[int, Sequence[ActionItem]]]
    ) -> dict[int, list[ActionItem]]: ...


@dataclass
class _Stores:
    timeline: TimelineStore | None = None
    action_items: ActionItemStore | None = None


_stores = _Stores()


def install(*, timeline: TimelineStore | None = None, items: ActionItemStore | None = None) -> None:
    """Install the stores the composition root provides (each once; again replaces it)."""
    if timeline is not None:
        _stores.timeline = timeline
    if items is not None:
        _stores.action_items = items


def timeline_store() -> TimelineStore:
    """Where a document's timeline events are kept."""
    if _stores.timeline is None:
        raise NotWiredError(_NOT_WIRED.format(part="timeline"))
    return _stores.timeline


def action_item_store() -> ActionItemStore:
    """Where a document's action items are kept."""
    if _stores.action_items is None:
        raise NotWiredError(_NOT_WIRED.format(part="action item"))
    return _stores.action_items


_NOT_WIRED = (
    "no {part} store is installed: call kintsugi.wiring.wire() where the program starts "
    "(the web app, the command line, the tests)"
)
