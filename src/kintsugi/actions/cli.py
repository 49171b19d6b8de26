"""CLI for action items: ``kintsugi actions add|list|show|update|history|report|digest|export|sync``
(``kintsugi worker``, which sends reminders and the weekly digest, is ``kintsugi.worker``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from kintsugi.actions import items
from kintsugi.actions.config import ActionSettings, TrackerSettings
from kintsugi.actions.digest import build_digest, digest_message
from kintsugi.actions.items import ItemChanges, ItemFilters, ItemView, NewItem
from kintsugi.actions.report import Report, build_report
from kintsugi.actions.sync import export_item, make_tracker, sync_items
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
from kintsugi.core.errors import ConfigurationError, InputError
from kintsugi.core.types import utcnow
from kintsugi.notify.channels import configured_channels
from kintsugi.notify.config import NotifySettings
from kintsugi.notify.deliver import Outcome, deliver
from kintsugi.people.principal import SYSTEM

actions_app = typer.Typer(
    name="actions",
    help="Action items: track, report, remind, sync with issue trackers.",
    no_args_is_help=True,
)

CLEAR = "none"


def _date(value: str | None, option: str) -> date | None:
    if value is None or value.strip().lower() == CLEAR:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{value!r} is not a date (YYYY-MM-DD)", field=option) from None


def _nullable(value: str) -> str | None:
    return None if value.strip().lower() == CLEAR else value


def _item_line(item: ItemView) -> str:
    due = f" due {item.due}" if item.due else ""
    late = " [red]overdue[/red]" if item.overdue else ""
    text = (
        f"#{item.id} [{item.status}] {item.title} ({item.owner or 'unassigned'}, "
        f"{item.priority or 'no priority'}{due})"
    )
    return f"{escape(text)}{late} — {escape(item.postmortem_id)}"


@actions_app.command("add")
@handle_errors
def add(
    postmortem: Annotated[str, typer.Argument(help="Post-mortem id (or a unique prefix).")],
    title: Annotated[str, typer.Argument(help="What will be done.")],
    owner: Annotated[str | None, typer.Option("--owner", help="A person or a team.")] = None,
    team: Annotated[bool, typer.Option("--team", help="The owner is a team.")] = False,
    priority: Annotated[str | None, typer.Option("--priority", help="P0, P1 or P2.")] = None,
    due: Annotated[str | None, typer.Option("--due", help="Due date, YYYY-MM-DD.")] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind", help="fix, prevention, detection, mitigation, process or documentation."
        ),
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Add an action item to a post-mortem."""
    new = NewItem(
        title=title,
        owner=owner,
        owner_kind="team" if team else None,
        priority=items.parse_priority(priority) if priority else None,
        due=_date(due, "--due"),
        kind=items.parse_kind(kind) if kind else None,
    )
    ctx = context(db)
    with ctx.transaction() as session:
        item = items.add_item(session, postmortem, new, SYSTEM)
    if json_out:
        print_json(item.to_json())
    else:
        out_console.print(f"added {_item_line(item)}", highlight=False)


@actions_app.command("list")
@handle_errors
def list_(
    owner: Annotated[str | None, typer.Option("--owner")] = None,
    team: Annotated[
        str | None, typer.Option("--team", help="Owned by the team or one of its members.")
    ] = None,
    priority: Annotated[str | None, typer.Option("--priority", help="P0, P1, P2 or none.")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="open, in_progress, completed, wont_do.")
    ] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue items.")] = False,
    postmortem: Annotated[str | None, typer.Option("--postmortem", help="One post-mortem.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 500,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List action items, open work and soonest due first."""
    filters = ItemFilters(
        owner=owner,
        team=team,
        priority=priority,
        status=status,
        overdue=overdue,
        postmortem=postmortem,
    )
    ctx = context(db)
    with ctx.transaction() as session:
        found = items.list_items(session, SYSTEM, filters, limit=limit)
        total = items.count_items(session, SYSTEM, filters)
    if json_out:
        print_json({"total": total, "items": [item.to_json() for item in found]})
        return
    table = Table("ID", "Action", "Owner", "Pri", "Due", "Status", "Post-mortem")
    for item in found:
        due = str(item.due or "-")
        table.add_row(
            str(item.id),
            escape(item.title),
            escape(item.owner or "-"),
            item.priority or "-",
            f"[red]{due}[/red]" if item.overdue else due,
            item.status.replace("_", " "),
            escape(item.postmortem_id),
        )
    out_console.print(table)
    shown = f"{len(found)} of {total}" if total > len(found) else str(total)
    out_console.print(f"{shown} action item{'' if total == 1 else 's'}", highlight=False)


@actions_app.command("show")
@handle_errors
def show(
    item_id: Annotated[int, typer.Argument(help="Action item id.")],
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """One action item with its history."""
    ctx = context(db)
    with ctx.transaction() as session:
        item = items.get_item(session, item_id, SYSTEM)
        history = items.item_history(session, item_id, SYSTEM)
    if json_out:
        print_json({**item.to_json(), "history": [h.to_json() for h in history]})
        return
    out_console.print(_item_line(item), highlight=False)
    if item.wont_do_reason:
        out_console.print(f"won't do: {item.wont_do_reason}", highlight=False, markup=False)
    if item.tracker:
        out_console.print(
            f"tracker: {item.tracker.url} ({item.tracker.remote_state})", markup=False
        )
    for entry in history:
        changes = ", ".join(f"{k}: {v[0]} -> {v[1]}" for k, v in entry.changes.items())
        comment = f' "{entry.comment}"' if entry.comment else ""
        out_console.print(
            f"  {entry.at:%Y-%m-%d %H:%M} UTC {entry.actor} {entry.kind} {changes}{comment}",
            highlight=False,
            markup=False,
        )


@actions_app.command("update")
@handle_errors
def update(
    item_id: Annotated[int, typer.Argument(help="Action item id.")],
    status: Annotated[
        str | None, typer.Option("--status", help="open, in_progress, completed, wont_do.")
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why it won't be done (with --status wont_do).")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="New owner ('none' clears).")] = None,
    team: Annotated[bool, typer.Option("--team", help="The new owner is a team.")] = False,
    priority: Annotated[str | None, typer.Option("--priority", help="P0, P1, P2 or none.")] = None,
    due: Annotated[str | None, typer.Option("--due", help="YYYY-MM-DD or none.")] = None,
    title: Annotated[str | None, typer.Option("--title")] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="fix, prevention, ..., documentation or none.")
    ] = None,
    completed_on: Annotated[
        str | None,
        typer.Option("--completed-on", help="The day it was completed, YYYY-MM-DD (or none)."),
    ] = None,
    comment: Annotated[str | None, typer.Option("--comment", help="Why; kept in history.")] = None,
    base_version: Annotated[
        int | None,
        typer.Option("--base-version", help="Refuse if the item changed since this version."),
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Change an action item; every change is kept in its history."""
    fields: dict[str, Any] = {}
    if status is not None:
        fields["status"] = items.parse_status(status)
    if reason is not None:
        fields["wont_do_reason"] = reason
    if owner is not None:
        fields["owner"] = _nullable(owner)
    if team:
        fields["owner_kind"] = "team"
    if priority is not None:
        value = _nullable(priority)
        fields["priority"] = items.parse_priority(value) if value else None
    if due is not None:
        fields["due"] = _date(due, "--due")
    if title is not None:
        fields["title"] = title
    if kind is not None:
        kind_value = _nullable(kind)
        fields["kind"] = items.parse_kind(kind_value) if kind_value else None
    if completed_on is not None:
        fields["completed_on"] = _date(completed_on, "--completed-on")
    if comment is not None:
        fields["comment"] = comment
    if not fields:
        raise InputError("nothing to change; give --status, --owner, --due, ... or --comment")
    ctx = context(db)
    with ctx.transaction() as session:
        item = items.update_item(
            session, item_id, ItemChanges(**fields), SYSTEM, base_version=base_version
        )
    if json_out:
        print_json(item.to_json())
    else:
        out_console.print(f"updated {_item_line(item)}", highlight=False)


@actions_app.command("report")
@handle_errors
def report(
    limit: Annotated[int, typer.Option("--limit", help="Oldest overdue items to list.")] = 20,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """How action items are getting done: rates, by priority, by owner, oldest overdue."""
    ctx = context(db)
    with ctx.transaction() as session:
        result = build_report(session, SYSTEM, overdue_limit=limit)
    if json_out:
        print_json(result.to_json())
    else:
        _print_report(result)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _print_report(result: Report) -> None:
    t = result.totals
    out_console.print(f"Action items as of {result.today} (UTC)", style="bold", highlight=False)
    out_console.print(
        f"total {t.total}: open {t.open}, in progress {t.in_progress}, completed {t.completed}, "
        f"won't do {t.wont_do}; overdue {t.overdue}",
        highlight=False,
    )
    out_console.print(
        f"completion rate {_pct(t.completion_rate)}, "
        f"on-time completion rate {_pct(t.on_time_completion_rate)}",
        highlight=False,
    )
    by_priority = Table("Priority", "Total", "Open", "In progress", "Completed", "Overdue")
    for key, c in result.by_priority.items():
        by_priority.add_row(
            key, str(c.total), str(c.open), str(c.in_progress), str(c.completed), str(c.overdue)
        )
    out_console.print(by_priority)
    by_owner = Table("Owner", "Kind", "Total", "Completed", "Overdue", "Completion")
    for owner in result.by_owner:
        c = owner.counts
        by_owner.add_row(
            escape(owner.owner),
            owner.owner_kind,
            str(c.total),
            str(c.completed),
            str(c.overdue),
            _pct(c.completion_rate),
        )
    out_console.print(by_owner)
    if result.oldest_overdue:
        out_console.print("Oldest overdue", style="bold")
        for item in result.oldest_overdue:
            out_console.print(f"  {_item_line(item)}", highlight=False)


def _tracker_settings() -> TrackerSettings:
    try:
        return TrackerSettings()
    except ValidationError as exc:
        raise ConfigurationError(f"settings: {exc.errors()[0]['msg']}") from None


@actions_app.command("export")
@handle_errors
def export(
    item_id: Annotated[int, typer.Argument(help="Action item id.")],
    to: Annotated[str, typer.Option("--to", help="github or jira.")],
    repo: Annotated[
        str | None, typer.Option("--repo", help="GitHub owner/name (else KINTSUGI_GITHUB_REPO).")
    ] = None,
    project: Annotated[
        str | None, typer.Option("--project", help="Jira project key (else KINTSUGI_JIRA_PROJECT).")
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Open an issue for an action item in GitHub or Jira and keep the link."""
    kind = to.strip().lower()
    tracker = make_tracker(_tracker_settings(), kind, repo if kind == "github" else project)
    ctx = context(db)
    item = export_item(ctx.sessions, item_id, tracker, SYSTEM, base_url=ctx.settings.base_url)
    if json_out:
        print_json(item.to_json())
    elif item.tracker:
        out_console.print(f"#{item.id} is {item.tracker.url}", highlight=False, markup=False)


@actions_app.command("sync")
@handle_errors
def sync(
    prefer: Annotated[
        str | None,
        typer.Option(
            "--prefer", help="Settle conflicts: local (keep ours) or remote (take theirs)."
        ),
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Pull the status of exported items back from GitHub and Jira; report conflicts."""
    settings = _tracker_settings()
    ctx = context(db)
    report = sync_items(
        ctx.sessions, lambda kind, project: make_tracker(settings, kind, project), prefer=prefer
    )
    if json_out:
        print_json(report.to_json())
    else:
        for change in report.updated:
            out_console.print(
                f"#{change.item_id} {change.local} ({change.ref} {change.remote})",
                highlight=False,
                markup=False,
            )
        for change in report.conflicts:
            err_console.print(
                f"conflict: #{change.item_id} is {change.local} here but {change.ref} is "
                f"{change.remote}; settle it with --prefer local|remote",
                highlight=False,
                markup=False,
            )
        for error in report.errors:
            err_console.print(f"error: {error}", highlight=False, markup=False)
        out_console.print(
            f"{len(report.updated)} updated, {len(report.conflicts)} conflict(s), "
            f"{report.unchanged} unchanged",
            highlight=False,
        )
    if report.conflicts or report.errors:
        raise typer.Exit(EXIT_PROBLEMS)


def notify_settings() -> tuple[NotifySettings, ActionSettings]:
    """The channels' and the action items' settings from the environment."""
    try:
        return NotifySettings(), ActionSettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigurationError(f"settings: {problems}") from None


@actions_app.command("digest")
@handle_errors
def digest(
    send: Annotated[
        bool, typer.Option("--send", help="Send it on the configured channels now.")
    ] = False,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Print the weekly digest for leadership, or --send it (the worker sends it weekly)."""
    ctx = context(db)
    notify, settings = notify_settings()
    now = utcnow()
    with ctx.transaction() as session:
        result = build_digest(session, now, include_restricted=settings.digest_include_restricted)
    message = digest_message(result, notify.digest_recipients, ctx.settings.base_url)
    if not send:
        if json_out:
            print_json(result.to_json())
        else:
            out_console.print(message.text, highlight=False, markup=False)
        return
    channels = {
        name: channel
        for name, channel in configured_channels(notify).items()
        if name in settings.digest_channel_names
    }
    if not notify.digest_recipients:
        channels.pop("email", None)
    if not channels:
        raise ConfigurationError(
            "no channel to send the digest on: set KINTSUGI_SMTP_HOST and KINTSUGI_DIGEST_TO, "
            "SLACK_WEBHOOK_URL (or SLACK_BOT_TOKEN and KINTSUGI_SLACK_CHANNEL), or "
            "KINTSUGI_SNS_TOPIC_ARN"
        )
    outcomes = deliver(
        message, list(channels.values()), retries=notify.retries, backoff=notify.backoff_seconds
    )
    _print_outcomes(outcomes, json_out)
    if any(not o.ok for o in outcomes):
        raise typer.Exit(EXIT_PROBLEMS)


def _print_outcomes(outcomes: list[Outcome], json_out: bool) -> None:
    if json_out:
        print_json({"outcomes": [o.to_json() for o in outcomes]})
        return
    for o in outcomes:
        line = f"{o.channel}: {o.status}"
        if o.recipient:
            line += f" ({o.recipient})"
        if o.attempts > 1:
            line += f" after {o.attempts} attempts"
        if o.error:
            line += f": {o.error}"
        (out_console if o.ok else err_console).print(line, highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add ``actions`` to the root command."""
    app.add_typer(actions_app, name="actions")
