"""The worker's sharing jobs: announce newly published documents, send the weekly learning
digest. Keys: ``announce:<post-mortem id>`` and ``learning-digest:<ISO week>``; each goes once
per channel across all workers (``Worker.send``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import ValidationError

from kintsugi.actions import deliveries
from kintsugi.core.errors import input_error_from
from kintsugi.handbook.config import SharingSettings
from kintsugi.handbook.digest import build_learning_digest, digest_due, digest_message, week_key
from kintsugi.handbook.sharing import (
    EVERYONE,
    announcement,
    audience,
    channels_for,
    published_between,
)
from kintsugi.notify.deliver import SENT
from kintsugi.people.principal import SYSTEM

if TYPE_CHECKING:
    from kintsugi.actions.worker import RunReport, Worker
    from kintsugi.jobs.registry import JobRegistry

JOB = "handbook"


def announce_key(postmortem_id: str) -> str:
    return f"announce:{postmortem_id}"


def announce_due(
    worker: Worker, now: datetime, report: RunReport, settings: SharingSettings
) -> int:
    """Announce documents published within the window; returns how many were sent now."""
    since = now - timedelta(days=settings.announce_window_days)
    names = settings.channel_names
    todo = []
    with worker.sessions() as session:
        for doc in published_between(session, SYSTEM, since, now + timedelta(seconds=1)):
            reach = audience(session, doc, settings.recipients)
            chosen = channels_for(names, reach)
            message = announcement(doc, worker.base_url, reach.email_to)
            channels = {
                n: c for n, c in worker.channels_named(chosen).items() if c.applies_to(message)
            }
            key = announce_key(doc.id)
            if channels and not deliveries.settled(session, key, list(channels), worker.policy):
                todo.append((key, message, channels))
    sent = 0
    for key, message, channels in todo:
        outcomes = worker.send(key, message, channels, now, report)
        sent += any(o.status == SENT for o in outcomes)
    return sent


def send_digest(worker: Worker, now: datetime, report: RunReport, settings: SharingSettings) -> str:
    """Send this week's learning digest once, as ``EVERYONE`` sees it; a one-word summary."""
    key = week_key(now)
    with worker.sessions() as session:
        digest = build_learning_digest(session, EVERYONE, now)
    if digest.is_empty:
        return "nothing to share"
    message = digest_message(digest, settings.recipients, worker.base_url)
    channels = {
        n: c
        for n, c in worker.channels_named(settings.channel_names).items()
        if c.applies_to(message)
    }
    if not channels:
        return "no channels"
    with worker.sessions() as session:
        if deliveries.settled(session, key, list(channels), worker.policy):
            return "already sent"
    outcomes = worker.send(key, message, channels, now, report)
    if any(o.status == SENT for o in outcomes):
        return "sent"
    if all(o.status == deliveries.ELSEWHERE for o in outcomes):
        return "already sent"
    return "failed"


def run_due(worker: Worker, now: datetime, report: RunReport) -> None:
    """The worker's entry point: announcements, then the digest when due."""
    try:
        settings = SharingSettings()
    except ValidationError as exc:
        problem = input_error_from(exc)
        field = f"KINTSUGI_{problem.field.upper()}" if problem.field else "KINTSUGI_LEARNING_*"
        report.jobs[JOB] = f"not run: {field}: {problem.args[0]}"
        return
    announced = announce_due(worker, now, report, settings)
    digest = "not due"
    if digest_due(now, settings.learning_digest_weekday, settings.learning_digest_hour):
        digest = send_digest(worker, now, report, settings)
    report.jobs[JOB] = f"announced {announced}; learning digest {digest}"


def register(registry: JobRegistry[RunReport], worker: Worker) -> None:
    """Add this slice's job to the worker's ``registry``."""
    registry.add(JOB, lambda now, report: run_due(worker, now, report))
