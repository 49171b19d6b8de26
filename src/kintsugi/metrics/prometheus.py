"""``GET /metrics``: the learning metrics in the Prometheus text exposition format.

Every figure is a gauge over the trailing ``WINDOW_DAYS`` days, labelled ``team`` (a team's
name, ``none`` for incidents without a team, ``all`` for everything) and, where it applies,
``severity`` (``SEV1``..``SEV3``, ``none``, ``all``). Rates are percentages (0-100). The
targets are exported too (``kintsugi_learning_target{metric=...}``) so that dashboards can
draw them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session

from kintsugi.metrics.deadlines import overdue_postmortems
from kintsugi.metrics.policy import Policy
from kintsugi.metrics.queries import GroupKey, Scope
from kintsugi.metrics.service import Parts, collect, learning_sessions, quantile
from kintsugi.people import service as people
from kintsugi.people.principal import Principal

WINDOW_DAYS = 90
PREFIX = "kintsugi_"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# name -> help; every gauge this module exports (the Grafana dashboard test reads this)
GAUGES: dict[str, str] = {
    "kintsugi_post_mortem_completion_rate_percent": (
        "Incidents with a published post-mortem, of those due (percent)"
    ),
    "kintsugi_action_item_on_time_rate_percent": (
        "Action items completed by their due date, of those completed with one (percent)"
    ),
    "kintsugi_time_to_post_mortem_hours": (
        "Hours from resolution to publication of the post-mortem (quantile 0.5 and 0.9)"
    ),
    "kintsugi_recurring_incident_rate_percent": (
        "Incidents matching an earlier incident's root-cause category or text (percent)"
    ),
    "kintsugi_mttr_minutes": "Median minutes from detection to resolution",
    "kintsugi_time_to_detect_minutes": "Mean minutes from impact start to detection",
    "kintsugi_time_to_acknowledge_minutes": "Mean minutes from detection to acknowledgement",
    "kintsugi_learning_sessions_per_month": "Learning sessions held per month (mean)",
    "kintsugi_documentation_updates": "Documentation action items completed",
    "kintsugi_incidents": "Incidents (post-mortem documents)",
    "kintsugi_near_misses": "Near misses reported",
    "kintsugi_postmortems_overdue": "Post-mortems past their deadline now",
    "kintsugi_learning_target": "The policy's target of each learning metric",
}

Pick = Callable[[GroupKey], bool]


class _Families:
    """A collector of metric families built beforehand."""

    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self.families = families

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self.families


def _gauge(name: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, GAUGES[name], labels=labels)


def _label(value: str | None) -> str:
    return value if value else "none"


def exposition(session: Session, viewer: Principal, policy: Policy, *, now: datetime) -> bytes:
    """The text exposition of every learning gauge, as ``viewer`` may see the data."""
    scope = Scope(since=now - timedelta(days=WINDOW_DAYS), until=now)
    parts = collect(session, viewer, scope, policy, now)
    names = {team.id: team.name for team in people.list_teams(session)}
    team_ids = sorted(
        {key[2] for source in (parts.incidents, parts.items, parts.near) for key in source}
        | {key[2] for key in parts.time_to_pm},
        key=lambda t: (t is None, t or 0),
    )
    teams: list[tuple[str, Pick]] = [("all", lambda _k: True)]
    teams += [(_label(names.get(t) if t else None), _team(t)) for t in team_ids]
    severities: list[tuple[str, Pick]] = [("all", lambda _k: True)]
    severities += [(s, _severity(s)) for s in ("SEV1", "SEV2", "SEV3")]
    severities += [("none", _severity(None))]

    by_both: dict[str, Callable[[Pick], float | None]] = {
        "kintsugi_post_mortem_completion_rate_percent": parts.completion,
        "kintsugi_action_item_on_time_rate_percent": parts.on_time,
        "kintsugi_recurring_incident_rate_percent": parts.recurring,
        "kintsugi_mttr_minutes": parts.mttr,
        "kintsugi_time_to_detect_minutes": parts.time_to_detect,
        "kintsugi_time_to_acknowledge_minutes": parts.time_to_acknowledge,
        "kintsugi_documentation_updates": parts.documentation,
        "kintsugi_incidents": lambda pick: _incidents(parts, pick),
        "kintsugi_near_misses": lambda pick: float(parts.near_misses(pick)),
    }
    families: list[GaugeMetricFamily] = []
    for name, figure in by_both.items():
        gauge = _gauge(name, ["team", "severity"])
        for team, team_pick in teams:
            for severity, severity_pick in severities:
                value = figure(_both(team_pick, severity_pick))
                if value is not None:
                    gauge.add_metric([team, severity], value)
        families.append(gauge)

    ttpm = _gauge("kintsugi_time_to_post_mortem_hours", ["team", "severity", "quantile"])
    for team, team_pick in teams:
        for severity, severity_pick in severities:
            hours = parts.hours_to_pm(_both(team_pick, severity_pick))
            for q in (0.5, 0.9):
                value = quantile(hours, q)
                if value is not None:
                    ttpm.add_metric([team, severity, str(q)], value)
    families.append(ttpm)

    sessions = _gauge("kintsugi_learning_sessions_per_month", ["team"])
    for team_name, _pick in teams:
        held = learning_sessions(
            session,
            Scope(scope.since, scope.until, None if team_name in ("all", "none") else team_name),
        )
        if team_name != "none":
            sessions.add_metric([team_name], sum(c for _m, c in held) / (len(held) or 1))
    families.append(sessions)

    overdue = _gauge("kintsugi_postmortems_overdue", ["team", "severity"])
    counts: dict[tuple[str, str], int] = {}
    for pm in overdue_postmortems(session, viewer, policy.deadlines, now):
        for team in ("all", _label(pm.team)):
            for severity in ("all", _label(pm.severity)):
                counts[(team, severity)] = counts.get((team, severity), 0) + 1
    counts.setdefault(("all", "all"), 0)
    for (team, severity), count in sorted(counts.items()):
        overdue.add_metric([team, severity], count)
    families.append(overdue)

    targets = _gauge("kintsugi_learning_target", ["metric"])
    for metric, value in policy.targets.model_dump().items():
        if value is not None:
            targets.add_metric([metric], float(value))
    families.append(targets)
    registry = CollectorRegistry(auto_describe=False)
    collector: Collector = _Families(families)
    registry.register(collector)
    return generate_latest(registry)


def _incidents(parts: Parts, pick: Pick) -> float:
    return float(sum(values[0] for key, values in parts.incidents.items() if pick(key)))


def _team(team_id: int | None) -> Pick:
    return lambda key: key[2] == team_id


def _severity(severity: str | None) -> Pick:
    return lambda key: key[1] == severity


def _both(a: Pick, b: Pick) -> Pick:
    return lambda key: a(key) and b(key)


def exported_names() -> Iterable[str]:
    """Every metric name the exposition can contain."""
    return GAUGES.keys()
