"""The library benchmark's HTTP measurements: search (first asks, repeats, the first after a
start), ripgrep over the same files, the post-mortem list and a long document's page, alone
and while a crowd searches."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.library_queries import RawRunner, query_set

QUERIES = 120
REPEATS = 40
"""Queries of the set asked a second time (answered by the match cache)."""
RIPGREP_QUERIES = 32
PAGE_RUNS = 40
CROWD = 8
"""People searching at once while the document page is timed."""
CROWD_SAMPLES = 15
LONG_DOCUMENT_ID = "bench-long-document"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def row(
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


class Server:
    """The web app under uvicorn on an ephemeral 127.0.0.1 port, in a thread, started as
    ``kintsugi serve`` starts it (the library's columns load in the background)."""

    def __init__(self, url: str) -> None:
        import uvicorn

        from kintsugi.core.config import Settings
        from kintsugi.library import api, pages
        from kintsugi.web.app import create_app

        app = create_app(Settings(database_url=url), server=True)
        paths = {getattr(r, "path", "") for r in app.routes}
        for router in (api.router, pages.router):
            if not {getattr(r, "path", "") for r in router.routes} <= paths:
                app.include_router(router)
        self.app = app
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the web app did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.app.state.engine.dispose()


def token(url: str) -> str:
    """A read token of a signed-in viewer (sees what the organisation may see)."""
    from kintsugi.core.db import make_engine, make_sessionmaker
    from kintsugi.people import service as people
    from kintsugi.people.principal import SYSTEM, Role

    engine = make_engine(url)
    name = f"bench-{int(time.time() * 1000)}"
    with make_sessionmaker(engine).begin() as session:
        people.create_user(session, SYSTEM, name, role=Role.VIEWER, password="bench password 1")
        secret = people.create_token(session, SYSTEM, name, "bench", "read").secret
    engine.dispose()
    return secret


def long_document(url: str) -> str:
    """A post-mortem with 500 timeline events and 50 action items (stored once)."""
    from kintsugi.core.db import make_engine, make_sessionmaker
    from kintsugi.people.principal import SYSTEM
    from kintsugi.postmortems import service
    from kintsugi.postmortems.document import ActionItem, Document, Section, TimelineEvent

    engine = make_engine(url)
    try:
        with make_sessionmaker(engine).begin() as session:
            if service.existing_ids(session, [LONG_DOCUMENT_ID]):
                return LONG_DOCUMENT_ID
            start = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
            doc = Document(
                id=LONG_DOCUMENT_ID,
                title="Checkout outage with a long timeline",
                started_at=start,
                sections=[Section(key="summary", heading="Summary", markdown="A long one.")],
                timeline=[
                    TimelineEvent(at=start + timedelta(minutes=i), text=f"Step {i}: checked pods")
                    for i in range(500)
                ],
                action_items=[ActionItem(title=f"Follow-up number {i}") for i in range(50)],
            )
            return service.create_document(session, doc, SYSTEM).id or LONG_DOCUMENT_ID
    finally:
        engine.dispose()


def _timed_get(client: Any, path: str, params: dict[str, Any] | None = None) -> float:
    started = time.perf_counter()
    client.get(path, params=params).raise_for_status()
    return (time.perf_counter() - started) * 1000


def search_rows(
    url: str,
    raw: RawRunner,
    folder: Path | None,
    count: int,
    engine: str,
    *,
    queries_asked: int = QUERIES,
    warm: bool = True,
) -> list[dict[str, Any]]:
    """Search, repeats, first after a start, ripgrep, list and document pages, for one
    database (``engine`` names it in the rows). ``warm``: run each raw statement once before
    the API asks (the same pages in the OS cache for both); without it the raw statement runs
    right after the API's request, whose reads warm the cache for it."""
    import httpx

    queries = query_set(queries_asked)
    secret = token(url)
    document = long_document(url)
    api_ms: list[float] = []
    raw_ms: list[float] = []
    repeat_ms: list[float] = []
    list_ms: list[float] = []
    document_ms: list[float] = []
    with (
        Server(url) as server,
        httpx.Client(
            base_url=f"http://127.0.0.1:{server.port}",
            headers={"Authorization": f"Bearer {secret}"},
            timeout=120,
        ) as client,
    ):
        first_ms = _timed_get(client, "/api/v1/search", {"q": "database timeout"})
        for query, filters in queries:
            params = {"q": query, **{k: str(v) for k, v in filters.items()}}
            if warm:
                raw(query, filters)  # the same pages in the OS cache for both
            api_ms.append(_timed_get(client, "/api/v1/search", params))
            started = time.perf_counter()
            raw(query, filters)
            raw_ms.append((time.perf_counter() - started) * 1000)
        # the last ones asked: on a slow run the first ones may be older than the cache keeps
        # an entry (matches.MAX_AGE), and a repeat of those would run in full
        for query, filters in queries[-REPEATS:]:
            params = {"q": query, **{k: str(v) for k, v in filters.items()}}
            repeat_ms.append(_timed_get(client, "/api/v1/search", params))
        pages = _list_requests(count)
        for path, params in pages:  # once to warm, then measured
            _timed_get(client, path, params)
        for i in range(PAGE_RUNS):
            path, params = pages[i % len(pages)]
            list_ms.append(_timed_get(client, path, params))
        for _ in range(3):
            _timed_get(client, f"/postmortems/{document}")
        for i in range(PAGE_RUNS):
            page = f"/postmortems/{document}" if i % 2 else f"/api/v1/postmortems/{document}"
            document_ms.append(_timed_get(client, page))
        crowd_ms = _page_in_a_crowd(client, f"/postmortems/{document}", queries)

    docs = f"{count:,} docs, {engine}"
    anchor = "raw full-text statement"
    rows = [
        row(
            f"search p50, HTTP API, {len(queries)} distinct queries ({docs})",
            percentile(api_ms, 0.5),
            "ms",
            anchor + " p50",
            percentile(raw_ms, 0.5),
            "<= 1.5x anchor",
        ),
        row(
            f"search p95, HTTP API, {len(queries)} distinct queries ({docs})",
            percentile(api_ms, 0.95),
            "ms",
            anchor + " p95",
            percentile(raw_ms, 0.95),
            "<= 1.5x anchor, < 100 ms",
        ),
        row(
            f"search p50, the same queries asked again (match cache) ({docs})",
            percentile(repeat_ms, 0.5),
            "ms",
            "first ask p50",
            percentile(api_ms[-REPEATS:], 0.5),
            "",
        ),
        row(
            f"first search after a start (columns loading) ({docs})",
            first_ms,
            "ms",
            "",
            0.0,
            "once per process",
            ratio=None,
        ),
        row(
            f"post-mortem list p95, filters and paging ({docs})",
            percentile(list_ms, 0.95),
            "ms",
            "",
            0.0,
            "< 100 ms",
            ratio=None,
        ),
        row(
            f"document page p95, 500 timeline events, 50 action items ({docs})",
            percentile(document_ms, 0.95),
            "ms",
            "",
            0.0,
            "< 100 ms",
            ratio=None,
        ),
        row(
            f"document page p95 while {CROWD} people search at once ({docs})",
            percentile(crowd_ms, 0.95),
            "ms",
            "the same page alone p95",
            percentile(document_ms, 0.95),
            "< 200 ms",
        ),
    ]
    if folder is not None:
        rows.append(_ripgrep_row(folder, queries, api_ms, docs))
    return rows


def _page_in_a_crowd(
    client: Any, page: str, queries: list[tuple[str, dict[str, Any]]]
) -> list[float]:
    """Times of ``page`` while ``CROWD`` people search, each query of theirs a new one (one of
    the set's, with a word added that excludes nothing)."""
    import httpx

    stop = threading.Event()

    def search(person: int) -> None:
        with httpx.Client(base_url=client.base_url, headers=client.headers, timeout=600) as own:
            asked = person
            while not stop.is_set():
                query, filters = queries[asked % len(queries)]
                params = {"q": f"{query} -zz{asked}", **filters}  # not one the cache holds
                own.get("/api/v1/search", params=params)
                asked += CROWD

    crowd = [threading.Thread(target=search, args=(person,)) for person in range(CROWD)]
    for person in crowd:
        person.start()
    try:
        time.sleep(2)  # every one of them searching
        timed = []
        for _ in range(CROWD_SAMPLES):
            timed.append(_timed_get(client, page))
            time.sleep(0.5)
    finally:
        stop.set()
        for person in crowd:
            person.join()
    return timed


def _list_requests(count: int) -> list[tuple[str, dict[str, Any]]]:
    """Post-mortem list requests: the page and the API, filters, deep pages."""
    last_page = max(1, count // 50 // 3)
    return [
        ("/postmortems", {}),
        ("/postmortems", {"page": 2}),
        ("/postmortems", {"severity": "SEV1"}),
        ("/postmortems", {"status": "draft", "page": 5}),
        ("/postmortems", {"tag": "capacity", "page": 3}),
        ("/postmortems", {"kind": "near_miss"}),
        ("/postmortems", {"page": last_page}),
        ("/api/v1/postmortems", {"limit": 50}),
        ("/api/v1/postmortems", {"severity": "SEV2", "offset": 500}),
        ("/api/v1/postmortems", {"service": "checkout-api", "limit": 50}),
    ]


def _ripgrep_row(
    folder: Path, queries: list[tuple[str, dict[str, Any]]], api_ms: list[float], docs: str
) -> dict[str, Any]:
    """The first ``RIPGREP_QUERIES`` queries of the set (all four forms, every other one with
    filters, which rg leaves out: it does less than the API there) answered by ripgrep over
    the Markdown files, against the API's figures for the same queries in the same run."""
    rg = shutil.which("rg")
    if rg is None:
        raise RuntimeError("ripgrep is missing: apt-get install -y ripgrep")
    every = {str(path) for path in folder.iterdir()}
    rg_ms: list[float] = []
    for query, _ in queries[:RIPGREP_QUERIES]:
        started = time.perf_counter()
        ripgrep_files(rg, folder, query, every)
        rg_ms.append((time.perf_counter() - started) * 1000)
    same = api_ms[:RIPGREP_QUERIES]
    return row(
        f"ripgrep over the Markdown files vs API p50, the same {len(rg_ms)} queries ({docs})",
        percentile(same, 0.5),
        "ms",
        "rg -l -i p50 (one pass per term, sets combined)",
        percentile(rg_ms, 0.5),
        ">= 20x faster than rg (ratio <= 0.05)",
    )


def ripgrep_files(rg: str, folder: Path, query: str, every: set[str]) -> set[str]:
    """The files that match ``query`` as ripgrep finds them: one ``rg -l -i`` pass over the
    folder per term (a word, a phrase with any spacing between its words, a prefix), the
    sets combined as the query says (AND: intersection, OR: union, NOT: the rest)."""
    from kintsugi.library.query import And, Node, Not, Or, Term, parse_query

    def files(node: Node) -> set[str]:
        if isinstance(node, Term):
            words = [re.escape(w) for w in node.words]
            pattern = r"\b" + r"\W+".join(words) + (r"\w*" if node.prefix else r"\b")
            found = subprocess.run(
                [rg, "-l", "-i", "-e", pattern, str(folder)], capture_output=True, text=True
            )
            return set(found.stdout.splitlines())
        if isinstance(node, Not):
            return every - files(node.child)
        parts = [files(child) for child in node.children]
        if isinstance(node, And):
            return set.intersection(*parts)
        assert isinstance(node, Or)
        return set.union(*parts)

    parsed = parse_query(query)
    return files(parsed) if parsed is not None else set()
