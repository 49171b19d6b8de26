"""``kintsugi db``: schema migrations."""

from __future__ import annotations

import typer

from kintsugi.core.cli_support import DbOption, context, handle_errors, out_console
from kintsugi.core.migrations import current_revision, head_revision, upgrade

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
@handle_errors
def upgrade_command(db: DbOption = None) -> None:
    """Apply every pending migration."""
    ctx = context(db, migrate=False)
    before = current_revision(ctx.engine)
    upgrade(ctx.engine)
    after = current_revision(ctx.engine)
    if before == after:
        out_console.print(f"database is up to date (revision {after})")
    else:
        out_console.print(f"database upgraded from {before or 'empty'} to {after}")


@db_app.command("status")
@handle_errors
def status_command(db: DbOption = None) -> None:
    """Show the schema revision of the database and of this Kintsugi."""
    ctx = context(db, migrate=False)
    out_console.print(
        f"database: {current_revision(ctx.engine) or 'empty'}; code: {head_revision()}"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
