"""A small threaded HTTP server on 127.0.0.1 that vendor fakes build on.

Each fake answers like the vendor's documented API (auth header, pagination, error bodies).
Tests inject faults in front of the normal answers: 429 with Retry-After, 5xx, garbage bodies,
slowness. Every request is recorded (without its credentials) for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return cls(
            status,
            json.dumps(data).encode(),
            {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        )


@dataclass
class Fault:
    """An answer given instead of the normal one, ``times`` times, to paths starting ``path``."""

    response: Response | None
    path: str = ""
    times: int = 1
    delay: float = 0.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        request = Request(
            method=method,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
        )
        response = self.server.fake.dispatch(request)
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def log_message(self, format: str, *args: Any) -> None:
        return


class FakeServer:
    """Base of the vendor fakes: subclasses implement ``handle``."""

    secret_headers = ("authorization",)

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -------------------------------------------------------------- fault injection

    def inject(
        self,
        response: Response | None = None,
        *,
        path: str = "",
        times: int = 1,
        delay: float = 0.0,
    ) -> None:
        """Answer the next ``times`` requests under ``path`` with ``response`` (after ``delay``).

        ``response=None`` with a delay makes the normal answer slow.
        """
        with self._lock:
            self.faults.append(Fault(response, path, times, delay))

    def rate_limit(self, retry_after: str = "1", *, path: str = "", times: int = 1) -> None:
        self.inject(self.rate_limit_response(retry_after), path=path, times=times)

    def rate_limit_response(self, retry_after: str) -> Response:
        return Response.json({"message": "rate limited"}, 429, {"Retry-After": retry_after})

    def server_error(self, *, status: int = 500, path: str = "", times: int = 1) -> None:
        self.inject(Response.json({"message": "internal error"}, status), path=path, times=times)

    def garbage(self, *, path: str = "", times: int = 1) -> None:
        self.inject(
            Response(200, b"<html>502 Bad Gateway</html>\x00\xff", {"Content-Type": "text/html"}),
            path=path,
            times=times,
        )

    def slow(self, seconds: float, *, path: str = "", times: int = 1) -> None:
        self.inject(None, path=path, times=times, delay=seconds)

    # -------------------------------------------------------------- dispatch

    def dispatch(self, request: Request) -> Response:
        recorded = Request(
            request.method,
            request.path,
            request.query,
            {k: v for k, v in request.headers.items() if k not in self.secret_headers},
        )
        fault = None
        with self._lock:
            self.requests.append(recorded)
            for candidate in self.faults:
                if request.path.startswith(candidate.path) and candidate.times > 0:
                    candidate.times -= 1
                    fault = candidate
                    break
            self.faults = [f for f in self.faults if f.times > 0]
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.response is not None:
                return fault.response
        try:
            return self.handle(request)
        except Exception as exc:  # a bug in a fake must show, not hang the client
            return Response.json({"message": f"fake server error: {exc!r}"}, 500)

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def paths(self) -> list[str]:
        """Paths requested so far, in order."""
        with self._lock:
            return [r.path for r in self.requests]


def int_arg(request: Request, name: str, default: int, maximum: int) -> int:
    value = request.arg(name)
    if value is None or value == "":
        return default
    return max(1, min(int(value), maximum))
