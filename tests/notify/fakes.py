"""Local servers that follow the vendors' documented APIs, over real sockets on 127.0.0.1.

- ``SmtpServer``: aiosmtpd receiving real SMTP sessions.
- ``FakeSlack``: an incoming webhook (POST /services/...) answering ``ok``, and the Web API's
  ``chat.postMessage`` (Bearer token, JSON body, ``{"ok": ...}`` envelope, errors with HTTP 200).
- ``FakeSns``: the SNS Query API's ``Publish`` (form body, SigV4 Authorization header verified
  here independently of the client code, XML replies and ``ErrorResponse`` errors).
Each server records what it received and can be told to fail the next requests.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, quote, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass
class Request:
    """One HTTP request as the server received it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


@dataclass
class Reply:
    status: int
    body: bytes | str | dict[str, Any] | list[Any]
    headers: dict[str, str] = field(default_factory=dict)


Route = Callable[[Request], Reply]


class FakeHttpServer:
    """A threaded HTTP server on an ephemeral port; subclasses answer in ``handle``."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.failures: list[Reply] = []  # replies to give before handling normally
        self.delay = 0.0
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    self.command,
                    parts.path,
                    parts.query,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                reply = outer._dispatch(request)
                payload = reply.body
                content_type = "text/plain; charset=utf-8"
                if isinstance(payload, dict | list):
                    payload = json.dumps(payload)
                    content_type = "application/json; charset=utf-8"
                data = payload.encode() if isinstance(payload, str) else payload
                self.send_response(reply.status)
                headers = {"Content-Type": content_type, **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def _dispatch(self, request: Request) -> Reply:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.requests.append(request)
            failure = self.failures.pop(0) if self.failures else None
        return failure or self.handle(request)

    def handle(self, request: Request) -> Reply:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ----------------------------------------------------------------------------- Slack


class FakeSlack(FakeHttpServer):
    """Incoming webhooks and chat.postMessage."""

    WEBHOOK_PATH = "/services/T0001/B0001/secretwebhook"
    TOKEN = "xoxb-test-token"
    CHANNELS: ClassVar[dict[str, str]] = {"#postmortems": "C0POSTMORT", "C0POSTMORT": "C0POSTMORT"}

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[dict[str, Any]] = []

    @property
    def webhook_url(self) -> str:
        return self.url + self.WEBHOOK_PATH

    @property
    def api_url(self) -> str:
        return self.url + "/api"

    def handle(self, request: Request) -> Reply:
        if request.method == "POST" and request.path == self.WEBHOOK_PATH:
            return self._webhook(request)
        if request.method == "POST" and request.path == "/api/chat.postMessage":
            return self._post_message(request)
        return Reply(404, "no_service")

    def _webhook(self, request: Request) -> Reply:
        try:
            body = request.json()
        except ValueError:
            return Reply(400, "invalid_payload")
        if not isinstance(body, dict) or not (body.get("text") or body.get("blocks")):
            return Reply(400, "no_text")
        if "blocks" in body and not _valid_blocks(body["blocks"]):
            return Reply(400, "invalid_blocks")
        self.messages.append({"via": "webhook", **body})
        return Reply(200, "ok")

    def _post_message(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.TOKEN}":
            return Reply(200, {"ok": False, "error": "invalid_auth"})
        if not request.headers.get("content-type", "").startswith("application/json"):
            return Reply(200, {"ok": False, "error": "invalid_form_data"})
        body = request.json()
        channel = self.CHANNELS.get(body.get("channel", ""))
        if channel is None:
            return Reply(200, {"ok": False, "error": "channel_not_found"})
        if not (body.get("text") or body.get("blocks")):
            return Reply(200, {"ok": False, "error": "no_text"})
        if "blocks" in body and not _valid_blocks(body["blocks"]):
            return Reply(200, {"ok": False, "error": "invalid_blocks"})
        ts = f"{time.time():.6f}"
        self.messages.append({"via": "api", **body})
        return Reply(
            200, {"ok": True, "channel": channel, "ts": ts, "message": {"text": body.get("text")}}
        )


def _valid_blocks(blocks: Any) -> bool:
    """The Block Kit rules these messages rely on: typed blocks, text objects, sizes."""
    if not isinstance(blocks, list) or not 0 < len(blocks) <= 50:
        return False
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            text = block.get("text", {})
            if text.get("type") != "plain_text" or not 0 < len(text.get("text", "")) <= 150:
                return False
        elif kind == "section":
            text = block.get("text")
            fields = block.get("fields")
            if text is None and not fields:
                return False
            if text is not None and (
                text.get("type") not in ("mrkdwn", "plain_text")
                or not 0 < len(text.get("text", "")) <= 3000
            ):
                return False
            if fields is not None and (
                len(fields) > 10 or any(len(f.get("text", "")) > 2000 for f in fields)
            ):
                return False
        elif kind == "context":
            elements = block.get("elements")
            if not elements or len(elements) > 10:
                return False
        elif kind != "divider":
            return False
    return True


# ----------------------------------------------------------------------------- SNS

SNS_NS = "https://sns.amazonaws.com/doc/2010-03-31/"
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<day>\d{8})/(?P<region>[a-z0-9-]+)/"
    r"(?P<service>[a-z0-9-]+)/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)


class FakeSns(FakeHttpServer):
    """The Publish action of the SNS Query API, checking SigV4 like AWS does."""

    ACCESS_KEY = "AKIDEXAMPLE"
    SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    REGION = "eu-west-1"
    TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:kintsugi-actions"

    def __init__(self) -> None:
        super().__init__()
        self.published: list[dict[str, str]] = []

    def handle(self, request: Request) -> Reply:
        problem = self.check_signature(request)
        if problem:
            return _sns_error(403, "SignatureDoesNotMatch", problem)
        form = request.form()
        if form.get("Action") != "Publish" or form.get("Version") != "2010-03-31":
            return _sns_error(400, "InvalidAction", f"unknown action {form.get('Action')}")
        if form.get("TopicArn") != self.TOPIC_ARN:
            return _sns_error(404, "NotFound", "Topic does not exist")
        subject = form.get("Subject", "")
        if len(subject) >= 100 or not subject.isascii() or "\n" in subject:
            return _sns_error(400, "InvalidParameter", "Invalid parameter: Subject")
        if not form.get("Message"):
            return _sns_error(400, "InvalidParameter", "Empty message")
        message_id = str(uuid.uuid4())
        self.published.append({**form, "MessageId": message_id})
        return Reply(
            200,
            f'<PublishResponse xmlns="{SNS_NS}"><PublishResult><MessageId>{message_id}'
            "</MessageId></PublishResult><ResponseMetadata><RequestId>"
            f"{uuid.uuid4()}</RequestId></ResponseMetadata></PublishResponse>",
            {"Content-Type": "text/xml"},
        )

    def check_signature(self, request: Request) -> str | None:
        """Recompute the SigV4 signature from what arrived; a problem description or None."""
        match = _AUTH.match(request.headers.get("authorization", ""))
        if not match:
            return "the Authorization header is not AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."
        if match["key"] != self.ACCESS_KEY:
            return "unknown access key"
        if (match["region"], match["service"]) != (self.REGION, "sns"):
            return f"wrong scope {match['region']}/{match['service']}"
        amz_date = request.headers.get("x-amz-date", "")
        if not amz_date.startswith(match["day"]):
            return "X-Amz-Date does not match the credential scope date"
        signed = match["signed"].split(";")
        if signed != sorted(signed) or not {"host", "x-amz-date"} <= set(signed):
            return "SignedHeaders must be sorted and include host and x-amz-date"
        canonical_headers = "".join(
            f"{name}:{' '.join(request.headers.get(name, '').split())}\n" for name in signed
        )
        query = "&".join(
            f"{quote(k, safe='-_.~')}={quote(v[0], safe='-_.~')}"
            for k, v in sorted(parse_qs(request.query, keep_blank_values=True).items())
        )
        canonical = "\n".join(
            [
                request.method,
                quote(request.path or "/", safe="/-_.~"),
                query,
                canonical_headers,
                match["signed"],
                hashlib.sha256(request.body).hexdigest(),
            ]
        )
        scope = f"{match['day']}/{self.REGION}/sns/aws4_request"
        to_sign = "\n".join(
            ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
        )
        key = ("AWS4" + self.SECRET_KEY).encode()
        for part in (match["day"], self.REGION, "sns", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match["signature"]):
            return "The request signature we calculated does not match the signature you provided."
        return None


def _sns_error(status: int, code: str, message: str) -> Reply:
    kind = "Receiver" if status >= 500 else "Sender"
    return Reply(
        status,
        f'<ErrorResponse xmlns="{SNS_NS}"><Error><Type>{kind}</Type><Code>{code}</Code>'
        f"<Message>{message}</Message></Error><RequestId>{uuid.uuid4()}</RequestId>"
        "</ErrorResponse>",
        {"Content-Type": "text/xml"},
    )


def sns_throttled() -> Reply:
    """What SNS answers when a caller publishes too fast."""
    return _sns_error(400, "Throttling", "Rate exceeded")


# ----------------------------------------------------------------------------- SMTP


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.server.lock:
            if self.server.fail_next:
                self.server.fail_next -= 1
                return "451 4.3.0 try again later"
            content = envelope.original_content or b""
            self.server.received.append(
                Received(
                    str(envelope.mail_from),
                    list(envelope.rcpt_tos),
                    message_from_bytes(content, _class=EmailMessage, policy=policy.default),
                )
            )
        if self.server.delay:
            time.sleep(self.server.delay)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    """aiosmtpd on 127.0.0.1; with ``login`` it requires AUTH LOGIN/PLAIN with that password."""

    def __init__(self, login: tuple[str, str] | None = None) -> None:
        self.received: list[Received] = []
        self.fail_next = 0
        self.delay = 0.0
        self.lock = threading.Lock()
        self.port = _free_port()
        kwargs: dict[str, Any] = {}
        if login is not None:

            def authenticator(
                server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
            ) -> AuthResult:
                ok = (
                    isinstance(auth_data, LoginPassword)
                    and (
                        auth_data.login.decode(),
                        auth_data.password.decode(),
                    )
                    == login
                )
                return AuthResult(success=ok, handled=False)

            kwargs = {
                "authenticator": authenticator,
                "auth_required": True,
                "auth_require_tls": False,
            }
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
