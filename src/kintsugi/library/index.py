"""Keep the library's search text in step with the post-mortems.

The post-mortem service calls :func:`reindex_document` after every write; the engine's
full-text index follows ``library_documents`` through triggers, in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions.models import ActionItemRow
from kintsugi.library.models import LibraryDocumentRow, LibraryVectorRow
from kintsugi.library.text import clean, plain_text, truncate
from kintsugi.postmortems.models import PostmortemRow
from kintsugi.timeline.models import TimelineEventRow

SUMMARY_KEYS = ("summary", "scenario")


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
        return text_hash(embedding_text(self.title, self.summary, self.body))


EMBEDDING_FALLBACK_CHARS = 1500


def embedding_text(title: str, summary: str, body: str) -> str:
    """The gist a meaning vector is computed from: the title and the summary (or, without a
    summary, the start of the body). The model reads at most 256 tokens of it."""
    gist = summary.strip() or body[:EMBEDDING_FALLBACK_CHARS]
    return f"{title}\n{gist}".strip()


def text_hash(text: str) -> str:
    """SHA-256 of ``text`` (vectors are recomputed when it changes)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def index_text(
    row: PostmortemRow, timeline_texts: Iterable[str], action_titles: Iterable[str]
) -> IndexText:
    """Flatten a post-mortem into the fields the index searches."""
    summary_parts: list[str] = []
    body_parts: list[str] = []
    for section in row.sections:
        text = plain_text(section.markdown)
        if section.key in SUMMARY_KEYS and not summary_parts:
            summary_parts.append(text)
        else:
            body_parts.append(
                f"{clean(section.heading)}\n{text}" if text else clean(section.heading)
            )
    written = "\n".join(body_parts + summary_parts).lower()
    extras = [
        clean(t).strip()
        for t in [*timeline_texts, *action_titles]
        if t and clean(t).strip().lower() not in written
    ]
    body_parts.extend(e for e in extras if e)
    keywords = [row.id, *(t.tag for t in row.tags), *(s.service for s in row.services)]
    when = row.started_at or row.created_at
    return IndexText(
        title=clean(row.title),
        summary=truncate("\n".join(summary_parts)),
        keywords=clean(" ".join(keywords)),
        body=truncate("\n\n".join(body_parts)),
        year=when.year if when else None,
    )


def _load_text(session: Session, row: PostmortemRow) -> IndexText:
    timeline = session.scalars(
        select(TimelineEventRow.text)
        .where(TimelineEventRow.postmortem_pk == row.pk)
        .order_by(TimelineEventRow.position, TimelineEventRow.id)
    )
    actions = session.scalars(
        select(ActionItemRow.title)
        .where(ActionItemRow.postmortem_pk == row.pk)
        .order_by(ActionItemRow.position, ActionItemRow.id)
    )
    return index_text(row, list(timeline), list(actions))


def reindex_document(session: Session, postmortem_pk: int) -> None:
    """Bring the index of one post-mortem up to date (call after every write, same session)."""
    row = session.get(PostmortemRow, postmortem_pk)
    if row is None:
        remove_document(session, postmortem_pk)
        return
    text = _load_text(session, row)
    stored = session.get(LibraryDocumentRow, postmortem_pk)
    if stored is None:
        stored = LibraryDocumentRow(postmortem_pk=postmortem_pk)
        session.add(stored)
    stored.title = text.title
    stored.summary = text.summary
    stored.keywords = text.keywords
    stored.body = text.body
    stored.year = text.year
    stored.indexed_at = row.updated_at
    _forget_stale_vector(session, postmortem_pk, text.embedding_hash())
    session.flush()


def remove_document(session: Session, postmortem_pk: int) -> None:
    """Take one post-mortem out of the index (and its vector)."""
    session.execute(
        delete(LibraryDocumentRow).where(LibraryDocumentRow.postmortem_pk == postmortem_pk)
    )
    session.execute(delete(LibraryVectorRow).where(LibraryVectorRow.postmortem_pk == postmortem_pk))


def _forget_stale_vector(session: Session, postmortem_pk: int, text_hash: str) -> None:
    session.execute(
        delete(LibraryVectorRow).where(
            LibraryVectorRow.postmortem_pk == postmortem_pk,
            LibraryVectorRow.text_hash != text_hash,
        )
    )


def reindex_all(
    sessions: sessionmaker[Session],
    *,
    batch_size: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild the index of every post-mortem, committing in batches; returns how many."""
    with sessions.begin() as session:
        pks = list(session.scalars(select(PostmortemRow.pk).order_by(PostmortemRow.pk)))
        indexed = set(session.scalars(select(LibraryDocumentRow.postmortem_pk)))
        for orphan in indexed - set(pks):
            remove_document(session, orphan)
    for start in range(0, len(pks), batch_size):
        batch = pks[start : start + batch_size]
        with sessions.begin() as session:
            for pk in batch:
                reindex_document(session, pk)
        if progress:
            progress(start + len(batch), len(pks))
    return len(pks)
