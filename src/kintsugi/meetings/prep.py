"""The preparation checklist: what to gather before the meeting, found in the document."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import PlainSerializer, TypeAdapter
from sqlalchemy.orm import Session

from kintsugi.core.db import savepoint
from kintsugi.core.errors import KintsugiError
from kintsugi.library.similar import similar
from kintsugi.people.principal import Principal
from kintsugi.postmortems.document import Document

_URL = re.compile(r"https?://[^\s)>\]|\"']+")
_LOGS = re.compile(
    r"grafana|kibana|datadog|prometheus|honeycomb|splunk|newrelic|loki|/logs?\b|metrics|dashboard",
    re.I,
)
_RUNBOOK = re.compile(r"runbook|playbook|wiki", re.I)
_CHAT = re.compile(r"slack\.com|teams\.microsoft|/archives/|chat", re.I)
CHAT_SOURCES = ("slack",)


Link = Annotated[
    tuple[str, str],
    PlainSerializer(lambda link: {"label": link[0], "url": link[1]}, return_type=dict[str, str]),
]
"""(label, url or ""): pages unpack the pair, the JSON names its two parts."""


@dataclass(frozen=True)
class ChecklistItem:
    """One thing to prepare; ``found`` lists what the document already links to."""

    key: str
    label: str
    found: list[Link] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return bool(self.found)

    def to_json(self) -> dict[str, Any]:
        # ``ready`` is derived (a property, no field), and clients see it before ``found``
        wire = _WIRE.dump_python(self, mode="json")
        found = wire.pop("found")
        return {**wire, "ready": self.ready, "found": found}


_WIRE = TypeAdapter(ChecklistItem)


def _urls(doc: Document) -> list[str]:
    text = "\n".join(s.markdown for s in doc.sections)
    text += "\n" + "\n".join(e.text for e in doc.timeline)
    extra = [str(v) for v in doc.extra.values() if isinstance(v, str)]
    extra += [str(item) for v in doc.extra.values() if isinstance(v, list) for item in v]
    return list(dict.fromkeys(_URL.findall(text + "\n" + "\n".join(extra))))


def checklist(
    session: Session, viewer: Principal, doc: Document, base_url: str
) -> list[ChecklistItem]:
    """Timeline, logs and metrics, runbooks, chat transcript and related past post-mortems."""
    base = base_url.rstrip("/")
    urls = _urls(doc)
    timeline = ChecklistItem(
        "timeline",
        "The timeline",
        [(f"{len(doc.timeline)} events", f"{base}/postmortems/{doc.id}#timeline")]
        if doc.timeline
        else [],
    )
    logs = ChecklistItem(
        "logs-metrics", "Logs and metrics", [(u, u) for u in urls if _LOGS.search(u)]
    )
    runbooks = ChecklistItem(
        "runbooks", "Runbooks consulted", [(u, u) for u in urls if _RUNBOOK.search(u)]
    )
    chat_events = [e for e in doc.timeline if e.source in CHAT_SOURCES]
    chat_found = [(u, u) for u in urls if _CHAT.search(u)]
    if chat_events:
        chat_found.insert(0, (f"{len(chat_events)} chat messages in the timeline", ""))
    chat = ChecklistItem("chat", "Chat transcript", chat_found)
    related = ChecklistItem(
        "related", "Related past post-mortems", _related(session, viewer, doc, base)
    )
    return [timeline, logs, runbooks, chat, related]


def _related(
    session: Session, viewer: Principal, doc: Document, base: str
) -> list[tuple[str, str]]:
    if not doc.id:
        return []
    try:
        with savepoint(session):
            found = similar(session, viewer, doc.id, limit=3, method="lexical")
    except KintsugiError:
        return []
    return [(f"{r.title} ({r.id})", f"{base}/postmortems/{r.id}") for r in found.results]
