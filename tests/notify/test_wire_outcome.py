"""A delivery outcome writes the JSON its hand-written ``to_json`` always wrote: the provider's
id and whether a failure was retryable stay off the wire."""

from __future__ import annotations

import json

from kintsugi.notify.deliver import FAILED, SENT, SKIPPED, Outcome


def test_an_outcome_keeps_its_keys_and_order() -> None:
    sent = Outcome("slack", SENT, 2, "#learning", provider_id="ts-1")
    assert json.dumps(sent.to_json()) == json.dumps(
        {
            "channel": "slack",
            "status": "sent",
            "attempts": 2,
            "recipient": "#learning",
            "error": None,
        }
    )
    failed = Outcome("email", FAILED, 4, "a@example.com", error="421 busy", retryable=True)
    assert json.dumps(failed.to_json()) == json.dumps(
        {
            "channel": "email",
            "status": "failed",
            "attempts": 4,
            "recipient": "a@example.com",
            "error": "421 busy",
        }
    )
    assert json.dumps(Outcome("sns", SKIPPED, 0).to_json()) == json.dumps(
        {"channel": "sns", "status": "skipped", "attempts": 0, "recipient": "", "error": None}
    )
