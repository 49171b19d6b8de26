"""Exactly-once sending across workers: each (key, channel) is claimed in the scheduler's
claims table (``kintsugi.jobs.claims``) before it is sent, and marked sent or failed after.

The one case that can send twice is a worker dying after the channel accepted the message and
before its ``sent`` mark committed; then the message goes again once the lease lapses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.jobs import claims
from kintsugi.jobs.claims import LEASE, RETRY_DELAY, SENDING, ClaimPolicy, claim, settled
from kintsugi.notify.base import Channel, Message
from kintsugi.notify.deliver import SKIPPED, Outcome, send_with_retries

__all__ = [
    "ELSEWHERE",
    "LEASE",
    "RETRY_DELAY",
    "SENDING",
    "SendPolicy",
    "claim",
    "finish",
    "send_once",
    "settled",
]

ELSEWHERE = "elsewhere"  # outcome status: another worker has it (or already sent it)


@dataclass(frozen=True)
class SendPolicy(ClaimPolicy):
    """How hard one worker tries in one go, and how long its claim lasts."""

    retries: int = 3
    backoff: float = 1.0


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
    return claims.finish(
        sessions,
        delivery_id,
        outcome.status,
        error=outcome.error,
        retryable=outcome.retryable,
        worker=worker,
        now=now,
        policy=policy,
    )


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
