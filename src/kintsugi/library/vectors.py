"""Stored meaning vectors: compute them, keep them in memory, find the nearest (needs numpy).

Vectors are float32 blobs in ``library_vectors``, one per post-mortem, tagged with the model
and the hash of the text they were computed from; the index drops a vector when its text
changes, and :func:`refresh_vectors` computes the missing ones. Lookups multiply one matrix
of every vector (kept in memory, refreshed incrementally) by the document's vector.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.types import utcnow
from kintsugi.library.embeddings import single_threaded_blas
from kintsugi.library.index import embedding_text, text_hash
from kintsugi.library.models import LibraryDocumentRow, LibraryVectorRow
from kintsugi.people.principal import Principal
from kintsugi.postmortems.access import visible_to
from kintsugi.postmortems.columns import POSTMORTEM

Vector = NDArray[np.float32]
VISIBILITY_CHUNK = 900
RECOUNT_SECONDS = 30.0


class TextEncoder(Protocol):
    """What computes vectors: the embedding model, or a stand-in in tests."""

    name: str
    dimension: int

    def encode(self, texts: list[str]) -> NDArray[np.float32]: ...


def to_blob(vector: Vector) -> bytes:
    """A vector as little-endian float32 bytes."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_blob(blob: bytes) -> Vector:
    """Bytes from :func:`to_blob` back to a vector."""
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


def _documents_text(session: Session, pks: Iterable[int]) -> dict[int, str]:
    rows = session.execute(
        select(
            LibraryDocumentRow.postmortem_pk,
            LibraryDocumentRow.title,
            LibraryDocumentRow.keywords,
            LibraryDocumentRow.summary,
            func.substr(LibraryDocumentRow.body, 1, 2000),
        ).where(LibraryDocumentRow.postmortem_pk.in_(list(pks)))
    )
    return {int(pk): embedding_text(t, k, s, b or "") for pk, t, k, s, b in rows}


def store_vectors(session: Session, encoder: TextEncoder, pks: list[int]) -> int:
    """Compute and store the vectors of ``pks`` (indexed documents); returns how many."""
    texts = _documents_text(session, pks)
    order = [pk for pk in pks if pk in texts]
    if not order:
        return 0
    vectors = encoder.encode([texts[pk] for pk in order])
    now = utcnow()
    for pk, vector in zip(order, vectors, strict=True):
        row = session.get(LibraryVectorRow, pk) or LibraryVectorRow(postmortem_pk=pk)
        row.model = encoder.name
        row.dim = int(vector.shape[0])
        row.vector = to_blob(vector)
        row.text_hash = text_hash(texts[pk])
        row.updated_at = now
        session.add(row)
    session.flush()
    return len(order)


def missing_vectors(session: Session, model: str, limit: int | None = None) -> list[int]:
    """Indexed documents without a current vector from ``model``."""
    query = (
        select(LibraryDocumentRow.postmortem_pk)
        .outerjoin(
            LibraryVectorRow,
            (LibraryVectorRow.postmortem_pk == LibraryDocumentRow.postmortem_pk)
            & (LibraryVectorRow.model == model),
        )
        .where(LibraryVectorRow.postmortem_pk.is_(None))
        .order_by(LibraryDocumentRow.postmortem_pk)
    )
    if limit is not None:
        query = query.limit(limit)
    return [int(pk) for pk in session.scalars(query)]


def refresh_vectors(
    sessions: sessionmaker[Session],
    encoder: TextEncoder,
    *,
    batch_size: int = 16,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Compute every missing vector (at most ``limit``), committing batch by batch."""
    with sessions() as session:
        pending = missing_vectors(session, encoder.name, limit)
    done = 0
    for start in range(0, len(pending), batch_size):
        with sessions.begin() as session:
            done += store_vectors(session, encoder, pending[start : start + batch_size])
        if progress:
            progress(min(start + batch_size, len(pending)), len(pending))
    return done


def vector_of(session: Session, encoder: TextEncoder, pk: int) -> Vector | None:
    """The stored vector of one document, computed and stored first when missing."""
    row = session.get(LibraryVectorRow, pk)
    if row is None or row.model != encoder.name:
        if not store_vectors(session, encoder, [pk]):
            return None
        row = session.get(LibraryVectorRow, pk)
        assert row is not None
    return from_blob(row.vector)


@dataclass
class _Matrix:
    count: int = 0
    newest: datetime | None = None
    pks: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    vectors: Vector = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    counted_at: float = -math.inf


class VectorCache:
    """Every stored vector of a model as one matrix, reloaded only where the table changed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._matrices: dict[tuple[str, str], _Matrix] = {}

    def matrix(self, session: Session, model: str) -> tuple[NDArray[np.int64], Vector]:
        """(post-mortem pks, vectors) of every stored vector from ``model``.

        Each call reads the newest change (one step down an index); the vectors are counted
        (a pass over the index) only when that moved, or :data:`RECOUNT_SECONDS` after the
        last count, which is when a deletion alone is noticed. Until then a deleted vector
        may stay in the matrix: its post-mortem, if deleted, is never shown (lookups check
        visibility), and a vector recomputed since has a newer change."""
        key = (str(session.get_bind().engine.url), model)
        of_model = LibraryVectorRow.model == model
        newest = _aware(
            session.scalar(select(func.max(LibraryVectorRow.updated_at)).where(of_model))
        )
        with self._lock:
            cached = self._matrices.get(key, _Matrix())
        now = time.monotonic()
        if cached.newest == newest and now - cached.counted_at < RECOUNT_SECONDS:
            return cached.pks, cached.vectors
        count = int(session.scalar(select(func.count()).where(of_model)) or 0)
        with self._lock:
            cached = self._matrices.get(key, _Matrix())
            if (cached.count, cached.newest) != (count, newest):
                cached = self._reload(session, model, cached, count, newest)
            cached.counted_at = now
            self._matrices[key] = cached
            return cached.pks, cached.vectors

    def clear(self) -> None:
        with self._lock:
            self._matrices.clear()

    @staticmethod
    def _reload(
        session: Session, model: str, cached: _Matrix, count: int, newest: datetime | None
    ) -> _Matrix:
        query = select(LibraryVectorRow.postmortem_pk, LibraryVectorRow.vector).where(
            LibraryVectorRow.model == model
        )
        if cached.count and cached.newest is not None and newest is not None:
            changed = list(
                session.execute(query.where(LibraryVectorRow.updated_at > cached.newest))
            )
            position = {int(pk): i for i, pk in enumerate(cached.pks)}
            appended_pks: list[int] = []
            appended: list[Vector] = []
            vectors = cached.vectors.copy()
            for pk, blob in changed:
                vector = from_blob(blob)
                if pk in position and vector.shape[0] == vectors.shape[1]:
                    vectors[position[pk]] = vector
                else:
                    appended_pks.append(int(pk))
                    appended.append(vector)
            if cached.count + len(appended_pks) == count and all(
                v.shape[0] == vectors.shape[1] for v in appended
            ):
                pks = np.concatenate([cached.pks, np.asarray(appended_pks, dtype=np.int64)])
                if appended:
                    vectors = np.vstack([vectors, np.stack(appended)])
                return _Matrix(count, newest, pks, vectors)
        rows = list(session.execute(query.order_by(LibraryVectorRow.postmortem_pk)))
        if not rows:
            return _Matrix(count, newest)
        pks = np.fromiter((int(r[0]) for r in rows), dtype=np.int64, count=len(rows))
        matrix = np.stack([from_blob(r[1]) for r in rows])
        return _Matrix(count, newest, pks, matrix)


CACHE = VectorCache()


def _aware(value: datetime | str | None) -> datetime | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def nearest(
    session: Session,
    viewer: Principal,
    pk: int,
    vector: Vector,
    model: str,
    *,
    limit: int,
    cache: VectorCache = CACHE,
    stored: tuple[NDArray[np.int64], Vector] | None = None,
) -> list[tuple[int, float]]:
    """The ``limit`` documents whose vectors are closest to ``vector`` (cosine), visible to
    ``viewer``, leaving out ``pk`` itself; ``stored``: the (pks, vectors) of ``model`` when
    the caller has them from ``cache`` already."""
    pks, matrix = stored if stored is not None else cache.matrix(session, model)
    if not len(pks) or matrix.shape[1] != vector.shape[0]:
        return []
    with single_threaded_blas():
        scores = matrix @ vector
    scores[pks == pk] = -np.inf
    wanted = min(len(pks), max(limit * 8, 64))
    while True:
        if wanted < len(pks):
            top = np.argpartition(-scores, wanted - 1)[:wanted]
        else:
            top = np.arange(len(pks))
        top = top[np.argsort(-scores[top], kind="stable")]
        pairs = [(int(pks[i]), float(scores[i])) for i in top if scores[i] > -np.inf]
        visible = _visible(session, viewer, [p for p, _ in pairs])
        found = [(p, score) for p, score in pairs if p in visible]
        if len(found) >= limit or wanted >= len(pks):
            return found[:limit]
        wanted = min(len(pks), wanted * 8)


def _visible(session: Session, viewer: Principal, pks: list[int]) -> set[int]:
    visible: set[int] = set()
    for start in range(0, len(pks), VISIBILITY_CHUNK):
        chunk = pks[start : start + VISIBILITY_CHUNK]
        visible.update(
            session.scalars(
                select(POSTMORTEM.pk).where(POSTMORTEM.pk.in_(chunk), visible_to(viewer))
            )
        )
    return visible
