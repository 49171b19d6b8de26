"""Find and redact secrets (tokens, keys, passwords) in text before it is shown or stored."""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[REDACTED]"

# (label, pattern, group to replace: 0 = the whole match)
_PATTERNS: tuple[tuple[str, str, int], ...] = (
    (
        "private key",
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY"
        r"(?: BLOCK)?-----|\Z)",
        0,
    ),
    ("slack token", r"\bxox[abposer]-[A-Za-z0-9-]{8,}", 0),
    ("slack app token", r"\bxapp-\d-[A-Za-z0-9-]{8,}", 0),
    ("slack webhook", r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]+", 0),
    ("github token", r"\bgh[pousr]_[A-Za-z0-9]{30,}", 0),
    ("github token", r"\bgithub_pat_[A-Za-z0-9_]{20,}", 0),
    ("aws access key", r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b", 0),
    ("google api key", r"\bAIza[0-9A-Za-z_-]{35}\b", 0),
    ("stripe key", r"\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}", 0),
    ("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", 0),
    # Authorization header values: Bearer, PagerDuty's Token token=, Opsgenie's GenieKey, Basic.
    (
        "authorization",
        r"(?i)\b(?:bearer|geniekey|basic)\s+(?=[A-Za-z._~+/=-]*[0-9=])([A-Za-z0-9._~+/=-]{8,})",
        1,
    ),
    ("authorization", r"(?i)\btoken\s+token=\"?([^\s\"',;]+)", 1),
    ("authorization", r"(?i)\bauthorization\s*[:=]\s*\"?(?=[^\s\"',;]*\d)([^\s\"',;]{8,})", 1),
    # Credentials in URLs: scheme://user:password@host
    ("url password", r"\b[a-z][a-z0-9+.-]*://[^\s/:@]+:([^\s/@]+)@", 1),
    # key=value and key: value with a secret-sounding key
    (
        "assignment",
        r"(?i)\b(?:[a-z0-9_.-]*(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|apikey|"
        r"access[_-]?key|private[_-]?key|client[_-]?secret|credentials?|auth[_-]?key))"
        r"[\"']?\s*(?:=|:|=>)\s*[\"']?([^\s\"',;&}]{3,})",
        1,
    ),
)

_COMPILED = tuple(
    (label, re.compile(pattern, re.DOTALL), group) for label, pattern, group in _PATTERNS
)
# Lowercase text every match of the pattern at the same index contains: for ASCII text, a
# pattern runs only when one of its hints is there (a few ``in`` tests instead of a regex pass).
_HINTS: tuple[tuple[str, ...], ...] = (
    ("private key",),
    ("xox",),
    ("xapp-",),
    ("hooks.slack.com/",),
    ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    ("github_pat_",),
    ("akia", "asia", "abia", "acca", "agpa", "aida", "aroa", "anpa", "anva", "aipa"),
    ("aiza",),
    ("_live_", "_test_"),
    ("eyj",),
    ("bearer", "geniekey", "basic"),
    ("token",),
    ("authorization",),
    ("@",),
    ("pass", "pwd", "secret", "token", "key", "credential"),
)
_HINTED = tuple(
    (hint, index) for index, hints in enumerate(_HINTS) for hint in dict.fromkeys(hints)
)
_QUICK = re.compile(
    r"(?i)xox|xapp|hooks\.slack|gh[pousr]_|github_pat|AKIA|ASIA|A[BCGIR][A-Z]A|AN[PV]A|AIza|_live_|"
    r"_test_|eyJ|bearer|geniekey|basic|token|authorization|://|pass|pwd|secret|key|credential|"
    r"PRIVATE"
)


def find_secrets(text: str) -> list[tuple[str, str]]:
    """(label, secret) for every secret found in ``text``."""
    found: list[tuple[str, str]] = []
    for label, pattern, group in _COMPILED:
        for match in pattern.finditer(text):
            secret = match.group(group)
            if secret and secret != REDACTED:
                found.append((label, secret))
    return found


def redact(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with every secret replaced by [REDACTED].

    ``known`` are secret values to remove wherever they appear (the tokens in use).
    """
    if not text:
        return text
    for secret in known:
        if secret and len(secret) >= 4 and secret in text:
            text = text.replace(secret, REDACTED)
    if text.isascii():
        lowered = text.lower()
        wanted = {index for hint, index in _HINTED if hint in lowered}
        if not wanted:
            return text
        patterns = [entry for index, entry in enumerate(_COMPILED) if index in wanted]
    else:  # (?i) also matches some non-ASCII letters ("ſ" for "s"): ask the regex
        if not _QUICK.search(text):
            return text
        patterns = list(_COMPILED)
    for _label, pattern, group in patterns:
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
