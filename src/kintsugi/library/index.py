"""Keep the library's search text in step with the post-mortems.

The post-mortem service calls :func:`reindex_document` after every write, in the same
transaction, passing the document it just stored (so nothing is read back); the engine's
full-text index follows ``library_documents`` through database triggers.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions.service import load_items
from kintsugi.core.limits import INDEX_SECONDS, Deadline
from kintsugi.core.types import utcnow
from kintsugi.library import matches
from kintsugi.library.models import LibraryDocumentRow, LibraryVectorRow
from kintsugi.library.text import clean, plain_text, truncate
from kintsugi.postmortems.document import Document
from kintsugi.postmortems.listing import tags_and_services
from kintsugi.postmortems.lookups import Head, all_pks, section_texts, stored_head
from kintsugi.timeline.readers import event_texts

logger = logging.getLogger(__name__)
SUMMARY_KEYS = ("summary", "scenario")
EMBEDDING_FALLBACK_CHARS = 1500


@dataclass(frozen=True)
class IndexText:
    """What the index stores for one post-mortem."""

    title: str
    summary: str
    keywords: str
    body: str
    year: int | None

    def embedding_hash(self) -> str:
        """A fingerprint of the text its meaning vector is computed from."""
        return text_hash(embedding_text(self.title, self.keywords, self.summary, self.body))


def embedding_text(title: str, keywords: str, summary: str, body: str) -> str:
    """The gist a meaning vector is computed from: the title, the keywords (id, tags and
    services: the system an incident is about is often named only there) and the summary (or,
    without a summary, the start of the body). The model reads at most 256 tokens of it."""
    gist = summary.strip() or body[:EMBEDDING_FALLBACK_CHARS]
    return "\n".join(part for part in (title.strip(), keywords.strip(), gist) if part)


def text_hash(text: str) -> str:
    """SHA-256 of ``text`` (vectors are recomputed when it changes)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def index_text(
    *,
    id: str,
    title: str,
    sections: Iterable[tuple[str, str, str]],
    tags: Iterable[str] = (),
    services: Iterable[str] = (),
    timeline_texts: Iterable[str] = (),
    action_titles: Iterable[str] = (),
    when: datetime | None = None,
    seconds: float = INDEX_SECONDS,
) -> IndexText:
    """Flatten a post-mortem into the fields the index searches.

    ``sections`` are (key, heading, markdown); timeline and action item texts are added
    when the sections do not already say them. Past ``seconds`` the part done is indexed
    and the rest left out (and logged): no document holds up the write that stores it.
    """
    deadline = Deadline(seconds)
    summary_parts: list[str] = []
    body_parts: list[str] = []
    for number, (key, heading, markdown) in enumerate(sections):
        if deadline.expired():
            _log_cut(id, f"after {number} sections", seconds)
            break
        text = plain_text(markdown)
        if key in SUMMARY_KEYS and not summary_parts:
            summary_parts.append(text)
        else:
            body_parts.append(_headed(clean(heading), text))
    written = "\n".join(body_parts + summary_parts).lower()
    for number, extra in enumerate([*timeline_texts, *action_titles]):
        if deadline.expired():
            _log_cut(id, f"after {number} timeline events and action items", seconds)
            break
        line = clean(extra).strip()
        if line and line.lower() not in written:
            body_parts.append(line)
    return IndexText(
        title=clean(title),
        summary=truncate("\n".join(summary_parts)),
        keywords=clean(" ".join([id, *tags, *services])),
        body=truncate("\n\n".join(body_parts)),
        year=when.year if when else None,
    )


def _log_cut(id: str, where: str, seconds: float) -> None:
    logger.warning(
        "library index of %s: stopped %s (time budget %g s); the rest is not searchable",
        id,
        where,
        seconds,
    )


def _headed(heading: str, text: str) -> str:
    """A section as indexed text: "Root cause: The pool...", so that a snippet spanning the
    heading reads as a heading (snippets show line breaks as spaces)."""
    heading = heading.rstrip()
    if not heading or not text:
        return heading or text
    mark = "" if heading[-1] in ".:?!" else ":"
    return f"{heading}{mark}\n{text}"


def document_text(doc: Document, created_at: datetime | None = None) -> IndexText:
    """The index text of a document as the service stores it."""
    return index_text(
        id=doc.id or "",
        title=doc.title,
        sections=[(s.key, s.heading, s.markdown) for s in doc.sections],
        tags=doc.tags,
        services=doc.services,
        timeline_texts=[e.text for e in doc.timeline],
        action_titles=[i.title for i in doc.action_items],
        when=doc.started_at or created_at or utcnow(),
    )


def _stored_text(session: Session, head: Head) -> IndexText:
    pk = head.pk
    tags, services = tags_and_services(session, [pk])
    return index_text(
        id=head.id,
        title=head.title,
        sections=section_texts(session, pk),
        tags=tags.get(pk, []),
        services=services.get(pk, []),
        timeline_texts=event_texts(session, pk),
        action_titles=[item.title for item in load_items(session, pk)],
        when=head.started_at or head.created_at,
    )


def is_indexed(session: Session, postmortem_pk: int) -> bool:
    """True when the post-mortem is in the library's index."""
    return session.get(LibraryDocumentRow, postmortem_pk) is not None


def reindex_document(session: Session, postmortem_pk: int, doc: Document | None = None) -> None:
    """Bring the index of one post-mortem up to date (after every write, same transaction).

    With ``doc`` (the document just stored) nothing is read back from the database;
    without it the stored post-mortem is read.
    """
    head = stored_head(session, postmortem_pk)
    if head is None:
        remove_document(session, postmortem_pk)
        return
    text = _stored_text(session, head) if doc is None else document_text(doc, head.created_at)
    store_text(session, postmortem_pk, text)


def reindex_documents(
    session: Session, stored: Sequence[tuple[int, Document]], created_at: datetime | None = None
) -> None:
    """Index many just-stored documents at once ((pk, document) pairs; bulk imports)."""
    store_texts(session, [(pk, document_text(doc, created_at)) for pk, doc in stored])


def store_text(session: Session, postmortem_pk: int, text: IndexText) -> None:
    """Replace the indexed text of one post-mortem (the triggers update the engine's index).

    An UPDATE of the row in place (an INSERT the first time): one statement where
    ``store_texts`` needs two, on every save.
    """
    row = LibraryDocumentRow
    values = _row_values(text, utcnow())
    updated = session.execute(
        update(row).where(row.postmortem_pk == postmortem_pk).values(values),
        execution_options={"synchronize_session": False},
    )
    if not updated.rowcount:  # type: ignore[attr-defined]
        session.execute(insert(row).values(postmortem_pk=postmortem_pk, **values))
    _drop_stale_vectors(session, {postmortem_pk: text.embedding_hash()})


def store_texts(session: Session, texts: Sequence[tuple[int, IndexText]]) -> None:
    """Replace the indexed text of several post-mortems in three statements."""
    if not texts:
        return
    pks = [pk for pk, _ in texts]
    now = utcnow()
    session.execute(delete(LibraryDocumentRow).where(LibraryDocumentRow.postmortem_pk.in_(pks)))
    session.execute(
        insert(LibraryDocumentRow),
        [{"postmortem_pk": pk, **_row_values(text, now)} for pk, text in texts],
    )
    _drop_stale_vectors(session, {pk: text.embedding_hash() for pk, text in texts})


def _row_values(text: IndexText, now: datetime) -> dict[str, object]:
    return {
        "year": text.year,
        "indexed_at": now,
        "title": text.title,
        "summary": text.summary,
        "keywords": text.keywords,
        "body": text.body,
    }


def _drop_stale_vectors(session: Session, wanted: dict[int, str]) -> None:
    """Drop the stored vectors computed from other text than ``wanted`` (pk -> text hash)."""
    stored = session.execute(
        select(LibraryVectorRow.postmortem_pk, LibraryVectorRow.text_hash).where(
            LibraryVectorRow.postmortem_pk.in_(list(wanted))
        )
    )
    stale = [pk for pk, hash_ in stored if wanted[pk] != hash_]
    if stale:  # a vector of other text: refresh_vectors computes it again
        session.execute(delete(LibraryVectorRow).where(LibraryVectorRow.postmortem_pk.in_(stale)))


def remove_document(session: Session, postmortem_pk: int) -> None:
    """Take one post-mortem out of the index (and its vector)."""
    matches.clear_after_commit(session)  # its post-mortem is gone: nothing else tells them
    session.execute(
        delete(LibraryDocumentRow).where(LibraryDocumentRow.postmortem_pk == postmortem_pk)
    )
    session.execute(delete(LibraryVectorRow).where(LibraryVectorRow.postmortem_pk == postmortem_pk))


def reindex_all(
    sessions: sessionmaker[Session],
    *,
    batch_size: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild the index of every post-mortem, committing in batches; returns how many."""
    with sessions.begin() as session:
        pks = all_pks(session)
        indexed = set(session.scalars(select(LibraryDocumentRow.postmortem_pk)))
        for orphan in indexed - set(pks):
            remove_document(session, orphan)
    for start in range(0, len(pks), batch_size):
        batch: Sequence[int] = pks[start : start + batch_size]
        with sessions.begin() as session:
            for pk in batch:
                reindex_document(session, pk)
        if progress:
            progress(start + len(batch), len(pks))
    matches.clear_all()  # other processes (a running server) follow within matches.MAX_AGE
    return len(pks)
