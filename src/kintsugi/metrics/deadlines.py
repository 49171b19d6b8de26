"""Post-mortem deadlines: which incidents are past the time the policy gives them.

A post-mortem (kind ``postmortem``; not pre-mortems or near misses) is *overdue* when it is not
published and more than its severity's deadline has passed since the incident was resolved.
An unresolved incident has no deadline yet, nor has a severity the policy gives none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import Field, TypeAdapter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kintsugi.core.sqlfuncs import epoch
from kintsugi.core.wire import IsoDatetime
from kintsugi.incidents.service import incidents_needing_postmortem
from kintsugi.metrics.policy import Deadlines
from kintsugi.metrics.queries import PM, Scope, deadline_seconds, document_conditions
from kintsugi.people import service as people
from kintsugi.people.principal import Principal
from kintsugi.postmortems.authors import authors_of
from kintsugi.postmortems.deadlines import due_at
from kintsugi.postmortems.document import Status
from kintsugi.postmortems.service import existing_ids


@dataclass(frozen=True)
class OverduePostmortem:
    """A post-mortem past its deadline."""

    pk: Annotated[int, Field(exclude=True)]
    id: str
    title: str
    severity: str | None
    status: str
    visibility: Annotated[str, Field(exclude=True)]
    team: str | None
    resolved_at: IsoDatetime
    deadline: IsoDatetime
    authors: list[str]

    def overdue_by(self, now: datetime) -> timedelta:
        return now - self.deadline

    def to_json(self, now: datetime) -> dict[str, Any]:
        # ``overdue_hours`` depends on ``now`` (no field): it goes before the last key, authors
        wire = _OVERDUE_WIRE.dump_python(self, mode="json")
        authors = wire.pop("authors")
        hours = round(self.overdue_by(now).total_seconds() / 3600, 1)
        return {**wire, "overdue_hours": hours, "authors": authors}


_OVERDUE_WIRE = TypeAdapter(OverduePostmortem)


def overdue_postmortems(
    session: Session,
    viewer: Principal,
    deadlines: Deadlines,
    now: datetime,
    *,
    team: str | None = None,
    service: str | None = None,
    limit: int | None = None,
) -> list[OverduePostmortem]:
    """Post-mortems ``viewer`` may see that are past their deadline, most overdue first
    (the first ``limit`` of them when given)."""
    query = _overdue_query(session, viewer, deadlines, now, team=team, service=service)
    if limit is not None:
        query = query.limit(limit)
    return _described(session, deadlines, list(session.execute(query)))


def count_overdue(
    session: Session,
    viewer: Principal,
    deadlines: Deadlines,
    now: datetime,
    *,
    team: str | None = None,
    service: str | None = None,
) -> int:
    """How many post-mortems ``overdue_postmortems`` would list."""
    query = _overdue_query(session, viewer, deadlines, now, team=team, service=service)
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def _overdue_query(
    session: Session,
    viewer: Principal,
    deadlines: Deadlines,
    now: datetime,
    *,
    team: str | None,
    service: str | None,
) -> Any:
    deadline = deadline_seconds(deadlines)
    scope = Scope(since=now, until=now, team=team, service=service)
    return (
        select(
            PM.pk, PM.id, PM.title, PM.severity, PM.status, PM.visibility, PM.team_id,
            PM.resolved_at,
        )
        .where(
            *document_conditions(session, viewer, scope, by_time=False),
            PM.status != Status.PUBLISHED.value,
            PM.resolved_at.is_not(None),
            deadline.is_not(None),
            now.timestamp() - epoch(PM.resolved_at) > deadline,
        )
        .order_by(epoch(PM.resolved_at) + deadline, PM.pk)
    )  # fmt: skip


def _described(session: Session, deadlines: Deadlines, rows: list[Any]) -> list[OverduePostmortem]:
    authors = authors_of(session, [row.pk for row in rows])
    teams = {t.id: t.name for t in people.list_teams(session)}
    result = []
    for row in rows:
        hours = deadlines.hours_for(row.severity)
        assert hours is not None  # the query keeps only documents with a deadline
        result.append(
            OverduePostmortem(
                pk=row.pk,
                id=row.id,
                title=row.title,
                severity=row.severity,
                status=row.status,
                visibility=row.visibility,
                team=teams.get(row.team_id) if row.team_id else None,
                resolved_at=row.resolved_at,
                deadline=row.resolved_at + timedelta(hours=hours),
                authors=authors.get(row.pk, []),
            )
        )
    return result


@dataclass(frozen=True)
class OverdueIncident:
    """A resolved incident past its post-mortem deadline that nobody has opened one for."""

    reference: Annotated[str, Field(serialization_alias="incident")]
    title: str
    severity: str | None
    resolved_at: IsoDatetime
    deadline: IsoDatetime
    lead: str | None

    def to_json(self, now: datetime) -> dict[str, Any]:
        # ``overdue_hours`` depends on ``now`` (no field): it goes before the last key, lead
        wire = _INCIDENT_WIRE.dump_python(self, mode="json", by_alias=True)
        lead = wire.pop("lead")
        hours = round((now - self.deadline).total_seconds() / 3600, 1)
        return {**wire, "overdue_hours": hours, "lead": lead}


_INCIDENT_WIRE = TypeAdapter(OverdueIncident)


def incidents_without_postmortem(
    session: Session, deadlines: Deadlines, now: datetime
) -> list[OverdueIncident]:
    """Recorded incidents past their deadline with no post-mortem at all, most overdue first
    (those with one are ``overdue_postmortems``' business)."""
    needing = incidents_needing_postmortem(session)
    opened = existing_ids(session, [pm for _, pm in needing if pm is not None])
    found = []
    for record, postmortem_id in needing:
        due = deadline_of(deadlines, record.severity, record.resolved_at)
        if postmortem_id in opened or due is None or due >= now or record.resolved_at is None:
            continue
        found.append(
            OverdueIncident(
                record.reference, record.title, record.severity, record.resolved_at, due,
                record.lead,
            )
        )  # fmt: skip
    return sorted(found, key=lambda i: i.deadline)


def deadline_of(
    deadlines: Deadlines, severity: str | None, resolved_at: datetime | None
) -> datetime | None:
    """When a post-mortem is due: resolution plus its severity's deadline (None: no deadline)."""
    return due_at(resolved_at, deadlines.hours_for(severity))
