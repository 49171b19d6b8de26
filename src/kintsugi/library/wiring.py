"""The library keeps its search index in step with every post-mortem saved."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kintsugi.core.events import EventBus
from kintsugi.postmortems.events import PostmortemSaved, PostmortemsImported

# The index is imported when a document is first saved, not here: every program wires the
# slices as it starts, and most commands never save a post-mortem.


def reindex_saved(session: Session, event: PostmortemSaved) -> None:
    """Index the document as it was just stored, in the transaction that stored it."""
    from kintsugi.library import index

    index.reindex_document(session, event.pk, event.document)


def reindex_imported(session: Session, event: PostmortemsImported) -> None:
    """Index a bulk import's documents in a few statements."""
    from kintsugi.library import index

    index.reindex_documents(session, list(event.documents))


def wire(bus: EventBus) -> None:
    """Subscribe the index to the post-mortems' events."""
    bus.subscribe(PostmortemSaved, reindex_saved)
    bus.subscribe(PostmortemsImported, reindex_imported)
