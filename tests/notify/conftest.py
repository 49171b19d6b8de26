"""Fixtures: the local SMTP, Slack and SNS servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notify.fakes import FakeSlack, FakeSns, SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def sns() -> Iterator[FakeSns]:
    with FakeSns() as server:
        yield server
