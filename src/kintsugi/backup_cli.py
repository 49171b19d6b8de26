"""``kintsugi backup OUT`` and ``kintsugi restore IN``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kintsugi.audit import service as audit
from kintsugi.core import backup as backups
from kintsugi.core.cli_support import DbOption, context, fail, handle_errors, out_console
from kintsugi.core.migrations import upgrade
from kintsugi.people.principal import SYSTEM


@handle_errors
def backup(
    out: Annotated[Path, typer.Argument(help="File to write (must not exist).")],
    db: DbOption = None,
) -> None:
    """Back up the whole database while it is in use."""
    ctx = context(db)
    backups.backup(ctx.engine, out)
    with ctx.transaction() as session:
        audit.record(session, SYSTEM, "backup", str(out), kind="backup")
    out_console.print(f"backed up to {out}", highlight=False)


@handle_errors
def restore(
    source: Annotated[Path, typer.Argument(help="A file made by `kintsugi backup`.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace a database that already has data.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Replace the database with a backup (then migrate it to this version)."""
    ctx = context(db, migrate=False)
    if not backups.is_empty(ctx.engine) and not yes:
        fail("the database has data; add --yes to replace it with the backup", 2)
    backups.restore(ctx.engine, source)
    upgrade(ctx.engine)
    with ctx.transaction() as session:
        audit.record(session, SYSTEM, "backup", str(source), kind="restore")
    out_console.print(f"restored from {source}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
