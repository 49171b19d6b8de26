"""AWS Signature Version 4 for requests signed in the Authorization header.

Follows the AWS General Reference ("Create a signed AWS API request"): a canonical request
(method, URI-encoded path, sorted query, lowercase sorted headers with trimmed values, the signed
header names, the hex SHA-256 of the payload), a string to sign naming the credential scope
(date/region/service/aws4_request), and an HMAC-SHA256 chain deriving the signing key from the
secret. Checked against the published AWS SigV4 test suite vectors in the tests.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
_UNRESERVED = "-_.~"


def _uri_encode(value: str) -> str:
    return quote(value, safe=_UNRESERVED)


def canonical_path(path: str) -> str:
    """Each path segment URI-encoded (unreserved characters kept); ``/`` when empty."""
    if not path:
        return "/"
    return "/".join(_uri_encode(segment) for segment in path.split("/"))


def canonical_query(query: str) -> str:
    """Query parameters URI-encoded and sorted by name, then value."""
    pairs = [(_uri_encode(k), _uri_encode(v)) for k, v in parse_qsl(query, keep_blank_values=True)]
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _header_value(value: str) -> str:
    return re.sub(r"\s+", " ", value.strip())


def canonical_request(
    method: str, url: str, headers: Mapping[str, str], payload: bytes
) -> tuple[str, str]:
    """The canonical request and the signed header names (all of ``headers``)."""
    parts = urlsplit(url)
    lowered = sorted((name.lower(), _header_value(value)) for name, value in headers.items())
    signed = ";".join(name for name, _ in lowered)
    text = "\n".join(
        [
            method.upper(),
            canonical_path(parts.path),
            canonical_query(parts.query),
            "".join(f"{name}:{value}\n" for name, value in lowered),
            signed,
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    return text, signed


def signing_key(secret_key: str, day: str, region: str, service: str) -> bytes:
    """kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request")."""
    key = ("AWS4" + secret_key).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def host_header(url: str) -> str:
    """The Host header for ``url``: the port only when it is not the scheme's default."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme)
    if parts.port is not None and parts.port != default:
        host = f"{host}:{parts.port}"
    return host


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    payload: bytes,
    *,
    access_key: str,
    secret_key: str,
    region: str,
    service: str,
    now: datetime | None = None,
    session_token: str | None = None,
) -> dict[str, str]:
    """``headers`` plus Host, X-Amz-Date, X-Amz-Security-Token (when given) and Authorization."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    amz_date = moment.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    signed_headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
    if not any(k.lower() == "host" for k in signed_headers):
        signed_headers["Host"] = host_header(url)
    signed_headers["X-Amz-Date"] = amz_date
    if session_token:
        signed_headers["X-Amz-Security-Token"] = session_token
    request, signed_names = canonical_request(method, url, signed_headers, payload)
    scope = f"{day}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, hashlib.sha256(request.encode()).hexdigest()]
    )
    signature = hmac.new(
        signing_key(secret_key, day, region, service), string_to_sign.encode(), hashlib.sha256
    ).hexdigest()
    signed_headers["Authorization"] = (
        f"{ALGORITHM} Credential={access_key}/{scope}, "
        f"SignedHeaders={signed_names}, Signature={signature}"
    )
    return signed_headers
