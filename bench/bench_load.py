"""50 concurrent users against `kintsugi serve` on PostgreSQL with several workers.

Each user waits 0.2-0.8 s between requests, as a person reading pages does.

The mix: reading pages (list, document), searching (the library search API when present, the
filtered list otherwise) and editing (read, then PUT with the version read; a 409 is a refused
stale edit, never an error). Afterwards every acknowledged edit is checked against the
version history: it must be there, at the version the server acknowledged, so nothing was lost
or silently overwritten. Anchor: a constant FastAPI endpoint served by the same server with the
same workers, under the same load. The machine's CPU during the run (busy, and stolen by the
hypervisor) is reported too: a run on a robbed or busy machine is not comparable.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench.generate import documents
from bench.machine import cpu_times, shares
from kintsugi.core.db import make_engine, make_sessionmaker, refresh_statistics
from kintsugi.core.migrations import upgrade
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems import history
from kintsugi.postmortems.markdown import parse_markdown
from kintsugi.postmortems.service import upsert_document

USERS = 50
WORKERS = 2
THINK_SECONDS = (0.2, 0.8)  # a person reads for a moment between clicks
ROOT = Path(__file__).resolve().parent.parent
KINTSUGI = str(Path(sys.executable).with_name("kintsugi"))
ADMIN_URL = os.environ.get(
    "KINTSUGI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
QUERIES = ["database", "certificate", "rollback", "kafka", "timeout", "dns", "cache"]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "server exited"
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not start at {url}")


def _prepare(db_url: str, docs: int) -> tuple[list[str], list[str]]:
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    tokens, ids = [], []
    with sessions.begin() as session:
        for name, markdown in documents(docs, seed=11):
            doc = parse_markdown(markdown, source=name)
            doc.id = doc.id or name.removesuffix(".md")
            stored, _ = upsert_document(session, doc, SYSTEM)
            ids.append(str(stored.id))
        for n in range(USERS):
            people.create_user(session, SYSTEM, f"user{n}", role=Role.EDITOR)
            tokens.append(people.create_token(session, SYSTEM, f"user{n}", "bench", "write").secret)
    with sessions.begin() as session:
        refresh_statistics(session)  # as `kintsugi import` does after a large import
    engine.dispose()
    return tokens, ids


class _Failed(Exception):
    """A request the server answered wrongly (or not at all)."""


async def _user(
    client: aiohttp.ClientSession,
    ids: list[str],
    until: float,
    latencies: list[float],
    errors: list[str],
    acknowledged: list[tuple[str, int, str]],
    search_path: str | None,
    rng: random.Random,
) -> None:
    shared = ids[:10]  # edits concentrate on a few documents, so they collide
    while time.monotonic() < until:
        roll = rng.random()
        started = time.perf_counter()
        try:
            if roll < 0.5:
                path = "/postmortems" if roll < 0.15 else f"/postmortems/{rng.choice(ids)}"
                await _read(client, "GET", path)
            elif roll < 0.75:
                query = rng.choice(QUERIES)
                path = (
                    f"{search_path}?q={query}"
                    if search_path
                    else f"/api/v1/postmortems?tag={query}"
                )
                await _read(client, "GET", path)
            else:
                id = rng.choice(shared)
                current = json.loads(await _read(client, "GET", f"/api/v1/postmortems/{id}"))
                marker = uuid.uuid4().hex
                edit = {
                    "title": f"{current['title'].split(' #')[0]} #{marker}",
                    "base_version": current["version"],
                    "sections": current["sections"],
                    "tags": current["tags"],
                }
                async with client.put(f"/api/v1/postmortems/{id}", json=edit) as response:
                    body = await response.read()
                    if response.status == 200:
                        acknowledged.append((id, json.loads(body)["version"], marker))
                    elif response.status != 409:  # a refused stale edit is no error
                        raise _Failed(f"{response.status} PUT /api/v1/postmortems/{{id}}")
        except _Failed as exc:
            errors.append(str(exc))
        except (aiohttp.ClientError, TimeoutError) as exc:
            errors.append(type(exc).__name__)
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(rng.uniform(*THINK_SECONDS))


async def _read(client: aiohttp.ClientSession, method: str, path: str) -> bytes:
    """The body of a 200 answer to ``method path``; _Failed otherwise."""
    async with client.request(method, path) as response:
        body = await response.read()
        if response.status != 200:
            raise _Failed(f"{response.status} {method} {path.split('?')[0]}")
        return body


def _client(base: str, token: str | None = None) -> aiohttp.ClientSession:
    """One user's connection (aiohttp: the load generator shares the two cores with the
    server, and costs a fraction of the CPU per request that an httpx client does)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return aiohttp.ClientSession(
        base_url=base,
        headers=headers,
        timeout=aiohttp.ClientTimeout(total=30),
        connector=aiohttp.TCPConnector(limit=1),
    )


async def _load(
    base: str, tokens: list[str], ids: list[str], seconds: float, search_path: str | None
) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    acknowledged: list[tuple[str, int, str]] = []
    until = time.monotonic() + seconds
    clients = [_client(base, t) for t in tokens]
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _user(c, ids, until, latencies, errors, acknowledged, search_path, random.Random(n))
            for n, c in enumerate(clients)
        )
    )
    elapsed = time.perf_counter() - started
    for c in clients:
        await c.close()
    return {
        "latencies": latencies,
        "errors": errors,
        "acknowledged": acknowledged,
        "elapsed": elapsed,
    }


async def _anchor_load(base: str, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    until = time.monotonic() + seconds

    async def user(rng: random.Random) -> None:
        async with _client(base) as client:
            while time.monotonic() < until:
                started = time.perf_counter()
                try:
                    await _read(client, "GET", "/constant")
                except _Failed as exc:
                    errors.append(str(exc))
                except (aiohttp.ClientError, TimeoutError) as exc:
                    errors.append(type(exc).__name__)
                latencies.append(time.perf_counter() - started)
                await asyncio.sleep(rng.uniform(*THINK_SECONDS))

    started = time.perf_counter()
    await asyncio.gather(*(user(random.Random(n)) for n in range(USERS)))
    return {"latencies": latencies, "errors": errors, "elapsed": time.perf_counter() - started}


def _summarise(errors: list[str]) -> str:
    """The commonest kinds of error, e.g. '12x 500 GET /postmortems'."""
    from collections import Counter

    return ", ".join(f"{n}x {kind}" for kind, n in Counter(errors).most_common(3))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _verify(db_url: str, acknowledged: list[tuple[str, int, str]]) -> int:
    """How many acknowledged edits are missing from the history (must be 0)."""
    engine = make_engine(db_url)
    missing = 0
    seen: set[tuple[str, int]] = set()
    with Session(engine) as session:
        for id, version, marker in acknowledged:
            if (id, version) in seen:
                missing += 1  # two edits acknowledged as the same version: one was overwritten
            seen.add((id, version))
            if marker not in history.snapshot(session, id, version, SYSTEM).title:
                missing += 1
    engine.dispose()
    return missing


def run(quick: bool) -> list[dict[str, Any]]:
    seconds = 10.0 if quick else 60.0
    name = f"kintsugi_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db_url = admin.url.set(database=name).render_as_string(hide_password=False)
    servers: list[subprocess.Popen[bytes]] = []
    try:
        tokens, ids = _prepare(db_url, 300 if quick else 2000)
        port = _free_port()
        server = subprocess.Popen(
            [KINTSUGI, "serve", "--port", str(port), "--workers", str(WORKERS), "--db", db_url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        servers.append(server)
        base = f"http://127.0.0.1:{port}"
        _wait(f"{base}/healthz", server)
        schema = httpx.get(f"{base}/openapi.json").json()
        search_path = "/api/v1/search" if "/api/v1/search" in schema["paths"] else None
        before = cpu_times()
        result = asyncio.run(_load(base, tokens, ids, seconds, search_path))
        after = cpu_times()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

        anchor_port = _free_port()
        anchor = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.anchor_app:app",
                "--port",
                str(anchor_port),
                "--workers",
                str(WORKERS),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        servers.append(anchor)
        _wait(f"http://127.0.0.1:{anchor_port}/constant", anchor)
        baseline = asyncio.run(_anchor_load(f"http://127.0.0.1:{anchor_port}", seconds))
        lost = _verify(db_url, result["acknowledged"])
    finally:
        for process in servers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    lat, base_lat = result["latencies"], baseline["latencies"]
    rps, base_rps = len(lat) / result["elapsed"], len(base_lat) / baseline["elapsed"]
    label = f"{USERS} users, {WORKERS} workers, PostgreSQL, {seconds:.0f} s"
    rows = [
        {
            "name": f"requests/s ({label})",
            "value": rps,
            "unit": "req/s",
            "anchor": "constant endpoint",
            "anchor_value": base_rps,
            "ratio": base_rps / rps,
        },
    ]
    for q, label_q in ((0.5, "p50"), (0.95, "p95"), (0.99, "p99")):
        ours, theirs = _pct(lat, q), _pct(base_lat, q)
        rows.append(
            {
                "name": f"latency {label_q}",
                "value": ours,
                "unit": "ms",
                "anchor": "constant endpoint",
                "anchor_value": theirs,
                "ratio": ours / theirs if theirs else None,
                "target": "< 200 ms" if label_q == "p95" else "",
            }
        )
    rows.append(
        {
            "name": "errors" + (f" ({_summarise(result['errors'])})" if result["errors"] else ""),
            "value": len(result["errors"]),
            "unit": "",
            "anchor": "constant endpoint",
            "anchor_value": len(baseline["errors"]),
            "target": "0",
        }
    )
    rows.append(
        {
            "name": f"edits acknowledged (median latency {statistics.median(lat) * 1000:.0f} ms)",
            "value": len(result["acknowledged"]),
            "unit": "",
            "target": "",
        }
    )
    rows.append(
        {"name": "acknowledged edits lost or overwritten", "value": lost, "unit": "", "target": "0"}
    )
    if before and after:  # how to read the run: a busy or robbed machine gives worse figures
        cpu = shares(before, after)
        rows.append({"name": "machine CPU busy during the run", "value": cpu["busy"], "unit": "%"})
        rows.append(
            {"name": "machine CPU stolen by the hypervisor", "value": cpu["steal"], "unit": "%"}
        )
    return rows
