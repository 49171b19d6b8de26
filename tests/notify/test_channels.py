"""Email, Slack and SNS channels against local servers, and delivery across channels."""

from __future__ import annotations

import pytest

from kintsugi.core.errors import ConfigurationError
from kintsugi.notify.base import ChannelError, Message
from kintsugi.notify.channels import configured_channels
from kintsugi.notify.config import NotifySettings
from kintsugi.notify.deliver import FAILED, SENT, SKIPPED, deliver, send_with_retries
from kintsugi.notify.email import EmailChannel
from kintsugi.notify.slack import SlackBotChannel, SlackWebhookChannel
from kintsugi.notify.sns import SnsChannel, sns_subject
from tests.notify.fakes import FakeSlack, FakeSns, Reply, SmtpServer, sns_throttled

BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "Weekly digest"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "*3* overdue"}},
]
MESSAGE = Message(
    subject="Action items — weekly digest",
    text="3 overdue\n1 completed",
    html="<p><b>3</b> overdue</p>",
    blocks=BLOCKS,
    email_to=("lead@example.com", "cto@example.com"),
)


def _settings(**kwargs: object) -> NotifySettings:
    return NotifySettings.model_validate({"backoff_seconds": 0, "timeout_seconds": 5, **kwargs})


def _sns_settings(sns: FakeSns, **kwargs: object) -> NotifySettings:
    values: dict[str, object] = {
        "sns_topic_arn": sns.TOPIC_ARN,
        "aws_access_key_id": sns.ACCESS_KEY,
        "aws_secret_access_key": sns.SECRET_KEY,
        "sns_endpoint_url": sns.url,
    }
    return _settings(**{**values, **kwargs})


# ----------------------------------------------------------------------------- email


def test_email_is_multipart_text_and_html(smtp: SmtpServer) -> None:
    channel = EmailChannel(
        _settings(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_from="kintsugi@example.com")
    )
    outcome = send_with_retries(MESSAGE, channel, backoff=0)
    assert outcome.status == SENT
    assert len(smtp.received) == 1
    got = smtp.received[0]
    assert got.mail_from == "kintsugi@example.com"
    assert got.rcpt_tos == ["lead@example.com", "cto@example.com"]
    mail = got.message
    assert mail["Subject"] == "Action items — weekly digest"
    assert mail.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content() for part in mail.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    assert "3 overdue" in parts["text/plain"]
    assert "<b>3</b>" in parts["text/html"]
    assert outcome.provider_id == mail["Message-ID"]


def test_email_retries_temporary_failures_and_not_refusals(smtp: SmtpServer) -> None:
    channel = EmailChannel(_settings(smtp_host="127.0.0.1", smtp_port=smtp.port))
    smtp.fail_next = 2
    outcome = send_with_retries(MESSAGE, channel, retries=3, backoff=0)
    assert (outcome.status, outcome.attempts) == (SENT, 3)
    assert len(smtp.received) == 1
    refused = Message(subject="x", text="y", email_to=("nobody@refused.example",))
    outcome = send_with_retries(refused, channel, retries=3, backoff=0)
    assert (outcome.status, outcome.attempts, outcome.retryable) == (FAILED, 1, False)
    assert "nobody@refused.example (550)" in (outcome.error or "")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_email_login_and_refusal_to_send_passwords_in_clear() -> None:
    with SmtpServer(login=("kintsugi", "s3cret")) as server:
        base = {"smtp_host": "127.0.0.1", "smtp_port": server.port, "smtp_user": "kintsugi"}
        plain = EmailChannel(_settings(**base, smtp_password="s3cret", smtp_security="none"))
        assert send_with_retries(MESSAGE, plain, backoff=0).status == SENT
        wrong = EmailChannel(_settings(**base, smtp_password="nope", smtp_security="none"))
        failed = send_with_retries(MESSAGE, wrong, backoff=0)
        assert (failed.status, failed.attempts) == (FAILED, 1)
        assert "535" in (failed.error or "")
        careful = EmailChannel(_settings(**base, smtp_password="s3cret"))
        refused = send_with_retries(MESSAGE, careful, backoff=0)
        assert refused.status == FAILED
        assert "in clear" in (refused.error or "")
        assert len(server.received) == 1


def test_email_unreachable_server_is_retried_then_reported() -> None:
    channel = EmailChannel(_settings(smtp_host="127.0.0.1", smtp_port=1, timeout_seconds=2))
    waits: list[float] = []
    outcome = send_with_retries(MESSAGE, channel, retries=2, backoff=0.5, sleep=waits.append)
    assert (outcome.status, outcome.attempts, outcome.retryable) == (FAILED, 3, True)
    assert waits == [0.5, 1.0]


def test_email_needs_recipients() -> None:
    channel = EmailChannel(_settings(smtp_host="127.0.0.1"))
    outcome = send_with_retries(Message(subject="s", text="t"), channel)
    assert outcome.status == SKIPPED


# ----------------------------------------------------------------------------- Slack


def test_slack_webhook_posts_text_and_blocks(slack: FakeSlack) -> None:
    channel = SlackWebhookChannel(_settings(slack_webhook_url=slack.webhook_url))
    assert send_with_retries(MESSAGE, channel).status == SENT
    assert slack.messages == [{"via": "webhook", "text": MESSAGE.text, "blocks": BLOCKS}]


def test_slack_webhook_retries_server_errors_not_client_errors(slack: FakeSlack) -> None:
    channel = SlackWebhookChannel(_settings(slack_webhook_url=slack.webhook_url))
    slack.failures = [Reply(500, "rollup_error"), Reply(429, "", {"Retry-After": "2"})]
    waits: list[float] = []
    outcome = send_with_retries(MESSAGE, channel, backoff=0.1, sleep=waits.append)
    assert (outcome.status, outcome.attempts) == (SENT, 3)
    assert waits == [0.1, 2.0]
    gone = SlackWebhookChannel(_settings(slack_webhook_url=slack.url + "/services/T/B/gone"))
    outcome = send_with_retries(MESSAGE, gone, backoff=0)
    assert (outcome.status, outcome.attempts) == (FAILED, 1)
    assert "HTTP 404" in (outcome.error or "")


def test_slack_bot_token_chat_post_message(slack: FakeSlack) -> None:
    settings = _settings(
        slack_bot_token=slack.TOKEN, slack_channel="#postmortems", slack_api_url=slack.api_url
    )
    outcome = send_with_retries(MESSAGE, SlackBotChannel(settings))
    assert outcome.status == SENT
    assert outcome.recipient == "#postmortems"
    assert slack.messages[0]["channel"] == "#postmortems"
    assert slack.messages[0]["blocks"] == BLOCKS
    bad = _settings(
        slack_bot_token="xoxb-wrong", slack_channel="#postmortems", slack_api_url=slack.api_url
    )
    outcome = send_with_retries(MESSAGE, SlackBotChannel(bad), backoff=0)
    assert (outcome.status, outcome.attempts) == (FAILED, 1)
    assert outcome.error == "Slack chat.postMessage: invalid_auth"
    slack.failures = [Reply(200, {"ok": False, "error": "ratelimited"})]
    outcome = send_with_retries(MESSAGE, SlackBotChannel(settings), backoff=0)
    assert (outcome.status, outcome.attempts) == (SENT, 2)


# ----------------------------------------------------------------------------- SNS


def test_sns_publish_is_signed_and_well_formed(sns: FakeSns) -> None:
    outcome = send_with_retries(MESSAGE, SnsChannel(_sns_settings(sns)))
    assert outcome.status == SENT, outcome.error
    assert len(sns.published) == 1
    published = sns.published[0]
    assert published["Action"] == "Publish"
    assert published["TopicArn"] == sns.TOPIC_ARN
    assert published["Subject"] == "Action items weekly digest"
    assert published["Message"] == MESSAGE.text
    assert outcome.provider_id == published["MessageId"]
    request = sns.requests[0]
    assert request.headers["content-type"] == "application/x-www-form-urlencoded; charset=utf-8"
    assert request.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert (
        "/eu-west-1/sns/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="
        in (request.headers["authorization"])
    )


def test_sns_wrong_secret_is_refused_and_not_retried(sns: FakeSns) -> None:
    channel = SnsChannel(_sns_settings(sns, aws_secret_access_key="not-the-secret"))
    outcome = send_with_retries(MESSAGE, channel, retries=3, backoff=0)
    assert (outcome.status, outcome.attempts) == (FAILED, 1)
    assert "SignatureDoesNotMatch" in (outcome.error or "")
    assert sns.published == []


def test_sns_throttling_is_retried(sns: FakeSns) -> None:
    sns.failures = [sns_throttled()]
    outcome = send_with_retries(MESSAGE, SnsChannel(_sns_settings(sns)), backoff=0)
    assert (outcome.status, outcome.attempts) == (SENT, 2)


def test_sns_region_comes_from_the_topic() -> None:
    channel = SnsChannel(
        _settings(
            sns_topic_arn="arn:aws:sns:ap-south-1:123456789012:t",
            aws_access_key_id="a",
            aws_secret_access_key="b",
        )
    )
    assert channel.endpoint == "https://sns.ap-south-1.amazonaws.com/"
    assert sns_subject("Überfällig:\n3 items " + "x" * 200).startswith("Uberfallig: 3 items")
    assert len(sns_subject("x" * 300)) == 99


# ----------------------------------------------------------------------------- all together


def test_a_failing_channel_does_not_stop_the_others(
    smtp: SmtpServer, slack: FakeSlack, sns: FakeSns
) -> None:
    settings = _sns_settings(
        sns,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        slack_webhook_url=slack.webhook_url,
    )
    channels = configured_channels(settings)
    assert list(channels) == ["email", "slack", "sns"]
    slack.failures = [Reply(500, "rollup_error")] * 3
    outcomes = deliver(MESSAGE, list(channels.values()), retries=2, backoff=0)
    assert [(o.channel, o.status) for o in outcomes] == [
        ("email", SENT),
        ("slack", FAILED),
        ("sns", SENT),
    ]
    assert outcomes[1].attempts == 3
    assert len(smtp.received) == 1
    assert len(sns.published) == 1


def test_a_channel_that_crashes_is_reported() -> None:
    class Broken:
        name = "broken"

        def applies_to(self, message: Message) -> bool:
            return True

        def recipient(self, message: Message) -> str:
            return "?"

        def send(self, message: Message) -> str:
            raise KeyError("bug")

    class Fine:
        name = "fine"

        def __init__(self) -> None:
            self.sent: list[Message] = []

        def applies_to(self, message: Message) -> bool:
            return True

        def recipient(self, message: Message) -> str:
            return "somewhere"

        def send(self, message: Message) -> str:
            self.sent.append(message)
            return "id"

    fine = Fine()
    outcomes = deliver(MESSAGE, [Broken(), fine])
    assert [o.status for o in outcomes] == [FAILED, SENT]
    assert outcomes[0].error == "KeyError: 'bug'"
    assert fine.sent == [MESSAGE]


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINTSUGI_SMTP_HOST", "mail.example.com")
    monkeypatch.setenv("KINTSUGI_DIGEST_TO", "cto@example.com, vp@example.com")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("KINTSUGI_SLACK_CHANNEL", "#incidents")
    monkeypatch.setenv("KINTSUGI_SNS_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:t")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKID")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    settings = NotifySettings()
    assert settings.digest_recipients == ["cto@example.com", "vp@example.com"]
    channels = configured_channels(settings)
    assert isinstance(channels["slack"], SlackBotChannel)
    assert isinstance(channels["sns"], SnsChannel)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(ConfigurationError, match="AWS_SECRET_ACCESS_KEY"):
        configured_channels(NotifySettings())
    monkeypatch.delenv("KINTSUGI_SLACK_CHANNEL")
    monkeypatch.delenv("KINTSUGI_SNS_TOPIC_ARN")
    with pytest.raises(ConfigurationError, match="KINTSUGI_SLACK_CHANNEL"):
        configured_channels(NotifySettings())


def test_channel_error_carries_retry_advice() -> None:
    error = ChannelError("x", retryable=True, retry_after=3)
    assert (error.retryable, error.retry_after) == (True, 3)
