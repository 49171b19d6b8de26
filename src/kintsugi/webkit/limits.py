"""What one request, or one person, may ask of a server process.

- ``RequestBodyLimits``: a request body larger than ``KINTSUGI_MAX_REQUEST_BYTES`` gets 413;
  JSON text with a lone surrogate gets 422 naming the field.
- ``RateLimiter``: a token bucket per person (or per address when nobody is signed in), for
  CPU-heavy endpoints: more than the rate gets 429 with ``Retry-After``.
- ``WorkSlots``: at most so many CPU-heavy requests at once, so that they never take every
  thread of the pool and pages keep answering; one more gets 429.
- ``WorkLane``: slow requests that people must not be refused (searches) run on threads of
  their own, so many at once: so many work, the next ones wait their turn without holding
  a thread, and only past a long queue does one get 429.

The buckets and slots live in the server process: with several workers, each process counts
on its own (a person may make up to workers x the rate).
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import anyio
import anyio.to_thread
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kintsugi.core.errors import KintsugiError, TooManyRequestsError
from kintsugi.webkit.auth import identity


def body_too_large(limit: int) -> str:
    """The message of a 413 for a request body over ``limit`` bytes."""
    return f"body: the request body is too large: at most {limit:,} bytes"


class RequestBodyLimits:
    """Read each request body (up to ``max_bytes``) before the app does, and refuse:

    - a body over ``max_bytes``: 413 naming the limit, from its ``Content-Length`` before any
      of it is read, or as soon as a streamed body passes it;
    - JSON text holding a lone surrogate (``"\\ud800"`` decodes to a string that cannot be
      stored or sent back as UTF-8): 422 naming the field.

    The app then reads the body from memory, as sent.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(scope, receive, send, 413, body_too_large(self.max_bytes))
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client left
                await self.app(scope, _replay([], message, receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _refuse(scope, receive, send, 413, body_too_large(self.max_bytes))
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        problem = _lone_surrogate(body) if _is_json(scope) else None
        if problem is not None:
            await _refuse(scope, receive, send, 422, problem)
            return
        await self.app(scope, _replay([body], None, receive), send)


def _replay(chunks: list[bytes], last: Message | None, receive: Receive) -> Receive:
    """A receive that gives the body read already, then waits on the client as before."""
    pending = list(chunks)

    async def replayed() -> Message:
        nonlocal last
        if pending:
            return {"type": "http.request", "body": pending.pop(0), "more_body": False}
        if last is not None:
            message, last = last, None
            return message
        return await receive()

    return replayed


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _lone_surrogate(body: bytes) -> str | None:
    """The field of a JSON ``body`` whose text holds a lone surrogate, as a message; None when
    there is none (or the body is not JSON: the app says what is wrong with it then)."""
    if not _SURROGATE_ESCAPE.search(body):  # pairs (emoji) and lone ones are written escaped
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    field = _surrogate_path(data, ())
    if field is None:
        return None
    name = ".".join(part.encode("utf-8", "backslashreplace").decode() for part in field)
    return f"{name or 'body'}: the text holds a lone surrogate (not valid Unicode)"


def _surrogate_path(value: object, path: tuple[str, ...]) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return path if _has_surrogate(value) else None
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _surrogate_path(item, (*path, str(index)))
            if found is not None:
                return found
    if isinstance(value, dict):
        for key, item in value.items():
            if _has_surrogate(key):
                return (*path, key)
            found = _surrogate_path(item, (*path, key))
            if found is not None:
                return found
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1").strip())
    return None


def _is_json(scope: Scope) -> bool:
    content_type = (_header(scope, b"content-type") or "").lower()
    return "json" in content_type


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    response: Response
    if scope["path"].startswith("/api/"):
        response = JSONResponse({"detail": message}, status_code=status)
    else:
        response = PlainTextResponse(message, status_code=status)
    if status == 413:
        response.headers["Connection"] = "close"  # the rest of the body is not read
    await response(scope, receive, send)


def requester(request: Request) -> str:
    """Who is asking: the signed-in principal, or the client's address."""
    found = identity(request)
    if found is not None:
        return f"user:{found.principal.username}"
    return f"address:{request.client.host if request.client else '?'}"


class RateLimiter:
    """A token bucket per key: ``per_minute`` requests a minute, in bursts of as many."""

    MAX_KEYS = 10_000

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.refill = per_minute / 60.0
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, what: str) -> None:
        """Spend a token of ``key``'s bucket, or raise TooManyRequestsError (429)."""
        now = time.monotonic()
        with self._lock:
            tokens, then = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - then) * self.refill)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                wait = math.ceil((1 - tokens) / self.refill)
                raise TooManyRequestsError(
                    f"too many {what} requests: at most {self.capacity:g} a minute per person;"
                    f" try again in {wait} s",
                    retry_after=wait,
                )
            self._buckets[key] = (tokens - 1, now)
            while len(self._buckets) > self.MAX_KEYS:
                self._buckets.popitem(last=False)


class WorkSlots:
    """At most ``size`` pieces of CPU-heavy work at once; one more is refused at once."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._slots = threading.BoundedSemaphore(size)

    @contextmanager
    def slot(self, what: str) -> Iterator[None]:
        """Hold a slot for the block, or raise TooManyRequestsError (429) when all are taken."""
        if not self._slots.acquire(blocking=False):
            raise TooManyRequestsError(
                f"the server is busy with other {what} requests (at most {self.size} at once);"
                " try again in a few seconds",
                retry_after=2,
            )
        try:
            yield
        finally:
            self._slots.release()


T = TypeVar("T")
logger = logging.getLogger(__name__)


class WorkLane:
    """Slow work of one kind on a lane of its own: at most ``size`` pieces at once, each on a
    worker thread outside the server's pool (``web_threads``), so that however many arrive,
    the other pages keep their threads; up to ``waiting`` more wait their turn on the event
    loop, holding no thread; one more than that is refused at once (429).

    Call ``run`` from the event loop (an ``async def`` route): the count is kept there."""

    def __init__(self, size: int, waiting: int) -> None:
        self.size = size
        self.waiting = waiting
        self.admitted = 0
        """Working or waiting now."""
        self._limiter: anyio.CapacityLimiter | None = None

    async def run(self, what: str, work: Callable[[], T]) -> T:
        """``work()`` on the lane's threads, once one is free; TooManyRequestsError (429)
        when ``size + waiting`` are already working or waiting."""
        if self.admitted >= self.size + self.waiting:
            # for the operator: a lane that refuses work is too narrow for this server's load
            logger.warning(
                "refused a %s request: %d at once and %d waiting already (the lane's limits)",
                what,
                self.size,
                self.waiting,
            )
            raise TooManyRequestsError(
                f"the server is busy with other {what} requests ({self.size} at once,"
                f" {self.waiting} waiting); try again in a few seconds",
                retry_after=2,
            )
        if self._limiter is None:  # made on the event loop that first needs it
            self._limiter = anyio.CapacityLimiter(self.size)
        self.admitted += 1
        try:
            return await anyio.to_thread.run_sync(work, limiter=self._limiter)
        finally:
            self.admitted -= 1


def send_retry_after(app: FastAPI) -> None:
    """Answer TooManyRequestsError as the app answers its other errors, with ``Retry-After``
    (installed after the app's own handler for KintsugiError)."""
    answer = app.exception_handlers[KintsugiError]

    async def with_retry_after(request: Request, exc: Exception) -> Response:
        response = answer(request, exc)
        if not isinstance(response, Response):
            response = await response
        if isinstance(exc, TooManyRequestsError):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    app.add_exception_handler(TooManyRequestsError, with_retry_after)
