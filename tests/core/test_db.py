"""SQLite transactions that write take the write lock as they begin, so a write never fails
because another connection committed between the transaction's first read and its first write."""

from __future__ import annotations

import threading
from collections.abc import Coroutine
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar, cast

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from kintsugi.core.db import make_engine, make_sessionmaker

T = TypeVar("T")


def _engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    return engine


def _read_then_write_around(
    sessions: sessionmaker[Session], other_sessions: sessionmaker[Session]
) -> list[str]:
    """Read in one transaction, let another connection add one meanwhile, then add one."""
    failures: list[str] = []

    def other() -> None:
        try:
            with other_sessions.begin() as session:
                session.execute(text("UPDATE counter SET n = n + 1"))
        except OperationalError as exc:
            failures.append(f"other: {exc.orig}")

    with sessions.begin() as session:
        before = session.execute(text("SELECT n FROM counter")).scalar_one()
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=0.5)  # the other writer commits now, or waits for this one
        try:
            session.execute(text("UPDATE counter SET n = :n"), {"n": before + 1})
        except OperationalError as exc:
            failures.append(f"this: {exc.orig}")
    thread.join()
    return failures


def test_a_writing_transaction_is_not_refused_when_another_commits_after_its_read(
    tmp_path: Path,
) -> None:
    engine = _engine(tmp_path)
    writing = make_sessionmaker(engine, writes=True)

    assert _read_then_write_around(writing, writing) == []

    with engine.connect() as connection:  # both increments landed, one after the other
        assert connection.execute(text("SELECT n FROM counter")).scalar_one() == 2


def test_a_reading_transaction_begins_deferred(tmp_path: Path) -> None:
    """The plain factory's transactions do not hold the write lock (readers do not queue behind
    writers); a read-then-write in one is what the writing factory is for."""
    engine = _engine(tmp_path)

    failures = _read_then_write_around(make_sessionmaker(engine), make_sessionmaker(engine))

    assert failures == ["this: database is locked"]
    with engine.connect() as connection:  # the refused write left the other one's alone
        assert connection.execute(text("SELECT n FROM counter")).scalar_one() == 1


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_requests_that_change_things_get_the_writing_sessions(tmp_path: Path, method: str) -> None:
    from kintsugi.webkit.deps import get_sessions

    engine = _engine(tmp_path)
    reading, writing = make_sessionmaker(engine), make_sessionmaker(engine, writes=True)
    app = SimpleNamespace(state=SimpleNamespace(reading_sessions=reading, writing_sessions=writing))

    def request(method: str) -> Request:
        return Request({"type": "http", "method": method, "app": app, "headers": []})

    assert _without_waiting(get_sessions(request(method))) is writing
    assert _without_waiting(get_sessions(request("GET"))) is reading


def _without_waiting(coroutine: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never waits (no event loop: a test process may have
    one running already, Playwright's)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return cast(T, done.value)
    raise AssertionError("the coroutine waited")


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


@pytest.mark.postgres
def test_a_pooled_connection_that_died_while_idle_is_replaced(postgres_url: str) -> None:
    """The server ended the connection while it sat in the pool (a restart, an idle timeout):
    the next transaction gets a new one instead of an error."""
    # any idle time counts as long (the default is 10 s)
    engine = make_engine(postgres_url, ping_after=0.0, pool_size=1, max_overflow=0)
    try:
        first = _backend_pid(engine)
        other = make_engine(postgres_url)
        with other.connect() as killer:
            killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        other.dispose()
        assert _backend_pid(engine) != first
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_connection_in_steady_use_is_not_tested_again(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No extra round trip before each transaction of a busy server; one after idle time."""
    from kintsugi.core import db

    pings: list[object] = []
    monkeypatch.setattr(db, "_ping", lambda connection: pings.append(connection))
    busy = make_engine(postgres_url, pool_size=1, max_overflow=0)
    idle = make_engine(postgres_url, ping_after=0.0, pool_size=1, max_overflow=0)
    try:
        for _ in range(3):
            _backend_pid(busy)
        assert pings == []
        for _ in range(3):
            _backend_pid(idle)
        assert len(pings) == 2  # the first checkout opened the connection: nothing to test
    finally:
        busy.dispose()
        idle.dispose()


def test_a_reading_session_refuses_to_write(db_url: str) -> None:
    from kintsugi.core.db import ADVISORY_WRITE, WriteInReadingSession

    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS noted (n INTEGER)"))
            connection.execute(text("DELETE FROM noted"))
        reading = make_sessionmaker(engine, reads_only=True)
        with reading() as session:
            assert session.execute(text("SELECT count(*) FROM noted")).scalar_one() == 0
            with pytest.raises(WriteInReadingSession, match="INSERT INTO noted"):
                session.execute(text("INSERT INTO noted VALUES (1)"))
        with reading.begin() as session:  # a write that may be lost, said so
            session.execute(text("INSERT INTO noted VALUES (2)"), execution_options=ADVISORY_WRITE)
        with make_sessionmaker(engine)() as session:
            assert session.execute(text("SELECT n FROM noted")).scalars().all() == [2]
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE noted"))
        engine.dispose()


@pytest.mark.postgres
def test_reading_sessions_on_postgresql_skip_begin_and_commit(postgres_url: str) -> None:
    """Each statement on its own (at READ COMMITTED a transaction's reads see no more than
    that): ``now()``, the transaction's start, moves on between two statements."""
    import time

    engine = make_engine(postgres_url)
    try:
        for factory, each_statement_alone in (
            (make_sessionmaker(engine, reads_only=True), True),
            (make_sessionmaker(engine), False),
        ):
            with factory() as session:
                first = session.execute(text("SELECT now()")).scalar_one()
                time.sleep(0.01)
                second = session.execute(text("SELECT now()")).scalar_one()
            assert (second > first) is each_statement_alone
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_connection_tested_after_idle_time_reads_in_autocommit(postgres_url: str) -> None:
    """The idle test's SELECT left the connection in a transaction, and the reading session
    could not switch it to autocommit: "can't change 'autocommit' now" (a 500 on the first
    request to a server idle for 10 s)."""
    engine = make_engine(postgres_url, ping_after=0.0, pool_size=1, max_overflow=0)
    reading = make_sessionmaker(engine, reads_only=True)
    try:
        with make_sessionmaker(engine).begin() as session:  # in the pool, idle from now on
            session.execute(text("SELECT 1"))
        for _ in range(2):
            with reading.begin() as session:
                assert session.execute(text("SELECT 2")).scalar_one() == 2
    finally:
        engine.dispose()
