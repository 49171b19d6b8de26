"""The worker's context: one database, the configured channels, exactly-once sending, and the
registry of jobs it runs (``kintsugi.jobs``).

Any number of workers (and web processes) may run at once: every message goes through
``deliveries.send_once``, whose unique (key, channel) claim lets exactly one worker send it.
The jobs themselves are added by the composition root (``kintsugi.worker``); each slice's
``jobs`` module has a ``register(registry, worker)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from pydantic import PlainSerializer, TypeAdapter
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions.config import ActionSettings
from kintsugi.actions.deliveries import SendPolicy, send_once
from kintsugi.core.types import utcnow
from kintsugi.core.wire import IsoDatetime
from kintsugi.jobs.registry import JobRegistry
from kintsugi.jobs.runner import run_forever, worker_id
from kintsugi.notify.base import Channel, Message
from kintsugi.notify.channels import configured_channels
from kintsugi.notify.config import NotifySettings
from kintsugi.notify.deliver import FAILED, SENT, Outcome

__all__ = ["RunReport", "Worker", "worker_id"]


def _keyed(entry: tuple[str, Outcome]) -> dict[str, Any]:
    key, outcome = entry
    return {"key": key, **outcome.to_json()}


_KeyedOutcome = Annotated[tuple[str, Outcome], PlainSerializer(_keyed, return_type=dict[str, Any])]
"""A message's key and its outcome on one channel; written as the outcome with a ``key``."""


@dataclass
class RunReport:
    """What one run did."""

    worker: str
    started_at: IsoDatetime
    assignments: int = 0
    reminders: int = 0
    digest: str = "not due"
    jobs: dict[str, str] = field(default_factory=dict)  # other slices' jobs: name -> summary
    sent: list[_KeyedOutcome] = field(default_factory=list)
    failed: list[_KeyedOutcome] = field(default_factory=list)

    def record(self, key: str, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            if outcome.status == SENT:
                self.sent.append((key, outcome))
            elif outcome.status == FAILED:
                self.failed.append((key, outcome))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _WIRE.dump_python(self, mode="json")
        return data


_WIRE = TypeAdapter(RunReport)


class Worker:
    """Runs its registered jobs against one database with the channels the settings
    configure."""

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
        self.jobs: JobRegistry[RunReport] = JobRegistry()

    def run_once(self, now: datetime | None = None) -> RunReport:
        """Do whatever is due now: every registered job, in order."""
        now = now or utcnow()
        return self.jobs.run(now, RunReport(worker=self.name, started_at=now))

    def channels_named(self, names: list[str]) -> dict[str, Channel]:
        """The configured channels among ``names``."""
        return {name: self.channels[name] for name in names if name in self.channels}

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
        run_forever(self.run_once, self.settings.worker_interval_seconds, stop, on_run)
