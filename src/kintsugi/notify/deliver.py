"""Send one message on several channels: each is retried with backoff on its own, and a channel
that fails does not stop the others. Every channel's outcome is reported."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from kintsugi.notify.base import Channel, ChannelError, Message

SENT = "sent"
FAILED = "failed"
SKIPPED = "skipped"


@dataclass(frozen=True)
class Outcome:
    """What happened on one channel (the provider's id and ``retryable`` stay off the wire)."""

    channel: str
    status: str  # sent, failed, skipped (nowhere to send it on this channel)
    attempts: int
    recipient: str = ""
    provider_id: Annotated[str, Field(exclude=True)] = ""
    error: str | None = None
    retryable: Annotated[bool, Field(exclude=True)] = False

    @property
    def ok(self) -> bool:
        return self.status != FAILED

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _WIRE.dump_python(self, mode="json")
        return wire


_WIRE = TypeAdapter(Outcome)


def send_with_retries(
    message: Message,
    channel: Channel,
    *,
    retries: int = 3,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Send on one channel, retrying retryable failures up to ``retries`` times.

    Waits ``backoff * 2**n`` seconds between attempts (or what the server asks, if longer).
    """
    if not channel.applies_to(message):
        return Outcome(channel.name, SKIPPED, 0)
    recipient = channel.recipient(message)
    attempt = 0
    while True:
        attempt += 1
        try:
            provider_id = channel.send(message)
        except ChannelError as exc:
            if not exc.retryable or attempt > retries:
                return Outcome(
                    channel.name,
                    FAILED,
                    attempt,
                    recipient,
                    error=str(exc),
                    retryable=exc.retryable,
                )
            sleep(max(backoff * 2 ** (attempt - 1), exc.retry_after or 0.0))
        except Exception as exc:  # a bug in one channel must not stop the others
            return Outcome(
                channel.name, FAILED, attempt, recipient, error=f"{type(exc).__name__}: {exc}"
            )
        else:
            return Outcome(channel.name, SENT, attempt, recipient, provider_id=provider_id)


def deliver(
    message: Message,
    channels: Sequence[Channel],
    *,
    retries: int = 3,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Outcome]:
    """Send ``message`` on every channel; one outcome per channel, in order."""
    return [
        send_with_retries(message, channel, retries=retries, backoff=backoff, sleep=sleep)
        for channel in channels
    ]
