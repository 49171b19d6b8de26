"""``kintsugi timeline build``: fetch an incident's timeline from its tools and merge it."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape

from kintsugi.core.cli_support import (
    EXIT_PROBLEMS,
    DbOption,
    JsonOption,
    context,
    err_console,
    handle_errors,
    print_json,
)
from kintsugi.core.errors import InputError
from kintsugi.people.principal import SYSTEM
from kintsugi.timeline.builder import SPEC_HELP
from kintsugi.timeline.events import parse_time
from kintsugi.timeline.render import render_markdown
from kintsugi.timeline.service import build_for_postmortem

timeline_app = typer.Typer(
    help="Incident timelines: fetch events from incident tools and merge them.",
    no_args_is_help=True,
)

FORMATS = ("md", "json")


def _time_option(value: str | None, name: str) -> datetime | None:
    """A --since/--until value; a time without a zone is left naive, to be read in the
    document's zone."""
    if value is None:
        return None
    text = value.strip()
    try:
        return parse_time(text)
    except ValueError:
        pass
    try:
        naive = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError as exc:
        raise InputError(
            f"{value!r} is not a time (write 2024-05-01T14:03:00Z, with an offset, or a local "
            "time in the document's zone)",
            field=name,
        ) from exc
    return parse_time(naive) if naive.tzinfo is not None else naive


@timeline_app.command("build")
@handle_errors
def build_command(
    postmortem_id: Annotated[str, typer.Argument(metavar="PM-ID", help="The post-mortem's id.")],
    source: Annotated[
        list[str],
        typer.Option("--source", "-s", help=f"A source, repeatable: {SPEC_HELP}."),
    ],
    since: Annotated[
        str | None, typer.Option("--since", help="Window start (default: before the incident).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Window end (default: after the resolution).")
    ] = None,
    save: Annotated[
        bool, typer.Option("--save", help="Store the events in the post-mortem's timeline.")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="Output: md or json.")] = "md",
    timezone: Annotated[
        str | None, typer.Option("--timezone", help="Zone to show times in (default: document's).")
    ] = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Fetch events from the sources, merge them into one timeline, and print (or save) it.

    Exits 1 when a source failed (the timeline is built from the others).
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}", field="format")
    ctx = context(db)
    status = (
        err_console.status(f"fetching {len(source)} source(s)")
        if err_console.is_terminal and not json_output
        else nullcontext()
    )
    with status:
        built = build_for_postmortem(
            ctx.sessions,
            SYSTEM,
            postmortem_id,
            source,
            since=_time_option(since, "since"),
            until=_time_option(until, "until"),
            save=save,
            timezone=timezone,
        )
    result, zone = built.result, built.zone
    saved = built.saved.to_json() if built.saved is not None else None
    if json_output or fmt == "json":
        print_json(built.to_json())
    else:
        sys.stdout.write(
            render_markdown(
                result.events,
                zone,
                durations=result.durations,
                changes=result.changes_before_detection,
            )
        )
        if saved is not None:
            err_console.print(
                f"saved: {saved['created']} new, {saved['updated']} updated, "
                f"{saved['kept']} kept as edited by hand",
                highlight=False,
            )
    for failure in result.failures:
        err_console.print(
            f"[red]error:[/red] {escape(failure.message)}", highlight=False, soft_wrap=True
        )
    if result.failures:
        raise typer.Exit(EXIT_PROBLEMS)


def register(app: typer.Typer) -> None:
    """Add ``kintsugi timeline`` to the root app."""
    app.add_typer(timeline_app, name="timeline")


__all__ = ["register", "timeline_app"]
