from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kintsugi.timeline import secrets
from kintsugi.timeline.secrets import REDACTED, find_secrets, redact

SLACK = "xo" + "xb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
GITHUB = "gh" + "p_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
GITHUB_PAT = "github" + "_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123"
AWS = "AKIA" + "IOSFODNN7EXAMPLE"

CASES = [
    (f"bot token is {SLACK} oops", SLACK),
    (f"export GITHUB_TOKEN={GITHUB}", GITHUB),
    (f"pat: {GITHUB_PAT}", GITHUB_PAT),
    (f"key {AWS} leaked", AWS),
    ("curl -H 'Authorization: Bearer abc123DEF456ghi789' https://x", "abc123DEF456ghi789"),
    ('Authorization: Token token="y_NbAkKc66ryYTWUXYEu"', "y_NbAkKc66ryYTWUXYEu"),
    ("Authorization: GenieKey eb243592-faa2-4ba2-a551-1afdf565c889", "eb243592-faa2"),
    ("db password=hunter2hunter2 in the config", "hunter2hunter2"),
    ('{"api_key": "sk-abcdef123456"}', "sk-abcdef123456"),
    ("postgres://app:s3cr3tpw@db.internal:5432/app", "s3cr3tpw"),
    ("client_secret: Zm9vYmFyYmF6", "Zm9vYmFyYmF6"),
    (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabc\n-----END RSA PRIVATE KEY-----",
        "MIIEowIBAAKCAQEA7",
    ),
    ("hook https://hooks.slack.com/services/T000/B000/XXXXXXXX", "T000/B000/XXXXXXXX"),
]


@pytest.mark.parametrize(("text", "secret"), CASES)
def test_secrets_are_redacted(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert REDACTED in cleaned
    assert find_secrets(text), "find_secrets should report what redact removes"


@pytest.mark.parametrize(
    "text",
    [
        "Rolled back the deploy of api v1.42 at 14:05; error rate back to 0.1%",
        "Basic understanding of the cache was missing",
        "max_tokens=512 and the token bucket refilled",
        "The bearer of bad news was the pager",
        "See https://status.example.com/incidents/42 for details",
    ],
)
def test_ordinary_incident_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_known_secret_values_are_removed_wherever_they_appear() -> None:
    token = "y_NbAkKc66ryYTWUXYEu"  # a PagerDuty key has no recognisable shape
    assert token not in redact(f"failed with key {token} in body", known=[token])


def test_redaction_keeps_the_text_around_the_secret() -> None:
    assert redact("password=hunter22 then restart") == f"password={REDACTED} then restart"


@given(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        min_size=24,
        max_size=40,
    ),
    st.text(max_size=40),
    st.text(max_size=40),
)
def test_slack_tokens_never_survive_whatever_surrounds_them(
    body: str, before: str, after: str
) -> None:
    token = "xo" + "xp-" + body
    assert token not in redact(f"{before} {token} {after}")


FRAGMENTS = [
    " ",
    "\n",
    "=",
    ": ",
    '"',
    "@",
    "://",
    "x",
    "9",
    "Bearer ",
    "basic ",
    "Token token=",
    "Authorization: ",
    "password",
    "PWD",
    "api_key",
    "client-secret",
    "credentials",
    "ſecret",  # (?i) "s" also matches the long s
    "KEY",  # Kelvin sign
    "postgres://app:",
    "pw@db",
    "https://hooks.slack.com/services/",
    "T0/B0/abc",
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----END RSA PRIVATE KEY-----",
    SLACK,
    GITHUB,
    GITHUB_PAT,
    AWS,
    "AIza" + "SyA-abcdefghijklmnopqrstuvwxyz0123456",
    "sk_" + "live_" + "abcdefghijklmnop1234",
    "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2Q",
    "abc123DEF456ghi789",
]


def redact_with_every_pattern(text: str) -> str:
    """The plain definition: every pattern, in order, over the whole text."""
    for _label, pattern, group in secrets._COMPILED:
        text = pattern.sub(lambda m, g=group: secrets._replace(m, g), text)  # type: ignore[misc]
    return text


@settings(max_examples=400)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12))
@example(["api_key", "=", "x", "9", "x"])
@example(["client-secret", ": ", "x", "x", "9"])
@example(["postgres://app:", "pw@db"])
@example(["Bearer ", "abc123DEF456ghi789"])
def test_redact_runs_only_the_patterns_that_can_match_and_gives_the_same_text(
    parts: list[str],
) -> None:
    text = "".join(parts)
    assert redact(text) == redact_with_every_pattern(text)


def test_every_hint_is_lowercase() -> None:
    assert len(secrets._HINTS) == len(secrets._COMPILED)
    assert all(hint == hint.lower() for hints in secrets._HINTS for hint in hints)
