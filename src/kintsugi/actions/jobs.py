"""The action items' scheduled jobs: assignment notices, due and overdue reminders, the
weekly digest.

Keys: ``assigned:<history id>``, ``reminder:<item id>:<day>``, ``digest:<ISO week>``; each is
sent once per channel across all workers (``Worker.send`` and ``deliveries.send_once``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kintsugi.actions import deliveries, reminders
from kintsugi.actions.deliveries import ELSEWHERE, send_once
from kintsugi.actions.digest import build_digest, digest_due, digest_message, week_key
from kintsugi.actions.messages import item_message
from kintsugi.actions.reminders import Notice
from kintsugi.actions.worker import RunReport, Worker
from kintsugi.jobs.claims import finished
from kintsugi.jobs.registry import JobRegistry
from kintsugi.notify.base import Channel
from kintsugi.notify.channels import BROADCAST
from kintsugi.notify.deliver import FAILED, SENT
from kintsugi.postmortems.readers import reader_emails


def register(registry: JobRegistry[RunReport], worker: Worker) -> None:
    """Add the assignment notices, the reminders and the weekly digest to ``registry``."""
    registry.add("assignments", lambda now, report: assignments(worker, now, report))
    registry.add("reminders", lambda now, report: due_reminders(worker, now, report))
    registry.add("digest", lambda now, report: digest(worker, now, report))


def _owner_channels(worker: Worker, notice: Notice) -> dict[str, Channel]:
    chosen = worker.channels_named(worker.settings.reminder_channel_names)
    if not notice.public:
        chosen = {name: ch for name, ch in chosen.items() if name not in BROADCAST}
    return chosen


def _notify(
    worker: Worker, notices: list[Notice], now: datetime, report: RunReport
) -> list[Notice]:
    """Send each notice on its channels; the notices with nothing left to do."""
    emails: dict[tuple[str, str | None, str], list[str]] = {}
    prepared = []
    with worker.sessions() as session:
        for notice in notices:
            # only owners who may read the post-mortem hear of it (its title, its link)
            owner = (notice.item.postmortem_id, notice.item.owner, notice.owner_kind)
            if owner not in emails:
                emails[owner] = reader_emails(session, [owner[0]], *owner[1:])
            message = item_message(
                notice.item,
                headline=notice.headline,
                email_to=emails[owner],
                base_url=worker.base_url,
            )
            applicable = {
                name: channel
                for name, channel in _owner_channels(worker, notice).items()
                if channel.applies_to(message)
            }
            prepared.append((notice, message, applicable))
        done_before = finished(session, [n.key for n in notices], worker.policy)
    done = []
    for notice, message, applicable in prepared:
        if set(applicable) <= done_before.get(notice.key, set()):
            done.append(notice)
            continue
        outcomes = send_once(
            worker.sessions,
            notice.key,
            message,
            applicable,
            worker=worker.name,
            now=now,
            policy=worker.policy,
        )
        report.record(notice.key, outcomes)
        if all(o.status == SENT or (o.status == FAILED and not o.retryable) for o in outcomes):
            done.append(notice)
    return done


def assignments(worker: Worker, now: datetime, report: RunReport) -> None:
    """Tell owners of the items newly assigned to them."""
    since = now - timedelta(days=worker.settings.assignment_window_days)
    # Reads and writes in separate transactions: on SQLite a transaction that reads and then
    # writes fails at once (SQLITE_BUSY) when another worker wrote in between.
    with worker.sessions() as session:
        stale = reminders.stale_assignments(session, since)
        notices = reminders.pending_assignments(session, since)
    with worker.sessions.begin() as session:
        reminders.mark_notified(session, stale, now)
    done = _notify(worker, notices, now, report)
    report.assignments = len(notices)
    with worker.sessions.begin() as session:
        reminders.mark_notified(
            session, [n.history_id for n in done if n.history_id is not None], now
        )


def due_reminders(worker: Worker, now: datetime, report: RunReport) -> None:
    """Remind owners of items due soon and, every few days, of overdue ones."""
    settings = worker.settings
    with worker.sessions() as session:
        notices = reminders.due_reminders(
            session, now.date(), settings.days_before, settings.overdue_reminder_every_days
        )
    _notify(worker, notices, now, report)
    report.reminders = len(notices)


def digest(worker: Worker, now: datetime, report: RunReport) -> None:
    """Send the weekly digest of action items once, when it is due."""
    settings = worker.settings
    if not digest_due(now, settings.digest_weekday, settings.digest_hour):
        return
    channels = worker.channels_named(settings.digest_channel_names)
    recipients = worker.notify_settings.digest_recipients
    if not recipients:
        channels.pop("email", None)
    if not channels:
        report.digest = "no channels"
        return
    key = week_key(now)
    with worker.sessions() as session:
        if deliveries.settled(session, key, list(channels), worker.policy):
            report.digest = "already sent"
            return
        built = build_digest(session, now, include_restricted=settings.digest_include_restricted)
    message = digest_message(built, recipients, worker.base_url)
    outcomes = send_once(
        worker.sessions, key, message, channels, worker=worker.name, now=now, policy=worker.policy
    )
    report.record(key, outcomes)
    if any(o.status == SENT for o in outcomes):
        report.digest = "sent"
    elif all(o.status == ELSEWHERE for o in outcomes):
        report.digest = "already sent"
    else:
        report.digest = "failed"
