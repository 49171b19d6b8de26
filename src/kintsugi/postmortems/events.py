"""What happens to post-mortems, told to the slices above through ``kintsugi.core.events``.

The post-mortems service publishes these inside the transaction that makes the change, after
the document, its version and its parts are written; the slices that react (the library's
index, for one) subscribe at the composition root (``kintsugi.wiring``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kintsugi.core.events import Event
from kintsugi.postmortems.document import Document, Status


@dataclass(frozen=True)
class PostmortemSaved(Event):
    """A document was created or its content replaced; ``document`` is what is stored now."""

    pk: int
    id: str
    document: Document
    created: bool


@dataclass(frozen=True)
class PostmortemsImported(Event):
    """Many new documents were stored at once (a bulk import): (pk, stored document) each."""

    documents: Sequence[tuple[int, Document]]


@dataclass(frozen=True)
class PostmortemStatusChanged(Event):
    """A document moved between statuses (``old`` is None for a new document)."""

    pk: int
    id: str
    old: Status | None
    new: Status


@dataclass(frozen=True)
class PostmortemPublished(Event):
    """A document became published (after ``PostmortemStatusChanged``)."""

    pk: int
    id: str
    published_at: datetime | None
