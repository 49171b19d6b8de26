"""CLI for documents: new, import, list, show, status, history and the bin."""

from __future__ import annotations

import getpass
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from kintsugi.audit import service as audit
from kintsugi.core.cli_support import (
    EXIT_PROBLEMS,
    DbOption,
    JsonOption,
    context,
    err_console,
    handle_errors,
    out_console,
    print_json,
)
from kintsugi.core.errors import InputError
from kintsugi.people.principal import SYSTEM, Principal
from kintsugi.postmortems import deletion, history, service
from kintsugi.postmortems.document import Severity, Status
from kintsugi.postmortems.export import document_json
from kintsugi.postmortems.importer import find_markdown_files, import_paths
from kintsugi.postmortems.markdown import render_markdown
from kintsugi.postmortems.templates import TEMPLATES, new_document


def _severity(value: str | None) -> Severity | None:
    if value is None:
        return None
    normalised = value.strip().upper().replace(" ", "")
    try:
        return Severity(normalised)
    except ValueError:
        allowed = ", ".join(s.value for s in Severity)
        raise InputError(
            f"unknown severity {value!r}; one of {allowed}", field="--severity"
        ) from None


@handle_errors
def new(
    title: Annotated[str, typer.Option("--title", help="Title of the document.")],
    template: Annotated[
        str, typer.Option("--template", help=f"One of: {', '.join(TEMPLATES)}.")
    ] = "postmortem",
    severity: Annotated[str | None, typer.Option("--severity", help="SEV1, SEV2 or SEV3.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
    save: Annotated[bool, typer.Option("--save", help="Also store it in the database.")] = False,
    db: DbOption = None,
) -> None:
    """Start a document from a template (Markdown on stdout, or in --out)."""
    doc = new_document(template, title, severity=_severity(severity))
    if save:
        ctx = context(db)
        with ctx.transaction() as session:
            doc = service.create_document(session, doc, SYSTEM)
        err_console.print(f"saved as {doc.id}")
    text = render_markdown(doc)
    if out is None:
        sys.stdout.write(text)
        return
    if out.exists():
        raise InputError("already exists; choose another --out or remove it", file=str(out))
    out.write_text(text, encoding="utf-8")
    err_console.print(f"wrote {out}")


def local_operator() -> Principal:
    """The person at the command line: the local operator, with an admin's authority over
    the database, named in versions and the audit log by their login."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no login name in this environment
        login = "unknown"
    return replace(SYSTEM, username=f"operator:{login}"[:80])


@handle_errors
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Markdown files or folders (recursive).")],
    strict: Annotated[
        bool, typer.Option("--strict", help="All files or none: any error imports nothing.")
    ] = False,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import Markdown post-mortems; importing a file again updates its document.

    Runs with the local operator's authority (an admin's): this is how history comes in, so
    a file that says it is published keeps its status and published_at. Each such
    publication, and the import itself, is recorded in the audit log under operator:LOGIN.
    """
    ctx = context(db)
    operator = local_operator()
    total = len(find_markdown_files(paths))
    show_progress = sys.stderr.isatty() and not json_out and total > 1
    with Progress(
        TextColumn("importing"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        disable=not show_progress,
        transient=True,
    ) as bar:
        task = bar.add_task("import", total=total)
        result = import_paths(
            ctx.sessions,
            paths,
            operator,
            strict=strict,
            default_timezone=ctx.settings.default_timezone,
            progress=lambda _path: bar.advance(task),
        )
    if result.created or result.updated:
        with ctx.transaction() as session:
            audit.record(
                session,
                operator,
                "imported",
                None,
                created=len(result.created),
                updated=len(result.updated),
                failed=len(result.errors),
                paths=[str(p) for p in paths][:20],
            )
    if json_out:
        print_json(result.to_json())
    else:
        for error in result.errors:
            err_console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        summary = f"imported {len(result.created)} new, updated {len(result.updated)}"
        if result.errors:
            summary += f", {len(result.errors)} failed"
            if strict:
                summary += " (--strict: nothing was imported)"
        out_console.print(summary, highlight=False)
    if result.errors:
        raise typer.Exit(EXIT_PROBLEMS)


@handle_errors
def list_(
    severity: Annotated[str | None, typer.Option("--severity")] = None,
    tag: Annotated[str | None, typer.Option("--tag")] = None,
    status: Annotated[str | None, typer.Option("--status")] = None,
    service_name: Annotated[str | None, typer.Option("--service")] = None,
    kind: Annotated[str | None, typer.Option("--kind")] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List post-mortems, newest incident first."""
    sev = _severity(severity)
    if status is not None and status not in {s.value for s in Status}:
        allowed = ", ".join(s.value for s in Status)
        raise InputError(f"unknown status {status!r}; one of {allowed}", field="--status")
    filters = service.Filters(
        severity=sev.value if sev else None, tag=tag, status=status, kind=kind, service=service_name
    )
    ctx = context(db)
    with ctx.transaction() as session:
        rows = service.list_documents(session, SYSTEM, filters)
    if json_out:
        print_json([row.to_json() for row in rows])
        return
    table = Table("id", "title", "severity", "status", "started", "tags", box=None)
    for row in rows:
        table.add_row(
            row.id,
            row.title,
            row.severity or "-",
            row.status.replace("_", " "),
            row.started_at.date().isoformat() if row.started_at else "-",
            ", ".join(row.tags),
        )
    out_console.print(table)
    err_console.print(f"{len(rows)} post-mortem(s)")


@handle_errors
def show(
    id: Annotated[str, typer.Argument(help="Post-mortem id (or a unique prefix).")],
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show one post-mortem."""
    ctx = context(db)
    with ctx.transaction() as session:
        doc = service.get_document(session, id, SYSTEM)
    if json_out:
        print_json(document_json(doc))
        return
    from rich.markdown import Markdown

    meta = " · ".join(
        part
        for part in (
            doc.kind.value,
            doc.status.value.replace("_", " "),
            doc.severity.value if doc.severity else "",
            ", ".join(doc.tags),
        )
        if part
    )
    out_console.print(f"[bold]{doc.title}[/bold]  [dim]{doc.id}[/dim]", highlight=False)
    out_console.print(meta, highlight=False)
    for section in doc.sections:
        if section.heading:
            out_console.rule(section.heading)
        out_console.print(Markdown(section.markdown))


@handle_errors
def status(
    id: Annotated[str, typer.Argument(help="Post-mortem id.")],
    to: Annotated[str, typer.Argument(help="draft, in_review or published.")],
    override: Annotated[
        str | None,
        typer.Option("--override", help="Publish despite language findings, with this reason."),
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Move a post-mortem through draft -> in review -> published."""
    try:
        target = Status(to.replace("-", "_").replace(" ", "_").lower())
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise InputError(f"unknown status {to!r}; one of {allowed}", field="status") from None
    ctx = context(db)
    with ctx.transaction() as session:
        warnings: list[str] = []
        doc = service.change_status(
            session, id, target, SYSTEM, override_reason=override, warnings=warnings
        )
    if json_out:
        print_json({**document_json(doc), "warnings": warnings})
    else:
        out_console.print(f"{doc.id} is now {doc.status.value.replace('_', ' ')}")
    for warning in warnings:
        err_console.print(f"warning: {warning}", markup=False)


@handle_errors
def history_(
    id: Annotated[str, typer.Argument(help="Post-mortem id.")],
    diff: Annotated[
        tuple[int, int] | None, typer.Option("--diff", help="Compare two versions: A B.")
    ] = None,
    restore: Annotated[
        int | None, typer.Option("--restore", help="Make this version current again.")
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Every version of a post-mortem; compare two or restore one."""
    ctx = context(db)
    with ctx.transaction() as session:
        if diff:
            sys.stdout.write(history.diff(session, id, diff[0], diff[1], SYSTEM) + "\n")
            return
        if restore is not None:
            doc = history.restore(session, id, restore, SYSTEM, base_version=None)
            audit.record(session, SYSTEM, "version_restored", doc.id, version=restore)
            out_console.print(f"{doc.id}: version {restore} restored as version {doc.version}")
            return
        found = history.versions(session, id, SYSTEM)
    if json_out:
        print_json(history.VERSION_LIST.dump_python(found, mode="json"))
        return
    table = Table("version", "when", "who", "change", box=None)
    for v in found:
        table.add_row(str(v.version), v.created_at.isoformat(timespec="seconds"), v.actor, v.change)
    out_console.print(table)


@handle_errors
def delete(id: Annotated[str, typer.Argument()], db: DbOption = None) -> None:
    """Move a post-mortem to the bin (an admin can undo it for 30 days)."""
    ctx = context(db)
    with ctx.transaction() as session:
        deletion.delete_document(session, id, SYSTEM)
    out_console.print(f"{id} moved to the bin; `kintsugi undelete {id}` brings it back")


@handle_errors
def undelete(id: Annotated[str, typer.Argument()], db: DbOption = None) -> None:
    """Bring a post-mortem back from the bin (within 30 days)."""
    ctx = context(db)
    with ctx.transaction() as session:
        deletion.undelete(session, id, SYSTEM)
    out_console.print(f"{id} restored")


@handle_errors
def bin_(json_out: JsonOption = False, db: DbOption = None) -> None:
    """Deleted post-mortems that can still be brought back."""
    ctx = context(db)
    with ctx.transaction() as session:
        rows = deletion.deleted_documents(session, SYSTEM)
    if json_out:
        print_json(
            [{"id": d.id, "title": d.title, "deleted_at": d.deleted_at.isoformat()} for d in rows]
        )
        return
    for d in rows:
        out_console.print(
            f"{d.id}  {d.title}  (deleted {d.deleted_at:%Y-%m-%d}, "
            f"gone after {d.purge_after:%Y-%m-%d})",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.command("new")(new)
    app.command("import")(import_)
    app.command("list")(list_)
    app.command("show")(show)
    app.command("status")(status)
    app.command("history")(history_)
    app.command("delete")(delete)
    app.command("undelete")(undelete)
    app.command("bin")(bin_)
