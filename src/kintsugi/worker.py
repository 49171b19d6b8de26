"""``kintsugi worker``: the composition root of the scheduled jobs.

It builds the worker (``kintsugi.actions.worker.Worker``: the database, the channels,
exactly-once sending) and asks each slice to add its jobs to the worker's registry, in the
order they run. A new job is one line here plus a ``register`` in its slice's ``jobs`` module.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Mapping
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions import jobs as actions_jobs
from kintsugi.actions.cli import notify_settings
from kintsugi.actions.config import ActionSettings
from kintsugi.actions.worker import RunReport, Worker
from kintsugi.core.cli_support import (
    EXIT_PROBLEMS,
    DbOption,
    JsonOption,
    context,
    err_console,
    handle_errors,
    print_json,
)
from kintsugi.handbook import jobs as handbook_jobs
from kintsugi.meetings import jobs as meetings_jobs
from kintsugi.metrics import jobs as metrics_jobs
from kintsugi.notify.base import Channel
from kintsugi.notify.config import NotifySettings
from kintsugi.people import jobs as people_jobs


def build_worker(
    sessions: sessionmaker[Session],
    notify: NotifySettings,
    settings: ActionSettings,
    *,
    base_url: str = "http://127.0.0.1:8000",
    channels: Mapping[str, Channel] | None = None,
    name: str | None = None,
) -> Worker:
    """A worker with every slice's jobs registered."""
    worker = Worker(sessions, notify, settings, base_url=base_url, channels=channels, name=name)
    actions_jobs.register(worker.jobs, worker)
    people_jobs.register(worker.jobs, worker)
    meetings_jobs.register(worker.jobs, worker)
    handbook_jobs.register(worker.jobs, worker)
    metrics_jobs.register(worker.jobs, worker)
    return worker


@handle_errors
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run the due jobs once and exit.")] = False,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Send assignment notices, due/overdue reminders and the weekly digest.

    Run as many workers as you like: each message is sent once (claims in the database).
    """
    ctx = context(db)
    notify, settings = notify_settings()
    runner = build_worker(ctx.sessions, notify, settings, base_url=ctx.settings.base_url)
    if once:
        report = runner.run_once()
        if json_out:
            print_json(report.to_json())
        else:
            _print_run(report)
        if report.failed:
            raise typer.Exit(EXIT_PROBLEMS)
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    err_console.print(
        f"worker {runner.name}: channels {', '.join(runner.channels) or 'none'}; "
        f"every {settings.worker_interval_seconds:g}s (Ctrl-C stops)",
        highlight=False,
    )
    try:
        runner.run_forever(stop, on_run=_print_run)
    except KeyboardInterrupt:
        stop.set()


def _print_run(report: RunReport) -> None:
    err_console.print(
        f"{report.started_at:%Y-%m-%d %H:%M:%S} UTC: {report.assignments} assignment(s), "
        f"{report.reminders} reminder(s), digest {report.digest}; sent {len(report.sent)}, "
        f"failed {len(report.failed)}",
        highlight=False,
        markup=False,
    )
    for key, outcome in report.failed:
        err_console.print(
            f"  {key} {outcome.channel}: {outcome.error}", highlight=False, markup=False
        )


def register(app: typer.Typer) -> None:
    """Add ``worker`` to the root command."""
    app.command("worker")(worker)
