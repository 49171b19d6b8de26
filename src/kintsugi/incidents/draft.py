"""``kintsugi draft``: one incident in, its post-mortem out, created or refreshed.

The incident's reference (``incidentio:01HQ...``) is the key: running the draft again updates
the same document, and its timeline events are matched by source and source id, so nothing is
written twice. Fetching happens before any write; all writes happen in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.db import transaction
from kintsugi.core.errors import (
    InputError,
    KintsugiError,
    NotFoundError,
    PermissionDeniedError,
)
from kintsugi.core.types import utcnow
from kintsugi.incidents import content, followup, service
from kintsugi.incidents.config import IncidentSettings
from kintsugi.incidents.facts import MILESTONES, IncidentFacts, Stamp
from kintsugi.incidents.severity import SeverityMap
from kintsugi.incidents.vendors import VENDORS, fetch_facts, is_incident_source
from kintsugi.people import service as people
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import SYSTEM, Principal
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.deadlines import deadline_hours, due_at
from kintsugi.postmortems.document import Document, Status
from kintsugi.postmortems.export import document_json
from kintsugi.timeline.builder import (
    DEFAULT_LEAD,
    DEFAULT_TAIL,
    BuildResult,
    SourceFailure,
    build,
    failure_of,
    parse_sources,
    secrets_of,
)
from kintsugi.timeline.service import SaveResult, save_built_events
from kintsugi.timeline.sources.base import IncidentTimes, RetryPolicy, Source, Window

TEMPLATES = ("postmortem", "lightweight")


@dataclass
class DraftResult:
    """The draft's document and what the run did."""

    document: Document
    created: bool
    changed: bool
    incident: dict[str, Any]
    saved: SaveResult = field(default_factory=SaveResult)

    def to_json(self) -> dict[str, Any]:
        """The document as ``kintsugi show --json`` prints it, with the incident's facts."""
        return {
            **document_json(self.document),
            "incident": self.incident,
            "draft": {
                "created": self.created,
                "changed": self.changed,
                "timeline": self.saved.to_json(),
            },
        }


@dataclass
class Fetched:
    """Everything read from the incident systems, before anything is written."""

    facts: IncidentFacts
    result: BuildResult
    failures: list[SourceFailure]
    specs: list[str]


def parse_reference(reference: str) -> tuple[str, str]:
    """``vendor:id`` of an incident; InputError naming the vendors otherwise."""
    vendor, _, ident = reference.strip().partition(":")
    vendor = vendor.lower()
    if vendor not in VENDORS or not ident.strip():
        raise InputError(
            f"{reference!r} is not an incident reference; write incidentio:ID, pagerduty:ID "
            "or opsgenie:ALERT-ID",
            field="incident",
        )
    return vendor, ident.strip()


def fetch(
    reference: str,
    extra_sources: Sequence[str] = (),
    *,
    settings: IncidentSettings,
    env: Mapping[str, str] | None = None,
    retry: RetryPolicy | None = None,
    now: datetime | None = None,
    require_resolved: bool = False,
) -> Fetched | None:
    """Read the incident, the same incident in other systems, and the merged timeline.

    ``require_resolved``: stop (None) after reading an incident that is not resolved yet.
    """
    vendor, ident = parse_reference(reference)
    primary_spec = f"{vendor}:{ident}"
    extras = [s.strip() for s in extra_sources if s.strip() and s.strip() != primary_spec]
    sources = parse_sources([primary_spec, *extras], env=env, retry=retry)
    severities = SeverityMap(settings.severity_map)
    facts = fetch_facts(sources[0], severities)  # a refused key stops here, named clearly
    if require_resolved and not facts.resolved:
        for source in sources:
            source.close()
        return None
    failures: list[SourceFailure] = []
    for source in sources[1:]:
        if not is_incident_source(source):
            continue
        try:
            facts.merge(fetch_facts(source, severities))
        except KintsugiError as exc:
            failures.append(_failure(source, exc, sources))
    now = now or utcnow()
    window = _window(facts, now)
    times = IncidentTimes(
        source=facts.reference,
        started_at=_at(facts, "started"),
        detected_at=_at(facts, "detected"),
        resolved_at=_at(facts, "resolved"),
        title=facts.title,
    )
    result = build(sources, window, incident=times, skip=[f.source for f in failures])
    result.failures[:0] = failures
    durations = result.durations
    for name in MILESTONES:
        at = getattr(durations, f"{name}_at")
        if name not in facts.times and at is not None:
            facts.times[name] = Stamp(at, "timeline")
    return Fetched(facts, result, result.failures, [s.spec for s in sources])


def _failure(source: Source, exc: KintsugiError, sources: Sequence[Source]) -> SourceFailure:
    message = str(exc)
    if not message.startswith(source.spec):
        return SourceFailure(source.spec, f"{source.spec}: {message}")
    return failure_of(source, exc, secrets_of(sources))


def _at(facts: IncidentFacts, name: str) -> datetime | None:
    stamp = facts.times.get(name)
    return stamp.at if stamp else None


def _window(facts: IncidentFacts, now: datetime) -> Window:
    known = [s.at for n, s in facts.times.items() if n in ("started", "detected")]
    if not known:
        raise InputError(
            f"{facts.reference} gives no start or detection time to build a timeline from",
            field="incident",
        )
    since = min(known) - DEFAULT_LEAD
    resolved = _at(facts, "resolved")
    until = min(resolved + DEFAULT_TAIL, now) if resolved else now
    if until <= since:
        until = since + DEFAULT_LEAD
    return Window(since, until)


def draft_incident(
    sessions: sessionmaker[Session],
    actor: Principal,
    reference: str,
    *,
    extra_sources: Sequence[str] = (),
    template: str = "postmortem",
    settings: IncidentSettings | None = None,
    env: Mapping[str, str] | None = None,
    retry: RetryPolicy | None = None,
    now: datetime | None = None,
) -> DraftResult:
    """Create the incident's post-mortem, or refresh the one it has.

    Without ``extra_sources``, a refresh uses the sources the incident's draft was made with.
    The sources are read with the server's credentials, so the actor needs the right to
    draft from incidents; ``file:`` sources read the server's files: the local operator's only.
    """
    require(actor, Action.DRAFT_FROM_INCIDENTS)
    if not actor.is_system and any(s.strip().lower().startswith("file:") for s in extra_sources):
        raise InputError("file: sources are for the command line only", field="sources")
    if template not in TEMPLATES:
        raise InputError(
            f"unknown template {template!r}; one of {', '.join(TEMPLATES)}", field="template"
        )
    settings = settings or IncidentSettings()
    now = now or utcnow()
    vendor, ident = parse_reference(reference)
    with sessions() as session:
        reference, stored = service.target_of(session, f"{vendor}:{ident}")
        row = service.find(session, reference)
        _existing_document(session, actor, row.postmortem_id if row else None, reference)
    if not extra_sources:
        extra_sources = stored
    elif reference != f"{vendor}:{ident}":  # the incident this one is a source of
        extra_sources = [f"{vendor}:{ident}", *extra_sources]
    fetched = fetch(reference, extra_sources, settings=settings, env=env, retry=retry, now=now)
    assert fetched is not None
    for attempt in (1, 2):
        try:
            with transaction(sessions) as session:
                return write_draft(
                    session, actor, fetched, template=template, settings=settings, now=now
                )
        except IntegrityError:
            if attempt == 2:  # another delivery wrote the same incident at the same moment
                raise
    raise AssertionError("unreachable")


def write_draft(
    session: Session,
    actor: Principal,
    fetched: Fetched,
    *,
    template: str,
    settings: IncidentSettings,
    now: datetime,
) -> DraftResult:
    """Store what ``fetch`` read: the document, its timeline, its review, the incident."""
    facts = fetched.facts
    row = service.find(session, facts.reference)
    existing = _existing_document(
        session, actor, row.postmortem_id if row else None, facts.reference
    )
    owner = _owner(session, facts)
    hours = deadline_hours(session, facts.severity)
    resolved = _at(facts, "resolved")
    deadline = due_at(resolved, hours)
    failures = [f.to_json() for f in fetched.failures]

    def data(review: dict[str, Any] | None, similar: list[dict[str, Any]]) -> dict[str, Any]:
        return content.incident_data(
            facts,
            owner=owner,
            deadline=deadline,
            review=review,
            similar=similar,
            changes=fetched.result.changes_before_detection,
            failures=failures,
            sources=fetched.specs,
        )

    created = existing is None
    if existing is None:
        base = content.new_draft(template, facts)
        doc = postmortems.create_document(
            session, content.apply(base, facts, data(None, []), owner), actor
        )
    else:
        doc = existing
    assert doc.id is not None
    service.store_facts(session, facts, postmortem_id=doc.id, sources=fetched.specs[1:])
    if doc.status == Status.PUBLISHED:  # what was reviewed and published stays as it was
        stored = doc.extra.get("incident")
        return DraftResult(doc, False, False, stored if isinstance(stored, dict) else {})
    saved = save_built_events(session, doc.id, fetched.result.events, actor=actor)
    review = followup.ensure_review(
        session, actor, doc.id, facts, deadline, minutes=settings.review_minutes, now=now
    )
    current = postmortems.get_document(session, doc.id, actor)
    # proposed once, when first found: the library shows the current ones, and a refresh must
    # not change the draft because its own words (the list among them) moved the ranking
    stored = current.extra.get("incident")
    kept = stored.get("similar") if isinstance(stored, dict) else None
    similar = kept if kept else followup.similar_incidents(session, actor, doc.id)
    wanted = content.apply(
        current, facts, data(review.to_json() if review else None, similar), owner
    )
    changed = created or saved.created > 0 or saved.updated > 0
    if _differs(current, wanted):
        doc = postmortems.edit_document(
            session,
            doc.id,
            lambda stored: content.apply(stored, facts, wanted.extra["incident"], owner),
            actor,
            base_version=None,
            change=f"drafted from {facts.reference}"
            if created
            else f"refreshed from {facts.reference}",
        )
        changed = True
    else:
        doc = current
    return DraftResult(doc, created, changed, wanted.extra["incident"], saved)


def _existing_document(
    session: Session, actor: Principal, postmortem_id: str | None, reference: str
) -> Document | None:
    """The incident's post-mortem; None when it has none or it was deleted since (the draft
    starts a new one). One the actor may not see is refused: a second document would take the
    incident's place from the one its people restricted."""
    if postmortem_id is None:
        return None
    try:
        return postmortems.get_document(session, postmortem_id, actor)
    except NotFoundError:
        pass
    try:
        postmortems.get_document(session, postmortem_id, SYSTEM)
    except NotFoundError:
        return None
    raise PermissionDeniedError(
        f"{reference} has a post-mortem you may not see; ask its owner or an admin to refresh it"
    )


def _owner(session: Session, facts: IncidentFacts) -> str | None:
    """The incident lead, as a user's name where one matches."""
    if facts.lead is None:
        return None
    user = people.find_active_user(session, facts.lead.email or facts.lead.name)
    return user.username if user is not None else facts.lead.name


def _differs(current: Document, wanted: Document) -> bool:
    skip = {"version", "timeline", "action_items", "published_at"}
    return current.model_dump(exclude=skip) != wanted.model_dump(exclude=skip)
