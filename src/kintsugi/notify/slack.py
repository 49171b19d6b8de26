"""Slack: an incoming webhook, or chat.postMessage with a bot token; text plus Block Kit."""

from __future__ import annotations

from typing import Any

import httpx

from kintsugi.notify.base import ChannelError, Message
from kintsugi.notify.config import NotifySettings
from kintsugi.notify.http import status_error, transport_error

# Slack Web API errors that go away by themselves.
RETRYABLE_API_ERRORS = frozenset(
    {"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable"}
)
MAX_TEXT = 3000  # Slack truncates longer top-level text; section text is limited to 3000


def payload(message: Message) -> dict[str, Any]:
    """The JSON body common to webhooks and chat.postMessage."""
    body: dict[str, Any] = {"text": message.text[:MAX_TEXT]}
    if message.blocks:
        body["blocks"] = message.blocks
    return body


class SlackWebhookChannel:
    """Posts to an incoming webhook URL (the channel is fixed by the webhook)."""

    name = "slack"

    def __init__(self, settings: NotifySettings) -> None:
        if not settings.slack_webhook_url:
            raise ValueError("Slack needs SLACK_WEBHOOK_URL")
        self.url = settings.slack_webhook_url
        self.timeout = settings.timeout_seconds

    def applies_to(self, message: Message) -> bool:
        return True

    def recipient(self, message: Message) -> str:
        return "webhook"

    def send(self, message: Message) -> str:
        try:
            response = httpx.post(self.url, json=payload(message), timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise transport_error("Slack webhook", exc) from exc
        if response.status_code != 200:
            raise status_error("Slack webhook", response, response.text[:200])
        return ""


class SlackBotChannel:
    """Calls chat.postMessage with a bot token into ``KINTSUGI_SLACK_CHANNEL``."""

    name = "slack"

    def __init__(self, settings: NotifySettings) -> None:
        if not settings.slack_bot_token or not settings.slack_channel:
            raise ValueError("Slack needs SLACK_BOT_TOKEN and KINTSUGI_SLACK_CHANNEL")
        self.token = settings.slack_bot_token.get_secret_value()
        self.channel = settings.slack_channel
        self.url = settings.slack_api_url.rstrip("/") + "/chat.postMessage"
        self.timeout = settings.timeout_seconds

    def applies_to(self, message: Message) -> bool:
        return True

    def recipient(self, message: Message) -> str:
        return self.channel

    def send(self, message: Message) -> str:
        body = {"channel": self.channel, **payload(message)}
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            response = httpx.post(self.url, json=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise transport_error("Slack chat.postMessage", exc) from exc
        if response.status_code != 200:
            raise status_error("Slack chat.postMessage", response, response.text[:200])
        try:
            data = response.json()
        except ValueError as exc:
            raise ChannelError("Slack chat.postMessage: the reply is not JSON") from exc
        if not data.get("ok"):
            error = str(data.get("error", "unknown_error"))
            raise ChannelError(
                f"Slack chat.postMessage: {error}", retryable=error in RETRYABLE_API_ERRORS
            )
        return str(data.get("ts", ""))
