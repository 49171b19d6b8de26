"""Export documents as JSON (the public shape), Markdown, or a standalone HTML page."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import escape

from kintsugi.core.errors import InputError
from kintsugi.core.markdown_html import markdown_to_html
from kintsugi.core.zones import zone_or_utc
from kintsugi.postmortems.body import synced
from kintsugi.postmortems.document import Document, TimelineEvent
from kintsugi.postmortems.markdown import render_markdown

FORMATS = ("md", "json", "html")
SUFFIXES = {"md": ".md", "json": ".json", "html": ".html"}


def zone_of(doc: Document) -> ZoneInfo:
    """The zone the document states, UTC when it names none we know."""
    return zone_or_utc(doc.timezone)


def _iso(value: datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat() if value else None


def event_json(event: TimelineEvent, zone: ZoneInfo) -> dict[str, Any]:
    """One timeline event, its time in the document's zone."""
    return {
        "at": _iso(event.at, zone),
        "text": event.text,
        "actor": event.actor,
        "source": event.source,
    }


def document_json(doc: Document) -> dict[str, Any]:
    """The public JSON shape of a document (``kintsugi show --json``, the API)."""
    zone = zone_of(doc)
    return {
        "id": doc.id,
        "title": doc.title,
        "kind": doc.kind.value,
        "status": doc.status.value,
        "severity": doc.severity.value if doc.severity else None,
        "started_at": _iso(doc.started_at, zone),
        "detected_at": _iso(doc.detected_at, zone),
        "resolved_at": _iso(doc.resolved_at, zone),
        "published_at": _iso(doc.published_at, zone),
        "timezone": doc.timezone,
        "visibility": doc.visibility.value,
        "team": doc.team,
        "access": list(doc.access),
        "version": doc.version,
        "tags": list(doc.tags),
        "services": list(doc.services),
        "authors": list(doc.authors),
        "sections": [
            {"key": s.key, "heading": s.heading, "markdown": s.markdown} for s in doc.sections
        ],
        "timeline": [event_json(e, zone) for e in doc.timeline],
        "action_items": [
            {
                "id": item.id,
                "title": item.title,
                "owner": item.owner,
                "priority": item.priority.value if item.priority else None,
                "due": item.due.isoformat() if item.due else None,
                "status": item.status.value,
                "kind": item.kind.value if item.kind else None,
            }
            for item in doc.action_items
        ],
    }


def document_html(doc: Document) -> str:
    """A standalone, sanitised HTML page of the document."""
    parts = [f"<h1>{escape(doc.title)}</h1>"]
    facts = [
        ("Kind", doc.kind.value),
        ("Status", doc.status.value.replace("_", " ")),
        ("Severity", doc.severity.value if doc.severity else "-"),
        ("Tags", ", ".join(doc.tags) or "-"),
        ("Services", ", ".join(doc.services) or "-"),
    ]
    parts.append(
        "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts) + "</dl>"
    )
    for section in doc.sections:
        if section.heading:
            level = min(max(section.level, 2), 6)
            parts.append(f"<h{level}>{escape(section.heading)}</h{level}>")
        parts.append(markdown_to_html(section.markdown))
    body = "\n".join(parts)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(doc.title)}</title>"
        "<style data-kintsugi>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;"
        "padding:0 1rem;line-height:1.5}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.25rem .5rem}dt{font-weight:bold}</style>"
        f"</head><body>\n{body}\n</body></html>\n"
    )


def export_document(doc: Document, fmt: str) -> str:
    """The document in ``fmt`` (md, json or html), its sections in step with its data."""
    doc = synced(doc)
    if fmt == "md":
        return render_markdown(doc)
    if fmt == "json":
        return json.dumps(document_json(doc), indent=2, ensure_ascii=False) + "\n"
    if fmt == "html":
        return document_html(doc)
    raise InputError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}", field="format")
