"""AWS SNS: the Publish action of the Query API (form POST, SigV4-signed), to one topic."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlencode
from xml.etree import ElementTree

import httpx

from kintsugi.notify import sigv4
from kintsugi.notify.base import ChannelError, Message
from kintsugi.notify.config import NotifySettings
from kintsugi.notify.http import status_error, transport_error

API_VERSION = "2010-03-31"
CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
MAX_MESSAGE_BYTES = 256 * 1024
RETRYABLE_CODES = frozenset(
    {"Throttling", "ThrottlingException", "InternalError", "InternalFailure", "ServiceUnavailable"}
)
_ARN = re.compile(r"^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")


def topic_region(arn: str) -> str:
    """The region named in a topic ARN."""
    match = _ARN.match(arn)
    if not match:
        raise ValueError(f"{arn!r} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)")
    return match.group(1)


def sns_subject(subject: str) -> str:
    """SNS subjects: printable ASCII, no line breaks, fewer than 100 characters."""
    ascii_only = unicodedata.normalize("NFKD", subject).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"\s+", " ", re.sub(r"[^\x20-\x7e]", " ", ascii_only)).strip()
    return cleaned[:99] or "Kintsugi"


def _truncate(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "..."


class SnsChannel:
    """Publishes the plain text of a message to ``KINTSUGI_SNS_TOPIC_ARN``."""

    name = "sns"

    def __init__(self, settings: NotifySettings) -> None:
        if not settings.sns_topic_arn:
            raise ValueError("SNS needs KINTSUGI_SNS_TOPIC_ARN")
        if not settings.aws_access_key_id or not settings.aws_secret_access_key:
            raise ValueError("SNS needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        self.topic_arn = settings.sns_topic_arn
        self.region = settings.aws_region or topic_region(settings.sns_topic_arn)
        self.endpoint = settings.sns_endpoint_url or f"https://sns.{self.region}.amazonaws.com/"
        if not self.endpoint.endswith("/"):
            self.endpoint += "/"
        self.access_key = settings.aws_access_key_id
        self.secret_key = settings.aws_secret_access_key.get_secret_value()
        self.session_token = (
            settings.aws_session_token.get_secret_value() if settings.aws_session_token else None
        )
        self.timeout = settings.timeout_seconds

    def applies_to(self, message: Message) -> bool:
        return True

    def recipient(self, message: Message) -> str:
        return self.topic_arn

    def form(self, message: Message) -> dict[str, str]:
        """The Publish parameters."""
        return {
            "Action": "Publish",
            "Version": API_VERSION,
            "TopicArn": self.topic_arn,
            "Subject": sns_subject(message.subject),
            "Message": _truncate(message.text, MAX_MESSAGE_BYTES),
        }

    def send(self, message: Message) -> str:
        body = urlencode(self.form(message)).encode()
        headers = sigv4.sign(
            "POST",
            self.endpoint,
            {"Content-Type": CONTENT_TYPE},
            body,
            access_key=self.access_key,
            secret_key=self.secret_key,
            region=self.region,
            service="sns",
            session_token=self.session_token,
        )
        try:
            response = httpx.post(
                self.endpoint, content=body, headers=headers, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            raise transport_error("SNS Publish", exc) from exc
        if response.status_code != 200:
            code, text = _error(response.text)
            error = status_error("SNS Publish", response, f"{code}: {text}".strip(": "))
            if code in RETRYABLE_CODES:
                error.retryable = True
            raise error
        return _message_id(response.text)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _find(xml: str, name: str) -> str:
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return ""
    for element in root.iter():
        if _local(element.tag) == name:
            return (element.text or "").strip()
    return ""


def _error(xml: str) -> tuple[str, str]:
    return _find(xml, "Code"), _find(xml, "Message") or xml[:200]


def _message_id(xml: str) -> str:
    message_id = _find(xml, "MessageId")
    if not message_id:
        raise ChannelError("SNS Publish: the reply has no MessageId")
    return message_id
