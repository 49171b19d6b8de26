"""CLI of the library: ``search``, ``similar``, ``library build``, ``library reindex`` and
``library similar-eval``."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.text import Text

from kintsugi.core.cli_support import (
    DbOption,
    JsonOption,
    context,
    err_console,
    handle_errors,
    out_console,
    print_json,
)
from kintsugi.library.index import reindex_all
from kintsugi.library.search import SearchFilters, search
from kintsugi.library.similar import METHODS, load_encoder, similar
from kintsugi.library.similar_eval import EVAL_METHODS, K, evaluate, load_set
from kintsugi.library.static import build_library
from kintsugi.people.principal import SYSTEM

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def snippet_text(snippet: str) -> Text:
    """A search snippet (HTML with <mark>) as terminal text with the matches highlighted."""
    text = Text()
    position = 0
    for match in _MARK.finditer(snippet):
        text.append(html.unescape(snippet[position : match.start()]))
        text.append(html.unescape(match.group(1)), style="bold yellow")
        position = match.end()
    text.append(html.unescape(snippet[position:]))
    return text


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on a terminal, none when piped."""
    if not err_console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), console=err_console, transient=True
    ) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


@handle_errors
def search_command(
    query: Annotated[
        str, typer.Argument(help='Words, "phrases", prefix*, AND/OR/NOT; empty lists all.')
    ] = "",
    tag: Annotated[str | None, typer.Option("--tag", help="Only with this tag.")] = None,
    service: Annotated[str | None, typer.Option("--service", help="Only this service.")] = None,
    cause: Annotated[
        str | None, typer.Option("--cause", help="Only with this root-cause category.")
    ] = None,
    severity: Annotated[str | None, typer.Option("--severity", help="SEV1, SEV2 or SEV3.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Only incidents of this year.")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="draft, in_review or published.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many results (1-100).")] = 20,
    offset: Annotated[int, typer.Option("--offset", help="Skip this many results.")] = 0,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Search the post-mortems: ranked results with highlighted snippets, and facets."""
    filters = SearchFilters(
        tag=tag, service=service, severity=severity, year=year, status=status, cause=cause
    )
    ctx = context(db)
    with ctx.sessions() as session:
        result = search(session, SYSTEM, query, filters, limit=limit, offset=offset)
    if json_out:
        print_json(result.to_json())
        return
    shown = f"{offset + 1}-{offset + len(result.hits)} of " if result.hits else ""
    out_console.print(
        f"{shown}{result.total} post-mortem{'' if result.total == 1 else 's'}"
        + (f" for {query!r}" if query.strip() else ""),
        highlight=False,
    )
    for hit in result.hits:
        line = Text()
        line.append(hit.id, style="bold cyan")
        line.append(f"  {hit.severity or '-':4}  {hit.date.isoformat() if hit.date else '-':10}  ")
        line.append(hit.title, style="bold")
        if hit.tags:
            line.append("  [" + ", ".join(hit.tags) + "]", style="dim")
        out_console.print(line)
        if hit.snippet:
            out_console.print(Text("    ") + snippet_text(hit.snippet))
    facets = [
        f"{name}: " + ", ".join(f"{c.value} ({c.count})" for c in counts[:8])
        for name, counts in result.facets.items()
        if counts
    ]
    if facets and result.hits:
        out_console.print(Text("\n".join(facets), style="dim"))


HOW = {
    "combined": "by words, meaning, services and tags",
    "embedding": "by meaning",
    "lexical": "by shared words",
}


@handle_errors
def similar_command(
    id: Annotated[str, typer.Argument(help="The post-mortem (its id or a unique prefix).")],
    limit: Annotated[int, typer.Option("--limit", help="How many (1-50).")] = 5,
    method: Annotated[str, typer.Option("--method", help=f"One of {', '.join(METHODS)}.")] = "auto",
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The past post-mortems most like this one: by words, meaning, services and tags together
    when the embedding model is installed, else by words (docs/similar-incidents.md)."""
    ctx = context(db)
    with ctx.transaction() as session:
        result = similar(session, SYSTEM, id, limit=limit, method=method)
    if json_out:
        print_json(result.to_json())
        return
    out_console.print(f"Post-mortems like {result.id} ({HOW[result.method]}):", highlight=False)
    for item in result.results:
        line = Text(f"  {item.score:5.2f}  ")
        line.append(item.id, style="bold cyan")
        line.append(f"  {item.date.isoformat() if item.date else '-':10}  {item.title}")
        out_console.print(line)
    if not result.results:
        out_console.print("  none found", style="dim")
    if result.without_vector:
        err_console.print(
            f"{result.without_vector} post-mortems have no vector yet and were not compared; "
            "run `kintsugi library reindex`."
        )


@handle_errors
def build_command(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the static library into.")],
    include_all: Annotated[
        bool,
        typer.Option(
            "--include-restricted",
            help="Also export team and restricted post-mortems (by default only those visible "
            "to the whole organisation are exported, since the site is published widely).",
        ),
    ] = False,
    published_only: Annotated[
        bool, typer.Option("--published-only", help="Leave out drafts and documents in review.")
    ] = False,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Write INDEX.md and a static HTML site with client-side search into OUT_DIR."""
    ctx = context(db)
    with ctx.sessions() as session, _progress("exporting") as progress:
        result = build_library(
            session,
            out_dir,
            include_all=include_all,
            published_only=published_only,
            progress=progress,
        )
    if json_out:
        print_json(result.to_json())
        return
    out_console.print(
        f"wrote {result.documents} post-mortems to {out_dir} (INDEX.md, index.html)",
        highlight=False,
    )
    if result.left_out:
        err_console.print(
            f"left out {result.left_out} post-mortems that are not visible to the whole "
            "organisation" + (" or not published" if published_only else "")
        )


@handle_errors
def reindex_command(
    vectors: Annotated[
        bool,
        typer.Option(
            "--vectors/--no-vectors", help="Also compute missing meaning vectors (needs the model)."
        ),
    ] = True,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Rebuild the search index of every post-mortem, and compute missing vectors."""
    ctx = context(db)
    with _progress("indexing") as progress:
        indexed = reindex_all(ctx.sessions, progress=progress)
    embedded = 0
    encoder = load_encoder() if vectors else None
    if encoder is not None:
        from kintsugi.library.vectors import refresh_vectors

        with _progress("embedding") as progress:
            embedded = refresh_vectors(ctx.sessions, encoder, progress=progress)
    if json_out:
        print_json(
            {"indexed": indexed, "vectors": embedded, "model": encoder.name if encoder else None}
        )
        return
    out_console.print(f"indexed {indexed} post-mortems", highlight=False)
    if encoder is not None:
        out_console.print(f"computed {embedded} vectors with {encoder.name}", highlight=False)
    elif vectors:
        err_console.print(
            "the embedding model is not installed: similar incidents use shared words"
        )


@handle_errors
def similar_eval_command(
    labelled: Annotated[
        Path,
        typer.Argument(help="A labelled set (YAML): groups of incidents that belong together."),
    ],
    corpus: Annotated[
        Path | None,
        typer.Option("--corpus", help="The folder the set's file pointers are relative to."),
    ] = None,
    method: Annotated[
        list[str] | None,
        typer.Option("--method", help=f"Only these ({', '.join(EVAL_METHODS)}); repeatable."),
    ] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="Precision at this rank.")] = K,
    json_out: JsonOption = False,
) -> None:
    """Precision at k of each similar-incidents method on a labelled set (temporary database)."""
    documents = load_set(labelled, corpus)
    with _progress("asking") as progress:
        result = evaluate(documents, methods=method or EVAL_METHODS, k=k, progress=progress)
    if json_out:
        print_json(result.to_json())
        return
    out_console.print(
        f"{result.documents} documents, {result.queries} asked in {result.groups} groups; "
        f"precision at {result.k}:",
        highlight=False,
    )
    for score in result.scores:
        out_console.print(f"  {score.method:10} {score.precision:.3f}", highlight=False)
    for file, reason in result.skipped:
        err_console.print(f"skipped {file}: {reason}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``search``, ``similar`` and the ``library`` commands to the root app."""
    app.command("search")(search_command)
    app.command("similar")(similar_command)
    library = typer.Typer(
        help="The post-mortem library: static export and index maintenance.",
        no_args_is_help=True,
    )
    library.command("build")(build_command)
    library.command("reindex")(reindex_command)
    library.command("similar-eval")(similar_eval_command)
    app.add_typer(library, name="library")
