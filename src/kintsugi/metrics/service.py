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
from typing import Annotated, Any

from pydantic import Field, SerializerFunctionWrapHandler, TypeAdapter, WrapSerializer
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError
from kintsugi.handbook.training import completions_by_month
from kintsugi.incidents.service import IncidentRecord, incidents_needing_postmortem
from kintsugi.meetings.service import held_by_month
from kintsugi.metrics import queries
from kintsugi.metrics.policy import Deadlines, Policy
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
    target: int | float | None  # an int (the policy's default 100) stays an int in the JSON
    higher_is_better: bool
    current: int | float | None
    unit: str
    trend: list[tuple[str, float]] = field(default_factory=list)
    breakdown: dict[str, Any] = field(default_factory=dict)
    verdict: str | None = None
    """For a trend target ("decreasing trend"): improving, steady or worse; None: too few
    months with data to tell."""

    @property
    def target_met(self) -> bool | None:
        """Whether ``current`` meets the target (None when either is unknown); for a trend
        target, True when improving, False when worse, None when steady or unknown."""
        if self.target is None and self.verdict is not None:
            return {"improving": True, "worse": False}.get(self.verdict)
        if self.target is None or self.current is None:
            return None
        if self.higher_is_better:
            return self.current >= self.target
        return self.current <= self.target

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _METRIC_WIRE.dump_python(self, mode="json")
        return wire


_AFTER_TARGET_MET = ("higher_is_better", "breakdown", "verdict")


def _with_target_met(metric: Metric, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
    """The fields, with the derived ``target_met`` after ``trend`` (the documented order)."""
    wire = handler(metric)
    after = {key: wire.pop(key) for key in _AFTER_TARGET_MET}
    return {**wire, "target_met": metric.target_met, **after}


MetricWire = Annotated[Metric, WrapSerializer(_with_target_met)]
_METRIC_WIRE = TypeAdapter(MetricWire)


@dataclass
class MetricsReport:
    """Every metric over one scope."""

    scope: Annotated[Scope, Field(exclude=True)]
    metrics: list[MetricWire]
    near_misses: int
    recurring_pairs: Annotated[list[Any], Field(exclude=True)]
    charts: Annotated[dict[str, bytes], Field(exclude=True)] = field(default_factory=dict)
    """Rendered charts, by file name."""

    def metric(self, key: str) -> Metric:
        return next(m for m in self.metrics if m.key == key)

    def to_json(self) -> dict[str, Any]:
        # the scope's keys come first and flat; Scope (metrics.queries) has no wire shape
        return {
            "since": self.scope.since.isoformat(),
            "until": self.scope.until.isoformat(),
            "team": self.scope.team,
            "service": self.scope.service,
            **_WIRE.dump_python(self, mode="json"),
        }


_WIRE = TypeAdapter(MetricsReport)


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


Buckets = tuple[tuple[float, str], ...]  # (upper bound, label), the last one unbounded
MINUTE_BUCKETS: Buckets = (
    (15.0, "under 15 min"),
    (60.0, "15-60 min"),
    (240.0, "1-4 h"),
    (1440.0, "4-24 h"),
    (math.inf, "over 24 h"),
)
HOUR_BUCKETS: Buckets = (
    (24.0, "under 24 h"),
    (48.0, "24-48 h"),
    (168.0, "2-7 days"),
    (math.inf, "over 7 days"),
)
DRAFT_BUCKETS: Buckets = (
    (1.0, "under 1 h"),
    (24.0, "1-24 h"),
    (48.0, "24-48 h"),
    (math.inf, "over 48 h"),
)
STEADY_WITHIN = 0.1  # a change of the median within 10% is steady


def distribution(values: list[float], buckets: Buckets) -> list[list[Any]]:
    """How many ``values`` fall in each bucket, as ``[label, count]`` pairs (durations are
    skewed: the shape says more than any one figure)."""
    counts = [0] * len(buckets)
    for value in values:
        counts[next(i for i, (bound, _) in enumerate(buckets) if value < bound)] += 1
    return [[label, count] for (_, label), count in zip(buckets, counts, strict=True)]


def spread(values: list[float], buckets: Buckets) -> dict[str, Any]:
    """Median, 90th percentile, count and distribution of ``values`` (never a bare mean)."""
    return {
        "median": _round(quantile(values, 0.5), 1),
        "p90": _round(quantile(values, 0.9), 1),
        "count": len(values),
        "distribution": distribution(values, buckets),
    }


def trend_verdict(trend: list[tuple[str, float]]) -> str | None:
    """Whether a lower-is-better figure is improving, steady or worse: the median of the
    latest months with data (up to three) against the median of the months before them (up
    to three). None with fewer than two months of data."""
    values = [value for _, value in trend]
    if len(values) < 2:
        return None
    size = min(3, len(values) // 2)
    recent = quantile(values[-size:], 0.5)
    earlier = quantile(values[-2 * size : -size], 0.5)
    if recent is None or earlier is None:
        return None
    if earlier == 0:
        return "steady" if recent == 0 else "worse"
    change = (recent - earlier) / earlier
    if abs(change) <= STEADY_WITHIN:
        return "steady"
    return "improving" if change < 0 else "worse"


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
    repair: dict[GroupKey, list[float]] = field(default_factory=dict)
    draft_hours: dict[GroupKey, list[float]] = field(default_factory=dict)
    missing: dict[GroupKey, tuple[float, ...]] = field(default_factory=dict)
    """Incidents (from the incidents slice) past their deadline with no post-mortem at all."""

    # Each figure for the groups ``pick`` chooses.

    def completion(self, pick: Pick) -> float | None:
        n, published, not_due, *_ = _sums(self.incidents, pick, 7)
        missing = _sums(self.missing, pick, 1)[0]
        return _ratio(published, n - not_due + missing)

    def without_postmortem(self, pick: Pick) -> int:
        return int(_sums(self.missing, pick, 1)[0])

    def repair_minutes(self, pick: Pick) -> list[float]:
        return [m for key, values in self.repair.items() if pick(key) for m in values]

    def hours_to_draft(self, pick: Pick) -> list[float]:
        return [h for key, values in self.draft_hours.items() if pick(key) for h in values]

    def on_time(self, pick: Pick) -> float | None:
        with_due, on_time, _docs = _sums(self.items, pick, 3)
        return _ratio(on_time, with_due)

    def documentation(self, pick: Pick) -> float:
        return _sums(self.items, pick, 3)[2]

    def hours_to_pm(self, pick: Pick) -> list[float]:
        return [hours for key, values in self.time_to_pm.items() if pick(key) for hours in values]

    def mttr(self, pick: Pick) -> float | None:
        """The median minutes to resolve (durations are too skewed for a mean)."""
        return _round(quantile(self.repair_minutes(pick), 0.5), 1)

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
    needing = incidents_needing_postmortem(session)
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
        repair=_by_group(queries.repair_minutes(session, viewer, scope)),
        draft_hours=_by_group(_draft_hours(session, viewer, scope, needing)),
        missing=_missing(needing, scope, policy.deadlines, now),
    )


def _draft_hours(
    session: Session,
    viewer: Principal,
    scope: Scope,
    needing: list[tuple[IncidentRecord, str | None]],
) -> list[tuple[GroupKey, float]]:
    """Hours from each incident's resolution to its post-mortem's draft (0 when drafted
    before the resolution)."""
    resolved = {pm: r.resolved_at for r, pm in needing if pm is not None and r.resolved_at}
    return [
        (key, max(0.0, (created - resolved[pm]).total_seconds() / 3600))
        for key, pm, created in queries.created_times(session, viewer, scope, list(resolved))
    ]


def _missing(
    needing: list[tuple[IncidentRecord, str | None]],
    scope: Scope,
    deadlines: Deadlines,
    now: datetime,
) -> dict[GroupKey, tuple[float, ...]]:
    """Incidents in scope past their deadline that nobody opened a post-mortem for. They have
    no team, so a team's figures leave them out."""
    counts: dict[GroupKey, float] = {}
    if scope.team:
        return {}
    for record, postmortem in needing:
        if postmortem is not None or record.resolved_at is None:
            continue
        if scope.service and scope.service not in record.services:
            continue
        when = record.started_at or record.detected_at or record.resolved_at
        if not scope.since <= when < scope.until:
            continue
        hours = deadlines.hours_for(record.severity)
        if hours is None or now - record.resolved_at < timedelta(hours=hours):
            continue  # no deadline, or not due yet
        key = (when.astimezone(UTC).strftime("%Y-%m"), record.severity, None)
        counts[key] = counts.get(key, 0.0) + 1
    return {key: (count,) for key, count in counts.items()}


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
    mttr_trend = _trend(parts, lambda p: parts.mttr(_both(pick, p)))
    mttr_verdict = trend_verdict(mttr_trend) if targets.mttr_minutes is None else None
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
            "Incidents in the period with a published post-mortem, out of those that needed "
            "one and are due (published, or past their deadline after resolution): recorded "
            "incidents that nobody opened a post-mortem for count as missing. Near misses "
            "need none. Per month of the incident.",
            targets.post_mortem_completion_rate,
            True,
            parts.completion(pick),
            "percent",
            _trend(parts, lambda p: parts.completion(_both(pick, p))),
            {"without_postmortem": parts.without_postmortem(pick)},
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
            "incidents (median and 90th percentile by severity, and the distribution, in the "
            "breakdown), with the hours from resolution to the first draft. Per month of the "
            "incident.",
            targets.time_to_post_mortem_hours,
            False,
            ttpm_breakdown["SEV1"]["median"],
            "hours",
            _trend(parts, median_sev1),
            {
                "by_severity": ttpm_breakdown,
                "distribution": distribution(parts.hours_to_pm(pick), HOUR_BUCKETS),
                "resolution_to_draft_hours": spread(parts.hours_to_draft(pick), DRAFT_BUCKETS),
            },
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
            "Time to resolve (median)",
            "Minutes from detection (else the start) to resolution of the incidents in the "
            "period: the median, with the 90th percentile and the distribution in the "
            "breakdown (durations are too skewed for a mean). Without a set target the aim is "
            "a decreasing trend: the median of the latest months against the months before "
            "gives improving, steady (within 10%) or worse. Time to detect (start to "
            "detection) and to acknowledge (detection to the first acknowledgement in the "
            "timeline) in the breakdown.",
            targets.mttr_minutes,
            False,
            parts.mttr(pick),
            "minutes",
            mttr_trend,
            {
                **spread(parts.repair_minutes(pick), MINUTE_BUCKETS),
                "time_to_detect_minutes": parts.time_to_detect(pick),
                "time_to_acknowledge_minutes": parts.time_to_acknowledge(pick),
            },
            mttr_verdict,
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
