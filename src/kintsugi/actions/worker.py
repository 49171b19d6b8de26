"""The scheduled jobs: assignment notices, due and overdue reminders, the weekly digest.

Any number of workers (and web processes) may run these at once: every message goes through
``deliveries.send_once``, whose unique (key, channel) claim lets exactly one worker send it.
Keys: ``assigned:<history id>``, ``reminder:<item id>:<day>``, ``digest:<ISO week>``.
"""

from __future__ import annotations

import importlib
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions import deliveries, reminders
from kintsugi.actions.config import ActionSettings
from kintsugi.actions.deliveries import ELSEWHERE, SendPolicy, send_once
from kintsugi.actions.digest import build_digest, digest_due, digest_message, week_key
from kintsugi.actions.messages import item_message
from kintsugi.actions.models import NotificationDeliveryRow
from kintsugi.actions.reminders import Notice
from kintsugi.core.types import utcnow
from kintsugi.notify.base import Channel, Message
from kintsugi.notify.channels import BROADCAST, configured_channels
from kintsugi.notify.config import NotifySettings
from kintsugi.notify.deliver import FAILED, SENT, Outcome
from kintsugi.postmortems.readers import reader_emails

# Other slices' scheduled jobs: each module has ``run_due(worker, now, report) -> None`` and
# sends through ``Worker.send`` so that every message keeps the exactly-once guarantee.
SLICE_JOBS: tuple[str, ...] = (
    "kintsugi.people.jobs",
    "kintsugi.meetings.jobs",
    "kintsugi.handbook.jobs",
    "kintsugi.metrics.jobs",
)


def worker_id() -> str:
    """A name for this worker process, unique across hosts and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class RunReport:
    """What one run did."""

    worker: str
    started_at: datetime
    assignments: int = 0
    reminders: int = 0
    digest: str = "not due"
    jobs: dict[str, str] = field(default_factory=dict)  # other slices' jobs: name -> summary
    sent: list[tuple[str, Outcome]] = field(default_factory=list)
    failed: list[tuple[str, Outcome]] = field(default_factory=list)

    def record(self, key: str, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            if outcome.status == SENT:
                self.sent.append((key, outcome))
            elif outcome.status == FAILED:
                self.failed.append((key, outcome))

    def to_json(self) -> dict[str, Any]:
        def entry(key: str, outcome: Outcome) -> dict[str, Any]:
            return {"key": key, **outcome.to_json()}

        return {
            "worker": self.worker,
            "started_at": self.started_at.isoformat(),
            "assignments": self.assignments,
            "reminders": self.reminders,
            "digest": self.digest,
            "jobs": dict(self.jobs),
            "sent": [entry(k, o) for k, o in self.sent],
            "failed": [entry(k, o) for k, o in self.failed],
        }


class Worker:
    """Runs the jobs against one database with the channels the settings configure."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        notify_settings: NotifySettings,
        action_settings: ActionSettings,
        *,
        base_url: str = "http://127.0.0.1:8000",
        channels: Mapping[str, Channel] | None = None,
        name: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = action_settings
        self.notify_settings = notify_settings
        self.base_url = base_url
        self.channels = (
            dict(channels) if channels is not None else configured_channels(notify_settings)
        )
        self.name = name or worker_id()
        self.policy = SendPolicy(
            retries=notify_settings.retries, backoff=notify_settings.backoff_seconds
        )

    def _pick(self, names: list[str]) -> dict[str, Channel]:
        return {name: self.channels[name] for name in names if name in self.channels}

    def run_once(self, now: datetime | None = None) -> RunReport:
        """Do whatever is due now."""
        now = now or utcnow()
        report = RunReport(worker=self.name, started_at=now)
        self._assignments(now, report)
        self._reminders(now, report)
        self._digest(now, report)
        for module_name in SLICE_JOBS:
            importlib.import_module(module_name).run_due(self, now, report)
        return report

    def channels_named(self, names: list[str]) -> dict[str, Channel]:
        """The configured channels among ``names``."""
        return self._pick(names)

    def send(
        self,
        key: str,
        message: Message,
        channels: Mapping[str, Channel],
        now: datetime,
        report: RunReport,
    ) -> list[Outcome]:
        """Send ``message`` once per channel across all workers (``key`` names it for good).

        Channels that do not apply (email without recipients) are left out; the outcomes go
        into ``report``. A key already sent on a channel is not sent there again.
        """
        applicable = {n: c for n, c in channels.items() if c.applies_to(message)}
        outcomes = send_once(
            self.sessions, key, message, applicable, worker=self.name, now=now, policy=self.policy
        )
        report.record(key, outcomes)
        return outcomes

    def run_forever(
        self,
        stop: threading.Event | None = None,
        on_run: Callable[[RunReport], None] | None = None,
    ) -> None:
        """Run every ``worker_interval_seconds`` until ``stop`` is set."""
        stop = stop or threading.Event()
        while not stop.is_set():
            report = self.run_once()
            if on_run is not None:
                on_run(report)
            stop.wait(self.settings.worker_interval_seconds)

    # ------------------------------------------------------------------------- jobs

    def _owner_channels(self, notice: Notice) -> dict[str, Channel]:
        chosen = self._pick(self.settings.reminder_channel_names)
        if not notice.public:
            chosen = {name: ch for name, ch in chosen.items() if name not in BROADCAST}
        return chosen

    def _notify(self, notices: list[Notice], now: datetime, report: RunReport) -> list[Notice]:
        """Send each notice on its channels; the notices with nothing left to do."""
        emails: dict[tuple[str, str | None, str], list[str]] = {}
        prepared = []
        with self.sessions() as session:
            for notice in notices:
                # only owners who may read the post-mortem hear of it (its title, its link)
                owner = (notice.item.postmortem_id, notice.item.owner, notice.owner_kind)
                if owner not in emails:
                    emails[owner] = reader_emails(session, [owner[0]], *owner[1:])
                message = item_message(
                    notice.item,
                    headline=notice.headline,
                    email_to=emails[owner],
                    base_url=self.base_url,
                )
                applicable = {
                    name: channel
                    for name, channel in self._owner_channels(notice).items()
                    if channel.applies_to(message)
                }
                prepared.append((notice, message, applicable))
            finished = self._finished(session, [n.key for n in notices])
        done = []
        for notice, message, applicable in prepared:
            if set(applicable) <= finished.get(notice.key, set()):
                done.append(notice)
                continue
            outcomes = send_once(
                self.sessions,
                notice.key,
                message,
                applicable,
                worker=self.name,
                now=now,
                policy=self.policy,
            )
            report.record(notice.key, outcomes)
            if all(o.status == SENT or (o.status == FAILED and not o.retryable) for o in outcomes):
                done.append(notice)
        return done

    def _assignments(self, now: datetime, report: RunReport) -> None:
        since = now - timedelta(days=self.settings.assignment_window_days)
        # Reads and writes in separate transactions: on SQLite a transaction that reads and then
        # writes fails at once (SQLITE_BUSY) when another worker wrote in between.
        with self.sessions() as session:
            stale = reminders.stale_assignments(session, since)
            notices = reminders.pending_assignments(session, since)
        with self.sessions.begin() as session:
            reminders.mark_notified(session, stale, now)
        done = self._notify(notices, now, report)
        report.assignments = len(notices)
        with self.sessions.begin() as session:
            reminders.mark_notified(
                session, [n.history_id for n in done if n.history_id is not None], now
            )

    def _reminders(self, now: datetime, report: RunReport) -> None:
        with self.sessions() as session:
            notices = reminders.due_reminders(
                session,
                now.date(),
                self.settings.days_before,
                self.settings.overdue_reminder_every_days,
            )
        self._notify(notices, now, report)
        report.reminders = len(notices)

    def _finished(self, session: Session, keys: list[str]) -> dict[str, set[str]]:
        """For each key, the channels already sent or failed for good."""
        row = NotificationDeliveryRow
        found: dict[str, set[str]] = {}
        for start in range(0, len(keys), 500):
            rows = session.execute(
                select(row.key, row.channel).where(
                    row.key.in_(keys[start : start + 500]),
                    (row.status == SENT)
                    | ((row.status == FAILED) & (row.attempts >= self.policy.max_attempts)),
                )
            )
            for key, channel in rows:
                found.setdefault(key, set()).add(channel)
        return found

    def _digest(self, now: datetime, report: RunReport) -> None:
        if not digest_due(now, self.settings.digest_weekday, self.settings.digest_hour):
            return
        channels = self._pick(self.settings.digest_channel_names)
        recipients = self.notify_settings.digest_recipients
        if not recipients:
            channels.pop("email", None)
        if not channels:
            report.digest = "no channels"
            return
        key = week_key(now)
        with self.sessions() as session:
            if deliveries.settled(session, key, list(channels), self.policy):
                report.digest = "already sent"
                return
            digest = build_digest(
                session, now, include_restricted=self.settings.digest_include_restricted
            )
        message = digest_message(digest, recipients, self.base_url)
        outcomes = send_once(
            self.sessions, key, message, channels, worker=self.name, now=now, policy=self.policy
        )
        report.record(key, outcomes)
        if any(o.status == SENT for o in outcomes):
            report.digest = "sent"
        elif all(o.status == ELSEWHERE for o in outcomes):
            report.digest = "already sent"
        else:
            report.digest = "failed"
