"""HTTP helpers shared by the Slack and SNS channels: which failures are worth a retry."""

from __future__ import annotations

import httpx

from kintsugi.notify.base import ChannelError

MAX_RETRY_AFTER = 60.0


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asks us to wait (Retry-After in seconds), capped."""
    value = response.headers.get("Retry-After")
    try:
        return min(float(value), MAX_RETRY_AFTER) if value is not None else None
    except ValueError:
        return None


def transport_error(what: str, exc: httpx.HTTPError) -> ChannelError:
    """A connection problem or timeout: worth trying again."""
    return ChannelError(f"{what}: {type(exc).__name__}: {exc}", retryable=True)


def status_error(what: str, response: httpx.Response, detail: str) -> ChannelError:
    """An HTTP error status; 429 and 5xx are worth trying again."""
    code = response.status_code
    return ChannelError(
        f"{what}: HTTP {code} {detail}".rstrip(),
        retryable=code == 429 or code >= 500,
        retry_after=retry_after(response),
    )
