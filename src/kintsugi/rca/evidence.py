"""The stored timeline as the analysis sees it: events with their ids, milestones, changes.

Evidence cites events by their stored id. Events written in the document's text get new ids
when the document is saved again, so each citation also keeps the event's time and text, and
a citation whose id is gone is found again by them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Annotated

from pydantic import Field, PlainSerializer, TypeAdapter
from pydantic.dataclasses import dataclass as pydantic_dataclass
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError
from kintsugi.core.wire import IsoDatetime
from kintsugi.postmortems.document import Document
from kintsugi.rca.model import Analysis, ChangeKind, Evidence, Milestone
from kintsugi.timeline.durations import Durations
from kintsugi.timeline.events import CHANGE_KINDS, Kind
from kintsugi.timeline.store import events_with_ids


@pydantic_dataclass(frozen=True)
class StoredEvent:
    """One event of the post-mortem's timeline with its stored id and (inferred) kind."""

    id: int
    at: IsoDatetime | None
    text: str
    actor: str | None
    source: str
    kind: str | None


EVENT_LIST = TypeAdapter(list[StoredEvent])


def load_events(session: Session, postmortem_pk: int) -> list[StoredEvent]:
    """The events of one (already visibility-checked) post-mortem, in timeline order."""
    rows = events_with_ids(session, postmortem_pk)
    return [
        StoredEvent(id, at, text, actor, source, kind or infer_kind(text))
        for id, at, text, actor, source, kind in rows
    ]


# Events written in a document carry no kind; these read it from the text. Order matters:
# the first pattern that matches wins.
_KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (Kind.RESOLVE, r"\b(?:incident\s+(?:is\s+)?(?:resolved|closed)|resolved\b|back\s+to\s+(?:normal|baseline)|fully\s+recovered)"),
        (Kind.MITIGATE, r"\b(?:mitigat\w*|rolled\s+back|rollback\s+(?:complete|finished|done)|restored|failed\s+over|fail-?over\s+(?:to|complete))"),
        (Kind.ALERT, r"\balert\b.{0,80}\b(?:fire[sd]?|firing|trigger(?:ed|s)?)\b|\bpage[sd]?\s+(?:the\s+)?on-?call\b|\bpages\b"),
        (Kind.ACKNOWLEDGE, r"\b(?:acknowledg\w*|ack'?ed|takes?\s+(?:incident\s+)?command|incident\s+commander|starts?\s+investigating|begins?\s+investigating)"),
        (Kind.DETECT, r"\b(?:incident\s+(?:was\s+)?declared|declared\b|reported\s+by|customers?\s+report|detected)\b"),
        (Kind.CONFIG_CHANGE, r"\b(?:config(?:uration)?|setting|feature\s+flag|flag|parameter|corefile|pool\s+size|timeout)\b.{0,60}\b(?:chang\w*|set|updated?|lowered|raised|enabled|disabled|modified|merged|applied|deployed)\b|\b(?:chang\w*|updated?|lowered|raised)\b.{0,40}\b(?:config(?:uration)?|setting|flag|parameter)\b"),
        (Kind.DEPLOY, r"\b(?:deploy(?:ed|s|ment)?|released?|rolled\s+out|roll-?out|merged|upgrade[sd]?|upgrading|migrat(?:ed|ion))\b"),
    )
)  # fmt: skip


def infer_kind(text: str) -> str | None:
    """The timeline kind an event's text describes, when it clearly says (else None)."""
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(text):
            return str(kind)
    return None


_INFRASTRUCTURE = re.compile(
    r"\b(?:upgrade[sd]?|cluster|node|kubernetes|k8s|terraform|dns|network|load\s+balancer|"
    r"certificate|database\s+(?:failover|upgrade)|region|maintenance|instance|vm|host)\b",
    re.IGNORECASE,
)
_EXTERNAL = re.compile(r"\b(?:vendor|provider|third[- ]party|upstream|partner|saas)\b", re.I)


def change_kind_of(event: StoredEvent) -> ChangeKind:
    """How a change analysis classifies a change event."""
    if _EXTERNAL.search(event.text):
        return ChangeKind.EXTERNAL_DEPENDENCY
    if event.kind == Kind.CONFIG_CHANGE:
        return ChangeKind.CONFIGURATION
    if _INFRASTRUCTURE.search(event.text):
        return ChangeKind.INFRASTRUCTURE
    return ChangeKind.CODE_DEPLOY


# ----------------------------------------------------------------------------- milestones

MILESTONES = ("start", "detection", "response", "mitigation", "resolution")
MILESTONE_LABELS = {
    "start": "Impact started",
    "detection": "Detected",
    "response": "Response began",
    "mitigation": "Mitigated",
    "resolution": "Resolved",
}


EventId = Annotated[StoredEvent, PlainSerializer(attrgetter("id"), return_type=int)]
"""A stored event written as its id."""


@dataclass(frozen=True)
class MilestoneView:
    """A milestone's time, the event that shows it, and where the time came from."""

    name: str
    at: IsoDatetime | None
    event: Annotated[EventId | None, Field(serialization_alias="event_id")]
    origin: str  # "set by hand", "timeline", "document" or "unknown"

    @property
    def label(self) -> str:
        return MILESTONE_LABELS[self.name]

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = _MILESTONE_WIRE.dump_python(self, mode="json", by_alias=True)
        return data


def _in_reading_order(milestones: dict[str, MilestoneView]) -> list[MilestoneView]:
    return [milestones[name] for name in MILESTONES]


@dataclass(frozen=True)
class TimelineSummary:
    """Start, detection, response, mitigation, resolution and the durations between them."""

    milestones: Annotated[
        dict[str, MilestoneView],
        PlainSerializer(_in_reading_order, return_type=list[MilestoneView]),
    ]  # written as a list, in the order of MILESTONES
    durations: Durations

    def duration_items(self) -> list[tuple[str, timedelta | None]]:
        """(label, duration) in reading order, with detection to resolution."""
        d = self.durations
        to_resolve = None
        if d.detected_at and d.resolved_at and d.resolved_at >= d.detected_at:
            to_resolve = d.resolved_at - d.detected_at
        return [*d.items(), ("Detection to resolution", to_resolve)]

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = _SUMMARY_WIRE.dump_python(self, mode="json", by_alias=True)
        return data


_MILESTONE_WIRE = TypeAdapter(MilestoneView)
_SUMMARY_WIRE = TypeAdapter(TimelineSummary)


_FROM_KINDS: dict[str, tuple[str, ...]] = {
    "start": (Kind.IMPACT_START,),
    "detection": (Kind.ALERT, Kind.DETECT),
    "response": (Kind.ACKNOWLEDGE,),
    "mitigation": (Kind.MITIGATE,),
    "resolution": (Kind.RESOLVE,),
}


def summarise(doc: Document, events: Sequence[StoredEvent], overrides: Analysis) -> TimelineSummary:
    """The milestones: set by hand, else the document's own times, else read from events."""
    by_id = {e.id: e for e in events}
    timed = [e for e in events if e.at is not None]
    document_times = {
        "start": doc.started_at,
        "detection": doc.detected_at,
        "resolution": doc.resolved_at,
    }
    views: dict[str, MilestoneView] = {}
    for name in MILESTONES:
        chosen: Milestone | None = getattr(overrides.timeline, name)
        if chosen is not None and (chosen.at or chosen.event_id in by_id):
            event = by_id.get(chosen.event_id) if chosen.event_id else None
            if event is None and chosen.at is not None:
                event = _event_at(timed, chosen.at)
            at = chosen.at or (event.at if event else None)
            views[name] = MilestoneView(name, at, event, "set by hand")
            continue
        kinds = _FROM_KINDS[name]
        matching = [e for e in timed if e.kind in kinds]
        from_events = (matching[-1] if name == "resolution" else matching[0]) if matching else None
        stated = document_times.get(name)
        if stated is not None:
            shown = _event_at(timed, stated) or (
                from_events if from_events and from_events.at == stated else None
            )
            views[name] = MilestoneView(name, stated, shown, "document")
        elif from_events is not None:
            views[name] = MilestoneView(name, from_events.at, from_events, "timeline")
        else:
            views[name] = MilestoneView(name, None, None, "unknown")
    durations = Durations(
        started_at=views["start"].at or views["detection"].at,
        detected_at=views["detection"].at,
        acknowledged_at=views["response"].at,
        mitigated_at=views["mitigation"].at,
        resolved_at=views["resolution"].at,
    )
    return TimelineSummary(views, durations)


def _event_at(events: Sequence[StoredEvent], at: datetime) -> StoredEvent | None:
    return next((e for e in events if e.at == at), None)


def changes_before_detection(
    events: Sequence[StoredEvent], detected_at: datetime | None
) -> list[StoredEvent]:
    """Deploys and configuration changes before the first alert (or ``detected_at``)."""
    cutoff = detected_at
    for event in events:
        if event.at is not None and event.kind == Kind.ALERT:
            cutoff = event.at if cutoff is None else min(cutoff, event.at)
            break
    return [
        e
        for e in events
        if e.at is not None and e.kind in CHANGE_KINDS and (cutoff is None or e.at <= cutoff)
    ]


# ----------------------------------------------------------------------------- evidence


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def find_event(events: Sequence[StoredEvent], cited: Evidence) -> StoredEvent | None:
    """The event a citation points at: by id, else by time and text, else by either alone.

    Ids of events written in the document change when it is saved again, and a database may
    give an old id to another event, so an id only counts when the event still says what the
    citation recorded (or, failing any match by text, still happened at the recorded time).
    """
    by_id = next((e for e in events if e.id == cited.event_id), None)
    if by_id is not None and (not cited.text or _same_text(by_id.text, cited.text)):
        return by_id
    found = _by_time_and_text(events, cited)
    if found is None and by_id is not None and cited.at is not None and by_id.at is not None:
        return by_id if _close(by_id.at, cited.at) else None
    return found


def _by_time_and_text(events: Sequence[StoredEvent], cited: Evidence) -> StoredEvent | None:
    candidates = list(events)
    if cited.at is not None:
        candidates = [e for e in candidates if e.at is not None and _close(e.at, cited.at)]
    if cited.text:
        exact = [e for e in candidates if _same_text(e.text, cited.text)]
        if not exact and cited.event_id is None:  # hand-written: a prefix is enough
            needle = " ".join(cited.text.lower().split())
            exact = [e for e in candidates if " ".join(e.text.lower().split()).startswith(needle)]
        candidates = exact
    elif cited.at is None:
        return None
    return candidates[0] if len(candidates) == 1 or (candidates and cited.text) else None


def _close(a: datetime, b: datetime) -> bool:
    return abs(a - b) < timedelta(seconds=60)


def resolve_evidence(analysis: Analysis, events: Sequence[StoredEvent]) -> Analysis:
    """Point every citation at a current event (and refresh its time and text).

    Raises InputError naming the first citation that matches no event.
    """
    for path, cited in _citations(analysis):
        event = find_event(events, cited)
        if event is None:
            what = f"event {cited.event_id}" if cited.event_id else _describe(cited)
            raise InputError(f"{what} is not in this post-mortem's timeline", field=path)
        cited.event_id = event.id
        cited.at = event.at
        cited.text = event.text
    for name in MILESTONES:
        chosen: Milestone | None = getattr(analysis.timeline, name)
        if (
            chosen is not None
            and chosen.event_id is not None
            and not any(e.id == chosen.event_id for e in events)
        ):
            raise InputError(
                f"event {chosen.event_id} is not in this post-mortem's timeline",
                field=f"timeline.{name}.event_id",
            )
    return analysis


def _describe(cited: Evidence) -> str:
    parts = []
    if cited.at:
        parts.append(cited.at.isoformat())
    if cited.text:
        parts.append(repr(cited.text[:60]))
    return "the event " + " ".join(parts)


def _citations(analysis: Analysis) -> list[tuple[str, Evidence]]:
    found: list[tuple[str, Evidence]] = []
    for c, chain in enumerate(analysis.five_whys):
        for s, step in enumerate(chain.steps):
            found += [
                (f"five_whys[{c}].steps[{s}].evidence[{i}]", e) for i, e in enumerate(step.evidence)
            ]
    for name in ("fishbone", "changes", "factors", "causal_tree", "barriers"):
        for n, item in enumerate(getattr(analysis, name)):
            found += [(f"{name}[{n}].evidence[{i}]", e) for i, e in enumerate(item.evidence)]
    return found


def cited_events(
    evidence: Sequence[Evidence], events: Sequence[StoredEvent]
) -> list[tuple[Evidence, StoredEvent | None]]:
    """Each citation with the event it shows today (None when it left the timeline)."""
    return [(cited, find_event(events, cited)) for cited in evidence]
