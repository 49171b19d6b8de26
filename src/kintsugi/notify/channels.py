"""The channels the settings configure."""

from __future__ import annotations

from kintsugi.core.errors import ConfigurationError
from kintsugi.notify.base import Channel
from kintsugi.notify.config import NotifySettings
from kintsugi.notify.email import EmailChannel
from kintsugi.notify.slack import SlackBotChannel, SlackWebhookChannel
from kintsugi.notify.sns import SnsChannel


class NotConfiguredError(ConfigurationError):
    """A channel is half set up: the server can do nothing until an operator finishes it."""

    status_code = 503


SLACK_WITHOUT_CHANNEL = (
    "Slack is not configured: SLACK_BOT_TOKEN is set but no channel; set "
    "KINTSUGI_SLACK_CHANNEL to the channel to post to (or SLACK_WEBHOOK_URL instead)"
)

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


def setup_problems(settings: NotifySettings) -> list[str]:
    """What is half set up, each naming the variable to set (for the pages to say)."""
    if settings.slack_bot_token and not settings.slack_channel and not settings.slack_webhook_url:
        return [SLACK_WITHOUT_CHANNEL]
    return []


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
            raise NotConfiguredError(f"notifications: {SLACK_WITHOUT_CHANNEL}")
        if settings.sns_topic_arn:
            found["sns"] = SnsChannel(settings)
    except ValueError as exc:
        raise ConfigurationError(f"notifications: {exc}") from exc
    return found
