"""``kintsugi export``: post-mortems to stdout or a folder, with their analyses."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kintsugi.audit import service as audit
from kintsugi.core.cli_support import DbOption, context, err_console, fail, handle_errors
from kintsugi.exports.service import export_with_analysis
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems import service
from kintsugi.postmortems.export import FORMATS, SUFFIXES


@handle_errors
def export(
    id: Annotated[str | None, typer.Argument(help="Post-mortem id; or use --all.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Export every post-mortem.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="md, json or html.")] = "md",
    out: Annotated[Path | None, typer.Option("--out", help="Folder to write files into.")] = None,
    db: DbOption = None,
) -> None:
    """Export one post-mortem to stdout, or several into a folder (--out)."""
    if fmt not in FORMATS:
        fail(f"--format: unknown format {fmt!r}; one of {', '.join(FORMATS)}", 2)
    if bool(id) == all_:
        fail("give either a post-mortem ID or --all", 2)
    if all_ and out is None:
        fail("--all needs --out DIR", 2)
    ctx = context(db)
    with ctx.transaction() as session:
        ids = [id] if id else [s.id for s in service.list_documents(session, SYSTEM)]
        docs = [service.get_document(session, i, SYSTEM) for i in ids]
        texts = [export_with_analysis(session, doc, fmt, SYSTEM) for doc in docs]
        for doc in docs:
            audit.record(session, SYSTEM, "exported", doc.id, format=fmt, via="cli")
    if out is None:
        sys.stdout.write(texts[0])
        return
    out.mkdir(parents=True, exist_ok=True)
    for doc, text in zip(docs, texts, strict=True):
        assert doc.id is not None
        (out / f"{doc.id}{SUFFIXES[fmt]}").write_text(text, encoding="utf-8")
    err_console.print(f"exported {len(docs)} post-mortem(s) to {out}")


def register(app: typer.Typer) -> None:
    app.command("export")(export)
