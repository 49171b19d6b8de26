"""``kintsugi audit``: read the audit log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from kintsugi.audit import service
from kintsugi.core.cli_support import (
    DbOption,
    JsonOption,
    context,
    handle_errors,
    out_console,
    print_json,
)


@handle_errors
def audit(
    action: Annotated[str | None, typer.Option("--action", help="e.g. sign_in, exported.")] = None,
    actor: Annotated[str | None, typer.Option("--actor")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Sign-ins, permission and visibility changes, exports and deletions, newest first."""
    ctx = context(db)
    with ctx.transaction() as session:
        rows = [
            {
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
                "ip": e.ip,
                "detail": e.detail,
            }
            for e in service.events(session, action=action, actor=actor, limit=limit)
        ]
    if json_out:
        print_json(rows)
        return
    table = Table("at", "actor", "action", "target", "detail", box=None)
    for r in rows:
        table.add_row(
            str(r["at"]),
            str(r["actor"]),
            str(r["action"]),
            str(r["target"] or ""),
            str(r["detail"]),
        )
    out_console.print(table)


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
