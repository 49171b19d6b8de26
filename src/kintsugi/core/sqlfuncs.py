"""Date and time SQL functions, compiled for each engine (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class month_of(FunctionElement[str]):
    """The UTC month of a stored timestamp as ``YYYY-MM``."""

    type = String()
    inherit_cache = True
    name = "month_of"


@compiles(month_of, "sqlite")
def _month_sqlite(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTCDateTime as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


@compiles(month_of, "postgresql")
def _month_postgresql(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char(timezone('UTC', {compiler.process(element.clauses, **kw)}), 'YYYY-MM')"


class epoch(FunctionElement[float]):
    """Seconds since 1970-01-01 UTC of a stored timestamp (differences give durations)."""

    type = Float()
    inherit_cache = True
    name = "epoch"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch, "postgresql")
def _epoch_postgresql(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    return (
        f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS DOUBLE PRECISION)"
    )


class utc_date(FunctionElement[date]):
    """The UTC calendar date of a stored timestamp, on each engine."""

    type = Date()
    inherit_cache = True
    name = "utc_date"


@compiles(utc_date, "sqlite")
def _utc_date_sqlite(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTCDateTime as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(utc_date, "postgresql")
def _utc_date_postgresql(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(timezone('UTC', {compiler.process(element.clauses, **kw)}) AS DATE)"
