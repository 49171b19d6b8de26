"""``kintsugi demo``: load realistic demo data."""

from __future__ import annotations

from typing import Annotated

import typer

from kintsugi.core.cli_support import DbOption, context, fail, handle_errors, out_console
from kintsugi.demo.loader import DEMO_PEOPLE, database_is_empty, load_demo


@handle_errors
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only when the database has no post-mortems yet.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Load the demo: post-mortems of varied severities, tags and states; people; a team."""
    ctx = context(db)
    if if_empty and not database_is_empty(ctx.sessions):
        out_console.print("database already has post-mortems; demo not loaded")
        return
    result = load_demo(ctx.sessions)
    if result.imported.errors:
        fail("; ".join(str(e) for e in result.imported.errors))
    out_console.print(
        f"demo loaded: {len(result.imported.created)} new, "
        f"{len(result.imported.updated)} updated post-mortems"
    )
    if result.passwords:
        roles = {username: role.value for username, role, _name in DEMO_PEOPLE}
        out_console.print("\nSign in at the web app with (shown once; change them for real use):")
        out_console.print(f"  {'user':<8} {'role':<12} password", highlight=False)
        for username, password in result.passwords.items():
            role = roles.get(username, "")
            out_console.print(f"  {username:<8} {role:<12} {password}", highlight=False)
        out_console.print("What each role may do: docs/roles.md", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
