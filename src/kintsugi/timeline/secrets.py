"""Find and redact secrets (tokens, keys, passwords) in text before it is shown or stored.

The shapes of secrets are data: :data:`CATALOGUE`, one named pattern each, tried in order
(whole blocks and vendor tokens before the generic ``key = value`` forms). Every pattern runs
in time linear in the text: quantifiers are not nested, and a run that could meet the next
part of its pattern is bounded. Each shape also names the lowercase text every match of it
contains (``hints``), so that most text is checked with a few substring tests and no regex.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

REDACTED = "[REDACTED]"


@dataclass(frozen=True)
class Shape:
    """One kind of secret: ``pattern`` finds it; ``group`` is the part to replace (0: the
    whole match); every match contains one of ``hints`` once the text is folded to lowercase."""

    name: str
    pattern: str
    hints: tuple[str, ...]
    group: int = 0


_ASSIGNED_KEYS = (
    r"password|passwd|pwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|"
    r"private[_-]?key|client[_-]?secret|credentials?|auth[_-]?key"
)

CATALOGUE: tuple[Shape, ...] = (
    Shape(
        "private key",
        r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
        r"(?:-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|\Z)",
        ("private key",),
    ),
    Shape("slack token", r"\bxox[abposer]-[A-Za-z0-9-]{8,}", ("xox",)),
    Shape("slack app token", r"\bxapp-\d-[A-Za-z0-9-]{8,}", ("xapp-",)),
    Shape(
        "slack webhook",
        r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]+",
        ("hooks.slack.com/",),
    ),
    Shape(
        "github token", r"\bgh[pousr]_[A-Za-z0-9]{30,}", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")
    ),
    Shape("github fine-grained token", r"\bgithub_pat_[A-Za-z0-9_]{20,}", ("github_pat_",)),
    Shape("gitlab token", r"\bglpat-[A-Za-z0-9_-]{20,}", ("glpat-",)),
    Shape("npm token", r"\bnpm_[A-Za-z0-9]{36}(?![A-Za-z0-9])", ("npm_",)),
    Shape(
        "aws access key id",
        r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b",
        ("akia", "asia", "abia", "acca", "agpa", "aida", "aroa", "anpa", "anva", "aipa"),
    ),
    # 40 characters of base64 with a capital (a git hash has none), near "aws" or "secret"
    Shape(
        "aws secret access key",
        r"(?i:aws|secret)[^\n]{0,40}?(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[A-Z])"
        r"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        ("aws", "secret"),
        1,
    ),
    Shape("google api key", r"\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])", ("aiza",)),
    Shape("stripe key", r"\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}", ("_live_", "_test_")),
    Shape("stripe webhook secret", r"\bwhsec_[0-9A-Za-z]{24,}", ("whsec_",)),
    Shape(
        "openai key",
        r"\bsk-(?:proj-|svcacct-|admin-)?(?=[A-Za-z_-]{0,80}\d)[A-Za-z0-9_-]{20,}",
        ("sk-",),
    ),
    Shape("twilio api key", r"\bSK[0-9a-fA-F]{32}\b", ("sk",)),
    Shape("sendgrid key", r"\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}", ("sg.",)),
    Shape(
        "azure storage key",
        r"(?i)\b(?:AccountKey|SharedAccessKey)\s*=\s*([A-Za-z0-9+/]{20,}={0,2})",
        ("accountkey", "sharedaccesskey"),
        1,
    ),
    Shape("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", ("eyj",)),
    # Authorization header values: Bearer, Opsgenie's GenieKey, Basic, PagerDuty's Token token=
    Shape(
        "bearer token",
        r"(?i)\b(?:bearer|geniekey|basic)\s+(?=[A-Za-z._~+/=-]{0,200}[0-9=])"
        r"([A-Za-z0-9._~+/=-]{8,})",
        ("bearer", "geniekey", "basic"),
        1,
    ),
    Shape("pagerduty token", r"(?i)\btoken\s+token=\"?([^\s\"',;]+)", ("token",), 1),
    Shape(
        "authorization header",
        r"(?i)\bauthorization\s*[:=]\s*\"?(?=[^\s\"',;]{0,200}\d)([^\s\"',;]{8,})",
        ("authorization",),
        1,
    ),
    # scheme://user:password@host, any case; the password runs to the last @ of the authority
    Shape(
        "url credentials",
        r"(?i)\b[a-z][a-z0-9+.-]{0,30}://[^\s/:@]{0,256}:([^\s/]{1,256})@",
        ("://",),
        1,
    ),
    # "the password is hunter2!", "password for prod was: s3cret": a value with a non-letter
    Shape(
        "password in words",
        r"(?i)\b(?:password|passwd|passphrase)(?:\s+(?:for|of|on|to)\s+[^\s:]{1,40})?"
        r"\s+(?:is|was|will be)(?:\s*:\s*|\s+)[\"'`]?(?=[A-Za-z]{0,100}[^A-Za-z\s\"'`])"
        r"([^\s\"'`]{3,})",
        ("pass",),
        1,
    ),
    # key=value and key: value with a secret-sounding key (or one ending so: db_password=)
    Shape(
        "assignment",
        rf"(?i)(?:{_ASSIGNED_KEYS})[\"']?\s*(?:=|:|=>)\s*[\"']?"
        r"([^\s\"',;&}]{3,})",
        ("pass", "pwd", "secret", "token", "key", "credential"),
        1,
    ),
)

_COMPILED = tuple((shape.name, re.compile(shape.pattern), shape.group) for shape in CATALOGUE)
_HINTS: tuple[tuple[str, ...], ...] = tuple(shape.hints for shape in CATALOGUE)
_HINTED = tuple(
    (hint, index) for index, hints in enumerate(_HINTS) for hint in dict.fromkeys(hints)
)
# The letters that (?i) matches beyond those lower() gives: the dotless i, the long s, and
# the dotted capital I (whose lower() is two characters).
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})


def find_secrets(text: str) -> list[tuple[str, str]]:
    """(shape name, secret) for every secret found in ``text``."""
    found: list[tuple[str, str]] = []
    for name, pattern, group in _COMPILED:
        for match in pattern.finditer(text):
            secret = match.group(group)
            if secret and secret != REDACTED:
                found.append((name, secret))
    return found


def redact(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with every secret replaced by [REDACTED].

    ``known`` are secret values to remove wherever they appear (the tokens in use). Redact
    before cutting text short: a cut secret may no longer have its shape.
    """
    if not text:
        return text
    for secret in known:
        if secret and len(secret) >= 4 and secret in text:
            text = text.replace(secret, REDACTED)
    folded = text.lower() if text.isascii() else text.translate(_FOLD).lower()
    wanted = {index for hint, index in _HINTED if hint in folded}
    for index, (_name, pattern, group) in enumerate(_COMPILED):
        if index in wanted:
            text = pattern.sub(lambda m, g=group: _replace(m, g), text)  # type: ignore[misc]
    return text


def _replace(match: re.Match[str], group: int) -> str:
    if group == 0:
        return REDACTED
    start, end = match.span(group)
    if match.group(group) == REDACTED or match.group(group).startswith(REDACTED):
        return match.group(0)
    whole_start = match.start(0)
    whole = match.group(0)
    return whole[: start - whole_start] + REDACTED + whole[end - whole_start :]
