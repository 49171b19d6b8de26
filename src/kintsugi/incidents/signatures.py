"""Checking that a webhook delivery comes from the vendor: signatures over the raw body.

incident.io sends through Svix, which follows the Standard Webhooks specification
(``webhook-id``, ``webhook-timestamp``, ``webhook-signature: v1,<base64>``; the signed content is
``id.timestamp.body``, the secret ``whsec_<base64>``); the ``standardwebhooks`` library checks it,
with the specification's five-minute tolerance. PagerDuty v3 sends ``X-PagerDuty-Signature``:
comma-separated ``v1=<hex HMAC-SHA256 of the body>``, one per active secret.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from kintsugi.core.errors import KintsugiError
from kintsugi.timeline.events import parse_time


class WebhookRejected(KintsugiError):
    """A delivery that cannot be shown to come from the vendor (401): nothing is changed."""

    status_code = 401


def verify_standard_webhook(secret: str, body: bytes, headers: Mapping[str, str]) -> Any:
    """The decoded JSON body of a genuine, fresh Standard Webhooks delivery."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        webhook = Webhook(secret)
    except (ValueError, binascii.Error):
        raise WebhookRejected(
            "the incident.io webhook secret is not a whsec_ secret: check "
            "KINTSUGI_INCIDENTIO_WEBHOOK_SECRET"
        ) from None
    try:
        return webhook.verify(body, lowered)
    except WebhookVerificationError as exc:
        raise WebhookRejected(f"webhook signature check failed: {exc}") from None
    except (ValueError, binascii.Error):  # malformed signature entries, body not UTF-8 or JSON
        raise WebhookRejected("webhook signature check failed: malformed delivery") from None


def verify_pagerduty(secret: str, body: bytes, header: str | None) -> Any:
    """The decoded JSON body of a delivery signed with the subscription's secret."""
    if not header:
        raise WebhookRejected("webhook signature check failed: no X-PagerDuty-Signature header")
    expected = "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    offered = [part.strip() for part in header.split(",") if part.strip()]
    if not any(hmac.compare_digest(expected.encode(), sig.encode()) for sig in offered):
        raise WebhookRejected("webhook signature check failed: no matching signature")
    try:
        return json.loads(body)
    except ValueError:
        raise WebhookRejected("webhook signature check failed: the body is not JSON") from None


def occurred_at(event: Mapping[str, Any]) -> datetime | None:
    """A PagerDuty event's ``occurred_at`` (None when absent or unreadable)."""
    try:
        return parse_time(event.get("occurred_at"))
    except ValueError:
        return None
