"""Facet counts of a search in one pass over its matches, from in-memory columns.

A search that matches half of a 100,000-document library would otherwise read every match
twice: once to rank (the full-text engine's own score) and once more, joined with the
post-mortems and their tags, to count the facets. Instead the engine gives every match with
its score once, already narrowed to what the viewer may see (``postmortems.access.visible_to``,
in the same SQL statement) and to the filters, and the facets are counted in memory against a
per-process copy of the few data columns they need (:class:`FacetColumns`). The copy holds no
rule: who may see what is decided in SQL only, and the copy is only ever asked about the pks
that SQL gave.

The copy is kept exact: ``updated_at`` is set on every UPDATE, and before each use the copy
checks the rows stamped since its ``floor`` (the last ``MARGIN`` of time, which covers
transactions that commit out of the order of their timestamps) with one aggregate, reloading
those whose ``(updated_at, version)`` differ from its own when the aggregate has changed.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.sqlfuncs import epoch
from kintsugi.core.types import utcnow
from kintsugi.library.label_sets import LabelSets
from kintsugi.postmortems.columns import CAUSES, POSTMORTEM, SERVICES, TAGS
from kintsugi.postmortems.document import Severity, Status

MARGIN = timedelta(minutes=2)
"""Longer than any transaction that writes post-mortems runs (and than clocks drift apart)."""
STEP = timedelta(minutes=1)
SEVERITIES: tuple[str | None, ...] = (None, *(s.value for s in Severity))
STATUSES: tuple[str, ...] = tuple(s.value for s in Status)
LABELS = ("tag", "service", "cause")  # facets a document can carry several values of
_CHUNK = 500
CHANGE_LOG = 256
"""Refreshes remembered by ``FacetColumns.changed_since``."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class Counted:
    """A page of (pk, score), the total, and the facet counts of every visible match."""

    page: list[tuple[int, float]]
    total: int
    facets: dict[str, dict[str, int]]


class FacetColumns:
    """What the facets (and the order of a listing) need of every post-mortem, by pk."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.size = 0
        self.severity = np.zeros(0, dtype=np.int8)
        self.status = np.zeros(0, dtype=np.int8)
        self.year = np.zeros(0, dtype=np.int16)
        self.started = np.zeros(0, dtype=np.float64)  # seconds since 1970; NaN: not given
        self.created = np.zeros(0, dtype=np.float64)
        # what each pk was read at: updated_at in seconds, and its version (0: never read)
        self.updated = np.zeros(0, dtype=np.float64)
        self.version = np.zeros(0, dtype=np.int64)
        self.labels: dict[str, LabelSets] = {f: LabelSets() for f in LABELS}
        self.floor: datetime | None = None
        self.signature: tuple[Any, ...] = ()
        # what changed at each refresh that found changes, for caches built on this copy
        self.generation = 0
        self.changes: deque[tuple[int, frozenset[int]]] = deque(maxlen=CHANGE_LOG)

    # ------------------------------------------------------------------------- loading

    def refresh(self, session: Session, now: datetime | None = None) -> None:
        """Bring the copy up to date with the database (call with ``lock`` held).

        Every change with ``updated_at`` before ``floor`` is in the copy; the rows from the floor
        on are re-read whenever their signature (how many, the newest, the sum of their times)
        differs from the one last seen, and at least once a ``STEP`` so that the floor follows
        the clock and the window stays small.
        """
        now = now or utcnow()
        if self.floor is None:
            self._reload(session, None)
            self.generation += 1
            self.changes.clear()  # a cache older than this generation starts again
        else:
            signature = self._signature(session, self.floor)
            if signature == self.signature and now - MARGIN < self.floor + STEP:
                return
            r = POSTMORTEM
            recent = _rows(
                session,
                select(r.pk, epoch(r.updated_at), r.version).where(r.updated_at >= self.floor),
            )
            changed = [
                int(pk)
                for pk, updated_at, version in recent
                if not self._read_at(int(pk), float(updated_at), int(version))
            ]
            for start in range(0, len(changed), _CHUNK):
                self._reload(session, changed[start : start + _CHUNK])
            if changed:
                self.generation += 1
                self.changes.append((self.generation, frozenset(changed)))
        # a change stamped before now - MARGIN has committed by now (no transaction is longer),
        # and every committed change from the old floor on has just been read
        self.floor = max(self.floor or now - MARGIN, now - MARGIN)
        self.signature = self._signature(session, self.floor)

    def _read_at(self, pk: int, updated: float, version: int) -> bool:
        """Whether the copy holds ``pk`` as of that change (versions start at 1)."""
        return pk < self.size and self.version[pk] == version and self.updated[pk] == updated

    def changed_since(self, generation: int) -> frozenset[int] | None:
        """The pks changed after ``generation``; None when the log no longer reaches back."""
        if generation == self.generation:
            return frozenset()
        if not self.changes or self.changes[0][0] > generation + 1:
            return None
        return frozenset().union(*(pks for g, pks in self.changes if g > generation))

    def _signature(self, session: Session, floor: datetime) -> tuple[Any, ...]:
        r = POSTMORTEM
        total = func.sum(epoch(r.updated_at))
        row = session.execute(
            select(func.count(), func.max(r.updated_at), total).where(r.updated_at >= floor)
        ).one()
        return tuple(row)

    def _reload(self, session: Session, pks: list[int] | None) -> None:
        r = POSTMORTEM
        statement = select(
            r.pk, epoch(r.updated_at), r.version, r.severity, r.status, epoch(r.started_at),
            epoch(r.created_at),
        )  # fmt: skip
        if pks is not None:
            statement = statement.where(r.pk.in_(pks))
        self._store(_rows(session, statement))
        for name, labels in (("tag", TAGS), ("service", SERVICES), ("cause", CAUSES)):
            self._load_labels(session, name, labels.postmortem_pk, labels.value, pks)

    def _grow(self, size: int) -> None:
        if size <= self.size:
            return
        size = max(size, int(self.size * 1.5) + 64)
        for name in ("severity", "status", "year", "started", "created", "updated", "version"):
            old = getattr(self, name)
            new = np.zeros(size, dtype=old.dtype)
            new[: self.size] = old
            setattr(self, name, new)
        self.size = size

    def _store(self, rows: Sequence[Any]) -> None:
        """Store (pk, updated, version, severity, status, started, created) rows, times in
        seconds since 1970 (a whole library in one go: no per-row datetime objects)."""
        if not rows:
            return
        n = len(rows)
        pks: IntArray = np.fromiter((row[0] for row in rows), dtype=np.int64, count=n)
        self._grow(int(pks.max()) + 1)
        self.updated[pks] = np.fromiter((r[1] for r in rows), np.float64, n)
        self.version[pks] = np.fromiter((r[2] for r in rows), np.int64, n)
        severities = {value: i for i, value in enumerate(SEVERITIES)}
        statuses = {value: i for i, value in enumerate(STATUSES)}
        self.severity[pks] = np.fromiter((severities.get(r[3], 0) for r in rows), np.int8, n)
        self.status[pks] = np.fromiter((statuses.get(r[4], -1) for r in rows), np.int8, n)
        started = np.fromiter((np.nan if r[5] is None else r[5] for r in rows), np.float64, n)
        created = np.fromiter((r[6] for r in rows), np.float64, n)
        self.started[pks] = started
        self.created[pks] = created
        when = np.where(np.isnan(started), created, started).astype("datetime64[s]")
        self.year[pks] = when.astype("datetime64[Y]").astype(np.int64) + 1970

    def _load_labels(
        self, session: Session, facet: str, key: Any, value: Any, pks: list[int] | None
    ) -> None:
        statement = select(key, value)
        if pks is not None:
            statement = statement.where(key.in_(pks))
        rows = _rows(session, statement)
        sets = self.labels[facet]
        if pks is None:  # everything, in one go
            sets.load(rows)
        else:
            found: dict[int, list[str]] = {pk: [] for pk in pks}
            for pk, label in rows:
                found.setdefault(int(pk), []).append(str(label))
            sets.update(found)
        # a label read after its post-mortem's row (a statement later) may name a newer pk
        self._grow(sets.top + 1)

    # ------------------------------------------------------------------------- counting

    def facets(self, pks: IntArray) -> dict[str, dict[str, int]]:
        """Counts per value of each facet over the documents ``pks``."""
        pks = pks[pks < self.size]  # (one stored after the last refresh: not counted yet)
        counts: dict[str, dict[str, int]] = {}
        severity = np.bincount(self.severity[pks], minlength=len(SEVERITIES))
        counts["severity"] = {
            (value or "none"): int(n) for value, n in zip(SEVERITIES, severity, strict=True) if n
        }
        status = self.status[pks]
        known = status[status >= 0]
        by_status = np.bincount(known, minlength=len(STATUSES))
        counts["status"] = {
            value: int(n) for value, n in zip(STATUSES, by_status, strict=True) if n
        }
        years = self.year[pks]
        first = int(years.min()) if len(years) else 0
        by_year = np.bincount(years - first)  # counted, not sorted (np.unique sorts them all)
        counts["year"] = {str(first + int(y)): int(by_year[y]) for y in np.flatnonzero(by_year)}
        matched = np.zeros(self.size, dtype=np.bool_)
        matched[pks] = True
        for facet in LABELS:
            found: dict[str, int] = {}
            for label, holders in self.labels[facet].holders.items():
                n = int(np.count_nonzero(matched[holders]))
                if n:
                    found[label] = n
            counts[facet] = found
        return counts

    def newest_first(self, pks: IntArray, count: int) -> IntArray:
        """The first ``count`` of ``pks`` by incident start (newest first, undated last), then
        by creation, then by pk (the order of a listing)."""
        inside = pks[pks < self.size]
        started = self.started[inside]
        undated = np.isnan(started)
        keys = (-inside, -self.created[inside], -np.nan_to_num(started), undated)
        order = np.lexsort(keys)[:count]
        first: IntArray = inside[order]
        return first


_COLUMNS: weakref.WeakKeyDictionary[Engine, FacetColumns] = weakref.WeakKeyDictionary()
_COLUMNS_LOCK = threading.Lock()


def columns_for(session: Session) -> FacetColumns:
    """The process's copy for the session's database."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with _COLUMNS_LOCK:
        found = _COLUMNS.get(engine)
        if found is None:
            found = _COLUMNS[engine] = FacetColumns()
        return found


def fresh_columns(session: Session) -> FacetColumns:
    """The process's copy for the session's database, brought up to date with it."""
    columns = columns_for(session)
    session.connection()  # before the lock: never wait for the pool while holding it
    with columns.lock:
        columns.refresh(session)
    return columns


def load_columns(sessions: sessionmaker[Session]) -> None:
    """Fill the process's copy for the database of ``sessions`` now, so that a server
    process's first search does not wait for it (seconds on a library of 100,000)."""
    with sessions() as session:
        fresh_columns(session)


def _rows(session: Session, statement: Any) -> Sequence[Any]:
    """The driver's rows of a Core statement (no result processing: 100,000 rows at start)."""
    result = session.connection().execute(statement)
    rows: Sequence[Any] = result.cursor.fetchall()
    result.close()
    return rows


def as_arrays(matches: Sequence[tuple[int, float]]) -> tuple[IntArray, FloatArray]:
    """(pks, scores) of an engine's (pk, score) rows."""
    flat = np.fromiter(chain.from_iterable(matches), dtype=np.float64, count=2 * len(matches))
    pairs = flat.reshape(-1, 2)  # pks are exact in a float64
    pks: IntArray = pairs[:, 0].astype(np.int64)
    scores: FloatArray = pairs[:, 1].copy()
    return pks, scores


def count_matches(
    columns: FacetColumns,
    pks: IntArray,
    scores: FloatArray,
    *,
    limit: int,
    offset: int,
    facets: bool = True,
) -> Counted:
    """The page of the best matches (score, then newest pk first) and the facets of them all.

    ``pks`` are the matches SQL gave (visible to the viewer, filters applied); ``columns``
    must have been refreshed in this transaction, just before.
    """
    counts: dict[str, dict[str, int]] = {}
    if facets:
        with columns.lock:
            counts = columns.facets(pks)
    page = [(int(pks[i]), float(scores[i])) for i in _best(pks, scores, offset + limit)[offset:]]
    return Counted(page=page, total=len(pks), facets=counts)


def _best(pks: IntArray, scores: FloatArray, count: int) -> IntArray:
    """Indexes of the ``count`` best (highest score, then highest pk), best first."""
    candidates = np.arange(len(pks))
    if count < len(pks):  # only what can make the page, ties at the cut included
        cut = np.partition(scores, len(scores) - count)[len(scores) - count]
        candidates = np.flatnonzero(scores >= cut)
    order = np.lexsort((-pks[candidates], -scores[candidates]))[:count]
    best: IntArray = candidates[order]
    return best
