"""The matches of recent searches, kept per process and brought up to date by what changed.

Scoring every match of a common word is most of a search's cost (a full-text engine reads each
matching document's index entry), and the same searches come again: people page through
results, refine facets, and search for what everyone is searching for during an incident. So
the (pk, score) arrays of a search are kept, tagged with the generation of the process's
:class:`~kintsugi.library.facets.FacetColumns` copy they were computed at. Before each use the
copy is refreshed, and only the documents changed since that generation are scored again (one
query narrowed to their pks); when the copy's change log no longer reaches back, or the entry
is older than ``MAX_AGE``, the search runs in full. Visibility and filters are applied to the
arrays afterwards, as for any search, and the hits shown are checked in SQL.

Removing a document from the index without changing its post-mortem (only done for
post-mortems that no longer exist) clears this process's caches once the transaction commits.
``kintsugi library reindex`` rewrites the index without changing the documents: a running
server uses its cached matches for at most ``MAX_AGE`` after that.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import event
from sqlalchemy.orm import Session

from kintsugi.library.facets import FacetColumns, FloatArray, IntArray, as_arrays

MAX_ENTRIES = int(os.environ.get("KINTSUGI_SEARCH_CACHE_ENTRIES", "256"))
"""Searches kept per process; 0 turns the cache off."""
MAX_PAIRS = 4_000_000
"""(pk, score) pairs kept in all (16 bytes each: 64 MB at most per process)."""
MAX_SNIPPETS = 1000
"""Snippets kept per search (the pages people look at)."""
MAX_AGE = 600.0
"""Seconds an entry is used before the search runs in full again."""

Matcher = Callable[[frozenset[int] | None], Sequence[tuple[int, float]]]
"""Runs a search's engine query: over every document (None), or over the given pks only."""


@dataclass
class _Entry:
    pks: IntArray
    scores: FloatArray
    generation: int
    created: float
    snippets: dict[int, str] = field(default_factory=dict)


class MatchCache:
    """A bounded LRU of search matches, by search key."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self.pairs = 0

    def matches(
        self, columns: FacetColumns, key: Hashable, match: Matcher, *, partial: bool = True
    ) -> tuple[IntArray, FloatArray]:
        """The (pks, scores) of search ``key``, current as of ``columns``' last refresh.

        ``columns`` must have been refreshed in this transaction, just before. ``partial``:
        whether a document's score depends on that document alone, so that only the changed
        ones need scoring again (PostgreSQL's ``ts_rank_cd``); SQLite's BM25 weighs words by
        how many documents have them, so there any change means scoring everything again.
        """
        with columns.lock:
            generation = columns.generation
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
        now = time.monotonic()
        changed: frozenset[int] | None = None
        if entry is not None and now - entry.created < MAX_AGE:
            with columns.lock:
                changed = columns.changed_since(entry.generation)
            if changed and not partial:
                changed = None
        if entry is not None and changed is not None:
            if not changed:
                return entry.pks, entry.scores
            pks, scores = _merge(entry, changed, match(changed))
            snippets = {pk: s for pk, s in entry.snippets.items() if pk not in changed}
            self._store(key, _Entry(pks, scores, generation, entry.created, snippets))
        else:
            pks, scores = as_arrays(match(None))
            self._store(key, _Entry(pks, scores, generation, now))
        return pks, scores

    def snippets(
        self, key: Hashable, pks: list[int], make: Callable[[list[int]], dict[int, str]]
    ) -> dict[int, str]:
        """The snippets of ``pks`` for search ``key``: those kept, and ``make`` for the rest.

        Call right after ``matches`` for the same key: the kept ones are as current as its
        matches (a changed document's snippet is dropped with its old match).
        """
        with self.lock:
            entry = self.entries.get(key)
            kept = dict(entry.snippets) if entry is not None else {}
        missing = [pk for pk in pks if pk not in kept]
        made = make(missing) if missing else {}
        if entry is not None and made:
            with self.lock:
                if len(entry.snippets) < MAX_SNIPPETS:
                    entry.snippets.update(made)
        return {pk: kept[pk] if pk in kept else made[pk] for pk in pks if pk in kept or pk in made}

    def _store(self, key: Hashable, entry: _Entry) -> None:
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.pairs -= len(old.pks)
            if len(entry.pks) > MAX_PAIRS // 4:
                return  # too big to keep: would push out everything else
            self.entries[key] = entry
            self.pairs += len(entry.pks)
            while len(self.entries) > MAX_ENTRIES or self.pairs > MAX_PAIRS:
                _, dropped = self.entries.popitem(last=False)
                self.pairs -= len(dropped.pks)


def _merge(
    entry: _Entry, changed: frozenset[int], rescored: Sequence[tuple[int, float]]
) -> tuple[IntArray, FloatArray]:
    """``entry`` with the changed documents' matches replaced by ``rescored``."""
    gone = np.isin(entry.pks, np.fromiter(changed, dtype=np.int64, count=len(changed)))
    new_pks, new_scores = as_arrays(rescored)
    return (
        np.concatenate([entry.pks[~gone], new_pks]),
        np.concatenate([entry.scores[~gone], new_scores]),
    )


def clear_after_commit(session: Session) -> None:
    """Forget every cached search of this process when ``session``'s transaction commits."""
    event.listen(session, "after_commit", lambda _: clear_all(), once=True)


def clear_all() -> None:
    """Forget every cached search of this process."""
    with _CACHES_LOCK:
        caches = list(_CACHES.values())
    for cache in caches:
        with cache.lock:
            cache.entries.clear()
            cache.pairs = 0


_CACHES: weakref.WeakKeyDictionary[FacetColumns, MatchCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def cache_for(columns: FacetColumns) -> MatchCache:
    """The match cache that goes with a process's facet copy (one per database)."""
    with _CACHES_LOCK:
        found = _CACHES.get(columns)
        if found is None:
            found = _CACHES[columns] = MatchCache()
        return found
