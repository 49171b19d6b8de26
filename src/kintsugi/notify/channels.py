"""The channels the settings configure."""

from __future__ import annotations

from kintsugi.core.errors import ConfigurationError
from kintsugi.notify.base import Channel
from kintsugi.notify.config import NotifySettings
from kintsugi.notify.email import EmailChannel
from kintsugi.notify.slack import SlackBotChannel, SlackWebhookChannel
from kintsugi.notify.sns import SnsChannel

CHANNEL_NAMES = ("email", "slack", "sns")
BROADCAST = ("slack", "sns")  # channels everyone in the channel/topic can read


def name_list(value: str) -> list[str]:
    """A comma-separated setting as its lowercase parts (``"email, Slack"`` -> two names)."""
    return [part.strip().lower() for part in value.split(",") if part.strip()]


def check_channel_list(value: str) -> str:
    """``value`` unchanged when it names only known channels; ValueError otherwise."""
    unknown = [name for name in name_list(value) if name not in CHANNEL_NAMES]
    if unknown:
        raise ValueError(f"unknown channel(s) {', '.join(unknown)}; use {', '.join(CHANNEL_NAMES)}")
    return value


def configured_channels(settings: NotifySettings) -> dict[str, Channel]:
    """Every channel with enough settings to send, by name.

    Email needs KINTSUGI_SMTP_HOST; Slack a webhook URL or a bot token and channel (the bot
    wins when both are set); SNS a topic ARN (its credentials are then required).
    """
    found: dict[str, Channel] = {}
    try:
        if settings.smtp_host:
            found["email"] = EmailChannel(settings)
        if settings.slack_bot_token and settings.slack_channel:
            found["slack"] = SlackBotChannel(settings)
        elif settings.slack_webhook_url:
            found["slack"] = SlackWebhookChannel(settings)
        elif settings.slack_bot_token:
            raise ValueError("SLACK_BOT_TOKEN is set but KINTSUGI_SLACK_CHANNEL is not")
        if settings.sns_topic_arn:
            found["sns"] = SnsChannel(settings)
    except ValueError as exc:
        raise ConfigurationError(f"notifications: {exc}") from exc
    return found
