"""Fixtures of the incidents tests: the vendor fakes (real sockets), their environment."""

from __future__ import annotations

import pytest

from kintsugi.timeline.sources.base import RetryPolicy
from tests.timeline.conftest import (
    GITHUB_TOKEN,
    INCIDENTIO_KEY,
    PAGERDUTY_TOKEN,
    Sleeps,
    github,
    incidentio,
    opsgenie,
    pagerduty,
    sleeps,
)
from tests.timeline.fakes.github import GitHubFake
from tests.timeline.fakes.incidentio import IncidentIoFake
from tests.timeline.fakes.pagerduty import PagerDutyFake
from tests.web.conftest import anonymous, app, app_sessions, make_user

# the web fixtures (for the pages) and the timeline tests' vendor fakes
__all__ = [
    "anonymous",
    "app",
    "app_sessions",
    "github",
    "incidentio",
    "make_user",
    "opsgenie",
    "pagerduty",
    "sleeps",
]


@pytest.fixture
def retry(sleeps: Sleeps) -> RetryPolicy:
    """Four attempts, quick timeouts, waits recorded rather than slept."""
    return RetryPolicy(attempts=4, base_delay=0.5, timeout=5.0, connect_timeout=2.0, sleep=sleeps)


@pytest.fixture
def vendor_env(
    incidentio: IncidentIoFake, pagerduty: PagerDutyFake, github: GitHubFake
) -> dict[str, str]:
    """The variables pointing the sources at the fakes, with the right credentials."""
    return {
        "GITHUB_API_URL": github.url,
        "GITHUB_TOKEN": GITHUB_TOKEN,
        "INCIDENTIO_API_URL": incidentio.url,
        "INCIDENTIO_API_KEY": INCIDENTIO_KEY,
        "PAGERDUTY_API_URL": pagerduty.url,
        "PAGERDUTY_API_TOKEN": PAGERDUTY_TOKEN,
    }
