"""Each way a source can fail: it is retried where that makes sense, then reported clearly."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest

from kintsugi.timeline.events import Event
from kintsugi.timeline.sources.base import RetryPolicy, Source, SourceError, Window
from kintsugi.timeline.sources.github import GitHubSource
from kintsugi.timeline.sources.incidentio import IncidentIoSource
from kintsugi.timeline.sources.opsgenie import OpsgenieSource
from kintsugi.timeline.sources.pagerduty import PagerDutySource
from kintsugi.timeline.sources.slack import SlackSource
from tests.timeline import test_github, test_incidentio, test_opsgenie, test_pagerduty, test_slack
from tests.timeline.conftest import (
    GITHUB_TOKEN,
    INCIDENTIO_KEY,
    OPSGENIE_KEY,
    PAGERDUTY_TOKEN,
    SLACK_TOKEN,
    Sleeps,
)
from tests.timeline.fakes.base import FakeServer, Response
from tests.timeline.fakes.github import GitHubFake
from tests.timeline.fakes.incidentio import IncidentIoFake
from tests.timeline.fakes.opsgenie import OpsgenieFake
from tests.timeline.fakes.pagerduty import PagerDutyFake
from tests.timeline.fakes.slack import SlackFake
from tests.timeline.helpers import at

WINDOW = Window(at(-60), at(120))


def fetch(source: object) -> list[Event]:
    assert hasattr(source, "events")
    return list(source.events(WINDOW))  # type: ignore[attr-defined]


def pd(fake: PagerDutyFake, retry: RetryPolicy, token: str = PAGERDUTY_TOKEN) -> PagerDutySource:
    test_pagerduty.seed(fake)
    return test_pagerduty.source(fake, retry, token)


# ----------------------------------------------------------------------------- rate limits


def test_429_waits_as_long_as_retry_after_says_then_succeeds(
    pagerduty: PagerDutyFake, retry: RetryPolicy, sleeps: Sleeps
) -> None:
    pagerduty.rate_limit("7", path="/incidents/Q1ABC/log_entries", times=2)
    events = fetch(pd(pagerduty, retry))
    assert len(events) == 6
    assert sleeps == [7.0, 7.0]
    assert len([p for p in pagerduty.paths() if p.endswith("/log_entries")]) == 3


def test_429_with_an_http_date_retry_after(
    pagerduty: PagerDutyFake, retry: RetryPolicy, sleeps: Sleeps
) -> None:
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 20))
    pagerduty.rate_limit(when)
    fetch(pd(pagerduty, retry))
    assert len(sleeps) == 1 and 15 <= sleeps[0] <= 20


def test_429_asking_for_too_long_a_wait_fails_at_once(
    pagerduty: PagerDutyFake, retry: RetryPolicy, sleeps: Sleeps
) -> None:
    pagerduty.rate_limit("3600")
    with pytest.raises(SourceError, match=r"pagerduty:Q1ABC: rate-limited \(HTTP 429\).*3600s"):
        fetch(pd(pagerduty, retry))
    assert sleeps == []


def test_429_retry_after_is_honoured_for_real(pagerduty: PagerDutyFake) -> None:
    """The one test that really waits (a second), to show the default sleep is used."""
    pagerduty.rate_limit("1")
    started = time.monotonic()
    events = fetch(pd(pagerduty, RetryPolicy(attempts=2, timeout=5)))
    assert len(events) == 6
    assert time.monotonic() - started >= 1.0


def test_rate_limit_that_never_lifts_is_reported(
    incidentio: IncidentIoFake, retry: RetryPolicy, sleeps: Sleeps
) -> None:
    test_incidentio.seed(incidentio)
    incidentio.rate_limit("2", times=10)
    with pytest.raises(
        SourceError, match=r"rate-limited \(HTTP 429\) \(gave up after 4 attempts\)"
    ):
        fetch(test_incidentio.source(incidentio, retry))
    assert sleeps == [2.0, 2.0, 2.0]


def test_slack_429_is_retried(slack: SlackFake, retry: RetryPolicy, sleeps: Sleeps) -> None:
    test_slack.seed(slack)
    slack.rate_limit("3", path="/api/conversations.history")
    events = list(test_slack.source(slack, retry).events(Window(at(0), at(60))))
    assert len(events) == 6 and sleeps == [3.0]


def test_github_exhausted_quota_waits_until_the_reset(
    github: GitHubFake, retry: RetryPolicy, sleeps: Sleeps
) -> None:
    test_github.seed(github)
    github.quota_exhausted(int(time.time()) + 30)
    events = fetch(test_github.source(github, retry))
    assert len(events) == 9
    assert len(sleeps) == 1 and 25 <= sleeps[0] <= 31


# ----------------------------------------------------------------------------- server errors


def test_server_errors_are_retried_with_exponential_backoff(
    opsgenie: OpsgenieFake, retry: RetryPolicy, sleeps: Sleeps
) -> None:
    test_opsgenie.seed(opsgenie)
    opsgenie.server_error(status=503, times=3)
    events = fetch(test_opsgenie.source(opsgenie, retry))
    assert len(events) == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_a_source_that_keeps_failing_is_reported_with_the_last_problem(
    pagerduty: PagerDutyFake, retry: RetryPolicy
) -> None:
    pagerduty.server_error(status=500, times=10)
    with pytest.raises(SourceError) as caught:
        fetch(pd(pagerduty, retry))
    assert str(caught.value) == (
        "pagerduty:Q1ABC: HTTP 500 Internal Server Error: internal error (gave up after 4 attempts)"
    )


def test_garbage_is_not_retried_and_says_what_came_back(
    github: GitHubFake, retry: RetryPolicy, sleeps: Sleeps
) -> None:
    test_github.seed(github)
    github.garbage()
    with pytest.raises(
        SourceError,
        match=r"github:acme/api: answered something that is not JSON \(HTTP 200, text/html\)",
    ):
        fetch(test_github.source(github, retry))
    assert sleeps == []


def test_json_of_the_wrong_shape_is_reported(
    incidentio: IncidentIoFake, retry: RetryPolicy
) -> None:
    test_incidentio.seed(incidentio)
    incidentio.inject(Response.json({"incidents": []}), path="/v2/incidents/")
    with pytest.raises(SourceError, match="without the expected 'incident' object"):
        fetch(test_incidentio.source(incidentio, retry))


def test_a_slow_server_times_out_and_is_retried(pagerduty: PagerDutyFake, sleeps: Sleeps) -> None:
    policy = RetryPolicy(attempts=3, timeout=0.3, sleep=sleeps)
    pagerduty.slow(2.0, times=1)
    events = fetch(pd(pagerduty, policy))  # the second attempt is answered in time
    assert len(events) == 6 and sleeps == [0.5]


def test_a_server_too_slow_every_time_is_reported(pagerduty: PagerDutyFake, sleeps: Sleeps) -> None:
    policy = RetryPolicy(attempts=2, timeout=0.3, sleep=sleeps)
    pagerduty.slow(1.5, times=5)
    with pytest.raises(
        SourceError,
        match=r"timed out after 0.3s waiting for http://127.0.0.1:\d+ \(gave up after 2 attempts\)",
    ):
        fetch(pd(pagerduty, policy))


def test_a_server_that_is_down_is_reported(retry: RetryPolicy) -> None:
    with FakeServer() as gone:
        url = gone.url  # a port nothing listens on once the server is stopped
    env = {"PAGERDUTY_API_URL": url, "PAGERDUTY_API_TOKEN": PAGERDUTY_TOKEN}
    source = PagerDutySource("pagerduty:Q1ABC", "Q1ABC", env=env, retry=retry)
    with pytest.raises(SourceError, match=rf"cannot reach {url}.*gave up after 4 attempts"):
        fetch(source)


def test_not_found_is_not_retried(
    pagerduty: PagerDutyFake, retry: RetryPolicy, sleeps: Sleeps
) -> None:
    env = {"PAGERDUTY_API_URL": pagerduty.url, "PAGERDUTY_API_TOKEN": PAGERDUTY_TOKEN}
    source = PagerDutySource("pagerduty:NOPE", "NOPE", env=env, retry=retry)
    with pytest.raises(SourceError, match="pagerduty:NOPE: HTTP 404 Not Found: Not Found"):
        fetch(source)
    assert sleeps == []


# ----------------------------------------------------------------------------- credentials


@pytest.mark.parametrize("vendor", ["incidentio", "pagerduty", "opsgenie", "github", "slack"])
def test_a_bad_token_names_the_variable_to_fix_and_never_the_token(
    vendor: str,
    request: pytest.FixtureRequest,
    retry: RetryPolicy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = request.getfixturevalue(vendor)
    wrong = "wrong-" + "Zx9" * 8
    sources: dict[str, Callable[[], Source]] = {
        "incidentio": lambda: IncidentIoSource(
            "incidentio:01H",
            "01H",
            env={"INCIDENTIO_API_URL": fake.url, "INCIDENTIO_API_KEY": wrong},
            retry=retry,
        ),
        "pagerduty": lambda: PagerDutySource(
            "pagerduty:Q1ABC",
            "Q1ABC",
            env={"PAGERDUTY_API_URL": fake.url, "PAGERDUTY_API_TOKEN": wrong},
            retry=retry,
        ),
        "opsgenie": lambda: OpsgenieSource(
            "opsgenie:A1",
            "A1",
            env={"OPSGENIE_API_URL": fake.url, "OPSGENIE_API_KEY": wrong},
            retry=retry,
        ),
        "github": lambda: GitHubSource(
            "github:acme/api",
            "acme/api",
            env={"GITHUB_API_URL": fake.url, "GITHUB_TOKEN": wrong},
            retry=retry,
        ),
        "slack": lambda: SlackSource(
            "slack:C0123ABCD",
            "C0123ABCD",
            env={"SLACK_API_URL": f"{fake.url}/api", "SLACK_BOT_TOKEN": wrong},
            retry=retry,
        ),
    }
    variables = {
        "incidentio": "INCIDENTIO_API_KEY",
        "pagerduty": "PAGERDUTY_API_TOKEN",
        "opsgenie": "OPSGENIE_API_KEY",
        "github": "GITHUB_TOKEN",
        "slack": "SLACK_BOT_TOKEN",
    }
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SourceError) as caught:
        fetch(sources[vendor]())
    message = str(caught.value)
    assert variables[vendor] in message
    assert caught.value.variable == variables[vendor]
    assert wrong not in message and wrong not in caplog.text
    assert len(fake.requests) == 1  # refused credentials are not retried


def test_a_missing_token_is_reported_before_any_request(
    pagerduty: PagerDutyFake, retry: RetryPolicy
) -> None:
    source = PagerDutySource(
        "pagerduty:Q1ABC", "Q1ABC", env={"PAGERDUTY_API_URL": pagerduty.url}, retry=retry
    )
    with pytest.raises(SourceError, match="PAGERDUTY_API_TOKEN is not set"):
        fetch(source)
    assert pagerduty.requests == []


def test_slack_missing_scope_says_which(slack: SlackFake, retry: RetryPolicy) -> None:
    test_slack.seed(slack)
    slack.scopes_missing = True
    with pytest.raises(
        SourceError, match=r"missing_scope, needs scope channels:history.*SLACK_BOT_TOKEN"
    ):
        list(test_slack.source(slack, retry).events(Window(at(0), at(60))))


def test_slack_unknown_channel(slack: SlackFake, retry: RetryPolicy) -> None:
    env = {"SLACK_API_URL": f"{slack.url}/api", "SLACK_BOT_TOKEN": SLACK_TOKEN}
    source = SlackSource("slack:C999", "C999", env=env, retry=retry)
    with pytest.raises(SourceError, match="channel C999: channel_not_found"):
        fetch(source)


def test_tokens_echoed_by_a_server_are_redacted(
    pagerduty: PagerDutyFake, retry: RetryPolicy
) -> None:
    pagerduty.inject(
        Response.json(
            {"error": {"message": f"Invalid Input Provided: key {PAGERDUTY_TOKEN}", "code": 2001}},
            400,
        )
    )
    with pytest.raises(SourceError) as caught:
        fetch(pd(pagerduty, retry))
    assert PAGERDUTY_TOKEN not in str(caught.value)
    assert "[REDACTED]" in str(caught.value)


def test_retries_are_logged_without_secrets(
    opsgenie: OpsgenieFake, retry: RetryPolicy, caplog: pytest.LogCaptureFixture
) -> None:
    test_opsgenie.seed(opsgenie)
    opsgenie.inject(Response.json({"message": f"key {OPSGENIE_KEY} is over quota"}, 503))
    caplog.set_level(logging.INFO, logger="kintsugi.timeline")
    fetch(test_opsgenie.source(opsgenie, retry))
    assert (
        "HTTP 503 Service Unavailable: key [REDACTED] is over quota, retrying in 0.5s"
        in caplog.text
    )
    for secret in (OPSGENIE_KEY, INCIDENTIO_KEY, GITHUB_TOKEN):
        assert secret not in caplog.text
