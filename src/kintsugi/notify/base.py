"""What every channel shares: the message and the error a channel raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email (other channels ignore attachments).

    ``params`` are extra Content-Type parameters, e.g. ``(("method", "REQUEST"),)`` for an invite.
    """

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Message:
    """One notification, rendered for every channel.

    ``text`` is the plain form (email text part, Slack fallback, SNS message), ``html`` the email
    HTML part, ``blocks`` Slack Block Kit blocks. ``email_to`` are the email recipients; a message
    without any is not sent by email. ``attachments`` go with the email only.
    """

    subject: str
    text: str
    html: str | None = None
    blocks: list[dict[str, Any]] = field(default_factory=list)
    email_to: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()


class ChannelError(Exception):
    """A channel could not deliver; ``retryable`` when trying again may help."""

    def __init__(
        self, message: str, *, retryable: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class Channel(Protocol):
    """Sends messages one way (email, Slack, SNS)."""

    name: str

    def applies_to(self, message: Message) -> bool:
        """Whether this channel has anywhere to send ``message``."""
        ...

    def recipient(self, message: Message) -> str:
        """Where ``message`` goes on this channel, for the delivery record."""
        ...

    def send(self, message: Message) -> str:
        """Deliver ``message``; returns the provider's id for it (or "")."""
        ...
