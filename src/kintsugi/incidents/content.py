"""What a draft writes into the post-mortem: its fields, ``extra["incident"]`` and a block of
facts at the top of the summary, which a refresh rewrites (and leaves alone once removed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kintsugi.incidents.facts import MILESTONES, PEOPLE, STAMP, IncidentFacts
from kintsugi.postmortems.document import Document, Section, Severity
from kintsugi.postmortems.templates import new_document
from kintsugi.timeline.events import Event

BLOCK_START = "<!-- kintsugi:incident (rewritten by `kintsugi draft`; delete both markers to keep your own) -->"
BLOCK_END = "<!-- /kintsugi:incident -->"


def new_draft(template: str, facts: IncidentFacts) -> Document:
    """A fresh document from ``template`` titled after the incident."""
    severity = Severity(facts.severity) if facts.severity else None
    return new_document(template, facts.title, severity=severity)


def incident_data(
    facts: IncidentFacts,
    *,
    owner: str | None,
    deadline: datetime | None,
    review: dict[str, Any] | None,
    similar: list[dict[str, Any]],
    changes: list[Event],
    failures: list[dict[str, str]],
    sources: list[str],
) -> dict[str, Any]:
    """The draft's facts as JSON-ready data (``extra["incident"]`` and ``--json``)."""
    return {
        "reference": facts.reference,
        "vendor": facts.vendor,
        "title": facts.title,
        "link": facts.link,
        "status": facts.status,
        "severity": facts.severity,
        "vendor_severity": facts.vendor_severity,
        "times": {
            name: STAMP.dump_python(facts.times[name], mode="json", by_alias=True)
            for name in MILESTONES
            if name in facts.times
        },
        "people": PEOPLE.dump_python(facts.people, mode="json", by_alias=True),
        "owner": owner,
        "deadline": deadline.isoformat() if deadline else None,
        "review": review,
        "similar": similar,
        "changes_before_detection": [
            {"at": e.at.isoformat(), "title": e.title, "source": e.source, "actor": e.actor}
            for e in changes
        ],
        "sources": sources,
        "failures": failures,
    }


def apply(doc: Document, facts: IncidentFacts, data: dict[str, Any], owner: str | None) -> Document:
    """``doc`` with the incident's facts; what people wrote stays as they wrote it.

    The title follows the incident's until someone changes it; services and authors are added
    to, never taken from.
    """
    doc = doc.model_copy(deep=True)
    stored = doc.extra.get("incident")
    before: dict[str, Any] = stored if isinstance(stored, dict) else {}
    if not doc.id or doc.title == before.get("title"):
        doc.title = facts.title
    doc.severity = Severity(facts.severity) if facts.severity else doc.severity
    for name in ("started", "detected", "resolved"):
        stamp = facts.times.get(name)
        if stamp is not None:
            setattr(doc, f"{name}_at", stamp.at)
    doc.services = doc.services + [s for s in facts.services if s not in doc.services]
    if owner and owner not in doc.authors:
        doc.authors = [*doc.authors, owner]
    humans = [p.name for p in facts.people]
    doc.extra = {**doc.extra, "incident": data, "responders": humans}
    if facts.lead is not None:
        doc.extra["incident_commander"] = facts.lead.name
    block = facts_block(data)
    summary = doc.section("summary")
    if summary is None:
        doc.sections.insert(0, Section(key="summary", heading="Summary", markdown=block))
    elif not doc.id:
        summary.markdown = f"{block}\n\n{summary.markdown}".strip()
    elif BLOCK_START in summary.markdown and BLOCK_END in summary.markdown:
        head, _, rest = summary.markdown.partition(BLOCK_START)
        _, _, tail = rest.partition(BLOCK_END)
        summary.markdown = f"{head}{block}{tail}"
    return doc


def facts_block(data: dict[str, Any]) -> str:
    """The facts at the top of the summary, as Markdown between the markers."""
    link = data.get("link")
    reference = f"[{data['reference']}]({link})" if link else f"`{data['reference']}`"
    # one list item per fact: lines of plain text would run together when rendered
    lines = [BLOCK_START, f"- Incident: {reference} ({data.get('status') or 'unknown status'})"]
    if data.get("severity"):
        vendor = f" (from {data['vendor_severity']})" if data.get("vendor_severity") else ""
        lines.append(f"- Severity: {data['severity']}{vendor}")
    for name, stamp in data["times"].items():
        lines.append(f"- {name.capitalize()}: {stamp['at']} (from {stamp['from']})")
    if data["people"]:
        people = ", ".join(
            f"{p['name']} ({', '.join(p['roles'])})" if p["roles"] else p["name"]
            for p in data["people"]
        )
        lines.append(f"- People: {people}")
    if data.get("owner"):
        lines.append(f"- Owner: {data['owner']}")
    if data.get("deadline"):
        lines.append(f"- Post-mortem due: {data['deadline']}")
    if data.get("review"):
        lines.append(f"- Review meeting: {data['review']['starts_at']}")
    if data["changes_before_detection"]:
        lines.append("- Changes before detection:")
        lines += [
            f"  - {c['at']} {c['title']} ({c['source']})" for c in data["changes_before_detection"]
        ]
    if data["similar"]:
        lines.append("- Similar past incidents: " + ", ".join(s["id"] for s in data["similar"]))
    lines.append(BLOCK_END)
    return "\n".join(lines)
