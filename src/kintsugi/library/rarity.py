"""How rare each word is in the library: document frequencies from a sample of documents.

Similar incidents asks the full-text index for a document's rarest telling words, and keeps
the query within a budget of postings (how many documents hold each word). Both need the
document frequency of a word, which neither engine gives cheaply at query time (PostgreSQL's
``ts_stat`` reads every document). So the frequencies are counted once per process over a
sample of at most :data:`SAMPLE` documents (all of them in a smaller library), from the same
fields the query words are taken from, and kept in memory until the number of documents
moves by more than :data:`DRIFT` (in a library smaller than the sample, until any document
changes: there the counts are exact). Counting words, not the engines' stems, keeps the
frequencies in the space the words are chosen in, and one method for both engines.
"""

from __future__ import annotations

import math
import random
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kintsugi.library.models import LibraryDocumentRow
from kintsugi.library.query import words_of

SAMPLE = 2000
"""At most this many documents are read to estimate the frequencies."""
DRIFT = 0.1
"""The frequencies are counted again when the number of documents moved by more than this."""
BODY_CHARS = 3000
"""How much of the body the query words, and so the frequencies, are taken from."""
_FETCH_CHUNK = 500
_SEED = 20091


def document_words(title: str, keywords: str, summary: str, body: str) -> dict[str, set[str]]:
    """The distinct words of the fields (and start of the body) query words come from."""
    return {
        "title": set(words_of(title)),
        "keywords": set(words_of(keywords)),
        "summary": set(words_of(summary)),
        "body": set(words_of(body[:BODY_CHARS])),
    }


@dataclass(frozen=True)
class Rarity:
    """Document frequencies of words, counted over ``sampled`` of ``documents`` documents."""

    documents: int
    sampled: int
    counts: Counter[str] = field(default_factory=Counter)
    newest: str | None = None
    """The last indexing time of a small library when counted (its changes count again)."""

    def idf(self, word: str) -> float:
        """Inverse document frequency (BM25's, never below zero): 0 for a word in every
        document, highest for a word in none of the sample."""
        n, held = self.sampled, self.counts.get(word, 0)
        return math.log(1.0 + (n - held + 0.5) / (held + 0.5))

    def postings(self, word: str) -> float:
        """Estimated number of documents of the whole library holding ``word`` (at least 1)."""
        if not self.sampled:
            return 1.0
        return max(1.0, self.counts.get(word, 0) * self.documents / self.sampled)


def count_words(texts: Iterable[tuple[str, str, str, str]], documents: int) -> Rarity:
    """Frequencies over (title, keywords, summary, body) tuples, scaled to ``documents``."""
    counts: Counter[str] = Counter()
    sampled = 0
    for title, keywords, summary, body in texts:
        sampled += 1
        fields = document_words(title, keywords, summary, body)
        counts.update(set().union(*fields.values()))
    return Rarity(max(documents, sampled), sampled, counts)


def _newest(session: Session) -> str | None:
    newest = session.scalar(select(func.max(LibraryDocumentRow.indexed_at)))
    return str(newest) if newest is not None else None


def _sample(session: Session, documents: int) -> Rarity:
    pks = list(session.scalars(select(LibraryDocumentRow.postmortem_pk)))
    chosen = sorted(random.Random(_SEED).sample(pks, SAMPLE)) if len(pks) > SAMPLE else pks
    newest = _newest(session) if len(pks) <= SAMPLE else None
    texts: list[tuple[str, str, str, str]] = []
    for start in range(0, len(chosen), _FETCH_CHUNK):
        rows = session.execute(
            select(
                LibraryDocumentRow.title,
                LibraryDocumentRow.keywords,
                LibraryDocumentRow.summary,
                func.substr(LibraryDocumentRow.body, 1, BODY_CHARS),
            ).where(LibraryDocumentRow.postmortem_pk.in_(chosen[start : start + _FETCH_CHUNK]))
        )
        texts += [(t or "", k or "", s or "", b or "") for t, k, s, b in rows]
    counted = count_words(texts, len(pks))
    return Rarity(counted.documents, counted.sampled, counted.counts, newest)


class RarityCache:
    """The frequencies of each database, counted again when its size drifts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: dict[str, Rarity] = {}

    def rarity(self, session: Session, documents: int | None = None) -> Rarity:
        """The frequencies for ``session``'s database; ``documents``: its current number of
        indexed documents, when the caller has counted them already."""
        if documents is None:
            documents = int(
                session.scalar(select(func.count()).select_from(LibraryDocumentRow)) or 0
            )
        key = str(session.get_bind().engine.url)
        with self._lock:
            cached = self._tables.get(key)
            if cached is None or _drifted(session, cached, documents):
                cached = _sample(session, documents)
                self._tables[key] = cached
            return cached

    def clear(self) -> None:
        with self._lock:
            self._tables.clear()


def _drifted(session: Session, cached: Rarity, documents: int) -> bool:
    if cached.documents <= SAMPLE and documents <= SAMPLE:  # exact counts, kept exact
        return documents != cached.documents or _newest(session) != cached.newest
    return abs(documents - cached.documents) > DRIFT * max(cached.documents, 1)


CACHE = RarityCache()
