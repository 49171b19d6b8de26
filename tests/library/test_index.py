"""The index text read back from storage equals the one made from the document just saved."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.library.index import is_indexed, reindex_document
from kintsugi.library.models import LibraryDocumentRow
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service
from kintsugi.postmortems.document import ActionItem, Document, Section


def test_stored_action_item_titles_are_indexed_in_document_order(
    sessions: sessionmaker[Session],
) -> None:
    doc = Document(
        title="Queue backlog",
        sections=[Section(key="summary", heading="Summary", markdown="Mail queued for hours.")],
        action_items=[
            ActionItem(title="Zebra: alert on queue age"),
            ActionItem(title="Aardvark: cap the retry rate"),
        ],
    )
    with sessions.begin() as session:
        stored = service.create_document(session, doc, SYSTEM)
        row = service.find_row(session, stored.id or "", SYSTEM)
        reindex_document(session, row.pk, stored)
        fast = session.execute(select(LibraryDocumentRow.__table__)).one()._asdict()
        reindex_document(session, row.pk)  # read back from the stored rows
        slow = session.execute(select(LibraryDocumentRow.__table__)).one()._asdict()
        assert is_indexed(session, row.pk)
    fast.pop("indexed_at"), slow.pop("indexed_at")
    assert fast == slow
    body = slow["body"]
    assert body.index("Zebra: alert on queue age") < body.index("Aardvark: cap the retry rate")
