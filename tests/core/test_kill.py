"""SIGKILL in the middle of an import or of a busy server leaves the database consistent and
keeps everything that was acknowledged."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from bench.generate import write_corpus
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kintsugi.core.db import make_engine
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.postmortems.models import PostmortemRow, VersionRow
from tests.support.servers import KINTSUGI, free_port, start_kintsugi


def _count(db_url: str) -> int:
    engine = make_engine(db_url)
    with Session(engine) as session:
        n = int(session.scalar(select(func.count(PostmortemRow.pk))) or 0)
    engine.dispose()
    return n


def _assert_consistent(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        path = db_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    engine = make_engine(db_url)
    with Session(engine) as session:
        # every stored document is whole: the snapshot of its current version was written
        # in the same transaction as the document itself
        incomplete = session.scalars(
            select(PostmortemRow.id).where(
                ~select(VersionRow.version)
                .where(
                    VersionRow.postmortem_pk == PostmortemRow.pk,
                    VersionRow.version == PostmortemRow.version,
                )
                .exists()
            )
        ).all()
        assert incomplete == []
    engine.dispose()


def test_import_killed_midway_keeps_a_consistent_database(tmp_path: Path, db_url: str) -> None:
    write_corpus(tmp_path / "docs", 800)
    process = subprocess.Popen(
        [KINTSUGI, "import", str(tmp_path / "docs"), "--db", db_url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _count(db_url) == 0:
        assert process.poll() is None, "the import finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    parsers = _children(process.pid)
    assert parsers, "the import parses in worker processes"
    process.send_signal(signal.SIGKILL)
    process.wait()
    stored = _count(db_url)
    assert 0 < stored < 800
    deadline = time.monotonic() + 15
    while alive := [pid for pid in parsers if _running(pid)]:  # they end with the import
        assert time.monotonic() < deadline, f"parsing workers {alive} outlived the import"
        time.sleep(0.1)
    _assert_consistent(db_url)
    again = subprocess.run(
        [KINTSUGI, "import", str(tmp_path / "docs"), "--db", db_url], capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr
    assert f"updated {stored}" in again.stdout
    assert _count(db_url) == 800


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def token(db_url: str) -> str:
    engine = make_engine(db_url)
    with Session(engine) as session, session.begin():
        people.create_user(session, SYSTEM, "writer", role=Role.EDITOR)
        secret = people.create_token(session, SYSTEM, "writer", "kill test", "write").secret
    engine.dispose()
    return secret


def _start_server(db_url: str, port: int) -> subprocess.Popen[bytes]:
    return start_kintsugi(db_url, port)[0]


def test_server_killed_under_writes_loses_nothing_acknowledged(db_url: str, token: str) -> None:
    port = free_port()
    server = _start_server(db_url, port)
    base = f"http://127.0.0.1:{port}/api/v1/postmortems"
    headers = {"Authorization": f"Bearer {token}"}
    acknowledged: dict[str, int] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int) -> None:
        with httpx.Client(headers=headers, timeout=5) as client:
            i = 0
            while not stop.is_set() and i < 400:
                i += 1
                try:
                    made = client.post(base, json={"title": f"w{n}-{i}", "tags": ["kill"]})
                    if made.status_code != 201:
                        continue
                    doc = made.json()
                    with lock:
                        acknowledged[doc["id"]] = doc["version"]
                    edited = client.put(
                        f"{base}/{doc['id']}",
                        json={"title": f"w{n}-{i} edited", "base_version": doc["version"]},
                    )
                    if edited.status_code == 200:
                        with lock:
                            acknowledged[doc["id"]] = edited.json()["version"]
                except httpx.HTTPError:
                    return

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.send_signal(signal.SIGKILL)
    server.wait()
    stop.set()
    for thread in threads:
        thread.join()
    assert len(acknowledged) >= 20
    _assert_consistent(db_url)

    server = _start_server(db_url, port)
    try:
        with httpx.Client(headers=headers, timeout=5) as client:
            for id, version in acknowledged.items():
                got = client.get(f"{base}/{id}")
                assert got.status_code == 200, id
                assert got.json()["version"] >= version, id
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
