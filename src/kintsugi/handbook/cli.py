"""CLI: ``kintsugi handbook list|show|edit|history``, ``kintsugi training status``,
``kintsugi learning digest|recognise|recognitions``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from kintsugi.core.cli_support import (
    EXIT_PROBLEMS,
    DbOption,
    JsonOption,
    context,
    handle_errors,
    out_console,
    print_json,
)
from kintsugi.core.errors import ConfigurationError, InputError
from kintsugi.core.types import utcnow
from kintsugi.people.principal import SYSTEM

# Three command groups share this module; each command imports what it runs, so that
# ``kintsugi training status`` does not load the handbook's Markdown renderer (markdown-it, nh3)
# and ``kintsugi handbook list`` does not load the digest's worker and notifiers.

handbook_app = typer.Typer(
    name="handbook", help="The handbook: policy and guides, versioned.", no_args_is_help=True
)
training_app = typer.Typer(
    name="training", help="Facilitator training: the self-check's results.", no_args_is_help=True
)
learning_app = typer.Typer(
    name="learning", help="Sharing: the learning digest and recognitions.", no_args_is_help=True
)


def _say(text: str) -> None:
    out_console.print(text, highlight=False, markup=False, soft_wrap=True)


# ----------------------------------------------------------------------------- handbook


@handbook_app.command("list")
@handle_errors
def list_pages(json_out: JsonOption = False, db: DbOption = None) -> None:
    """The handbook's pages."""
    from kintsugi.handbook import service

    with context(db).transaction() as session:
        pages = service.list_pages(session)
    if json_out:
        print_json([p.to_json() for p in pages])
        return
    for p in pages:
        state = "default" if p.is_default else f"v{p.version} by {p.updated_by}"
        _say(f"{p.slug:<14} {p.title}  ({state})")


@handbook_app.command("show")
@handle_errors
def show(
    slug: Annotated[str, typer.Argument(help="policy, rca, facilitation or learning")],
    version: Annotated[int | None, typer.Option("--version", help="An earlier version.")] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Print a page's Markdown."""
    from kintsugi.handbook import service

    with context(db).transaction() as session:
        page = service.get_page(session, slug)
        text = page.markdown if version is None else service.version_text(session, slug, version)
    if json_out:
        print_json({**page.to_json(), "markdown": text, "shown_version": version or page.version})
        return
    typer.echo(text, nl=not text.endswith("\n"))


@handbook_app.command("edit")
@handle_errors
def edit(
    slug: Annotated[str, typer.Argument(help="policy, rca, facilitation or learning")],
    file: Annotated[Path, typer.Option("--file", "-f", help="The new Markdown text.")],
    base_version: Annotated[
        int | None,
        typer.Option("--base-version", help="Refuse if the page changed since this version."),
    ] = None,
    change: Annotated[str, typer.Option("--change", help="What changed.")] = "",
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Save a file as the page's new version (kept in its history)."""
    from kintsugi.handbook import service

    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=str(file)) from None
    with context(db).transaction() as session:
        base = base_version if base_version is not None else service.get_page(session, slug).version
        try:
            page = service.save_page(
                session, slug, text, SYSTEM, base_version=base, change=change or f"from {file.name}"
            )
        except InputError as exc:
            raise exc.located(str(file)) from None
    if json_out:
        print_json(page.to_json())
    else:
        _say(f"{slug}: saved version {page.version}")


@handbook_app.command("history")
@handle_errors
def history(
    slug: Annotated[str, typer.Argument(help="policy, rca, facilitation or learning")],
    diff: Annotated[
        tuple[int, int] | None, typer.Option("--diff", help="Compare two versions: --diff 1 3")
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Every version of a page, or the diff between two."""
    from kintsugi.handbook import service

    with context(db).transaction() as session:
        if diff is not None:
            text = service.diff(session, slug, diff[0], diff[1])
            if json_out:
                print_json({"from": diff[0], "to": diff[1], "diff": text})
            else:
                _say(text or "No differences.")
            return
        found = service.versions(session, slug)
    if json_out:
        print_json([v.to_json() for v in found])
        return
    for v in found:
        when = v.created_at.strftime("%Y-%m-%d %H:%M UTC") if v.created_at else "shipped"
        _say(f"{v.version:>4}  {when:<20} {v.actor:<16} {v.change}")


# ----------------------------------------------------------------------------- training


@training_app.command("status")
@handle_errors
def training_status(json_out: JsonOption = False, db: DbOption = None) -> None:
    """Who has taken the self-check, and the trained facilitators."""
    from kintsugi.handbook import training

    with context(db).transaction() as session:
        summary = training.status(session)
        recent = training.results(session, SYSTEM)[:20]
    if json_out:
        print_json({**summary.to_json(), "recent": [r.to_json() for r in recent]})
        return
    _say(
        f"{summary.questions} questions, pass mark {summary.pass_mark:.0%}; "
        f"{summary.attempts} attempts by {summary.people} people; "
        f"{summary.trained} trained facilitators."
    )
    _say("Trained facilitators: " + (", ".join(summary.trained_facilitators) or "none yet"))
    for r in recent:
        result = "passed" if r.passed else "not passed"
        _say(
            f"  {r.completed_at:%Y-%m-%d %H:%M} UTC  {r.username:<16} {r.score}/{r.total} {result}"
        )


# ----------------------------------------------------------------------------- learning


def _settings() -> tuple[Any, Any, Any]:
    from kintsugi.actions.config import ActionSettings
    from kintsugi.handbook.config import SharingSettings
    from kintsugi.notify.config import NotifySettings

    try:
        return NotifySettings(), ActionSettings(), SharingSettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigurationError(f"settings: {problems}") from None


@learning_app.command("digest")
@handle_errors
def digest(
    send: Annotated[
        bool,
        typer.Option("--send", help="Send this week's digest now (once a week, like the worker)."),
    ] = False,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The weekly learning digest as the organisation's channels get it (organisation-wide
    post-mortems only), or --send it."""
    from kintsugi.actions.worker import RunReport, Worker
    from kintsugi.handbook.digest import build_learning_digest, digest_message
    from kintsugi.handbook.jobs import send_digest
    from kintsugi.handbook.sharing import EVERYONE

    ctx = context(db)
    now = utcnow()
    if not send:
        with ctx.transaction() as session:
            result = build_learning_digest(session, EVERYONE, now)
        if json_out:
            print_json(result.to_json())
        else:
            _say(digest_message(result, [], ctx.settings.base_url).text)
        return
    notify, actions, sharing = _settings()
    worker = Worker(ctx.sessions, notify, actions, base_url=ctx.settings.base_url)
    report = RunReport(worker=worker.name, started_at=now)
    outcome = send_digest(worker, now, report, sharing)
    if outcome == "no channels":
        raise ConfigurationError(
            "no channel to send the digest on: set KINTSUGI_SMTP_HOST and KINTSUGI_LEARNING_TO, "
            "SLACK_WEBHOOK_URL (or SLACK_BOT_TOKEN and KINTSUGI_SLACK_CHANNEL), or "
            "KINTSUGI_SNS_TOPIC_ARN"
        )
    if json_out:
        print_json({"digest": outcome, **report.to_json()})
    else:
        _say(f"learning digest: {outcome}")
        for key, o in report.failed:
            _say(f"  failed {key} on {o.channel}: {o.error}")
    if report.failed:
        raise typer.Exit(EXIT_PROBLEMS)


@learning_app.command("recognise")
@handle_errors
def recognise(
    recipient: Annotated[str, typer.Argument(help="Who: a person (or a team with --team).")],
    message: Annotated[str, typer.Option("--message", "-m", help="What they are thanked for.")],
    team: Annotated[bool, typer.Option("--team", help="The recipient is a team.")] = False,
    reason: Annotated[
        str, typer.Option("--for", help="transparency (a post-mortem) or improvement")
    ] = "transparency",
    postmortem: Annotated[
        str | None, typer.Option("--postmortem", help="The post-mortem it is about.")
    ] = None,
    by: Annotated[str, typer.Option("--by", help="Recorded as recognised by.")] = "system",
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Recognise a person or team; it shows on the digest and the recognition page."""
    from kintsugi.handbook.recognition import recognise as record

    actor = replace(SYSTEM, username=by.strip() or "system")
    with context(db).transaction() as session:
        found = record(
            session,
            actor,
            recipient=recipient,
            recipient_kind="team" if team else "person",
            reason=reason,
            message=message,
            postmortem_id=postmortem,
        )
    if json_out:
        print_json(found.to_json())
    else:
        _say(f"recognised {found.recipient} for {found.reason_label} (#{found.id})")


@learning_app.command("recognitions")
@handle_errors
def recognitions(
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Recognitions, newest first."""
    from kintsugi.handbook.recognition import list_recognitions

    with context(db).transaction() as session:
        found = list_recognitions(session, SYSTEM, limit=limit)
    if json_out:
        print_json([r.to_json() for r in found])
        return
    if not found:
        _say("No recognitions yet.")
    for r in found:
        about = f" [{r.postmortem_id}]" if r.postmortem_id else ""
        _say(f"{r.created_at:%Y-%m-%d} {r.recipient} ({r.reason}){about}: {r.message}")


def register(app: typer.Typer) -> None:
    """Add ``handbook``, ``training`` and ``learning`` to the root command."""
    app.add_typer(handbook_app, name="handbook")
    app.add_typer(training_app, name="training")
    app.add_typer(learning_app, name="learning")
