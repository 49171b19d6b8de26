from __future__ import annotations

import re._constants as sre_constants
import re._parser as sre_parse
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kintsugi.timeline import secrets
from kintsugi.timeline.secrets import REDACTED, find_secrets, redact

SLACK = "xo" + "xb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
GITHUB = "gh" + "p_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
GITHUB_PAT = "github" + "_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123"
AWS = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
NPM = "npm" + "_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
TWILIO = "SK" + "0123456789abcdef0123456789abcdef"
SENDGRID = "SG" + ".ngeVfQFYQlKU0ufo8x5d1A.TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr"
AZURE = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
GOOGLE = "AIza" + "SyA-abcdefghijklmnopqrstuvwxyz01234"
STRIPE = "sk_" + "live_" + "abcdefghijklmnop1234"
STRIPE_WEBHOOK = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLSbq"
OPENAI = "sk-" + "proj-" + "Ab3dEf6hIj9lMn2pQr5tUv8x"
GITLAB = "glpat-" + "xYz12AbC34dEf56GhI78"
JWT = "eyJhbGciOiJIUzI1NiJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabc\n-----END RSA PRIVATE KEY-----"

# (shape, text, the secret in it): every shape of the catalogue has at least one
EXAMPLES = [
    ("private key", PEM, "MIIEowIBAAKCAQEA7"),
    ("private key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA", "b3Blbn"),
    ("slack token", f"bot token is {SLACK} oops", SLACK),
    ("slack app token", "xapp-1-A0123456789-0123456789012-abcdef0123456789", "A0123456789"),
    ("slack webhook", "hook https://hooks.slack.com/services/T000/B000/XXXXXXXX", "T000/B000"),
    ("github token", f"export GITHUB_TOKEN={GITHUB}", GITHUB),
    ("github token", f"pushed with {GITHUB} by mistake", GITHUB),
    ("github fine-grained token", f"pat: {GITHUB_PAT}", GITHUB_PAT),
    ("gitlab token", f"CI used {GITLAB} to clone", GITLAB),
    ("npm token", f"//registry.npmjs.org/:_authToken {NPM}", NPM),
    ("npm token", f"published with {NPM}", NPM),
    ("aws access key id", f"key {AWS} leaked", AWS),
    ("aws secret access key", f"The AWS secret access key is {AWS_SECRET}", AWS_SECRET),
    ("aws secret access key", f"aws creds: {AWS} / {AWS_SECRET}", AWS_SECRET),
    ("google api key", f"maps key {GOOGLE} in the page", GOOGLE),
    ("stripe key", f"charged with {STRIPE}", STRIPE),
    ("stripe webhook secret", f"endpoint secret {STRIPE_WEBHOOK}", STRIPE_WEBHOOK),
    ("openai key", f"the model key {OPENAI} hit its quota", OPENAI),
    ("twilio api key", f"twilio api key {TWILIO} rotated", TWILIO),
    ("sendgrid key", f"mail sent with {SENDGRID}", SENDGRID),
    (
        "azure storage key",
        f"DefaultEndpointsProtocol=https;AccountName=logs;AccountKey={AZURE};EndpointSuffix=core",
        AZURE,
    ),
    ("azure storage key", f"Endpoint=sb://bus/;SharedAccessKey={AZURE}", AZURE),
    ("jwt", f"cookie session={JWT}", JWT),
    ("jwt", f"the id token {JWT} expired", JWT),
    ("bearer token", "curl -H 'Authorization: Bearer abc123DEF456ghi789' https://x", "abc123DEF"),
    ("bearer token", "Authorization: GenieKey eb243592-faa2-4ba2-a551-1afdf565c889", "eb243592"),
    ("bearer token", "Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA"),
    ("pagerduty token", 'Authorization: Token token="y_NbAkKc66ryYTWUXYEu"', "y_NbAkKc66ry"),
    ("authorization header", "authorization=abcd1234efgh5678", "abcd1234efgh5678"),
    ("url credentials", "postgres://app:s3cr3tpw@db.internal:5432/app", "s3cr3tpw"),
    ("url credentials", "POSTGRES://App:S3cr3tPw@db.internal/app", "S3cr3tPw"),
    ("url credentials", "Postgresql://app:hunter2hunter2@db/app", "hunter2hunter2"),
    ("url credentials", "mysql://root:p@ssw0rd@db.internal:3306/shop", "ssw0rd"),
    ("url credentials", "redis://:s3cr3t-redis@cache:6379/0", "s3cr3t-redis"),
    ("url credentials", "amqp://guest:guest@rabbit/", "guest@rabbit"),
    ("password in words", "the password is Tr0ub4dor&3", "Tr0ub4dor"),
    ("password in words", "Password for prod was: hunter2!", "hunter2"),
    ("password in words", "the passphrase is 'correct-horse'", "correct-horse"),
    ("assignment", "db password=hunter2hunter2 in the config", "hunter2hunter2"),
    ("assignment", 'db password: "p@ssw0rd"', "ssw0rd"),
    ("assignment", '{"api_key": "sk-abcdef123456"}', "sk-abcdef123456"),
    ("assignment", "client_secret: Zm9vYmFyYmF6", "Zm9vYmFyYmF6"),
    ("assignment", "aws_secret_access_key = 1234abcd", "1234abcd"),
    ("assignment", "Server=db;User Id=app;Password=Pa55word;", "Pa55word"),
    ("assignment", "SLACK_SIGNING_SECRET=8f742231b10e8888abcd99yyyzzz85a5", "8f742231b"),
]
CASES = [(text, secret) for _shape, text, secret in EXAMPLES]


def test_every_shape_of_the_catalogue_has_an_example_it_finds() -> None:
    shapes = {shape.name for shape in secrets.CATALOGUE}
    assert len(shapes) == len(secrets.CATALOGUE), "shape names are unique"
    assert shapes == {shape for shape, _text, _secret in EXAMPLES}
    for shape, text, secret in EXAMPLES:
        found = [name for name, value in find_secrets(text) if secret in value or value in secret]
        assert shape in found, (shape, text, find_secrets(text))


@pytest.mark.parametrize(("text", "secret"), CASES)
def test_secrets_are_redacted(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert REDACTED in cleaned
    assert find_secrets(text), "find_secrets should report what redact removes"


def test_a_password_with_an_at_sign_goes_whole() -> None:
    assert redact("mysql://root:p@ssw0rd@db/shop") == f"mysql://root:{REDACTED}@db/shop"
    assert "ssw0rd" not in redact("password: p@ssw0rd")


def _repeats(items: Any) -> Iterator[tuple[int, Any]]:
    """(max count, body) of every repeat in a parsed pattern, outermost first."""
    for op, arg in items:
        if op in (
            sre_constants.MAX_REPEAT,
            sre_constants.MIN_REPEAT,
            sre_constants.POSSESSIVE_REPEAT,
        ):
            yield arg[1], arg[2]
            yield from _repeats(arg[2])
        elif op == sre_constants.SUBPATTERN:
            yield from _repeats(arg[3])
        elif op == sre_constants.BRANCH:
            for branch in arg[1]:
                yield from _repeats(branch)
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            yield from _repeats(arg[1])


@pytest.mark.parametrize("shape", secrets.CATALOGUE, ids=lambda shape: shape.name)
def test_patterns_have_no_nested_quantifiers(shape: secrets.Shape) -> None:
    """A quantifier inside a quantifier can backtrack exponentially; none of them does (an
    optional part, at most once, may hold one)."""
    for most, body in _repeats(sre_parse.parse(shape.pattern)):
        if most > 1:
            assert not list(_repeats(body)), f"{shape.name}: a repeat inside a repeat"


@pytest.mark.parametrize(
    "text",
    [
        "Rolled back the deploy of api v1.42 at 14:05; error rate back to 0.1%",
        "Basic understanding of the cache was missing",
        "max_tokens=512 and the token bucket refilled",
        "The bearer of bad news was the pager",
        "See https://status.example.com/incidents/42 for details",
        "The password was reset by the on-call and the secret sauce stayed secret",
        "Reverted 3f2a9c1d4e5b6a7980f1e2d3c4b5a69788796a5b, the secret rotation commit",
        "AWS us-east-1 had elevated error rates for 40 minutes",
        "Asked the disk team; task-runner logs at https://logs.example.com/a/b",
        "Mail went to ops@example.com at 14:05",
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
    "the password is ",
    "Passwd for db was: ",
    "ı",  # (?i) "i" also matches the dotless i
    "İ",  # and the dotted capital I
    "aws ",
    "AWS_SECRET ",
    AWS_SECRET,
    NPM,
    TWILIO,
    SENDGRID,
    "AccountKey=",
    AZURE,
    OPENAI,
    GITLAB,
    STRIPE_WEBHOOK,
    "MYSQL://root:p@",
    "ss@db/",
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
