"""Whether the database can be read and written: for readiness checks, and to tell a write
refused by a read-only or full database from a bug."""

from __future__ import annotations

import logging
from typing import Literal

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

logger = logging.getLogger(__name__)

WriteRefusal = Literal["read-only", "full"]
State = Literal["read-write", "read-only", "full", "unavailable"]

# PostgreSQL SQLSTATEs: read_only_sql_transaction (a standby, default_transaction_read_only),
# disk_full
_PG_REFUSALS: dict[str, WriteRefusal] = {"25006": "read-only", "53100": "full"}


def write_refusal(exc: BaseException) -> WriteRefusal | None:
    """ "read-only" or "full" when ``exc`` is the database refusing a write, else None."""
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return _PG_REFUSALS.get(sqlstate)
    name = getattr(orig, "sqlite_errorname", "")  # sqlite3 errors carry their result code
    if isinstance(name, str) and name.startswith("SQLITE_READONLY"):
        return "read-only"
    if name == "SQLITE_FULL":
        return "full"
    return None


def refusal_message(refusal: WriteRefusal) -> str:
    """What a person is told when a write is refused."""
    why = "it is read-only" if refusal == "read-only" else "its disk is full"
    return (
        f"the database cannot be written ({why}): nothing was saved; reading still works. "
        "Try again later, or ask an administrator."
    )


_PROBE_READ = text("SELECT version_num FROM alembic_version")
_PROBE_WRITE = text("UPDATE alembic_version SET version_num = version_num")


def database_state(engine: Engine) -> State:
    """Read, then write in a transaction that is rolled back (so nothing changes)."""
    try:
        with engine.connect() as connection:
            connection.execute(_PROBE_READ).all()
            try:
                connection.execute(_PROBE_WRITE)
            finally:
                connection.rollback()
    except DBAPIError as exc:
        refusal = write_refusal(exc)
        if refusal is None:
            logger.warning("the database is not available: %s", exc.orig)
            return "unavailable"
        logger.warning("the database cannot be written: %s", exc.orig)
        return refusal
    except SQLAlchemyError as exc:
        logger.warning("the database is not available: %s", exc)
        return "unavailable"
    return "read-write"
