"""Helpers every slice's CLI uses: the --db option, output modes, exit codes, errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, wraps
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.config import Settings, load_settings
from kintsugi.core.db import make_engine, make_sessionmaker, transaction
from kintsugi.core.errors import ConfigurationError, KintsugiError

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (default: $KINTSUGI_DATABASE_URL or sqlite:///kintsugi.db).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]

err_console = Console(stderr=True)
out_console = Console()

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class Context:
    """What a command needs: settings and a database, made on first use."""

    settings: Settings
    migrate: bool = True

    @cached_property
    def engine(self) -> Engine:
        engine = make_engine(self.settings.database_url)
        if self.migrate:
            # Alembic loads only when a command opens the database
            from kintsugi.core.migrations import is_up_to_date, upgrade

            if not is_up_to_date(engine):
                upgrade(engine)
        return engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_sessionmaker(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work against the database."""
        with transaction(self.sessions) as session:
            yield session


def context(db: str | None, *, migrate: bool = True) -> Context:
    """Build the command context from ``--db`` and the environment."""
    try:
        return Context(load_settings(db), migrate=migrate)
    except ValueError as exc:  # pydantic validation of KINTSUGI_* variables
        raise ConfigurationError(f"settings: {exc}") from exc


def fail(message: str, code: int = EXIT_PROBLEMS) -> NoReturn:
    """Print one error line on stderr and exit."""
    err_console.print(f"[red]error:[/red] {message}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    """Write one JSON document on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn Kintsugi errors into one clear message and the documented exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ConfigurationError as exc:
            fail(str(exc), EXIT_USAGE)
        except KintsugiError as exc:
            fail(str(exc), EXIT_PROBLEMS)
        except OSError as exc:
            name = getattr(exc, "filename", None)
            reason = exc.strerror or str(exc)
            fail(f"{name}: {reason}" if name else reason, EXIT_PROBLEMS)
        except _database_errors() as exc:
            fail(f"database: {_first_line(exc)}", EXIT_USAGE)

    return wrapper


def _database_errors() -> tuple[type[BaseException], ...]:
    from sqlalchemy.exc import OperationalError

    return (OperationalError,)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
