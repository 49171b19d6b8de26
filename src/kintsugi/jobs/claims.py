"""Exactly-once work across workers: a unique ``(key, channel)`` row claimed with a lease.

To do unit ``key`` on a channel, a worker first *claims* it in its own short transaction:
``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` on the unique (key, channel) pair. Only one
inserter can win, on PostgreSQL (the unique index makes concurrent inserters wait for the first
to commit, then do nothing) and on SQLite (writes are serialised). Then the winner does the
work and marks the row ``sent`` or ``failed``. Nobody else may do it while the row is
``sending`` under an unexpired lease or once it is ``sent``.

A row is claimed again, by an atomic ``UPDATE ... WHERE`` that one worker wins, only when
- its lease lapsed while ``sending`` (the worker died mid-work), or
- it ``failed`` and its ``next_attempt_at`` has come (fewer than ``max_attempts`` so far).
The one case that can do the work twice is a worker dying after the work was done and before
its ``sent`` mark committed; then the work is done again once the lease lapses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.db import transaction
from kintsugi.jobs.models import ClaimRow

LEASE = timedelta(minutes=10)
RETRY_DELAY = timedelta(minutes=10)
MAX_ATTEMPTS = 5
SENDING = "sending"
SENT = "sent"
FAILED = "failed"


@dataclass(frozen=True)
class ClaimPolicy:
    """How long a claim lasts, and when and how often failed work is tried again."""

    lease: timedelta = LEASE
    retry_delay: timedelta = RETRY_DELAY
    max_attempts: int = MAX_ATTEMPTS


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(ClaimRow)


def claim(
    sessions: sessionmaker[Session],
    key: str,
    channel: str,
    *,
    worker: str,
    now: datetime,
    subject: str = "",
    recipient: str = "",
    policy: ClaimPolicy = ClaimPolicy(),
) -> int | None:
    """Claim (key, channel) for ``worker``; the claim's id, or None when someone else has it."""
    row = ClaimRow
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
    claim_id: int,
    status: str,
    *,
    error: str | None = None,
    retryable: bool = False,
    worker: str,
    now: datetime,
    policy: ClaimPolicy = ClaimPolicy(),
) -> bool:
    """Record how claimed work ended (``status`` is ``sent`` or not); False when the claim was
    lost meanwhile. Failed work is tried again later only when ``retryable``."""
    row = ClaimRow
    values: dict[str, Any] = {"status": status, "error": error}
    if status == SENT:
        values["sent_at"] = now
    else:
        retry_at = now + policy.retry_delay if retryable else None
        values["next_attempt_at"] = retry_at
        if retry_at is None:
            values["attempts"] = policy.max_attempts  # a permanent failure is not retried
    with transaction(sessions) as session:
        result = session.execute(
            update(row)
            .where(row.id == claim_id, row.worker == worker, row.status == SENDING)
            .values(**values)
        )
        return bool(getattr(result, "rowcount", 0))


def settled(session: Session, key: str, channels: list[str], policy: ClaimPolicy) -> bool:
    """Whether every channel of ``key`` is done or has failed for good (nothing left to do)."""
    row = ClaimRow
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


def finished(session: Session, keys: list[str], policy: ClaimPolicy) -> dict[str, set[str]]:
    """For each key, the channels already done or failed for good."""
    row = ClaimRow
    found: dict[str, set[str]] = {}
    for start in range(0, len(keys), 500):
        rows = session.execute(
            select(row.key, row.channel).where(
                row.key.in_(keys[start : start + 500]),
                (row.status == SENT)
                | ((row.status == FAILED) & (row.attempts >= policy.max_attempts)),
            )
        )
        for key, channel in rows:
            found.setdefault(key, set()).add(channel)
    return found
