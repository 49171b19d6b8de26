from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from kintsugi.core.errors import ConfigurationError, InputError
from kintsugi.timeline.builder import build, parse_source, parse_sources, resolve_window
from kintsugi.timeline.events import Kind
from kintsugi.timeline.sources.alertmanager import AlertmanagerSource
from kintsugi.timeline.sources.base import IncidentTimes, RetryPolicy, Window
from kintsugi.timeline.sources.file import FileSource
from kintsugi.timeline.sources.github import GitHubSource
from kintsugi.timeline.sources.prometheus import PrometheusSource
from tests.timeline import test_incidentio, test_pagerduty, test_slack
from tests.timeline.conftest import PAGERDUTY_TOKEN, SLACK_TOKEN
from tests.timeline.fakes.base import Response
from tests.timeline.fakes.incidentio import IncidentIoFake
from tests.timeline.fakes.pagerduty import PagerDutyFake
from tests.timeline.fakes.slack import SlackFake
from tests.timeline.fakes.slack import message as slack_message
from tests.timeline.helpers import at


def test_source_specs() -> None:
    github = parse_source("github:acme/api@production", env={})
    assert (
        isinstance(github, GitHubSource)
        and github.repo == "acme/api"
        and github.environment == "production"
    )
    prometheus = parse_source('prometheus:{job="api"}', env={})
    assert (
        isinstance(prometheus, PrometheusSource)
        and prometheus.query == 'ALERTS{alertstate="firing",job="api"}'
    )
    assert isinstance(parse_source("alertmanager", env={}), AlertmanagerSource)
    assert isinstance(parse_source("file:events.json"), FileSource)
    assert parse_source("pagerduty:Q1ABC", env={}).spec == "pagerduty:Q1ABC"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("jira:ABC-1", "is not a source; sources are incidentio:ID"),
        ("pagerduty", "give the incident id after 'pagerduty:'"),
        ("pagerduty:Q1 ABC", "is not a valid incident id"),
        ("github:acme", "write the repository as owner/repo"),
        ("slack:general", "is not a valid channel id"),
        ("prometheus:job=api", "is not a label selector"),
        ("file:", "give the file after 'file:'"),
    ],
)
def test_bad_specs_are_input_errors(spec: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_source(spec, env={})
    assert message in str(caught.value)
    assert caught.value.field == "source"


def test_repeated_and_missing_specs() -> None:
    with pytest.raises(InputError, match="given twice"):
        parse_sources(["alertmanager", "alertmanager"], env={})
    with pytest.raises(InputError, match="at least one --source"):
        parse_sources([], env={})


def test_window_from_explicit_times() -> None:
    window, times, failures = resolve_window([], since=at(0), until=at(30))
    assert window == Window(at(0), at(30)) and times is None and failures == []


def test_window_from_the_incident_with_a_margin(
    pagerduty: PagerDutyFake, incidentio: IncidentIoFake, retry: RetryPolicy
) -> None:
    test_pagerduty.seed(pagerduty)
    test_incidentio.seed(incidentio)
    sources = [test_pagerduty.source(pagerduty, retry), test_incidentio.source(incidentio, retry)]
    window, times, failures = resolve_window(
        sources, lead=timedelta(hours=2), tail=timedelta(minutes=30), now=at(1000)
    )
    assert failures == []
    assert times is not None and times.started_at == at(
        -10
    )  # incident.io's impact start is earlier
    assert window == Window(at(-10 - 120), at(60 + 30))


def test_window_from_the_document_when_no_incident_source() -> None:
    fallback = IncidentTimes("document", started_at=at(0), resolved_at=None)
    window, _, _ = resolve_window([], fallback=fallback, lead=timedelta(hours=1), now=at(45))
    assert window == Window(at(-60), at(45))  # unresolved: until now


def test_window_needs_some_start() -> None:
    with pytest.raises(InputError, match="cannot tell when the incident started"):
        resolve_window([], until=at(0))


def test_failing_incident_source_is_reported_not_raised(
    pagerduty: PagerDutyFake, retry: RetryPolicy
) -> None:
    source = test_pagerduty.source(pagerduty, retry, token="nope-" + "x" * 20)
    fallback = IncidentTimes("document", started_at=at(0), resolved_at=at(30))
    window, _, failures = resolve_window([source], fallback=fallback)
    assert window.since == at(-360)
    assert [f.source for f in failures] == ["pagerduty:Q1ABC"]
    assert "PAGERDUTY_API_TOKEN" in failures[0].message


def test_build_merges_sources_and_reports_the_one_that_failed(
    pagerduty: PagerDutyFake,
    slack: SlackFake,
    incidentio: IncidentIoFake,
    retry: RetryPolicy,
    tmp_path: Path,
) -> None:
    test_pagerduty.seed(pagerduty)
    test_slack.seed(slack)
    incidentio.server_error(times=10)  # down
    changes = tmp_path / "changes.json"
    changes.write_text(
        json.dumps(
            [
                {
                    "at": "2024-05-01T13:45:00Z",
                    "kind": "deploy",
                    "title": "Deploy api v1.42",
                    "id": "d1",
                }
            ]
        )
    )
    sources = [
        test_pagerduty.source(pagerduty, retry),
        test_slack.source(slack, retry),
        test_incidentio.source(incidentio, retry),
        FileSource(f"file:{changes}", str(changes)),
    ]
    result = build(sources, Window(at(-60), at(120)))
    assert not result.ok
    assert [f.source for f in result.failures] == [sources[2].spec]
    assert (
        "HTTP 500" in result.failures[0].message
        and "gave up after 4 attempts" in result.failures[0].message
    )
    assert result.counts == {"pagerduty:Q1ABC": 6, "slack:C0123ABCD": 6, f"file:{changes}": 1}
    assert [e.at for e in result.events] == sorted(e.at for e in result.events)
    assert {e.source for e in result.events} == {"pagerduty", "slack", "file"}
    assert [c.title for c in result.changes_before_detection] == ["Deploy api v1.42"]
    assert result.durations.detected_at == at(
        0.5
    ) and result.durations.time_to_resolve == timedelta(minutes=59, seconds=30)
    # the password a responder pasted in Slack is redacted before anything keeps it
    leaked = next(e for e in result.events if "db url" in e.title)
    assert "s3cr3tpw" not in leaked.title and "[REDACTED]" in leaked.title
    data = result.to_json()
    assert data["failures"][0]["source"] == sources[2].spec
    assert json.dumps(data)  # JSON-ready


def test_garbage_shapes_become_failures(pagerduty: PagerDutyFake, retry: RetryPolicy) -> None:
    test_pagerduty.seed(pagerduty)
    entry = {"id": "R1", "type": "trigger_log_entry", "created_at": "not a time", "summary": "x"}
    pagerduty.inject(
        Response.json({"log_entries": [entry], "limit": 100, "offset": 0, "more": False}),
        path="/incidents/Q1ABC/log_entries",
    )
    result = build([test_pagerduty.source(pagerduty, retry)], Window(at(-60), at(120)))
    assert result.events == []
    assert result.failures[0].message.startswith(
        "pagerduty:Q1ABC: answered data of an unexpected shape"
    )


def test_tokens_never_reach_failures_or_events(slack: SlackFake, retry: RetryPolicy) -> None:
    test_slack.seed(slack)
    slack.channels["C0123ABCD"].append(
        slack_message(test_slack.ts(30), f"oops {SLACK_TOKEN}", "U1")
    )
    slack.channels["C0123ABCD"].append(
        slack_message(test_slack.ts(31), f"pd key {PAGERDUTY_TOKEN}", "U1")
    )
    pd_source = parse_source(
        "pagerduty:Q1ABC",
        env={"PAGERDUTY_API_TOKEN": PAGERDUTY_TOKEN, "PAGERDUTY_API_URL": "http://127.0.0.1:9"},
        retry=retry,
    )
    result = build([test_slack.source(slack, retry), pd_source], Window(at(0), at(60)))
    text = json.dumps(result.to_json())
    assert SLACK_TOKEN not in text and PAGERDUTY_TOKEN not in text
    assert any(e.kind == Kind.MESSAGE and "[REDACTED]" in e.title for e in result.events)


def test_secrets_are_redacted_before_titles_are_cut_and_in_actors(
    slack: SlackFake, retry: RetryPolicy
) -> None:
    """A title cut to 160 characters kept the start of a token that no longer had its shape;
    a bot's name carrying a token was shown as it was."""
    github = "gh" + "p_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    test_slack.seed(slack)
    channel = slack.channels["C0123ABCD"]
    channel.append(
        slack_message(test_slack.ts(30), "x" * 140 + f" {github} pushed" + "!" * 20, "U1")
    )
    channel.append(
        slack_message(
            test_slack.ts(31), "deployed", None, subtype="bot_message", username=f"ci {github}"
        )
    )
    result = build([test_slack.source(slack, retry)], Window(at(0), at(60)))
    text = json.dumps(result.to_json())
    assert "ghp_" not in text and github[:12] not in text
    cut = next(e for e in result.events if e.title.startswith("xxx"))
    assert cut.title.endswith("…") and "[REDACTED]" in cut.title
    assert next(e for e in result.events if e.title == "deployed").actor == "ci [REDACTED]"


def test_sources_stream_page_by_page(
    pagerduty: PagerDutyFake, slack: SlackFake, incidentio: IncidentIoFake, retry: RetryPolicy
) -> None:
    """The first events come out after the first page: no source reads all its pages first."""
    test_pagerduty.seed(pagerduty, notes=450)
    events = test_pagerduty.source(pagerduty, retry).events(Window(at(-60), at(120)))
    next(events)
    assert len([p for p in pagerduty.paths() if p.endswith("/log_entries")]) == 1
    test_slack.seed(slack, chatter=450)
    messages = test_slack.source(slack, retry).events(Window(at(0), at(60)))
    next(messages)
    assert len([p for p in slack.paths() if p.endswith("conversations.history")]) == 1
    test_incidentio.seed(incidentio, updates=450)
    updates = (
        e
        for e in test_incidentio.source(incidentio, retry).events(Window(at(-60), at(900)))
        if "/update/" in e.source_id
    )
    next(updates)
    assert len([p for p in incidentio.paths() if p == "/v2/incident_updates"]) == 1


def test_a_refused_key_is_named_instead_of_the_missing_start_time(
    incidentio: IncidentIoFake, retry: RetryPolicy
) -> None:
    test_incidentio.seed(incidentio)
    env = {"INCIDENTIO_API_URL": incidentio.url, "INCIDENTIO_API_KEY": "inc_" + "revoked"}
    sources = parse_sources([f"incidentio:{test_incidentio.INCIDENT_ID}"], env=env, retry=retry)

    with pytest.raises(ConfigurationError) as caught:
        resolve_window(sources, until=at(0))

    assert "check INCIDENTIO_API_KEY" in str(caught.value)
    assert "--since" not in str(caught.value)
