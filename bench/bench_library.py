"""Library search, similar incidents and indexing cost on a generated library (SQLite).

Full run: 100,000 generated post-mortems (bench/generate.py, several KB each); quick: 10,000.
Rows, each against an anchor measured in the same run:
- search p50/p95 through the service and through the HTTP API (uvicorn on 127.0.0.1), anchor:
  the same query as one raw FTS5 statement on the same database (target p95 <= 1.5x, < 50 ms),
  on a library at rest (its last change a day old); then the API's p95 again right after every
  post-mortem changed, as after a bulk import;
- the same searches with ripgrep over the Markdown files (target: >= 20x faster than rg);
- similar-incident lookup p95 over as many stored 384-d vectors, each lookup asking a document
  not asked before, anchor: the bare numpy matrix product and top-k: by embedding alone
  (target < 50 ms), by words alone and combined, the default (target < 100 ms each);
- import with indexing against import alone (target <= 1.5x).
Needs ripgrep (`apt-get install -y ripgrep`) and numpy (the [similar] extra).
"""

from __future__ import annotations

import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.generate import documents

SEARCHES: list[tuple[str, dict[str, Any], str]] = [
    # (query, filters, what ripgrep is asked: the phrase or the most selective word)
    ("certificate", {}, "certificate"),
    ('"leader election"', {}, "leader election"),
    ("coredns", {}, "coredns"),
    ("timeout AND database", {}, "timeout"),
    ("cache NOT kafka", {}, "cache"),
    ("kube*", {}, "kube"),
    ("backoff circuit breaker", {}, "circuit breaker"),
    ("certificate", {"severity": "SEV1"}, "certificate"),
    ("disk", {"tag": "capacity"}, "disk"),
    ("rollback", {"year": 2022}, "rollback"),
    ("stale cache", {"service": "search"}, "stale"),
    ('"schema migration" OR "exclusive lock"', {}, "exclusive lock"),
]
RIPGREP_RUNS = 2
AT_REST = timedelta(days=1)
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

    from kintsugi.core.db import make_engine
    from kintsugi.core.migrations import upgrade
    from kintsugi.library.models import LibraryDocumentRow
    from kintsugi.library.text import plain_text
    from kintsugi.postmortems.models import PostmortemRow, ServiceRow, TagRow

    engine = make_engine(url)
    upgrade(engine)
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
                "kind": "postmortem",
                "status": "published" if pk % 3 else "draft",
                "severity": fields.get("severity"),
                "started_at": started,
                "timezone": "UTC",
                "visibility": "organisation" if pk % 10 else "restricted",
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
        conn.exec_driver_sql("INSERT INTO library_fts(library_fts) VALUES ('optimize')")
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


def _raw_fts5(db_path: Path) -> Callable[[str, dict[str, Any]], list[Any]]:
    """The anchor: the query as one hand-written FTS5 statement, filters joined in."""
    from kintsugi.library.query import parse_query, to_fts5

    conn = sqlite3.connect(db_path)

    def run(query: str, filters: dict[str, Any]) -> list[Any]:
        node = parse_query(query)
        assert node is not None
        sql = (
            "SELECT f.rowid, bm25(library_fts, 10.0, 5.0, 5.0, 1.0) AS score FROM library_fts f "
            "JOIN postmortems p ON p.pk = f.rowid WHERE library_fts MATCH ? "
            "AND p.deleted_at IS NULL"
        )
        args: list[Any] = [to_fts5(node)]
        if "severity" in filters:
            sql += " AND p.severity = ?"
            args.append(filters["severity"])
        if "tag" in filters:
            sql += " AND p.pk IN (SELECT postmortem_pk FROM postmortem_tags WHERE tag = ?)"
            args.append(filters["tag"])
        if "service" in filters:
            sql += " AND p.pk IN (SELECT postmortem_pk FROM postmortem_services WHERE service = ?)"
            args.append(filters["service"])
        if "year" in filters:
            sql += " AND p.pk IN (SELECT postmortem_pk FROM library_documents WHERE year = ?)"
            args.append(filters["year"])
        return conn.execute(sql + " ORDER BY score LIMIT 20", args).fetchall()

    return run


class _Server:
    """The web app under uvicorn on an ephemeral 127.0.0.1 port, in a thread."""

    def __init__(self, url: str) -> None:
        import uvicorn

        from kintsugi.core.config import Settings
        from kintsugi.library import api
        from kintsugi.web.app import create_app

        app = create_app(Settings(database_url=url))
        if "/api/v1/search" not in {getattr(r, "path", "") for r in app.routes}:
            app.include_router(api.router)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the web app did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _touch_every_document(url: str) -> None:
    """Mark every post-mortem as changed now, as a bulk import or a migration leaves them.

    A search re-checks the post-mortems changed in the last two minutes (its in-memory copy of
    visibility and facets must see every committed change, ``kintsugi.library.facets``); at rest
    there are few, after a bulk change there are all of them.
    """
    from sqlalchemy import update

    from kintsugi.core.db import make_engine
    from kintsugi.core.types import utcnow
    from kintsugi.postmortems.models import PostmortemRow

    engine = make_engine(url)
    with engine.begin() as conn:  # stored as the service stores times (UTCDateTime)
        conn.execute(
            update(PostmortemRow).values(updated_at=utcnow(), version=PostmortemRow.version + 1)
        )
    engine.dispose()


def _token(url: str) -> str:
    from kintsugi.core.db import make_engine, make_sessionmaker
    from kintsugi.people import service as people
    from kintsugi.people.principal import SYSTEM, Role

    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        people.create_user(session, SYSTEM, "bench", role=Role.VIEWER, password="bench password 1")
        secret = people.create_token(session, SYSTEM, "bench", "bench", "read").secret
    engine.dispose()
    return secret


def _row(
    name: str,
    value: float,
    unit: str,
    anchor: str,
    anchor_value: float,
    target: str,
    ratio: float | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "anchor": anchor,
        "anchor_value": anchor_value,
        "ratio": ratio if ratio is not None else (value / anchor_value if anchor_value else None),
        "target": target,
    }


def _search_rows(
    url: str, db_path: Path, folder: Path, count: int, runs: int
) -> list[dict[str, Any]]:
    import httpx

    from kintsugi.core.db import make_engine, make_sessionmaker
    from kintsugi.library import matches
    from kintsugi.library.search import SearchFilters, search
    from kintsugi.people.principal import Principal, Role

    rg = shutil.which("rg")
    if rg is None:
        raise RuntimeError("ripgrep is missing: apt-get install -y ripgrep")
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    viewer = Principal(user_id=1, username="bench", role=Role.VIEWER)  # sees organisation docs
    raw = _raw_fts5(db_path)
    service_ms: list[float] = []
    anchor_ms: list[float] = []
    for query, filters, _ in SEARCHES:
        search_filters = SearchFilters(**filters)
        for _ in range(2):  # warm the page cache
            with sessions() as session:
                search(session, viewer, query, search_filters)
            raw(query, filters)
        for _ in range(runs):
            matches.clear_all()  # the figure is a first search, not one repeated
            started = time.perf_counter()
            with sessions() as session:
                search(session, viewer, query, search_filters)
            service_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            raw(query, filters)
            anchor_ms.append((time.perf_counter() - started) * 1000)
    engine.dispose()

    token = _token(url)
    api_ms: list[float] = []
    touched_ms: list[float] = []
    with (
        _Server(url) as server,
        httpx.Client(
            base_url=f"http://127.0.0.1:{server.port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ) as client,
    ):

        def api_searches(times: list[float]) -> None:
            for query, filters, _ in SEARCHES:
                params = {"q": query, **{k: str(v) for k, v in filters.items()}}
                client.get("/api/v1/search", params=params).raise_for_status()
                for _ in range(runs):
                    matches.clear_all()  # (the server runs in this process)
                    started = time.perf_counter()
                    client.get("/api/v1/search", params=params).raise_for_status()
                    times.append((time.perf_counter() - started) * 1000)

        api_searches(api_ms)
        _touch_every_document(url)
        api_searches(touched_ms)

    rg_ms: list[float] = []
    for _, _, pattern in SEARCHES:
        for _ in range(RIPGREP_RUNS):
            started = time.perf_counter()
            subprocess.run(
                [rg, "-l", "-i", "-F", pattern, str(folder)], capture_output=True, check=False
            )
            rg_ms.append((time.perf_counter() - started) * 1000)

    docs = f"{count:,} docs"
    anchor = "raw FTS5 statement"
    return [
        _row(
            f"search p50, service ({docs})",
            _percentile(service_ms, 0.5),
            "ms",
            anchor,
            _percentile(anchor_ms, 0.5),
            "<= 1.5x anchor",
        ),
        _row(
            f"search p95, service ({docs})",
            _percentile(service_ms, 0.95),
            "ms",
            anchor,
            _percentile(anchor_ms, 0.95),
            "<= 1.5x anchor, < 50 ms",
        ),
        _row(
            f"search p50, HTTP API ({docs})",
            _percentile(api_ms, 0.5),
            "ms",
            anchor,
            _percentile(anchor_ms, 0.5),
            "<= 1.5x anchor",
        ),
        _row(
            f"search p95, HTTP API ({docs})",
            _percentile(api_ms, 0.95),
            "ms",
            anchor,
            _percentile(anchor_ms, 0.95),
            "<= 1.5x anchor, < 50 ms",
        ),
        _row(
            f"search p95, HTTP API, every post-mortem changed in the last 2 minutes ({docs})",
            _percentile(touched_ms, 0.95),
            "ms",
            anchor,
            _percentile(anchor_ms, 0.95),
            "",
        ),
        _row(
            f"ripgrep over the Markdown files vs API p50 ({docs})",
            _percentile(api_ms, 0.5),
            "ms",
            "rg -l -i -F p50",
            _percentile(rg_ms, 0.5),
            ">= 20x faster than rg (ratio <= 0.05)",
        ),
    ]


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
    for start in range(1, count + 1, 5000):
        pks = range(start, min(start + 5000, count + 1))
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
        rows = _search_rows(url, db_path, folder, count, runs)
        rows += _similar_rows(url, count, runs * 5)
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


def _iter_rows(rows: list[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield f"{row['name']}: {row['value']:.1f} {row['unit']} (anchor {row['anchor_value']:.1f})"


if __name__ == "__main__":
    import sys

    for line in _iter_rows(run("--quick" in sys.argv)):
        print(line)
