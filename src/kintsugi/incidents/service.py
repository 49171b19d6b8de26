"""Incidents as records: stored from drafts, webhooks or by hand, each with its post-mortem
(or the lack of one). The read functions other slices use live here."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, with_config
from sqlalchemy import ColumnElement, String, and_, cast, or_, select
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError, NotFoundError
from kintsugi.core.types import utcnow
from kintsugi.core.wire import EVERY_KEY_WRITTEN, IsoDatetime
from kintsugi.incidents.facts import IncidentFacts
from kintsugi.incidents.models import IncidentRow
from kintsugi.incidents.severity import SEVERITIES
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import Principal
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.access import may_see_unfiled_incidents, visible_postmortem_id

MANUAL = "manual"
_SLUG = re.compile(r"[^a-z0-9]+")


@with_config(EVERY_KEY_WRITTEN)
@dataclass(frozen=True)
class IncidentRecord:
    """One stored incident."""

    reference: str
    vendor: str
    title: str
    severity: str | None
    status: str
    near_miss: bool
    link: str | None
    started_at: IsoDatetime | None
    detected_at: IsoDatetime | None
    acknowledged_at: IsoDatetime | None
    mitigated_at: IsoDatetime | None
    resolved_at: IsoDatetime | None
    services: list[str] = field(default_factory=list)
    lead: str | None = None
    postmortem_id: str | None = None
    sources: Annotated[list[str], Field(exclude=True)] = field(default_factory=list)

    @classmethod
    def of(cls, row: IncidentRow) -> IncidentRecord:
        return cls(
            reference=row.reference,
            vendor=row.vendor,
            title=row.title,
            severity=row.severity,
            status=row.status,
            near_miss=row.near_miss,
            link=row.link,
            started_at=row.started_at,
            detected_at=row.detected_at,
            acknowledged_at=row.acknowledged_at,
            mitigated_at=row.mitigated_at,
            resolved_at=row.resolved_at,
            services=list(row.services or []),
            lead=row.lead,
            postmortem_id=row.postmortem_id,
            sources=list(row.sources or []),
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _WIRE.dump_python(self, mode="json")
        return data


_WIRE = TypeAdapter(IncidentRecord)


def find(session: Session, reference: str) -> IncidentRow | None:
    """The stored incident with ``reference``, if any."""
    return session.scalars(select(IncidentRow).where(IncidentRow.reference == reference)).first()


def target_of(session: Session, reference: str) -> tuple[str, list[str]]:
    """The incident a vendor reference belongs to, and the extra sources its draft uses.

    An incident recorded under its own reference answers for itself; a reference that an
    incident's draft uses as a source (its PagerDuty page, say) answers for that incident, so
    that it is never drafted twice. Otherwise the reference stands alone, with no sources.
    """
    row = find(session, reference)
    if row is not None:
        return row.reference, list(row.sources or [])
    quoted = json.dumps(reference)
    for candidate in session.scalars(
        select(IncidentRow)
        .where(cast(IncidentRow.sources, String).contains(quoted))
        .order_by(IncidentRow.id)
    ):
        if reference in (candidate.sources or []):
            return candidate.reference, list(candidate.sources)
    return reference, []


def _visible(viewer: Principal) -> ColumnElement[bool]:
    """Incidents ``viewer`` may see: one with a post-mortem follows that post-mortem's
    visibility; one without is seen by editors and above (``postmortems/access.py``)."""
    filed = and_(
        IncidentRow.postmortem_id.is_not(None),
        visible_postmortem_id(viewer, IncidentRow.postmortem_id),
    )
    if may_see_unfiled_incidents(viewer):
        return or_(IncidentRow.postmortem_id.is_(None), filed)
    return filed


def get_incident(session: Session, viewer: Principal, reference: str) -> IncidentRecord:
    """One incident the viewer may see; NotFoundError when there is none."""
    row = session.scalars(
        select(IncidentRow).where(IncidentRow.reference == reference, _visible(viewer))
    ).first()
    if row is None:
        raise NotFoundError(f"no incident {reference!r}")
    return _shown(session, viewer, IncidentRecord.of(row))


def store_facts(
    session: Session, facts: IncidentFacts, *, postmortem_id: str | None, sources: list[str]
) -> IncidentRow:
    """Create or update the record of a vendor incident (the draft flow's bookkeeping)."""
    now = utcnow()
    row = find(session, facts.reference)
    if row is None:
        row = IncidentRow(
            reference=facts.reference,
            vendor=facts.vendor,
            external_id=facts.external_id,
            near_miss=False,
            created_at=now,
        )
        session.add(row)
    row.title = facts.title[:500]
    row.severity = facts.severity
    row.vendor_severity = (facts.vendor_severity or None) and facts.vendor_severity[:100]
    row.status = ("resolved" if facts.resolved else facts.status or "open")[:40]
    row.link = facts.link
    for name in ("started", "detected", "acknowledged", "mitigated", "resolved"):
        stamp = facts.times.get(name)
        setattr(row, f"{name}_at", stamp.at if stamp else None)
    row.services = list(facts.services)
    row.lead = facts.lead.name[:200] if facts.lead else None
    row.sources = list(sources)
    row.summary = facts.summary
    if postmortem_id is not None:
        row.postmortem_id = postmortem_id
    row.updated_at = now
    session.flush()
    return row


def add_incident(
    session: Session,
    actor: Principal,
    title: str,
    *,
    severity: str | None = None,
    started_at: datetime | None = None,
    resolved_at: datetime | None = None,
    near_miss: bool = False,
    services: list[str] | None = None,
    lead: str | None = None,
    reference: str | None = None,
    postmortem_id: str | None = None,
) -> IncidentRecord:
    """Record an incident by hand (teams without an incident system), or a near miss."""
    require(actor, Action.RECORD_INCIDENTS)
    title = title.strip()
    if not title:
        raise InputError("an incident needs a title", field="title")
    if severity is not None and severity.upper() not in SEVERITIES:
        raise InputError(f"severity must be one of {', '.join(SEVERITIES)}", field="severity")
    if started_at and resolved_at and resolved_at < started_at:
        raise InputError("the incident cannot be resolved before it started", field="resolved")
    if reference is None:
        slug = _SLUG.sub("-", title.lower()).strip("-")[:60] or "incident"
        day = (started_at or resolved_at or utcnow()).date().isoformat()
        reference = _free_reference(session, f"{MANUAL}:{day}-{slug}")
    elif find(session, reference) is not None:
        raise InputError(f"incident {reference!r} is recorded already", field="reference")
    if postmortem_id is not None:
        postmortem_id = postmortems.find_row(session, postmortem_id, actor).id
    now = utcnow()
    row = IncidentRow(
        reference=reference,
        vendor=reference.partition(":")[0] or MANUAL,
        external_id=reference.partition(":")[2] or reference,
        title=title[:500],
        severity=severity.upper() if severity else None,
        status="resolved" if resolved_at else "open",
        near_miss=near_miss,
        started_at=started_at,
        detected_at=started_at,
        resolved_at=resolved_at,
        services=list(services or []),
        lead=lead,
        sources=[],
        postmortem_id=postmortem_id,
        summary="",
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return IncidentRecord.of(row)


def _free_reference(session: Session, base: str) -> str:
    taken = set(
        session.scalars(select(IncidentRow.reference).where(IncidentRow.reference.like(f"{base}%")))
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def list_incidents(
    session: Session,
    viewer: Principal,
    *,
    without_postmortem: bool = False,
    limit: int = 200,
) -> list[IncidentRecord]:
    """Incidents the viewer may see (see ``_visible``), most recent first."""
    query = (
        select(IncidentRow)
        .where(_visible(viewer))
        .order_by(
            IncidentRow.resolved_at.is_(None).desc(),
            IncidentRow.resolved_at.desc(),
            IncidentRow.id.desc(),
        )
    )
    if without_postmortem:
        query = query.where(IncidentRow.postmortem_id.is_(None), IncidentRow.near_miss.is_(False))
    rows = session.scalars(query.limit(limit))
    return [_shown(session, viewer, IncidentRecord.of(row)) for row in rows]


def _shown(session: Session, viewer: Principal, record: IncidentRecord) -> IncidentRecord:
    if record.postmortem_id is None:
        return record
    try:
        postmortems.find_row(session, record.postmortem_id, viewer)
    except NotFoundError:
        return replace(record, postmortem_id=None)
    return record


def incidents_needing_postmortem(session: Session) -> list[tuple[IncidentRecord, str | None]]:
    """Resolved incidents that need a post-mortem (near misses do not), each with its
    post-mortem's id or None when nobody has opened one. For the metrics slice: it decides
    which are overdue by the severity policy, and reads the post-mortems' status itself."""
    rows = session.scalars(
        select(IncidentRow)
        .where(IncidentRow.near_miss.is_(False), IncidentRow.resolved_at.is_not(None))
        .order_by(IncidentRow.resolved_at, IncidentRow.id)
    )
    return [(IncidentRecord.of(row), row.postmortem_id) for row in rows]
