"""A small world for the notification tests: items that need notices, and what should go out.

- A: owner ana (has an email), due tomorrow, public -> assignment + reminder on all channels.
- B: owner team "sre" (two members with emails), overdue by 1 day, public -> same.
- C: owner ana, overdue by 3 days, in a restricted post-mortem granted to her -> assignment +
  reminder by email only (never on the shared Slack channel or SNS topic).
- D: nobody owns it, due in 3 days, public -> a reminder on Slack and SNS (no email address).
- E: owner ana, overdue by 2 days, completed -> nothing.
Plus the weekly digest on every channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions.config import ActionSettings
from kintsugi.notify.config import NotifySettings
from kintsugi.postmortems.document import ActionItem, ActionItemStatus, Priority, Visibility
from tests.actions.helpers import make_postmortem, make_user
from tests.notify.fakes import FakeSlack, FakeSns, SmtpServer

DIGEST_TO = "leaders@example.com"
EXPECTED_EMAILS = 7  # A, B, C: assignment + reminder each; the digest
EXPECTED_BROADCASTS = 6  # A, B: assignment + reminder; D: reminder; the digest


@dataclass
class Servers:
    smtp: SmtpServer
    slack: FakeSlack
    sns: FakeSns

    def notify_settings(self) -> NotifySettings:
        return NotifySettings.model_validate(self.environment_values())

    def environment(self) -> dict[str, str]:
        names = {
            "smtp_host": "KINTSUGI_SMTP_HOST",
            "smtp_port": "KINTSUGI_SMTP_PORT",
            "smtp_from": "KINTSUGI_SMTP_FROM",
            "digest_to": "KINTSUGI_DIGEST_TO",
            "slack_bot_token": "SLACK_BOT_TOKEN",
            "slack_channel": "KINTSUGI_SLACK_CHANNEL",
            "slack_api_url": "SLACK_API_URL",
            "sns_topic_arn": "KINTSUGI_SNS_TOPIC_ARN",
            "aws_access_key_id": "AWS_ACCESS_KEY_ID",
            "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY",
            "sns_endpoint_url": "KINTSUGI_SNS_ENDPOINT_URL",
            "backoff_seconds": "KINTSUGI_NOTIFY_BACKOFF_SECONDS",
        }
        env = {names[k]: str(v) for k, v in self.environment_values().items()}
        env.update(
            {
                "KINTSUGI_DIGEST_WEEKDAY": "0",
                "KINTSUGI_DIGEST_HOUR": "0",
                "KINTSUGI_REMINDER_DAYS_BEFORE": "3,1",
                "KINTSUGI_OVERDUE_REMINDER_EVERY_DAYS": "1",
            }
        )
        return env

    def environment_values(self) -> dict[str, object]:
        return {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.smtp.port,
            "smtp_from": "kintsugi@example.com",
            "digest_to": DIGEST_TO,
            "slack_bot_token": FakeSlack.TOKEN,
            "slack_channel": "#postmortems",
            "slack_api_url": self.slack.api_url,
            "sns_topic_arn": FakeSns.TOPIC_ARN,
            "aws_access_key_id": FakeSns.ACCESS_KEY,
            "aws_secret_access_key": FakeSns.SECRET_KEY,
            "sns_endpoint_url": self.sns.url,
            "backoff_seconds": 0,
        }


def action_settings() -> ActionSettings:
    """Digest due any time in the week; reminders 3 and 1 days before, then daily."""
    return ActionSettings(
        digest_weekday=0,
        digest_hour=0,
        reminder_days_before="3,1",
        overdue_reminder_every_days=1,
    )


def build(sessions: sessionmaker[Session], today: date) -> None:
    """Create the people and post-mortems of the scenario."""
    make_user(sessions, "ana", email="ana@example.com")
    make_user(sessions, "sam", email="sam@example.com", teams=["sre"])
    make_user(sessions, "sue", email="sue@example.com", teams=["sre"])
    day = timedelta(days=1)
    make_postmortem(
        sessions,
        "Checkout outage",
        [
            ActionItem(
                title="A: raise pool size", owner="ana", priority=Priority.P1, due=today + day
            ),
            ActionItem(
                title="B: alert on saturation", owner="sre", priority=Priority.P0, due=today - day
            ),
            ActionItem(title="D: load test", due=today + 3 * day),
            ActionItem(
                title="E: done already",
                owner="ana",
                due=today - 2 * day,
                status=ActionItemStatus.COMPLETED,
            ),
        ],
    )
    make_postmortem(
        sessions,
        "Security incident",
        [
            ActionItem(
                title="C: rotate keys", owner="ana", priority=Priority.P0, due=today - 3 * day
            )
        ],
        visibility=Visibility.RESTRICTED,
        access=["ana"],
    )
