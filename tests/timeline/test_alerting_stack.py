"""Prometheus and Alertmanager sources against the real servers from Debian's packages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kintsugi.core.errors import InputError
from kintsugi.timeline.builder import build
from kintsugi.timeline.events import Kind
from kintsugi.timeline.sources.alertmanager import AlertmanagerSource, parse_matchers
from kintsugi.timeline.sources.base import RetryPolicy, SourceError, Window
from kintsugi.timeline.sources.prometheus import PrometheusSource, alerts_query
from tests.timeline.services import ALWAYS_FIRING, FLAP_PERIOD, FLAPPING, AlertingStack, silence


def recent() -> Window:
    now = datetime.now(UTC)
    return Window(now - timedelta(minutes=5), now)


def prometheus(stack: AlertingStack, selector: str | None = None) -> PrometheusSource:
    env = {"PROMETHEUS_URL": stack.prometheus.url}
    return PrometheusSource(
        "prometheus", selector, step=1.0, env=env, retry=RetryPolicy(attempts=2)
    )


def alertmanager(stack: AlertingStack, selector: str | None = None) -> AlertmanagerSource:
    env = {"ALERTMANAGER_URL": stack.alertmanager.url}
    return AlertmanagerSource("alertmanager", selector, env=env, retry=RetryPolicy(attempts=2))


def test_selectors() -> None:
    assert alerts_query(None) == 'ALERTS{alertstate="firing"}'
    assert (
        alerts_query('{job="api", severity=~"page|crit"}')
        == 'ALERTS{alertstate="firing",job="api", severity=~"page|crit"}'
    )
    assert parse_matchers('{job="api",severity=~"page|crit"}') == [
        'job="api"',
        'severity=~"page|crit"',
    ]
    with pytest.raises(InputError):
        alerts_query('job="api"')
    with pytest.raises(InputError):
        parse_matchers("{job=api}")


def test_prometheus_gives_firing_and_resolved_intervals(alerting_stack: AlertingStack) -> None:
    events = sorted(prometheus(alerting_stack).events(recent()), key=lambda e: e.at)
    always = [e for e in events if e.alert and e.alert.name == ALWAYS_FIRING.lower()]
    assert [e.kind for e in always] == [Kind.ALERT]  # still firing: no resolution
    assert always[0].title == f"Alert firing: {ALWAYS_FIRING}"
    assert "service=checkout" in always[0].detail and "severity=page" in always[0].detail
    flapping = [e for e in events if e.alert and e.alert.name == FLAPPING.lower()]
    fired = [e for e in flapping if e.kind == Kind.ALERT]
    resolved = [e for e in flapping if e.kind == Kind.ALERT_RESOLVED]
    assert fired and resolved
    first_interval = (resolved[0].at - fired[0].at).total_seconds()
    assert 0 < first_interval <= FLAP_PERIOD
    assert len({e.source_id for e in events}) == len(events)


def test_prometheus_selector_narrows_the_alerts(alerting_stack: AlertingStack) -> None:
    events = list(prometheus(alerting_stack, '{service="search"}').events(recent()))
    assert events and {e.alert.name for e in events if e.alert} == {FLAPPING.lower()}


def test_prometheus_source_ids_are_stable_between_builds(alerting_stack: AlertingStack) -> None:
    window = recent()
    first = {e.source_id for e in prometheus(alerting_stack).events(window) if e.kind == Kind.ALERT}
    later = Window(window.since - timedelta(seconds=7), window.until)
    again = {e.source_id for e in prometheus(alerting_stack).events(later) if e.kind == Kind.ALERT}
    assert first <= again


def test_prometheus_bad_query_is_reported(alerting_stack: AlertingStack) -> None:
    source = prometheus(alerting_stack, '{job=~"("}')
    with pytest.raises(SourceError, match=r"prometheus: HTTP 400 Bad Request: .*"):
        list(source.events(recent()))


def test_alertmanager_alerts_and_silences(alerting_stack: AlertingStack) -> None:
    silence(
        alerting_stack.alertmanager.url,
        created_by="ana@example.com",
        comment="Known issue, fix rolling out",
    )
    events = list(alertmanager(alerting_stack).events(recent()))
    alerts = [e for e in events if e.kind == Kind.ALERT]
    assert ALWAYS_FIRING.lower() in {e.alert.name for e in alerts if e.alert}
    always = next(e for e in alerts if e.alert and e.alert.name == ALWAYS_FIRING.lower())
    assert always.detail.startswith("Checkout error rate above 5% (receivers: incident-pager")
    assert always.link and "/graph?g0.expr=" in always.link  # the generator URL
    silences = [e for e in events if e.kind == Kind.SILENCE]
    assert any(
        e.actor == "ana@example.com"
        and e.detail == "Known issue, fix rolling out"
        and ALWAYS_FIRING in e.title
        for e in silences
    )


def test_alertmanager_filter(alerting_stack: AlertingStack) -> None:
    events = alertmanager(alerting_stack, '{service="checkout"}').events(recent())
    names = {e.alert.name for e in events if e.alert}
    assert names == {ALWAYS_FIRING.lower()}


def test_the_same_alert_from_prometheus_and_alertmanager_is_one_event(
    alerting_stack: AlertingStack,
) -> None:
    window = recent()
    result = build([prometheus(alerting_stack), alertmanager(alerting_stack)], window)
    assert result.ok, result.failures
    always = [
        e
        for e in result.events
        if e.kind == Kind.ALERT and e.alert and e.alert.name == ALWAYS_FIRING.lower()
    ]
    assert len(always) == 1
    assert sorted(always[0].sources) == ["alertmanager", "prometheus"]
    assert result.durations.detected_at is not None
