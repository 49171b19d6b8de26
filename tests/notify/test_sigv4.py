"""SigV4 signing against vectors of the AWS Signature Version 4 test suite."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kintsugi.notify import sigv4

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
WHEN = datetime(2015, 8, 30, 12, 36, 0, tzinfo=UTC)
PREFIX = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "


@pytest.mark.parametrize(
    ("name", "method", "url", "headers", "body", "expected"),
    [
        (
            "get-vanilla",
            "GET",
            "https://example.amazonaws.com/",
            {},
            b"",
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ),
        (
            "post-vanilla",
            "POST",
            "https://example.amazonaws.com/",
            {},
            b"",
            "SignedHeaders=host;x-amz-date, "
            "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
        ),
        (
            "get-vanilla-query-order-key-case",
            "GET",
            "https://example.amazonaws.com/?Param2=value2&Param1=value1",
            {},
            b"",
            "SignedHeaders=host;x-amz-date, "
            "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        ),
        (
            "post-x-www-form-urlencoded",
            "POST",
            "https://example.amazonaws.com/",
            {"Content-Type": "application/x-www-form-urlencoded"},
            b"Param1=value1",
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
        ),
    ],
)
def test_aws_test_suite_vectors(
    name: str, method: str, url: str, headers: dict[str, str], body: bytes, expected: str
) -> None:
    signed = sigv4.sign(
        method,
        url,
        headers,
        body,
        access_key="AKIDEXAMPLE",
        secret_key=SECRET,
        region="us-east-1",
        service="service",
        now=WHEN,
    )
    assert signed["Authorization"] == PREFIX + expected, name
    assert signed["X-Amz-Date"] == "20150830T123600Z"
    assert signed["Host"] == "example.amazonaws.com"


def test_host_header_keeps_non_default_ports() -> None:
    assert sigv4.host_header("http://127.0.0.1:8080/") == "127.0.0.1:8080"
    assert sigv4.host_header("https://sns.eu-west-1.amazonaws.com:443/") == (
        "sns.eu-west-1.amazonaws.com"
    )


def test_session_token_is_signed() -> None:
    signed = sigv4.sign(
        "POST",
        "https://sns.eu-west-1.amazonaws.com/",
        {},
        b"",
        access_key="AKID",
        secret_key="secret",
        region="eu-west-1",
        service="sns",
        now=WHEN,
        session_token="token",
    )
    assert signed["X-Amz-Security-Token"] == "token"
    assert "SignedHeaders=host;x-amz-date;x-amz-security-token," in signed["Authorization"]
