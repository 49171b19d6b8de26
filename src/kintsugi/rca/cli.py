"""``kintsugi rca``: show, import, export and draw root cause analyses; the cause taxonomy;
recurring causes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from kintsugi.core.cli_support import (
    DbOption,
    JsonOption,
    context,
    err_console,
    handle_errors,
    out_console,
    print_json,
)
from kintsugi.core.errors import InputError
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems.history import VERSION_LIST
from kintsugi.rca import taxonomy
from kintsugi.rca.diagrams import KINDS, diagram_mermaid, diagram_svg
from kintsugi.rca.export import rca_markdown
from kintsugi.rca.model import Analysis
from kintsugi.rca.service import get_analysis, import_analysis, recurring_causes, versions

rca_app = typer.Typer(
    help="Root cause analysis: 5 Whys, fishbone, changes, timeline, factors, causal tree, "
    "barriers.",
    no_args_is_help=True,
)

PostmortemArg = Annotated[str, typer.Argument(metavar="PM-ID", help="The post-mortem's id.")]


@rca_app.command("show")
@handle_errors
def show(
    postmortem_id: PostmortemArg, json_output: JsonOption = False, db: DbOption = None
) -> None:
    """Print a post-mortem's analysis (Markdown tables) with its warnings."""
    with context(db).transaction() as session:
        view = get_analysis(session, postmortem_id, SYSTEM)
    if json_output:
        print_json(view.to_json())
        return
    version = f"version {view.version}" if view.version else "not saved yet"
    out_console.print(f"[bold]{escape(view.title)}[/bold] ({version})", highlight=False)
    sys.stdout.write("\n" + rca_markdown(view, diagrams=False))
    if view.warnings:
        out_console.print(f"\n[yellow]{len(view.warnings)} warning(s):[/yellow]", highlight=False)
        for warning in view.warnings:
            where = f"{warning.target}: " if warning.target else ""
            line = f"  - {where}{warning.message}"
            if warning.suggestion:
                line += f" (suggestion: {warning.suggestion})"
            out_console.print(escape(line), highlight=False, soft_wrap=True)


@rca_app.command("import")
@handle_errors
def import_command(
    postmortem_id: PostmortemArg,
    file: Annotated[
        Path, typer.Argument(metavar="FILE.json", help="An analysis in the documented JSON shape.")
    ],
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Replace a post-mortem's analysis with one written elsewhere (see docs/rca.md).

    Action items may be named by title and evidence by the event's time and text. Exits 1
    (and changes nothing) when the file is invalid.
    """
    source = str(file)
    try:
        data = json.loads(file.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text", file=source) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", file=source, line=exc.lineno) from None
    with context(db).transaction() as session:
        view = import_analysis(session, postmortem_id, data, SYSTEM, source=source)
    if json_output:
        print_json(view.to_json())
        return
    counts = _counts(view.analysis)
    err_console.print(
        f"imported the analysis of {escape(view.postmortem_id)} (version {view.version}): "
        + ", ".join(f"{n} {name}" for name, n in counts.items() if n),
        highlight=False,
    )
    for warning in view.warnings:
        err_console.print(f"  warning: {escape(warning.message)}", highlight=False)


def _counts(analysis: Analysis) -> dict[str, int]:
    return {
        "why chains": len(analysis.five_whys),
        "fishbone causes": len(analysis.fishbone),
        "changes": len(analysis.changes),
        "factors": len(analysis.factors),
        "causal tree nodes": len(analysis.causal_tree),
        "barriers": len(analysis.barriers),
        "links": len(analysis.links),
    }


@rca_app.command("export")
@handle_errors
def export_command(
    postmortem_id: PostmortemArg,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file (default: stdout).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Write the analysis as JSON in the shape `kintsugi rca import` reads."""
    with context(db).transaction() as session:
        view = get_analysis(session, postmortem_id, SYSTEM, lint=False)
    text = json.dumps(view.analysis.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


@rca_app.command("diagram")
@handle_errors
def diagram_command(
    postmortem_id: PostmortemArg,
    kind: Annotated[str, typer.Option("--kind", help="fishbone or tree.")] = "fishbone",
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write to FILE.svg (or .mmd for Mermaid)."),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="svg or mermaid (default: from --out).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Draw the fishbone or the causal tree as SVG (or Mermaid source)."""
    if kind not in KINDS:
        raise InputError(f"unknown diagram {kind!r}; one of {', '.join(KINDS)}", field="kind")
    chosen = fmt or ("mermaid" if out is not None and out.suffix in (".mmd", ".mermaid") else "svg")
    if chosen not in ("svg", "mermaid"):
        raise InputError(f"unknown format {chosen!r}; one of svg, mermaid", field="format")
    with context(db).transaction() as session:
        view = get_analysis(session, postmortem_id, SYSTEM, lint=False)
    text = diagram_svg(view, kind) if chosen == "svg" else diagram_mermaid(view, kind)
    if out is None:
        sys.stdout.write(text)
        return
    out.write_text(text, encoding="utf-8")
    err_console.print(f"wrote {escape(str(out))}", highlight=False)


@rca_app.command("history")
@handle_errors
def history_command(
    postmortem_id: PostmortemArg, json_output: JsonOption = False, db: DbOption = None
) -> None:
    """Who changed the analysis, when, and how (newest first)."""
    with context(db).transaction() as session:
        found = versions(session, postmortem_id, SYSTEM)
    if json_output:
        print_json(VERSION_LIST.dump_python(found, mode="json"))
        return
    if not found:
        out_console.print("no analysis saved yet")
    for v in found:
        out_console.print(
            f"{v.version:>4}  {v.created_at:%Y-%m-%d %H:%M} UTC  {escape(v.actor)}  "
            f"{escape(v.change)}",
            highlight=False,
        )


@rca_app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the analysis files `kintsugi rca import` reads."""
    print_json(Analysis.model_json_schema())


@rca_app.command("categories")
@handle_errors
def categories_command(
    add: Annotated[
        str | None, typer.Option("--add", metavar="KEY", help="Add a category with this key.")
    ] = None,
    label: Annotated[str | None, typer.Option("--label", help="Label of the added one.")] = None,
    archive: Annotated[
        str | None, typer.Option("--archive", metavar="KEY", help="Hide a category from pickers.")
    ] = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List the cause taxonomy; --add KEY --label TEXT or --archive KEY to change it."""
    with context(db).transaction() as session:
        if add is not None:
            taxonomy.add_category(session, taxonomy.check_key(add), label or add, SYSTEM)
        if archive is not None:
            taxonomy.archive_category(session, archive, SYSTEM)
        categories = taxonomy.list_categories(session)
    if json_output:
        print_json(taxonomy.CATEGORY_LIST.dump_python(categories, mode="json"))
        return
    for c in categories:
        note = " (archived)" if c.archived else ""
        out_console.print(
            f"{escape(c.key):20} {escape(c.label)}{note}", highlight=False, soft_wrap=True
        )


@rca_app.command("recurring")
@handle_errors
def recurring_command(
    min_count: Annotated[
        int, typer.Option("--min", min=1, help="Only categories found in this many post-mortems.")
    ] = 2,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Categories of root causes and factors that recur across post-mortems."""
    with context(db).transaction() as session:
        found = recurring_causes(session, SYSTEM, min_count=min_count)
    if json_output:
        print_json([r.to_json() for r in found])
        return
    if not found:
        out_console.print(f"no category of cause appears in {min_count} or more post-mortems")
        return
    for recurrence in found:
        out_console.print(
            f"[bold]{escape(recurrence.label)}[/bold] ({recurrence.category}): "
            f"{recurrence.count} post-mortems",
            highlight=False,
        )
        for pm_id, title, causes in recurrence.postmortems:
            out_console.print(f"  {escape(pm_id)}  {escape(title)}", highlight=False)
            for cause in causes:
                out_console.print(f"    - {escape(cause)}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``kintsugi rca`` to the root app."""
    app.add_typer(rca_app, name="rca")
