"""``kintsugi demo``: load realistic demo data."""

from __future__ import annotations

from typing import Annotated

import typer

from kintsugi.core.cli_support import DbOption, context, fail, handle_errors, out_console
from kintsugi.demo.loader import database_is_empty, load_demo


@handle_errors
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only when the database has no post-mortems yet.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Load the demo: incidents and post-mortems of varied severities, tags and states."""
    ctx = context(db)
    if if_empty and not database_is_empty(ctx.sessions):
        out_console.print("database already has post-mortems; demo not loaded")
        return
    result = load_demo(ctx.sessions)
    if result.errors:
        fail("; ".join(str(e) for e in result.errors))
    out_console.print(
        f"demo loaded: {len(result.created)} new, {len(result.updated)} updated post-mortems"
    )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
