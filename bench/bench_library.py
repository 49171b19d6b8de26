"""Library search, lists, similar incidents and indexing cost on a generated library.

Full run: 100,000 generated post-mortems (bench/generate.py, several KB each) on SQLite, and
on PostgreSQL when ``KINTSUGI_TEST_POSTGRES_URL`` is set; quick: 10,000 on SQLite, 2,000 on
PostgreSQL. Rows, each against an anchor measured in the same run:
- search p50/p95 through the HTTP API (uvicorn on 127.0.0.1) over 120 distinct queries (words,
  phrases, prefixes, boolean forms; half with one or two filters; bench/library_queries.py),
  each asked once with the match cache on; anchor: the raw full-text statement of the same
  queries on the same database (target: p95 <= 1.5x, < 100 ms);
- the same queries asked a second time (the match cache), and the first search after a start;
- the same searches with ripgrep over the Markdown files (target: >= 20x faster than rg);
- the post-mortem list (filters, paging) and a document page with 500 timeline events and 50
  action items, p95 (target < 100 ms);
- similar-incident lookup p95 over as many stored 384-d vectors, each lookup asking a document
  not asked before, anchor: the bare numpy matrix product and top-k: by embedding alone
  (target < 50 ms), by words alone and combined, the default (target < 100 ms each);
- on PostgreSQL, the snippets of pages of 20 long post-mortems against every text given whole
  to ``ts_headline`` (bench/library_snippets.py);
- import with indexing against import alone (target <= 1.5x).
Needs ripgrep (`apt-get install -y ripgrep`) and numpy (the [similar] extra).

Against libraries generated before: ``python -m bench.bench_library --sqlite PATH``
``[--postgres URL] [--count N]`` (the figures in docs/performance-search.md).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.generate import documents
from bench.library_queries import TEAMS, raw_postgres, raw_sqlite
from bench.library_search import row as _row
from bench.library_search import search_rows
from bench.library_snippets import long_snippets_row

AT_REST = timedelta(days=1)
VISIBILITY = ("restricted", *["organisation"] * 8, "team")
"""How long ago the generated library's last change was (see ``_touch_every_document``)."""


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    if not text.startswith("---\n"):
        return {}, text
    end = text.index("\n---\n", 4)
    fields = {}
    for line in text[4:end].splitlines():
        key, _, value = line.partition(": ")
        fields[key] = value.strip()
    return fields, text[end + 5 :]


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").strip("[]").split(",") if v.strip()]


def load_library(url: str, folder: Path, count: int) -> list[str]:
    """Write ``count`` generated documents as files and bulk-insert them (with their index)."""
    from sqlalchemy import insert

    from kintsugi.core.db import make_engine, make_sessionmaker
    from kintsugi.core.migrations import upgrade
    from kintsugi.library.models import LibraryDocumentRow
    from kintsugi.library.text import plain_text
    from kintsugi.people import service as people
    from kintsugi.people.principal import SYSTEM
    from kintsugi.postmortems.models import PostmortemRow, ServiceRow, TagRow

    engine = make_engine(url)
    upgrade(engine)
    with make_sessionmaker(engine).begin() as session:
        teams = [people.create_team(session, SYSTEM, name).id for name in TEAMS]
    folder.mkdir(parents=True, exist_ok=True)
    ids: list[str] = []
    batch: dict[str, list[dict[str, Any]]] = {"pm": [], "tag": [], "svc": [], "doc": []}
    now = datetime.now(UTC)

    def flush() -> None:
        with engine.begin() as conn:
            conn.execute(insert(PostmortemRow.__table__), batch["pm"])
            if batch["tag"]:
                conn.execute(insert(TagRow.__table__), batch["tag"])
            if batch["svc"]:
                conn.execute(insert(ServiceRow.__table__), batch["svc"])
            conn.execute(insert(LibraryDocumentRow.__table__), batch["doc"])
        for rows in batch.values():
            rows.clear()

    for pk, (name, text) in enumerate(documents(count), start=1):
        (folder / name).write_text(text, encoding="utf-8")
        fields, body = _front_matter(text)
        title = re.search(r"^# (.+)$", body, re.M)
        parts = re.split(r"^## (.+)$", body, flags=re.M)
        sections = dict(zip(parts[1::2], parts[2::2], strict=True))
        started = datetime.fromisoformat(fields["started_at"]) if "started_at" in fields else None
        doc_id = fields.get("id") or name.removesuffix(".md")
        ids.append(doc_id)
        tags, services = _list(fields.get("tags")), _list(fields.get("services"))
        # a library at rest: each written up a few days after its incident, none today
        written = min((started or now - timedelta(days=365)) + timedelta(days=3), now - AT_REST)
        batch["pm"].append(
            {
                "pk": pk,
                "id": doc_id,
                "title": title.group(1) if title else doc_id,
                "kind": "near_miss" if pk % 20 == 7 else "postmortem",
                "status": "published" if pk % 3 else "draft",
                "severity": fields.get("severity"),
                "started_at": started,
                "timezone": "UTC",
                # most for the organisation, some for their team, some restricted
                "visibility": VISIBILITY[pk % 10],
                "team_id": teams[pk % len(teams)] if pk % 5 else None,
                "extra": {},
                "version": 1,
                "created_at": written,
                "updated_at": written,
            }
        )
        batch["tag"] += [{"postmortem_pk": pk, "tag": t} for t in tags]
        batch["svc"] += [{"postmortem_pk": pk, "service": s} for s in services]
        summary = plain_text(sections.pop("Summary", ""))
        batch["doc"].append(
            {
                "postmortem_pk": pk,
                "title": title.group(1) if title else doc_id,
                "summary": summary,
                "keywords": " ".join([doc_id, *tags, *services]),
                "body": "\n\n".join(f"{h}\n{plain_text(t)}" for h, t in sections.items()),
                "year": (started or now).year,
                "indexed_at": now,
            }
        )
        if len(batch["pm"]) >= 2000:
            flush()
    if batch["pm"]:
        flush()
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("INSERT INTO library_fts(library_fts) VALUES ('optimize')")
        else:  # the pks were given: the sequence goes on after them
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('postmortems', 'pk'), max(pk)) "
                "FROM postmortems"
            )
        conn.commit()
    engine.dispose()
    return ids


def _timed(call: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _similar_rows(url: str, count: int, runs: int) -> list[dict[str, Any]]:
    import numpy as np
    from sqlalchemy import insert, text

    from kintsugi.core.db import make_engine, make_sessionmaker
    from kintsugi.library import rarity
    from kintsugi.library.embeddings import DIMENSION, MODEL_NAME
    from kintsugi.library.models import LibraryVectorRow
    from kintsugi.library.similar import similar
    from kintsugi.library.vectors import CACHE, to_blob
    from kintsugi.people.principal import SYSTEM

    class StoredVectorsOnly:
        """Every vector is already stored: lookups never need the model itself."""

        name = MODEL_NAME
        dimension = DIMENSION

        def encode(self, texts: list[str]) -> Any:
            raise RuntimeError("no vector should be missing")

    rng = np.random.default_rng(7)
    engine = make_engine(url)
    now = datetime.now(UTC)
    with engine.connect() as conn:  # the generated ones and the benchmark's long document
        every = [int(r[0]) for r in conn.exec_driver_sql("SELECT pk FROM postmortems ORDER BY pk")]
    for start in range(0, len(every), 5000):
        pks = every[start : start + 5000]
        vectors = rng.standard_normal((len(pks), DIMENSION)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        rows = [
            {
                "postmortem_pk": pk,
                "model": MODEL_NAME,
                "dim": DIMENSION,
                "vector": to_blob(v),
                "text_hash": "bench",
                "updated_at": now,
            }
            for pk, v in zip(pks, vectors, strict=True)
        ]
        with engine.begin() as conn:
            conn.execute(insert(LibraryVectorRow.__table__), rows)
    sessions = make_sessionmaker(engine)
    encoder = StoredVectorsOnly()
    methods = ("embedding", "lexical", "combined")
    with sessions() as session:
        started = time.perf_counter()
        CACHE.matrix(session, MODEL_NAME)
        load_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        rarity.CACHE.rarity(session)
        rarity_ms = (time.perf_counter() - started) * 1000
        # distinct documents spread over the library, each asked once by one method only
        step = max(1, count // (runs * len(methods)))
        ids = [
            r[0]
            for r in session.execute(
                text("SELECT id FROM postmortems WHERE pk % :step = 0 ORDER BY pk LIMIT :n"),
                {"step": step, "n": runs * len(methods)},
            )
        ]
    lookup_ms: dict[str, list[float]] = {m: [] for m in methods}
    for position, method in enumerate(methods):
        for id in ids[position :: len(methods)]:
            with sessions() as session:
                started = time.perf_counter()
                similar(session, SYSTEM, id, limit=5, method=method, encoder=encoder)
                lookup_ms[method].append((time.perf_counter() - started) * 1000)
    with sessions() as session:
        pks, matrix = CACHE.matrix(session, MODEL_NAME)
        words = _query_words(session, ids)
    anchor_ms = _timed(lambda: np.argpartition(-(matrix @ matrix[0]), 64)[:64], runs)
    engine.dispose()
    asked = len(lookup_ms["combined"])
    said = {"lexical": f", {words:.1f} query words within the postings budget"}
    return [
        _row(
            f"similar lookup ({method}) p95 over {count:,} documents, {asked} asked once"
            + said.get(method, ""),
            _percentile(lookup_ms[method], 0.95),
            "ms",
            "numpy matrix product + top-k p95",
            _percentile(anchor_ms, 0.95),
            "< 50 ms" if method == "embedding" else "< 100 ms",
        )
        for method in methods
    ] + [
        _row(
            f"similar: first load of {count:,} vectors into memory",
            load_ms,
            "ms",
            "",
            0.0,
            "once per process",
            ratio=None,
        ),
        _row(
            f"similar: first count of word frequencies over {min(count, rarity.SAMPLE):,} documents",
            rarity_ms,
            "ms",
            "",
            0.0,
            "once per process",
            ratio=None,
        ),
    ]


def _query_words(session: Any, ids: list[str]) -> float:
    """How many words the lexical ranking's query keeps on average for ``ids``: on generated
    documents, whose few hundred words are each held by thousands, the budget keeps few."""
    from kintsugi.library import rarity, similar
    from kintsugi.library.models import LibraryDocumentRow
    from kintsugi.people.principal import SYSTEM
    from kintsugi.postmortems.service import find_row

    table = rarity.CACHE.rarity(session)
    kept = []
    for id in ids:
        doc = session.get(LibraryDocumentRow, find_row(session, id, SYSTEM).pk)
        chosen = similar.telling_words(doc.title, doc.keywords, doc.summary, doc.body, table)
        words = [word for word, _ in chosen]
        kept.append(len(similar.within_budget(words, table, similar.POSTINGS_BUDGET)))
    return sum(kept) / max(len(kept), 1)


def _import_ms_per_doc(folder: Path, db: Path, count: int) -> float:
    from kintsugi.core.db import make_engine, make_sessionmaker
    from kintsugi.core.migrations import upgrade
    from kintsugi.people.principal import SYSTEM
    from kintsugi.postmortems.importer import import_paths

    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    started = time.perf_counter()
    result = import_paths(make_sessionmaker(engine), [folder], SYSTEM)
    elapsed = time.perf_counter() - started
    engine.dispose()
    if not result.ok:
        raise RuntimeError(f"import failed: {result.errors[:3]}")
    return elapsed * 1000 / count


def _indexing_row(count: int) -> dict[str, Any]:
    """Import with the index kept in step on every write against import without it.

    Until the post-mortem service indexes by itself, the bench wires the library in the way
    the service will: ``reindex_document`` after each write, ``reindex_documents`` after each
    bulk create.
    """
    from sqlalchemy import select

    from kintsugi.library import index
    from kintsugi.postmortems import service
    from kintsugi.postmortems.models import PostmortemRow

    originals = (index.reindex_document, index.reindex_documents)
    original_write, original_bulk = service._write, service.create_documents
    calls: list[str] = []

    def counting_one(session: Any, pk: int, doc: Any = None) -> None:
        calls.append("one")
        originals[0](session, pk, doc)

    def counting_many(session: Any, stored: Any, created_at: Any = None) -> None:
        calls.append("many")
        originals[1](session, stored, created_at)

    def wired_write(session: Any, row: Any, doc: Any, actor: Any, **kwargs: Any) -> Any:
        stored = original_write(session, row, doc, actor, **kwargs)
        index.reindex_document(session, row.pk, stored)
        return stored

    def wired_bulk(session: Any, docs: Any, actor: Any) -> Any:
        stored = original_bulk(session, docs, actor)
        ids = [d.id for d in stored]
        query = select(PostmortemRow.id, PostmortemRow.pk).where(PostmortemRow.id.in_(ids))
        pks = {id_: pk for id_, pk in session.execute(query)}
        index.reindex_documents(session, [(pks[d.id], d) for d in stored])
        return stored

    def disabled(*args: Any, **kwargs: Any) -> None:
        return None

    with tempfile.TemporaryDirectory() as tmp:
        folder, probe = Path(tmp) / "docs", Path(tmp) / "probe"
        folder.mkdir()
        probe.mkdir()
        for name, text in documents(count, seed=11):
            (folder / name).write_text(text, encoding="utf-8")
        for name, text in documents(3, seed=3):
            (probe / name).write_text(text, encoding="utf-8")
        try:
            index.reindex_document, index.reindex_documents = counting_one, counting_many  # type: ignore[assignment]
            _import_ms_per_doc(probe, Path(tmp) / "probe.db", 3)
            wired = bool(calls)
            index.reindex_document = index.reindex_documents = disabled  # type: ignore[assignment]
            alone = _import_ms_per_doc(folder, Path(tmp) / "alone.db", count)
            index.reindex_document, index.reindex_documents = originals  # type: ignore[assignment]
            if not wired:
                service._write, service.create_documents = wired_write, wired_bulk  # type: ignore[assignment]
            indexed = _import_ms_per_doc(folder, Path(tmp) / "indexed.db", count)
            with __import__("sqlite3").connect(Path(tmp) / "indexed.db") as check:
                found = check.execute("SELECT count(*) FROM library_documents").fetchone()[0]
            if found != count:
                raise RuntimeError(f"indexed {found} of {count} imported documents")
        finally:
            index.reindex_document, index.reindex_documents = originals  # type: ignore[assignment]
            service._write, service.create_documents = original_write, original_bulk  # type: ignore[assignment]
    return _row(
        f"import {count:,} docs with indexing on every write vs without",
        indexed,
        "ms/doc",
        "import without indexing",
        alone,
        "<= 1.5x",
    )


def run(quick: bool) -> list[dict[str, Any]]:
    count = 10_000 if quick else 100_000
    runs = 10 if quick else 20
    if shutil.which("rg") is None:
        raise RuntimeError("ripgrep is missing: apt-get install -y ripgrep")
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "library.db"
        url = f"sqlite:///{db_path}"
        folder = Path(tmp) / "markdown"
        load_library(url, folder, count)
        rows = search_rows(url, raw_sqlite(str(db_path)), folder, count, "SQLite")
        rows += _similar_rows(url, count, runs * 5)
    postgres = os.environ.get("KINTSUGI_TEST_POSTGRES_URL")
    if postgres:
        rows += _postgres_rows(postgres, 2_000 if quick else count)
    try:
        rows.append(_indexing_row(500 if quick else 3000))
    except Exception as exc:  # keep the figures measured so far
        rows.append(
            _row(
                f"import with indexing: failed ({exc})",
                float("nan"),
                "ms/doc",
                "",
                0.0,
                "<= 1.5x",
                ratio=None,
            )
        )
    return rows


def _postgres_rows(admin_url: str, count: int) -> list[dict[str, Any]]:
    """The search rows on a PostgreSQL database made for the run (dropped after it)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"kintsugi_bench_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            load_library(url, Path(tmp) / "markdown", count)
        rows = search_rows(url, raw_postgres(url), None, count, "PostgreSQL")
        return [*rows, long_snippets_row(url)]
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _existing(argv: list[str]) -> list[dict[str, Any]]:
    """The search rows against libraries generated before (``load_library``)."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_library")
    parser.add_argument("--sqlite", type=Path, help="a generated SQLite library")
    parser.add_argument("--markdown", type=Path, help="its Markdown files (for ripgrep)")
    parser.add_argument("--postgres", help="the URL of a generated PostgreSQL library")
    parser.add_argument("--count", type=int, required=True, help="how many post-mortems")
    parser.add_argument("--queries", type=int, default=120, help="distinct queries (>= 100)")
    parser.add_argument(
        "--no-warm", action="store_true", help="no raw run before each API request (1,000,000)"
    )
    args = parser.parse_args(argv)
    options = {"queries_asked": args.queries, "warm": not args.no_warm}
    rows: list[dict[str, Any]] = []
    if args.sqlite:
        raw = raw_sqlite(str(args.sqlite))
        url = f"sqlite:///{args.sqlite}"
        rows += search_rows(url, raw, args.markdown, args.count, "SQLite", **options)
    if args.postgres:
        raw = raw_postgres(args.postgres)
        rows += search_rows(args.postgres, raw, None, args.count, "PostgreSQL", **options)
    return rows


def _iter_rows(rows: list[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        ratio = f" ratio {row['ratio']:.2f}" if row.get("ratio") is not None else ""
        yield (
            f"{row['name']}: {row['value']:.1f} {row['unit']} "
            f"(anchor {row['anchor_value']:.1f}){ratio}"
        )


if __name__ == "__main__":
    import sys

    from kintsugi.wiring import wire

    wire()
    if "--quick" in sys.argv or len(sys.argv) == 1:
        found = run("--quick" in sys.argv)
    else:
        found = _existing(sys.argv[1:])
    for line in _iter_rows(found):
        print(line)
