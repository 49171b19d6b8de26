"""CLI: ``kintsugi draft INCIDENT`` and ``kintsugi incidents add|list``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape

from kintsugi.core.cli_support import (
    EXIT_USAGE,
    DbOption,
    JsonOption,
    context,
    err_console,
    fail,
    handle_errors,
    out_console,
    print_json,
)
from kintsugi.core.errors import ConfigurationError, InputError
from kintsugi.incidents import service
from kintsugi.incidents.config import IncidentSettings
from kintsugi.incidents.draft import TEMPLATES, draft_incident, parse_reference
from kintsugi.meetings.when import parse_when
from kintsugi.people.principal import SYSTEM
from kintsugi.timeline.builder import parse_sources

incidents_app = typer.Typer(
    name="incidents",
    help="Incidents as records: from drafts, webhooks, or added by hand (near misses too).",
    no_args_is_help=True,
)


@handle_errors
def draft(
    incident: Annotated[
        str, typer.Argument(help="incidentio:ID, pagerduty:ID or opsgenie:ALERT-ID.")
    ],
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            help="More timeline sources (pagerduty:ID, github:org/repo, alertmanager...); repeat.",
        ),
    ] = None,
    template: Annotated[
        str, typer.Option("--template", help=f"One of {', '.join(TEMPLATES)}.")
    ] = "postmortem",
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Create the incident's post-mortem, or refresh it: times, timeline, people, deadline,
    owner, review meeting and similar incidents. Running it again never duplicates anything."""
    try:
        parse_sources([":".join(parse_reference(incident)), *(source or [])])
        if template not in TEMPLATES:
            raise InputError(f"one of {', '.join(TEMPLATES)}", field="--template")
    except InputError as exc:
        fail(str(exc), EXIT_USAGE)
    ctx = context(db)
    try:
        settings = IncidentSettings()
    except ValueError as exc:
        raise ConfigurationError(f"settings: {exc}") from exc
    result = draft_incident(
        ctx.sessions, SYSTEM, incident, extra_sources=source or [], template=template,
        settings=settings,
    )  # fmt: skip
    if json_out:
        print_json(result.to_json())
        return
    doc = result.document
    verb = "created" if result.created else ("refreshed" if result.changed else "unchanged")
    out_console.print(f"{verb}: [bold]{escape(doc.id or '')}[/bold] {escape(doc.title)}")
    data = result.incident
    for name, stamp in data["times"].items():
        out_console.print(f"  {name:<13} {stamp['at']}  (from {stamp['from']})", highlight=False)
    saved = result.saved
    out_console.print(
        f"  timeline: {saved.created} new, {saved.updated} updated, {saved.unchanged} unchanged",
        highlight=False,
    )
    if data["owner"]:
        out_console.print(f"  owner: {escape(data['owner'])}", highlight=False)
    if data["deadline"]:
        out_console.print(f"  post-mortem due: {data['deadline']}", highlight=False)
    if data["review"]:
        out_console.print(f"  review meeting: {data['review']['starts_at']}", highlight=False)
    for failure in data["failures"]:
        err_console.print(f"[yellow]warning:[/yellow] {escape(failure['message'])}")


def _time(value: str | None, option: str) -> datetime | None:
    if not value:
        return None
    try:
        return parse_when(value, "UTC", field=option)[0]
    except InputError as exc:
        fail(f"{option}: {exc.message}", EXIT_USAGE)


@incidents_app.command("add")
@handle_errors
def add(
    title: Annotated[str, typer.Argument(help="What happened, in a few words.")],
    severity: Annotated[str | None, typer.Option("--severity", help="SEV1, SEV2 or SEV3.")] = None,
    started: Annotated[str | None, typer.Option("--started", help="When it started.")] = None,
    resolved: Annotated[
        str | None, typer.Option("--resolved", help="When it was resolved.")
    ] = None,
    near_miss: Annotated[
        bool, typer.Option("--near-miss", help="It nearly happened: no post-mortem is due.")
    ] = False,
    service_name: Annotated[
        list[str] | None, typer.Option("--service", help="An affected service; repeat.")
    ] = None,
    lead: Annotated[str | None, typer.Option("--lead", help="The incident lead.")] = None,
    postmortem: Annotated[
        str | None, typer.Option("--postmortem", help="Id of its post-mortem, if written.")
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Record an incident by hand (teams without an incident system), or a near miss."""
    started_at = _time(started, "--started")
    resolved_at = _time(resolved, "--resolved")
    ctx = context(db)
    with ctx.transaction() as session:
        record = service.add_incident(
            session, SYSTEM, title, severity=severity, started_at=started_at,
            resolved_at=resolved_at, near_miss=near_miss, services=service_name or [],
            lead=lead, postmortem_id=postmortem,
        )  # fmt: skip
    if json_out:
        print_json(record.to_json())
        return
    out_console.print(f"recorded [bold]{escape(record.reference)}[/bold] {escape(record.title)}")


@incidents_app.command("list")
@handle_errors
def list_(
    without_postmortem: Annotated[
        bool, typer.Option("--without-postmortem", help="Only incidents with no post-mortem.")
    ] = False,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Incidents, most recent first, each with its post-mortem or the lack of one."""
    ctx = context(db)
    with ctx.sessions() as session:
        records = service.list_incidents(session, SYSTEM, without_postmortem=without_postmortem)
    if json_out:
        print_json([r.to_json() for r in records])
        return
    if not records:
        out_console.print("no incidents recorded")
        return
    for r in records:
        resolved = r.resolved_at.strftime("%Y-%m-%d %H:%M UTC") if r.resolved_at else "unresolved"
        kind = "near miss" if r.near_miss else (r.severity or "no severity")
        written = r.postmortem_id or ("-" if r.near_miss else "NO POST-MORTEM")
        out_console.print(
            f"{escape(r.reference)}  {kind}  {resolved}  {escape(r.title)}  -> {escape(written)}",
            highlight=False,
        )


def register(root: typer.Typer) -> None:
    """Add ``kintsugi draft`` and ``kintsugi incidents`` to the root app."""
    root.command("draft")(draft)
    root.add_typer(incidents_app)
