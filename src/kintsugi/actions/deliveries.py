"""Exactly-once sending across workers: a unique ``(key, channel)`` row claimed with a lease.

To send message ``key`` on a channel, a worker first *claims* it in its own short transaction:
``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` on the unique (key, channel) pair. Only one
inserter can win, on PostgreSQL (the unique index makes concurrent inserters wait for the first
to commit, then do nothing) and on SQLite (writes are serialised). Then the winner sends and
marks the row ``sent`` or ``failed``. Nobody else may send while the row is ``sending`` under
an unexpired lease or once it is ``sent``.

A row is claimed again, by an atomic ``UPDATE ... WHERE`` that one worker wins, only when
- its lease lapsed while ``sending`` (the worker died mid-send), or
- it ``failed`` and its ``next_attempt_at`` has come (fewer than MAX_ATTEMPTS so far).
The one case that can send twice is a worker dying after the channel accepted the message and
before its ``sent`` mark committed; then the message goes again once the lease lapses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions.models import NotificationDeliveryRow
from kintsugi.core.db import transaction
from kintsugi.notify.base import Channel, Message
from kintsugi.notify.deliver import FAILED, SENT, SKIPPED, Outcome, send_with_retries

LEASE = timedelta(minutes=10)
RETRY_DELAY = timedelta(minutes=10)
MAX_ATTEMPTS = 5
SENDING = "sending"
ELSEWHERE = "elsewhere"  # outcome status: another worker has it (or already sent it)


@dataclass(frozen=True)
class SendPolicy:
    """How hard one worker tries in one go, and how long its claim lasts."""

    retries: int = 3
    backoff: float = 1.0
    lease: timedelta = LEASE
    retry_delay: timedelta = RETRY_DELAY
    max_attempts: int = MAX_ATTEMPTS


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(NotificationDeliveryRow)


def claim(
    sessions: sessionmaker[Session],
    key: str,
    channel: str,
    *,
    worker: str,
    now: datetime,
    subject: str = "",
    recipient: str = "",
    policy: SendPolicy = SendPolicy(),
) -> int | None:
    """Claim (key, channel) for ``worker``; the delivery id, or None when someone else has it."""
    row = NotificationDeliveryRow
    with transaction(sessions) as session:
        inserted = session.scalar(
            _insert(session)
            .values(
                key=key,
                channel=channel,
                status=SENDING,
                worker=worker,
                lease_until=now + policy.lease,
                attempts=1,
                subject=subject[:2000],
                recipient=recipient[:2000] or None,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["key", "channel"])
            .returning(row.id)
        )
        if inserted is not None:
            return int(inserted)
        taken = session.scalar(
            update(row)
            .where(
                row.key == key,
                row.channel == channel,
                or_(
                    and_(row.status == SENDING, row.lease_until < now),
                    and_(
                        row.status == FAILED,
                        row.attempts < policy.max_attempts,
                        row.next_attempt_at <= now,
                    ),
                ),
            )
            .values(
                status=SENDING,
                worker=worker,
                lease_until=now + policy.lease,
                attempts=row.attempts + 1,
                recipient=recipient[:2000] or None,
            )
            .returning(row.id)
        )
        return int(taken) if taken is not None else None


def finish(
    sessions: sessionmaker[Session],
    delivery_id: int,
    outcome: Outcome,
    *,
    worker: str,
    now: datetime,
    policy: SendPolicy = SendPolicy(),
) -> bool:
    """Record the outcome of a claimed delivery; False when the claim was lost meanwhile."""
    row = NotificationDeliveryRow
    values: dict[str, Any] = {"status": outcome.status, "error": outcome.error}
    if outcome.status == SENT:
        values["sent_at"] = now
    else:
        retry_at = now + policy.retry_delay if outcome.retryable else None
        values["next_attempt_at"] = retry_at
        if retry_at is None:
            values["attempts"] = policy.max_attempts  # a permanent failure is not retried
    with transaction(sessions) as session:
        result = session.execute(
            update(row)
            .where(row.id == delivery_id, row.worker == worker, row.status == SENDING)
            .values(**values)
        )
        return bool(getattr(result, "rowcount", 0))


def send_once(
    sessions: sessionmaker[Session],
    key: str,
    message: Message,
    channels: Mapping[str, Channel],
    *,
    worker: str,
    now: datetime,
    policy: SendPolicy = SendPolicy(),
) -> list[Outcome]:
    """Send ``message`` on each channel unless some worker already did (or is doing) so."""
    outcomes: list[Outcome] = []
    for name, channel in channels.items():
        if not channel.applies_to(message):
            outcomes.append(Outcome(name, SKIPPED, 0))
            continue
        recipient = channel.recipient(message)
        delivery_id = claim(
            sessions,
            key,
            name,
            worker=worker,
            now=now,
            subject=message.subject,
            recipient=recipient,
            policy=policy,
        )
        if delivery_id is None:
            outcomes.append(Outcome(name, ELSEWHERE, 0, recipient))
            continue
        outcome = send_with_retries(
            message, channel, retries=policy.retries, backoff=policy.backoff
        )
        finish(sessions, delivery_id, outcome, worker=worker, now=now, policy=policy)
        outcomes.append(outcome)
    return outcomes


def settled(session: Session, key: str, channels: list[str], policy: SendPolicy) -> bool:
    """Whether every channel of ``key`` is sent or has failed for good (nothing left to do)."""
    row = NotificationDeliveryRow
    rows = session.execute(
        select(row.channel, row.status, row.attempts, row.next_attempt_at).where(row.key == key)
    ).all()
    state = {channel: (status, attempts, retry) for channel, status, attempts, retry in rows}
    for channel in channels:
        if channel not in state:
            return False
        status, attempts, retry = state[channel]
        if status == SENDING:
            return False
        if status == FAILED and attempts < policy.max_attempts and retry is not None:
            return False
    return True
