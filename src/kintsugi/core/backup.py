"""Backups: SQLite's online backup API, pg_dump/pg_restore for PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url

from kintsugi.core.errors import ConfigurationError, InputError, KintsugiError


def _sqlite_path(engine: Engine) -> Path:
    database = make_url(str(engine.url)).database
    if not database or database == ":memory:":
        raise ConfigurationError("an in-memory database cannot be backed up")
    return Path(database)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ConfigurationError(f"{name} is not installed (Debian package postgresql-client)")
    return found


def _libpq_url(engine: Engine) -> str:
    return (
        engine.url.set(drivername="postgresql")
        .render_as_string(hide_password=False)
        .replace("postgresql+psycopg://", "postgresql://")
    )


def backup(engine: Engine, out: Path) -> Path:
    """Write a consistent copy of the live database to ``out`` (refuses to overwrite)."""
    if out.exists():
        raise InputError("already exists; choose a new file", file=str(out))
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(_sqlite_path(engine))
        target = sqlite3.connect(out)
        try:
            with target:
                source.backup(target)
            check = target.execute("PRAGMA integrity_check").fetchone()
        finally:
            target.close()
            source.close()
        if not check or check[0] != "ok":
            out.unlink(missing_ok=True)
            raise KintsugiError(f"the backup failed its integrity check: {check}")
        return out
    done = subprocess.run(
        [
            _pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--file",
            str(out),
            _libpq_url(engine),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        out.unlink(missing_ok=True)
        raise KintsugiError(f"pg_dump failed: {done.stderr.strip().splitlines()[-1:]}")
    return out


def is_empty(engine: Engine) -> bool:
    """True when the database has no Kintsugi tables yet."""
    return "postmortems" not in inspect(engine).get_table_names()


def restore(engine: Engine, source: Path) -> None:
    """Replace the database's contents with the backup in ``source``."""
    if not source.is_file():
        raise InputError("no such backup file", file=str(source))
    if engine.dialect.name == "sqlite":
        try:
            backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            tables = {r[0] for r in backup_db.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            raise InputError(f"not a SQLite backup: {exc}", file=str(source)) from exc
        if "alembic_version" not in tables:
            backup_db.close()
            raise InputError("not a Kintsugi backup (no alembic_version table)", file=str(source))
        engine.dispose()
        target = sqlite3.connect(_sqlite_path(engine))
        try:
            with target:
                backup_db.backup(target)
        finally:
            target.close()
            backup_db.close()
        return
    engine.dispose()
    done = subprocess.run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            _libpq_url(engine),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["unknown error"]
        raise InputError(f"pg_restore failed: {last[0]}", file=str(source))
