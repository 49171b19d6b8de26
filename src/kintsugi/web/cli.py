"""``kintsugi serve``: run the web app."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from kintsugi.core.cli_support import DbOption, context, err_console, handle_errors


@handle_errors
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1,
    db: DbOption = None,
) -> None:
    """Serve the web app and the API (migrating the database first)."""
    # uvicorn and every slice's routes load only to serve, not for `kintsugi --help`
    from kintsugi.web import server

    ctx = context(db)
    ctx.engine  # noqa: B018 - connects and migrates before the workers start
    os.environ["KINTSUGI_DATABASE_URL"] = ctx.settings.database_url
    err_console.print(
        f"Kintsugi on http://{host}:{port} (database {_display(ctx.settings.database_url)})"
    )
    server.serve(host, port, workers)


def _display(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
