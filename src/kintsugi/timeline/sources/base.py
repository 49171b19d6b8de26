"""What every source shares: the time window, errors, and an HTTP client that retries politely.

A source turns one system's records into ``Event`` objects over a time window. HTTP sources
fetch page by page (one raw page in memory at a time), retry transient failures with bounded
exponential backoff, honour ``Retry-After`` on 429, and name the variable to fix when the
server refuses the credentials. Tokens never appear in messages.
"""

from __future__ import annotations

import email.utils
import logging
import os
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from kintsugi.core.errors import KintsugiError
from kintsugi.core.limits import Deadline, OutOfTimeError
from kintsugi.core.wire import IsoDatetime
from kintsugi.timeline.events import Event
from kintsugi.timeline.secrets import redact

log = logging.getLogger("kintsugi.timeline")

USER_AGENT = "kintsugi-timeline/0.1"


class SourceError(KintsugiError):
    """A source could not give its events; the message says which source and why."""

    def __init__(self, source: str, message: str, *, variable: str | None = None) -> None:
        self.source = source
        self.reason = message
        self.variable = variable
        text = f"{source}: {message}"
        if variable and variable not in message:
            text += f" (check {variable})"
        super().__init__(text)


@dataclass(frozen=True, slots=True)
class Window:
    """The time span a timeline covers, aware UTC datetimes, ``since`` < ``until``."""

    since: IsoDatetime
    until: IsoDatetime

    def __post_init__(self) -> None:
        if self.since.tzinfo is None or self.until.tzinfo is None:
            raise ValueError("window times must carry a zone")
        object.__setattr__(self, "since", self.since.astimezone(UTC))
        object.__setattr__(self, "until", self.until.astimezone(UTC))
        if self.since >= self.until:
            raise ValueError("the window's start must be before its end")

    def __contains__(self, at: datetime) -> bool:
        return self.since <= at <= self.until


@dataclass(frozen=True, slots=True)
class IncidentTimes:
    """An incident's own times, as an incident system recorded them."""

    source: str
    started_at: datetime | None = None
    detected_at: datetime | None = None
    resolved_at: datetime | None = None
    title: str | None = None

    @property
    def first(self) -> datetime | None:
        known = [t for t in (self.started_at, self.detected_at) if t is not None]
        return min(known) if known else None


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts per request, backoff, the longest Retry-After to honour."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    timeout: float = 30.0
    connect_timeout: float = 5.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number ``attempt`` (1-based)."""
        return float(min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


class TimelineOutOfTimeError(OutOfTimeError):
    """A timeline build ran past its time budget: nothing of it is kept."""


class Source(ABC):
    """One system's events over a window."""

    name: ClassVar[str]
    ordered: ClassVar[bool] = False
    """True when ``events`` yields events in time order already."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.deadline: Deadline | None = None
        """The build's time budget: checked before every request and every event."""

    def check_time(self, doing: str) -> None:
        """Raise TimelineOutOfTimeError once the build's budget is spent."""
        if self.deadline is not None and self.deadline.expired():
            raise out_of_time(self.deadline, f"{doing} {self.spec}")

    @abstractmethod
    def events(self, window: Window) -> Iterator[Event]:
        """The source's events in ``window`` (raises SourceError when it cannot)."""

    def incident_times(self) -> IncidentTimes | None:
        """The incident's times when this source is an incident system (None otherwise)."""
        return None

    def secrets(self) -> list[str]:
        """Secret values this source uses (to keep them out of every message)."""
        return []

    def close(self) -> None:
        """Release connections (most sources hold none)."""
        return None

    def error(self, message: str, *, variable: str | None = None) -> SourceError:
        """A SourceError for this source with secrets taken out of the message."""
        return SourceError(self.spec, redact(message, self.secrets()), variable=variable)


class HttpSource(Source):
    """A source behind an HTTP JSON API, its base URL and token from the environment."""

    url_variable: ClassVar[str]
    default_url: ClassVar[str]
    token_variable: ClassVar[str | None] = None
    token_required: ClassVar[bool] = True

    def __init__(
        self,
        spec: str,
        *,
        env: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(spec)
        env = os.environ if env is None else env
        self.retry = retry or RetryPolicy()
        self.base_url = (env.get(self.url_variable) or self.default_url).rstrip("/")
        self.token = (env.get(self.token_variable) or "").strip() if self.token_variable else ""
        self._client: httpx.Client | None = None

    # ------------------------------------------------------------------ subclass hooks

    def auth_headers(self) -> dict[str, str]:
        """Headers carrying the credentials (none by default)."""
        return {}

    def extra_headers(self) -> dict[str, str]:
        """Headers every request carries besides auth (Accept, API version...)."""
        return {"Accept": "application/json"}

    def error_message(self, response: httpx.Response) -> str:
        """The vendor's own explanation from an error response body, if any."""
        try:
            data = response.json()
        except ValueError:
            return ""
        return _message_from(data)

    def rate_limit_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait when ``response`` says "too many requests", else None."""
        if response.status_code == 429:
            return retry_after(response) or 0.0
        return None

    def check_body(self, data: Any) -> None:
        """Raise SourceError when a 200 response carries an error (Slack's ``ok: false``)."""

    # ------------------------------------------------------------------ plumbing

    def secrets(self) -> list[str]:
        return [self.token] if self.token else []

    def require_token(self) -> None:
        """Fail clearly, before any request, when the token variable is unset."""
        if self.token_variable and self.token_required and not self.token:
            raise self.error(f"{self.token_variable} is not set", variable=self.token_variable)

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            headers = {"User-Agent": USER_AGENT, **self.extra_headers(), **self.auth_headers()}
            self._client = httpx.Client(
                base_url=self.base_url,
                headers=headers,
                timeout=httpx.Timeout(self.retry.timeout, connect=self.retry.connect_timeout),
                follow_redirects=False,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``url`` (relative to the base URL, or absolute) and decode its JSON body."""
        return self.get(url, params)[0]

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> tuple[Any, httpx.Response]:
        """GET with retries; returns (decoded JSON, response)."""
        policy = self.retry
        problem = "no attempt made"
        for attempt in range(1, policy.attempts + 1):
            self.check_time("fetching from")  # bounds paging and retrying alike
            try:
                response = self.client.get(url, params=_clean(params))
            except httpx.TimeoutException:
                problem = f"timed out after {policy.timeout:g}s waiting for {self.base_url}"
            except httpx.TransportError as exc:
                problem = f"cannot reach {self.base_url}: {_first_line(exc)}"
            else:
                wait = self.rate_limit_wait(response)
                if wait is not None:
                    if wait > policy.max_retry_after:
                        raise self.error(
                            f"rate-limited (HTTP {response.status_code}); the server asks to wait "
                            f"{wait:.0f}s, longer than the {policy.max_retry_after:.0f}s allowed"
                        )
                    problem = f"rate-limited (HTTP {response.status_code})"
                    if attempt < policy.attempts:
                        wait = max(wait, policy.backoff(attempt))
                        self._log_retry(problem, wait)
                        self._pause(wait)
                    continue
                status = response.status_code
                if status in (401, 403):
                    raise self.auth_error(response)
                if status >= 500:
                    problem = _status_problem(response, self.error_message(response))
                elif status >= 400:
                    raise self.error(_status_problem(response, self.error_message(response)))
                elif status >= 300:
                    location = response.headers.get("location", "")
                    raise self.error(f"HTTP {status} redirect to {location!r}; check the base URL")
                else:
                    data = self._decode(response)
                    self.check_body(data)
                    return data, response
            if attempt < policy.attempts:
                delay = policy.backoff(attempt)
                self._log_retry(problem, delay)
                self._pause(delay)
        raise self.error(f"{problem} (gave up after {policy.attempts} attempts)")

    def _pause(self, seconds: float) -> None:
        """Wait before a retry, unless the build's budget ends first (then fail at once)."""
        left = self.deadline.remaining() if self.deadline is not None else None
        if left is not None and seconds >= left:
            assert self.deadline is not None
            raise out_of_time(self.deadline, f"waiting {seconds:g} s to retry {self.spec}")
        self.retry.sleep(seconds)

    def _log_retry(self, problem: str, delay: float) -> None:
        log.info("%s: %s, retrying in %.1fs", self.spec, redact(problem, self.secrets()), delay)

    def follow(self, link: str) -> str:
        """A next-page link to request: itself when it is on our server, else its path there.

        Requests always go to the configured base URL, so a token never leaves for another host.
        """
        if link.startswith(self.base_url + "/") or link.startswith("/"):
            return link
        parts = urlsplit(link)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def auth_error(self, response: httpx.Response) -> SourceError:
        """The error for a refused credential (401/403), naming the variable to fix."""
        detail = self.error_message(response)
        what = "rejected the credentials" if response.status_code == 401 else "refused access"
        variable = self.token_variable
        message = f"HTTP {response.status_code}: the server {what}"
        if detail:
            message += f" ({detail})"
        if variable:
            message += f"; check {variable}"
        return self.error(message, variable=variable)

    def _decode(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("content-type", "no content type")
            raise self.error(
                f"answered something that is not JSON (HTTP {response.status_code}, {kind})"
            ) from None


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date), if present."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    return {k: v for k, v in params.items() if v is not None}


def _status_problem(response: httpx.Response, detail: str) -> str:
    text = f"HTTP {response.status_code}"
    if response.reason_phrase:
        text += f" {response.reason_phrase}"
    return f"{text}: {detail}" if detail else text


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _message_from(data: Any) -> str:
    """A readable message from the error bodies the vendors document."""
    if isinstance(data, dict):
        # incident.io: {"type", "status", "errors": [{"code", "message"}]}
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            parts = []
            for item in errors[:3]:
                if isinstance(item, dict):
                    parts.append(str(item.get("message") or item.get("code") or ""))
                else:
                    parts.append(str(item))
            joined = "; ".join(p for p in parts if p)
            if joined:
                head = data.get("message") or data.get("type")
                return f"{head}: {joined}" if isinstance(head, str) and head else joined
        # PagerDuty: {"error": {"message", "code", "errors": [...]}}; Slack: {"error": "code"}
        error = data.get("error")
        if isinstance(error, dict):
            return _message_from(error) or str(error.get("message") or "")
        if isinstance(error, str) and error:
            return error
        # GitHub, Opsgenie: {"message": ...}; Prometheus: {"status": "error", "error": ...}
        for key in ("message", "detail", "title"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return value
    if isinstance(data, str):
        return data[:200]
    return ""


# ---------------------------------------------------------------------------- shape helpers


def field_of(data: Any, *path: str) -> Any:
    """``data[path[0]][path[1]]...`` or None when any step is missing or not an object."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def text_of(data: Any, *path: str) -> str:
    """Like ``field_of`` but always text ("" when missing)."""
    value = field_of(data, *path)
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def list_of(source: Source, data: Any, key: str) -> list[Any]:
    """``data[key]`` as a list; SourceError when the response has another shape."""
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, list):
        raise source.error(f"answered JSON without the expected {key!r} list")
    return value


def out_of_time(deadline: Deadline, doing: str) -> TimelineOutOfTimeError:
    """The error of a build that ran past ``deadline`` while ``doing``."""
    return TimelineOutOfTimeError(
        f"the timeline build ran past its time budget of {deadline.seconds:g} s "
        f"(KINTSUGI_TIMELINE_SECONDS) while {doing}; nothing was saved. Narrow the window "
        "(since and until) or build from fewer sources at a time"
    )
