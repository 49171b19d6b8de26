"""The learning metrics: each with its definition, target, current value and monthly trend.

``compute_metrics`` runs the grouped SQL scans of ``metrics.queries`` once and adds their parts
up for the whole period, for each month of the trend, and (for Prometheus) for each team and
severity. Percentages are 0-100. See docs/metrics.md for the definitions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError
from kintsugi.handbook.training import completions_by_month
from kintsugi.meetings.service import held_by_month
from kintsugi.metrics import queries
from kintsugi.metrics.policy import Policy
from kintsugi.metrics.queries import GroupKey, Scope
from kintsugi.metrics.recurring import RecurrenceResult, find_recurrences
from kintsugi.people.principal import Principal

KEYS = (
    "post_mortem_completion_rate",
    "action_item_on_time_rate",
    "time_to_post_mortem_hours",
    "recurring_incident_rate",
    "mttr_minutes",
    "learning_sessions_per_month",
    "documentation_updates",
)
SEVERITIES = ("SEV1", "SEV2", "SEV3")
MAX_PERIOD_DAYS = 20 * 366
Pick = Callable[[GroupKey], bool]


@dataclass
class Metric:
    """One metric: what it measures, the aim, where it stands and how it moved."""

    key: str
    title: str
    definition: str
    target: float | None
    higher_is_better: bool
    current: float | None
    unit: str
    trend: list[tuple[str, float]] = field(default_factory=list)
    breakdown: dict[str, Any] = field(default_factory=dict)

    @property
    def target_met(self) -> bool | None:
        """Whether ``current`` meets the target (None when either is unknown)."""
        if self.target is None or self.current is None:
            return None
        if self.higher_is_better:
            return self.current >= self.target
        return self.current <= self.target

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "definition": self.definition,
            "target": self.target,
            "current": self.current,
            "unit": self.unit,
            "trend": [[period, value] for period, value in self.trend],
            "target_met": self.target_met,
            "higher_is_better": self.higher_is_better,
            "breakdown": self.breakdown,
        }


@dataclass
class MetricsReport:
    """Every metric over one scope."""

    scope: Scope
    metrics: list[Metric]
    near_misses: int
    recurring_pairs: list[Any]
    charts: dict[str, bytes] = field(default_factory=dict)  # rendered charts, by file name

    def metric(self, key: str) -> Metric:
        return next(m for m in self.metrics if m.key == key)

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.scope.since.isoformat(),
            "until": self.scope.until.isoformat(),
            "team": self.scope.team,
            "service": self.scope.service,
            "metrics": [m.to_json() for m in self.metrics],
            "near_misses": self.near_misses,
        }


# ----------------------------------------------------------------------------- scope


def month_start(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def add_months(value: datetime, months: int) -> datetime:
    index = value.year * 12 + value.month - 1 + months
    return value.replace(year=index // 12, month=index % 12 + 1)


def until_now(now: datetime) -> datetime:
    """The end of the current minute."""
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)


def default_scope(now: datetime, *, team: str | None = None, service: str | None = None) -> Scope:
    """The last twelve months, the current one included."""
    return Scope(add_months(month_start(now), -11), now, team, service)


def parse_day(value: str, option: str) -> datetime:
    """A ``YYYY-MM-DD`` (or ISO time) from user input, as an aware UTC time."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{value!r} is not a date (YYYY-MM-DD)", field=option) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def make_scope(
    now: datetime,
    *,
    since: str | None = None,
    until: str | None = None,
    team: str | None = None,
    service: str | None = None,
) -> Scope:
    """A scope from optional user input: --since defaults to twelve months back, --until to now
    (a date means the start of that day: --until is exclusive)."""
    start = parse_day(since, "since") if since else default_scope(now).since
    # without --until: up to the end of the current minute, so that repeated requests share
    # one scope (the dashboard's cache) and a figure never covers the future for long
    end = parse_day(until, "until") if until else until_now(now)
    if end <= start:
        raise InputError("--until must be after --since", field="until")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InputError("the period may span at most 20 years", field="since")
    for name, value in (("team", team), ("service", service)):
        if value and ("\x00" in value or len(value) > 200):
            raise InputError(f"not a valid {name} name", field=name)
    return Scope(start, end, team or None, service or None)


def months_of(scope: Scope) -> list[str]:
    """The calendar months (``YYYY-MM``) that the scope touches."""
    found = []
    cursor = month_start(scope.since)
    last = scope.until - timedelta(microseconds=1)
    while cursor <= last:
        found.append(cursor.strftime("%Y-%m"))
        cursor = add_months(cursor, 1)
    return found


# ----------------------------------------------------------------------------- arithmetic


def quantile(values: list[float], q: float) -> float | None:
    """The ``q`` quantile with linear interpolation (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _sums(parts: dict[GroupKey, tuple[float, ...]], pick: Pick, width: int) -> list[float]:
    total = [0.0] * width
    for key, values in parts.items():
        if pick(key):
            for i, value in enumerate(values):
                total[i] += value
    return total


def _ratio(numerator: float, denominator: float, scale: float = 100.0) -> float | None:
    return round(numerator / denominator * scale, 2) if denominator else None


def _round(value: float | None, digits: int = 2) -> float | None:
    return round(value, digits) if value is not None else None


@dataclass
class Parts:
    """What the SQL scans returned for one scope."""

    months: list[str]
    incidents: dict[GroupKey, tuple[float, ...]]
    time_to_pm: dict[GroupKey, list[float]]
    items: dict[GroupKey, tuple[float, ...]]
    acks: dict[GroupKey, tuple[float, ...]]
    near: dict[GroupKey, tuple[float, ...]]
    recurrence: RecurrenceResult
    sessions: list[tuple[str, int]]
    trained: list[tuple[str, int]] = field(default_factory=list)

    # Each figure for the groups ``pick`` chooses.

    def completion(self, pick: Pick) -> float | None:
        n, published, not_due, *_ = _sums(self.incidents, pick, 7)
        return _ratio(published, n - not_due)

    def on_time(self, pick: Pick) -> float | None:
        with_due, on_time, _docs = _sums(self.items, pick, 3)
        return _ratio(on_time, with_due)

    def documentation(self, pick: Pick) -> float:
        return _sums(self.items, pick, 3)[2]

    def hours_to_pm(self, pick: Pick) -> list[float]:
        return [hours for key, values in self.time_to_pm.items() if pick(key) for hours in values]

    def mttr(self, pick: Pick) -> float | None:
        parts = _sums(self.incidents, pick, 7)
        return _ratio(parts[3], parts[4], 1 / 60)

    def time_to_detect(self, pick: Pick) -> float | None:
        parts = _sums(self.incidents, pick, 7)
        return _ratio(parts[5], parts[6], 1 / 60)

    def time_to_acknowledge(self, pick: Pick) -> float | None:
        total, count = _sums(self.acks, pick, 2)
        return _ratio(total, count, 1 / 60)

    def recurring(self, pick: Pick) -> float | None:
        incidents = _sums(self.incidents, pick, 7)[0]
        recurred = sum(
            1
            for i in self.recurrence.recurred.values()
            if pick((i.at.astimezone(UTC).strftime("%Y-%m"), i.severity, i.team_id))
        )
        return _ratio(recurred, incidents)

    def near_misses(self, pick: Pick) -> int:
        return int(_sums(self.near, pick, 1)[0])


def collect(
    session: Session, viewer: Principal, scope: Scope, policy: Policy, now: datetime
) -> Parts:
    """Run every scan for ``scope``."""
    return Parts(
        months=months_of(scope),
        incidents=queries.incidents(session, viewer, scope, policy.deadlines, now),
        time_to_pm=_by_group(queries.time_to_post_mortem(session, viewer, scope)),
        items=queries.action_items(session, viewer, scope),
        acks=queries.acknowledgements(session, viewer, scope),
        near=queries.near_misses(session, viewer, scope),
        recurrence=find_recurrences(session, viewer, scope, policy.recurrence),
        sessions=learning_sessions(session, scope),
        trained=facilitators_trained(session, scope),
    )


def _by_group(values: list[tuple[GroupKey, float]]) -> dict[GroupKey, list[float]]:
    grouped: dict[GroupKey, list[float]] = {}
    for key, value in values:
        grouped.setdefault(key, []).append(value)
    return grouped


def learning_sessions(session: Session, scope: Scope) -> list[tuple[str, int]]:
    """Held post-mortem meetings and other learning sessions per month."""
    held = dict(held_by_month(session, since=scope.since, until=scope.until, team=scope.team))
    return [(month, int(held.get(month, 0))) for month in months_of(scope)]


def facilitators_trained(session: Session, scope: Scope) -> list[tuple[str, int]]:
    """People who passed the facilitator self-check for the first time, per month."""
    passed = dict(completions_by_month(session, since=scope.since, until=scope.until))
    return [(month, int(passed.get(month, 0))) for month in months_of(scope)]


def _everything(_key: GroupKey) -> bool:
    return True


def _in_month(month: str) -> Pick:
    return lambda key: key[0] == month


def _severity(severity: str) -> Pick:
    return lambda key: key[1] == severity


def _both(a: Pick, b: Pick) -> Pick:
    return lambda key: a(key) and b(key)


def _trend(parts: Parts, figure: Callable[[Pick], float | None]) -> list[tuple[str, float]]:
    trend = []
    for month in parts.months:
        value = figure(_in_month(month))
        if value is not None:
            trend.append((month, value))
    return trend


def build_metrics(parts: Parts, policy: Policy, pick: Pick = _everything) -> list[Metric]:
    """The seven metrics for the groups ``pick`` chooses."""
    targets = policy.targets
    sev1 = _both(pick, _severity("SEV1"))

    def median_sev1(extra: Pick) -> float | None:
        return _round(quantile(parts.hours_to_pm(_both(sev1, extra)), 0.5), 1)

    ttpm_breakdown: dict[str, Any] = {}
    for name, chooser in [*((s, _both(pick, _severity(s))) for s in SEVERITIES), ("all", pick)]:
        hours = parts.hours_to_pm(chooser)
        ttpm_breakdown[name] = {
            "median": _round(quantile(hours, 0.5), 1),
            "p90": _round(quantile(hours, 0.9), 1),
            "count": len(hours),
        }
    sessions = parts.sessions
    session_months = len(parts.months) or 1
    sessions_current = (
        round(sum(count for _m, count in sessions) / session_months, 2) if sessions else None
    )
    pairs = len(parts.recurrence.pairs)
    return [
        Metric(
            "post_mortem_completion_rate",
            "Post-mortem completion",
            "Incidents in the period with a published post-mortem, out of those that are due "
            "(published, or past their deadline after resolution). Per month of the incident.",
            targets.post_mortem_completion_rate,
            True,
            parts.completion(pick),
            "percent",
            _trend(parts, lambda p: parts.completion(_both(pick, p))),
        ),
        Metric(
            "action_item_on_time_rate",
            "Action items done on time",
            "Action items completed in the period that had a due date: the share completed on "
            "or before it. Per month of completion.",
            targets.action_item_on_time_rate,
            True,
            parts.on_time(pick),
            "percent",
            _trend(parts, lambda p: parts.on_time(_both(pick, p))),
        ),
        Metric(
            "time_to_post_mortem_hours",
            "Time to post-mortem (SEV1 median)",
            "Hours from resolution to publication of the post-mortem: the median of SEV1 "
            "incidents (median and 90th percentile by severity in the breakdown). Per month of "
            "the incident.",
            targets.time_to_post_mortem_hours,
            False,
            ttpm_breakdown["SEV1"]["median"],
            "hours",
            _trend(parts, median_sev1),
            {"by_severity": ttpm_breakdown},
        ),
        Metric(
            "recurring_incident_rate",
            "Recurring incidents",
            f"Incidents in the period that share a root-cause category (RCA) with, or read like "
            f"(library similarity >= {policy.recurrence.similarity_threshold}), an incident in "
            f"the {policy.recurrence.window_days} days before them. The pairs are listed to "
            "check.",
            targets.recurring_incident_rate,
            False,
            parts.recurring(pick),
            "percent",
            _trend(parts, lambda p: parts.recurring(_both(pick, p))),
            {"pairs": pairs},
        ),
        Metric(
            "mttr_minutes",
            "Mean time to resolve",
            "Mean minutes from detection (else the start) to resolution of the incidents in "
            "the period; time to detect (start to detection) and to acknowledge (detection to "
            "the first acknowledgement in the timeline) in the breakdown.",
            targets.mttr_minutes,
            False,
            parts.mttr(pick),
            "minutes",
            _trend(parts, lambda p: parts.mttr(_both(pick, p))),
            {
                "time_to_detect_minutes": parts.time_to_detect(pick),
                "time_to_acknowledge_minutes": parts.time_to_acknowledge(pick),
            },
        ),
        Metric(
            "learning_sessions_per_month",
            "Learning sessions per month",
            "Post-mortem meetings held and other learning sessions recorded, per month: the "
            "mean over the months of the period. The breakdown counts the people who passed "
            "the facilitator self-check in the period (organisation-wide).",
            targets.learning_sessions_per_month,
            True,
            sessions_current,
            "sessions/month",
            [(m, float(c)) for m, c in sessions] if sessions else [],
            {
                "facilitators_trained": sum(n for _, n in parts.trained),
                "facilitators_trained_trend": [[m, n] for m, n in parts.trained],
            },
        ),
        Metric(
            "documentation_updates",
            "Documentation updates",
            "Action items of kind documentation completed in the period (an item without a "
            "kind counts when its title names a runbook, playbook, documentation, docs, wiki, "
            "README or guide).",
            targets.documentation_updates,
            True,
            parts.documentation(pick),
            "items",
            _trend(parts, lambda p: parts.documentation(_both(pick, p))),
        ),
    ]


def compute_metrics(
    session: Session,
    viewer: Principal,
    scope: Scope,
    policy: Policy,
    *,
    now: datetime,
) -> MetricsReport:
    """Every metric over ``scope``, as ``viewer`` may see the data."""
    parts = collect(session, viewer, scope, policy, now)
    return MetricsReport(
        scope=scope,
        metrics=build_metrics(parts, policy),
        near_misses=parts.near_misses(_everything),
        recurring_pairs=parts.recurrence.pairs,
    )
