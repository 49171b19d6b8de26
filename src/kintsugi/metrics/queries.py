"""The SQL aggregates behind the metrics: one grouped scan per source of data.

Each query groups by (month, severity, team id) and returns additive parts (counts and sums),
so that Python can add them up for any view: the whole period, a month of the trend, or one
team and severity for Prometheus. Only ``time_to_post_mortem`` returns one value per document
(its median and 90th percentile need them). Every query joins the post-mortems through
``visible_to(viewer)``.

The metrics read the stored post-mortems, action items and timeline events read-only; they
never write to other slices' tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from kintsugi.actions.columns import ACTION_ITEM
from kintsugi.core.sqlfuncs import epoch, month_of, utc_date
from kintsugi.metrics.policy import Deadlines
from kintsugi.people import service as people
from kintsugi.people.principal import Principal
from kintsugi.postmortems.access import visible_to
from kintsugi.postmortems.columns import POSTMORTEM, SERVICES
from kintsugi.postmortems.document import ActionItemKind, ActionItemStatus, Kind, Status
from kintsugi.timeline.readers import first_event_times

PM = POSTMORTEM
INCIDENT_KINDS = (Kind.POSTMORTEM.value,)
# An item without a kind counts as documentation when its title has one of these words.
DOCUMENTATION_WORDS = ("runbook", "playbook", "documentation", "docs", "wiki", "readme", "guide")

GroupKey = tuple[str, str | None, int | None]  # (YYYY-MM, severity, team id)


@dataclass(frozen=True)
class Scope:
    """What the metrics cover: incidents that started in [since, until), optionally one team's
    (the post-mortem's team) or those naming one service."""

    since: datetime
    until: datetime
    team: str | None = None
    service: str | None = None


def incident_time() -> ColumnElement[datetime]:
    """When an incident happened: its start, else detection, resolution, or filing."""
    return func.coalesce(PM.started_at, PM.detected_at, PM.resolved_at, PM.created_at)


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _sum_if(condition: ColumnElement[bool], value: Any) -> Any:
    return func.sum(case((condition, value), else_=0.0))


def document_conditions(
    session: Session,
    viewer: Principal,
    scope: Scope,
    *,
    kinds: Sequence[str] = INCIDENT_KINDS,
    by_time: bool = True,
) -> list[ColumnElement[bool]]:
    """The post-mortems in ``scope`` that ``viewer`` may see."""
    conditions: list[ColumnElement[bool]] = [visible_to(viewer), PM.kind.in_(list(kinds))]
    if by_time:
        when = incident_time()
        conditions += [when >= scope.since, when < scope.until]
    if scope.team:
        conditions.append(PM.team_id == people.team_id(session, scope.team))
    if scope.service:
        conditions.append(
            exists(
                select(SERVICES.postmortem_pk).where(
                    SERVICES.postmortem_pk == PM.pk, SERVICES.value == scope.service
                )
            )
        )
    return conditions


def deadline_seconds(deadlines: Deadlines) -> Any:
    """SQL: the post-mortem's deadline after resolution in seconds (NULL: none)."""
    unset = deadlines.unset_severity_hours
    return case(
        (PM.severity == "SEV1", deadlines.sev1_hours * 3600.0),
        (PM.severity == "SEV2", deadlines.sev2_hours * 3600.0),
        (PM.severity == "SEV3", deadlines.sev3_hours * 3600.0),
        else_=literal(unset * 3600.0) if unset is not None else None,
    )


def _group(rows: Any) -> dict[GroupKey, tuple[float, ...]]:
    return {
        (month, severity, team_id): tuple(float(v or 0) for v in values)
        for month, severity, team_id, *values in rows
    }


def incidents(
    session: Session, viewer: Principal, scope: Scope, deadlines: Deadlines, now: datetime
) -> dict[GroupKey, tuple[float, ...]]:
    """Per group: (incidents, published, not yet due, MTTR seconds sum, MTTR count,
    time-to-detect seconds sum, time-to-detect count)."""
    published = PM.status == Status.PUBLISHED.value
    deadline = deadline_seconds(deadlines)
    not_yet_due = and_(
        ~published,
        or_(
            PM.resolved_at.is_(None),
            deadline.is_(None),
            now.timestamp() - epoch(PM.resolved_at) < deadline,
        ),
    )
    repair_start = func.coalesce(PM.detected_at, PM.started_at)
    repaired = and_(
        PM.resolved_at.is_not(None), repair_start.is_not(None), PM.resolved_at >= repair_start
    )
    detected = and_(
        PM.detected_at.is_not(None), PM.started_at.is_not(None), PM.detected_at >= PM.started_at
    )
    month = month_of(incident_time())
    query = (
        select(
            month,
            PM.severity,
            PM.team_id,
            func.count(),
            _count_if(published),
            _count_if(not_yet_due),
            _sum_if(repaired, epoch(PM.resolved_at) - epoch(repair_start)),
            _count_if(repaired),
            _sum_if(detected, epoch(PM.detected_at) - epoch(PM.started_at)),
            _count_if(detected),
        )
        .where(*document_conditions(session, viewer, scope))
        .group_by(month, PM.severity, PM.team_id)
    )
    return _group(session.execute(query))


def time_to_post_mortem(
    session: Session, viewer: Principal, scope: Scope
) -> list[tuple[GroupKey, float]]:
    """Per published post-mortem: its group and the hours from resolution to publication."""
    valid = and_(
        PM.status == Status.PUBLISHED.value,
        PM.published_at.is_not(None),
        PM.resolved_at.is_not(None),
        PM.published_at >= PM.resolved_at,
    )
    query = select(
        month_of(incident_time()),
        PM.severity,
        PM.team_id,
        (epoch(PM.published_at) - epoch(PM.resolved_at)) / 3600.0,
    ).where(valid, *document_conditions(session, viewer, scope))
    return [((m, s, t), float(h)) for m, s, t, h in session.execute(query)]


def repair_minutes(
    session: Session, viewer: Principal, scope: Scope
) -> list[tuple[GroupKey, float]]:
    """Per incident: its group and the minutes from detection (else start) to resolution."""
    start = func.coalesce(PM.detected_at, PM.started_at)
    valid = and_(PM.resolved_at.is_not(None), start.is_not(None), PM.resolved_at >= start)
    query = select(
        month_of(incident_time()),
        PM.severity,
        PM.team_id,
        (epoch(PM.resolved_at) - epoch(start)) / 60.0,
    ).where(valid, *document_conditions(session, viewer, scope))
    # rounded: the engines' epoch arithmetic leaves 59.99999 for an hour
    return [((m, s, t), round(float(v), 6)) for m, s, t, v in session.execute(query)]


def created_times(
    session: Session, viewer: Principal, scope: Scope, ids: Sequence[str]
) -> list[tuple[GroupKey, str, datetime]]:
    """Post-mortems ``ids`` in scope that ``viewer`` may see: group, id and when each was
    created (for a drafted one, when its draft was made)."""
    found: list[tuple[GroupKey, str, datetime]] = []
    for start in range(0, len(ids), 500):
        query = select(
            month_of(incident_time()), PM.severity, PM.team_id, PM.id, PM.created_at
        ).where(
            PM.id.in_(list(ids[start : start + 500])), *document_conditions(session, viewer, scope)
        )
        found += [((m, s, t), i, c) for m, s, t, i, c in session.execute(query)]
    return found


def documentation_condition() -> ColumnElement[bool]:
    """SQL: the item is of kind documentation, or has no kind and its title says so."""
    title = func.lower(ACTION_ITEM.title)
    worded = or_(*(title.like(f"%{word}%") for word in DOCUMENTATION_WORDS))
    return or_(
        ACTION_ITEM.kind == ActionItemKind.DOCUMENTATION.value,
        and_(ACTION_ITEM.kind.is_(None), worded),
    )


def action_items(
    session: Session, viewer: Principal, scope: Scope
) -> dict[GroupKey, tuple[float, ...]]:
    """Per group of completion month: (completed with a due date, completed on time,
    documentation items completed). Items of incidents, near misses and pre-mortems alike."""
    item = ACTION_ITEM
    with_due = item.due.is_not(None)
    on_time = and_(with_due, utc_date(item.completed_at) <= item.due)
    month = month_of(item.completed_at)
    query = (
        select(
            month,
            PM.severity,
            PM.team_id,
            _count_if(with_due),
            _count_if(on_time),
            _count_if(documentation_condition()),
        )
        .join(PM.table, PM.pk == item.postmortem_pk)
        .where(
            item.status == ActionItemStatus.COMPLETED.value,
            item.completed_at >= scope.since,
            item.completed_at < scope.until,
            *document_conditions(
                session, viewer, scope, kinds=[k.value for k in Kind], by_time=False
            ),
        )
        .group_by(month, PM.severity, PM.team_id)
    )
    return _group(session.execute(query))


def acknowledgements(
    session: Session, viewer: Principal, scope: Scope
) -> dict[GroupKey, tuple[float, ...]]:
    """Per group: (time-to-acknowledge seconds sum, count), from the first "acknowledge"
    event of each incident's stored timeline, measured from detection (else start)."""
    first_ack = first_event_times("acknowledge")
    start = func.coalesce(PM.detected_at, PM.started_at)
    valid = and_(start.is_not(None), first_ack.c.at >= start)
    month = month_of(incident_time())
    query = (
        select(
            month,
            PM.severity,
            PM.team_id,
            _sum_if(valid, epoch(first_ack.c.at) - epoch(start)),
            _count_if(valid),
        )
        .join(first_ack, first_ack.c.pk == PM.pk)
        .where(*document_conditions(session, viewer, scope))
        .group_by(month, PM.severity, PM.team_id)
    )
    return _group(session.execute(query))


def near_misses(
    session: Session, viewer: Principal, scope: Scope
) -> dict[GroupKey, tuple[float, ...]]:
    """Per group: (near misses reported)."""
    month = month_of(incident_time())
    query = (
        select(month, PM.severity, PM.team_id, func.count())
        .where(*document_conditions(session, viewer, scope, kinds=[Kind.NEAR_MISS.value]))
        .group_by(month, PM.severity, PM.team_id)
    )
    return _group(session.execute(query))


@dataclass(frozen=True)
class Incident:
    """One incident as the recurrence check needs it."""

    pk: int
    id: str
    title: str
    at: datetime
    severity: str | None
    team_id: int | None


def incident_list(
    session: Session, viewer: Principal, scope: Scope, *, lookback_days: int
) -> list[Incident]:
    """The incidents in scope and those up to ``lookback_days`` before it (earlier incidents
    a recurrence may match), oldest first."""
    wider = Scope(
        since=scope.since - timedelta(days=lookback_days),
        until=scope.until,
        team=scope.team,
        service=scope.service,
    )
    when = incident_time()
    query = (
        select(PM.pk, PM.id, PM.title, when, PM.severity, PM.team_id)
        .where(*document_conditions(session, viewer, wider))
        .order_by(when, PM.pk)
    )
    return [Incident(*row) for row in session.execute(query)]
