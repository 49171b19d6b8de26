"""Database engines and sessions for SQLite (embedded) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from kintsugi.core.errors import ConfigurationError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base shared by every slice's tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` URLs and use psycopg 3 for them."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a terse message
        raise ConfigurationError(f"database URL {url!r} is not a valid URL") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif not (parsed.drivername.startswith("sqlite") or parsed.drivername.startswith("postgresql")):
        raise ConfigurationError(
            f"database URL {url!r}: only sqlite:/// and postgresql:// databases are supported"
        )
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine: Engine) -> bool:
    """True for the embedded SQLite engine."""
    return engine.dialect.name == "sqlite"


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin, so that SAVEPOINTs nest
    # inside a real transaction (pysqlite would otherwise commit on RELEASE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


WRITES = "kintsugi_writes"
"""Execution option: this engine's transactions write (on SQLite they begin IMMEDIATE)."""


def _begin_sqlite(connection: Any) -> None:
    # A deferred transaction that reads and then writes fails at once (SQLITE_BUSY_SNAPSHOT,
    # which busy_timeout does not wait out) when another connection committed in between; a
    # transaction begun IMMEDIATE takes the write lock first, waiting for it, and then reads.
    immediate = connection.get_execution_options().get(WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


READS_ONLY = "kintsugi_reads_only"
"""Execution option: this engine only reads (statements that write are refused)."""


class WriteInReadingSession(RuntimeError):
    """A statement that writes, run in a session made for reading: a bug, not a user error."""


def _refuse_writes(
    connection: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
) -> None:
    # listens on reading binds only; the statement's own options may allow it (ADVISORY_WRITE)
    options = context.execution_options if context else connection.get_execution_options()
    if options.get(READS_ONLY) and _writes(statement):
        raise WriteInReadingSession(f"a reading session may not run: {statement[:80]}")


ADVISORY_WRITE = {READS_ONLY: False}
"""Execution options for a write that a reading session may make: it does not matter if it
is lost, and on PostgreSQL it commits on its own (a token's last-used time)."""


_WRITING_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "TRUNCATE", "CREATE",
                       "DROP", "ALTER")  # fmt: skip


def _writes(statement: str) -> bool:
    return statement.lstrip()[:8].upper().startswith(_WRITING_STATEMENTS)


DEFAULT_POOL_SIZE = 20
"""PostgreSQL connections an engine keeps open (and may open as many more for a burst)."""


PING_AFTER_IDLE = 10.0
"""Seconds a pooled connection may sit unused before it is tested again as it is handed out."""


def make_engine(url: str, *, ping_after: float = PING_AFTER_IDLE, **kwargs: Any) -> Engine:
    """Create an engine; SQLite runs in WAL mode with foreign keys enforced.

    ``ping_after``: PostgreSQL connections idle that many seconds are tested before use.
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        kwargs.pop("pool_size", None)  # SQLite: SQLAlchemy's own choice of pool
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    # connections kept open: a server handles dozens of requests at once, and a connection
    # opened and closed per request costs PostgreSQL a new backend process each time
    kwargs.setdefault("pool_size", DEFAULT_POOL_SIZE)
    kwargs.setdefault("max_overflow", DEFAULT_POOL_SIZE)
    kwargs.setdefault("pool_reset_on_return", "rollback")  # every connection back clean
    engine = create_engine(url, **kwargs)
    ping_when_idle(engine, ping_after)
    return engine


def ping_when_idle(engine: Engine, after: float = PING_AFTER_IDLE) -> None:
    """Test a pooled connection before use when it sat idle ``after`` seconds or more.

    A connection that went stale while unused (the server restarted, a proxy or firewall
    closed it) is replaced before a request gets it. SQLAlchemy's ``pool_pre_ping`` does this
    on every checkout: one more round trip per transaction, about a tenth of the server's
    throughput under load, for connections that were in use milliseconds ago.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _test_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < after:
            _end_transaction(dbapi_connection)  # no round trip unless one was left open
            return
        try:
            _ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            # the pool discards this connection and hands out a new one
            raise DisconnectionError(f"stale pooled connection: {exc}") from exc


_IDLE_SINCE = "kintsugi_idle_since"


def _ping(dbapi_connection: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    _end_transaction(dbapi_connection)


def _end_transaction(dbapi_connection: Any) -> None:
    """Roll back a transaction left open on a DBAPI connection (psycopg begins one with the
    first statement unless in autocommit): a connection handed out inside a transaction
    cannot be switched to autocommit (the reading sessions), and would see an old snapshot."""
    info = getattr(dbapi_connection, "info", None)
    status = getattr(info, "transaction_status", None)
    if status is not None and status != TransactionStatus.IDLE:
        dbapi_connection.rollback()


def make_sessionmaker(
    engine: Engine, *, writes: bool = False, reads_only: bool = False
) -> sessionmaker[Session]:
    """A session factory bound to ``engine``; objects stay usable after commit.

    ``writes``: the sessions' transactions are meant to write, so on SQLite they take the write
    lock when they begin (waiting up to the busy timeout for another writer) instead of failing
    when another connection wrote between their first read and their first write. Readers are
    not held up: in WAL mode they read beside the one writer.

    ``reads_only``: the sessions only read, and a statement that writes raises
    WriteInReadingSession. On PostgreSQL they run without BEGIN and COMMIT (autocommit): at
    READ COMMITTED each statement sees the data as of its own start, in a transaction or not,
    and the two round trips cost more than many of the reads. On SQLite a transaction keeps
    its reads on one snapshot, as before.
    """
    if writes and reads_only:
        raise ValueError("a session factory either writes or only reads")
    options: dict[str, Any] = {}
    if writes:
        options[WRITES] = True
    elif reads_only:
        options[READS_ONLY] = True
        if not is_sqlite(engine):
            options["isolation_level"] = "AUTOCOMMIT"
    bind = engine.execution_options(**options) if options else engine
    if reads_only:  # listeners on an execution_options copy stay on that copy
        event.listen(bind, "before_cursor_execute", _refuse_writes)
    return sessionmaker(bind, expire_on_commit=False)


def _autocommit(session: Session) -> bool:
    """Whether each statement of ``session`` stands alone (a reading session on PostgreSQL)."""
    return session.connection().get_execution_options().get("isolation_level") == "AUTOCOMMIT"


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A part of the caller's transaction that an error undoes alone (SAVEPOINT).

    In a reading session on PostgreSQL each statement stands alone (autocommit): a failed one
    leaves nothing to undo, and there is no transaction to set a savepoint in.
    """
    if _autocommit(session):
        yield
        return
    with session.begin_nested():
        yield


@contextmanager
def local_settings(session: Session, settings: Mapping[str, str]) -> Iterator[None]:
    """PostgreSQL ``settings`` for the statements of the block, and not after its transaction.

    In a reading session, which runs without a transaction (autocommit), a local setting would
    end with the statement that made it: there the block runs in a transaction of its own.
    """
    calls: list[str] = []
    values: dict[str, str] = {}
    for i, (name, value) in enumerate(settings.items()):
        calls.append(f"set_config(:name{i}, :value{i}, true)")
        values |= {f"name{i}": name, f"value{i}": value}
    driver: Any = session.connection().connection.driver_connection
    with driver.transaction() if _autocommit(session) else nullcontext():
        session.execute(text("SELECT " + ", ".join(calls)), values)
        yield


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def refresh_statistics(session: Session) -> None:
    """Let the query planner see the data after a bulk load (stale statistics after an import
    of thousands of documents made PostgreSQL pick nested loops that took seconds)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE"))
    else:
        session.execute(text("PRAGMA optimize"))
