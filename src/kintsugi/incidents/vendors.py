"""Read one incident from its system (incident.io, PagerDuty, Opsgenie) as ``IncidentFacts``.

The timeline's sources do the HTTP (auth headers, retries, ``Retry-After``); this module reads
the incident object they fetch. A refused credential becomes one clear error naming the
variable to fix, whatever else would have failed because of it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from kintsugi.core.errors import ConfigurationError
from kintsugi.incidents.facts import IncidentFacts, Person, Stamp, add_people
from kintsugi.incidents.severity import SeverityMap
from kintsugi.timeline.events import Kind, parse_time
from kintsugi.timeline.sources.base import HttpSource, Source, SourceError, field_of, text_of
from kintsugi.timeline.sources.incidentio import IncidentIoSource, timestamp_kind
from kintsugi.timeline.sources.opsgenie import OpsgenieSource
from kintsugi.timeline.sources.pagerduty import PagerDutySource

VENDORS = ("incidentio", "pagerduty", "opsgenie")
VENDOR_NAMES = {"incidentio": "incident.io", "pagerduty": "PagerDuty", "opsgenie": "Opsgenie"}
CREDENTIALS = {"incidentio": "API key", "pagerduty": "API token", "opsgenie": "API key"}

_KIND_MILESTONES = {
    Kind.IMPACT_START: "started",
    Kind.DETECT: "detected",
    Kind.ACKNOWLEDGE: "acknowledged",
    Kind.MITIGATE: "mitigated",
    Kind.RESOLVE: "resolved",
}
_RESOLVED_CATEGORIES = frozenset({"learning", "closed"})
_SERVICE_FIELD = re.compile(r"service|system|component|product", re.I)
_BOT_NAME = re.compile(r"\[bot\]$|\bbot\b|alertmanager|integration|automation|workflow", re.I)


def is_incident_source(source: Source) -> bool:
    """Whether ``source`` is an incident system this module reads."""
    return isinstance(source, IncidentIoSource | PagerDutySource | OpsgenieSource)


def looks_like_a_bot(name: str) -> bool:
    """Names of integrations and bots ("release-bot", "dependabot[bot]", "Alertmanager")."""
    return bool(_BOT_NAME.search(name))


def fetch_facts(source: Source, severities: SeverityMap) -> IncidentFacts:
    """The incident behind an incident source; ConfigurationError when it refuses the key."""
    try:
        if isinstance(source, IncidentIoSource):
            return incidentio_facts(source.incident(), source.incident_id, severities)
        if isinstance(source, PagerDutySource):
            return pagerduty_facts(source.incident(), source.incident_id, severities)
        if isinstance(source, OpsgenieSource):
            source.require_token()
            data = source.get_json(f"/v2/alerts/{source.alert_id}", {"identifierType": "id"})
            alert = field_of(data, "data")
            if not isinstance(alert, dict):
                raise source.error("answered JSON without the expected 'data' object")
            return opsgenie_facts(alert, source.alert_id, severities)
    except SourceError as exc:
        raise credential_error(source, exc) or exc from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise source.error(
            f"answered an incident of an unexpected shape ({type(exc).__name__}: {exc})"
        ) from None
    raise ValueError(f"{source.spec} is not an incident system")


def credential_error(source: Source, exc: SourceError) -> ConfigurationError | None:
    """ "incident.io rejected the API key: check INCIDENTIO_API_KEY" for a refused or missing
    credential; None for any other failure."""
    if not isinstance(source, HttpSource) or not exc.variable:
        return None
    vendor = VENDOR_NAMES.get(source.name, source.name)
    credential = CREDENTIALS.get(source.name, "credentials")
    if "HTTP 401" in exc.reason:
        return ConfigurationError(f"{vendor} rejected the {credential}: check {exc.variable}")
    if "HTTP 403" in exc.reason:
        return ConfigurationError(
            f"{vendor} refused access with the {credential}: check {exc.variable} "
            "and its permissions"
        )
    if "is not set" in exc.reason:
        return ConfigurationError(f"{vendor} needs its {credential}: set {exc.variable}")
    return None


# ----------------------------------------------------------------------------- incident.io


def incidentio_facts(
    incident: dict[str, Any], incident_id: str, severities: SeverityMap
) -> IncidentFacts:
    """IncidentV2 as facts: lifecycle times from ``incident_timestamp_values`` by meaning."""
    reference = text_of(incident, "reference")
    name = text_of(incident, "name")
    severity_name = text_of(incident, "severity", "name") or None
    rank = field_of(incident, "severity", "rank")
    category = text_of(incident, "incident_status", "category").lower()
    facts = IncidentFacts(
        vendor="incidentio",
        external_id=incident_id,
        title=f"{reference} {name}".strip() or incident_id,
        summary=text_of(incident, "summary"),
        severity=severities.incidentio(severity_name, rank if isinstance(rank, int) else None),
        vendor_severity=severity_name,
        status=text_of(incident, "incident_status", "name") or category or "open",
        link=text_of(incident, "permalink") or None,
        services=_incidentio_services(incident),
    )
    for item in incident.get("incident_timestamp_values") or []:
        label = text_of(item, "incident_timestamp", "name")
        raw = field_of(item, "value", "value")
        milestone = _KIND_MILESTONES.get(timestamp_kind(label)) if label else None
        if milestone and raw:
            at = parse_time(raw)
            known = facts.times.get(milestone)
            if known is None or at < known.at:
                facts.times[milestone] = Stamp(at, "incidentio")
    created = incident.get("created_at")
    if "detected" not in facts.times and created:
        facts.times["detected"] = Stamp(parse_time(created), "incidentio")
    facts.resolved = category in _RESOLVED_CATEGORIES or "resolved" in facts.times
    for assignment in incident.get("incident_role_assignments") or []:
        assignee = field_of(assignment, "assignee")
        if not isinstance(assignee, dict) or not text_of(assignee, "name"):
            continue
        role = text_of(assignment, "role", "name") or "Responder"
        person = Person(
            text_of(assignee, "name"), text_of(assignee, "email") or None, [role], "incidentio"
        )
        facts.people.append(person)
        role_type = text_of(assignment, "role", "role_type").lower()
        if facts.lead is None and (role_type == "lead" or "lead" in role.lower()):
            facts.lead = person
    creator = field_of(incident, "creator", "user")
    if isinstance(creator, dict) and text_of(creator, "name"):
        add_people(
            facts.people,
            [Person(text_of(creator, "name"), text_of(creator, "email") or None, ["Reporter"],
                    "incidentio")],
        )  # fmt: skip
    return facts


def _incidentio_services(incident: dict[str, Any]) -> list[str]:
    """Values of custom fields about services ("Affected services", "Product"...)."""
    found: list[str] = []
    for entry in incident.get("custom_field_entries") or []:
        if not _SERVICE_FIELD.search(text_of(entry, "custom_field", "name")):
            continue
        for value in entry.get("values") or []:
            text = (
                text_of(value, "value_catalog_entry", "name")
                or text_of(value, "value_option", "value")
                or text_of(value, "value_text")
            )
            if text and text not in found:
                found.append(text)
    return found


# ----------------------------------------------------------------------------- PagerDuty


def pagerduty_facts(
    incident: dict[str, Any], incident_id: str, severities: SeverityMap
) -> IncidentFacts:
    """A PagerDuty incident: created (triggered), first acknowledgement, resolution."""
    priority = text_of(incident, "priority", "summary") or text_of(incident, "priority", "name")
    urgency = text_of(incident, "urgency") or None
    status = text_of(incident, "status") or "triggered"
    number = incident.get("incident_number")
    title = text_of(incident, "title") or text_of(incident, "summary") or incident_id
    facts = IncidentFacts(
        vendor="pagerduty",
        external_id=incident_id,
        title=f"#{number} {title}" if number else title,
        summary=text_of(incident, "description"),
        severity=severities.pagerduty(priority or None, urgency),
        vendor_severity=" ".join(
            p for p in (priority, f"{urgency} urgency" if urgency else "") if p
        )
        or None,
        status=status,
        resolved=status == "resolved",
        link=text_of(incident, "html_url") or None,
    )
    service = text_of(incident, "service", "summary")
    if service:
        facts.services.append(service)
    created = parse_time(incident["created_at"])
    facts.times["started"] = Stamp(created, "pagerduty")
    facts.times["detected"] = Stamp(created, "pagerduty")
    acknowledged = [
        parse_time(a["at"]) for a in incident.get("acknowledgements") or [] if a.get("at")
    ]
    if acknowledged:
        facts.times["acknowledged"] = Stamp(min(acknowledged), "pagerduty")
    resolved = incident.get("resolved_at") or (
        incident.get("last_status_change_at") if facts.resolved else None
    )
    if resolved:
        facts.times["resolved"] = Stamp(parse_time(resolved), "pagerduty")
    for role, key, who in (
        ("Acknowledger", "acknowledgements", "acknowledger"),
        ("Assignee", "assignments", "assignee"),
    ):
        for item in incident.get(key) or []:
            agent = field_of(item, who)
            if text_of(agent, "type") not in ("user", "user_reference"):
                continue  # services and integrations acknowledge too: not people
            person = Person(text_of(agent, "summary"), text_of(agent, "email") or None, [role],
                            "pagerduty")  # fmt: skip
            if person.name:
                add_people(facts.people, [person])
    if facts.people:
        facts.lead = facts.people[0]
    return facts


# ----------------------------------------------------------------------------- Opsgenie


def opsgenie_facts(alert: dict[str, Any], alert_id: str, severities: SeverityMap) -> IncidentFacts:
    """An Opsgenie alert: created, acknowledged and closed (``report``'s ms offsets)."""
    priority = text_of(alert, "priority") or None
    status = text_of(alert, "status") or "open"
    facts = IncidentFacts(
        vendor="opsgenie",
        external_id=alert_id,
        title=text_of(alert, "message") or alert_id,
        summary=text_of(alert, "description"),
        severity=severities.opsgenie(priority),
        vendor_severity=priority,
        status=status,
        resolved=status == "closed",
    )
    created = parse_time(alert["createdAt"])
    facts.times["started"] = Stamp(created, "opsgenie")
    facts.times["detected"] = Stamp(created, "opsgenie")
    report = alert.get("report") or {}
    for milestone, key in (("acknowledged", "ackTime"), ("resolved", "closeTime")):
        millis = report.get(key)
        if isinstance(millis, int | float) and millis > 0:
            at = datetime.fromtimestamp(created.timestamp() + millis / 1000, UTC)
            facts.times[milestone] = Stamp(at, "opsgenie")
    for role, key in (("Acknowledger", "acknowledgedBy"), ("Closer", "closedBy")):
        name = text_of(report, key)
        if name and not looks_like_a_bot(name) and name.lower() != "system":
            add_people(facts.people, [Person(name, name if "@" in name else None, [role],
                                             "opsgenie")])  # fmt: skip
    if facts.people:
        facts.lead = facts.people[0]
    return facts
