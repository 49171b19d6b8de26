"""Settings of the notification channels, from the environment.

Email: ``KINTSUGI_SMTP_HOST`` (enables it), ``KINTSUGI_SMTP_PORT`` (587),
``KINTSUGI_SMTP_USER``/``KINTSUGI_SMTP_PASSWORD``, ``KINTSUGI_SMTP_FROM``,
``KINTSUGI_SMTP_SECURITY`` (auto: STARTTLS when offered; starttls, ssl or none).
Slack: ``SLACK_WEBHOOK_URL``, or ``SLACK_BOT_TOKEN`` with ``KINTSUGI_SLACK_CHANNEL``;
``SLACK_API_URL`` overrides https://slack.com/api.
SNS: ``KINTSUGI_SNS_TOPIC_ARN`` with ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``
(``AWS_SESSION_TOKEN``), ``AWS_REGION`` (else the topic's region), endpoint override
``KINTSUGI_SNS_ENDPOINT_URL`` or ``AWS_ENDPOINT_URL_SNS``.
Leadership digest recipients: ``KINTSUGI_DIGEST_TO`` (comma-separated addresses).
Meeting invites to guests without a Kintsugi account: ``KINTSUGI_INVITE_GUESTS`` (off).
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class NotifySettings(BaseSettings):
    """Where notifications go and how hard to try."""

    model_config = SettingsConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)

    smtp_host: str | None = Field(None, validation_alias="KINTSUGI_SMTP_HOST")
    smtp_port: int = Field(587, validation_alias="KINTSUGI_SMTP_PORT", ge=1, le=65535)
    smtp_user: str | None = Field(None, validation_alias="KINTSUGI_SMTP_USER")
    smtp_password: SecretStr | None = Field(None, validation_alias="KINTSUGI_SMTP_PASSWORD")
    smtp_from: str = Field("kintsugi@localhost", validation_alias="KINTSUGI_SMTP_FROM")
    smtp_security: Literal["auto", "starttls", "ssl", "none"] = Field(
        "auto", validation_alias="KINTSUGI_SMTP_SECURITY"
    )
    digest_to: str = Field("", validation_alias="KINTSUGI_DIGEST_TO")
    invite_guests: bool = Field(False, validation_alias="KINTSUGI_INVITE_GUESTS")
    """Whether a meeting's invite may go to guests without an account, named one by one."""

    slack_webhook_url: str | None = Field(None, validation_alias="SLACK_WEBHOOK_URL")
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_channel: str | None = Field(None, validation_alias="KINTSUGI_SLACK_CHANNEL")
    slack_api_url: str = Field("https://slack.com/api", validation_alias="SLACK_API_URL")

    aws_access_key_id: str | None = Field(None, validation_alias="AWS_ACCESS_KEY_ID")
    aws_secret_access_key: SecretStr | None = Field(None, validation_alias="AWS_SECRET_ACCESS_KEY")
    aws_session_token: SecretStr | None = Field(None, validation_alias="AWS_SESSION_TOKEN")
    aws_region: str | None = Field(
        None, validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION")
    )
    sns_topic_arn: str | None = Field(None, validation_alias="KINTSUGI_SNS_TOPIC_ARN")
    sns_endpoint_url: str | None = Field(
        None, validation_alias=AliasChoices("KINTSUGI_SNS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SNS")
    )

    retries: int = Field(3, validation_alias="KINTSUGI_NOTIFY_RETRIES", ge=0, le=10)
    backoff_seconds: float = Field(
        1.0, validation_alias="KINTSUGI_NOTIFY_BACKOFF_SECONDS", ge=0, le=60
    )
    timeout_seconds: float = Field(10.0, validation_alias="KINTSUGI_NOTIFY_TIMEOUT_SECONDS", gt=0)

    @property
    def digest_recipients(self) -> list[str]:
        """The leadership digest's email addresses."""
        return [a.strip() for a in self.digest_to.split(",") if a.strip()]
