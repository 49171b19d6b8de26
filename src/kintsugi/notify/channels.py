"""The channels the settings configure."""

from __future__ import annotations

from kintsugi.core.errors import ConfigurationError
from kintsugi.notify.base import Channel
from kintsugi.notify.config import NotifySettings
from kintsugi.notify.email import EmailChannel
from kintsugi.notify.slack import SlackBotChannel, SlackWebhookChannel
from kintsugi.notify.sns import SnsChannel

CHANNEL_NAMES = ("email", "slack", "sns")


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
