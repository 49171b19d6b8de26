"""The post-mortem document as plain data: what import produces and export consumes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, field_validator


class Kind(StrEnum):
    POSTMORTEM = "postmortem"
    PREMORTEM = "premortem"
    NEAR_MISS = "near_miss"  # reported without an incident; counted separately, no deadline


class Status(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"


class Severity(StrEnum):
    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"


class Visibility(StrEnum):
    ORGANISATION = "organisation"
    TEAM = "team"
    RESTRICTED = "restricted"


SectionKey = Literal[
    "summary",
    "impact",
    "timeline",
    "root_cause",
    "contributing_factors",
    "detection",
    "resolution",
    "what_went_well",
    "what_went_wrong",
    "where_we_got_lucky",
    "lessons_learned",
    "action_items",
    # pre-mortem sections
    "scenario",
    "imagined_root_causes",
    "preventions",
    "other",
]
SECTION_KEYS: tuple[str, ...] = get_args(SectionKey)

STATUS_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.IN_REVIEW}),
    Status.IN_REVIEW: frozenset({Status.DRAFT, Status.PUBLISHED}),
    Status.PUBLISHED: frozenset({Status.IN_REVIEW}),
}


def _plausible(value: datetime | None) -> datetime | None:
    """Aware, and representable in UTC (times are stored in UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("a time needs its zone (an offset such as +00:00)")
    try:
        value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError(
            "this time cannot be stored: it falls outside the years 1-9999 in UTC"
        ) from None
    return value


class Section(BaseModel):
    """One part of the document under its own heading; ``markdown`` is its body verbatim."""

    key: SectionKey
    heading: str
    markdown: str = ""
    level: int = Field(2, ge=1, le=6)


class TimelineEvent(BaseModel):
    """Something that happened, when, and who did it (when the document says)."""

    at: datetime | None = None
    text: str
    actor: str | None = None
    source: str = "document"
    precision: str = "minute"
    source_id: str | None = None
    kind: str | None = None

    @field_validator("at")
    @classmethod
    def _time(cls, value: datetime | None) -> datetime | None:
        return _plausible(value)


class ActionItemStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    WONT_DO = "wont_do"


class Priority(StrEnum):
    P0 = "P0"
    P1 = "P1"
    P2 = "P2"


class ActionItemKind(StrEnum):
    """What an action item does (optional; the learning metrics count "documentation")."""

    FIX = "fix"
    PREVENTION = "prevention"
    DETECTION = "detection"
    MITIGATION = "mitigation"
    PROCESS = "process"
    DOCUMENTATION = "documentation"


class ActionItem(BaseModel):
    """A follow-up the organisation commits to."""

    id: int | None = None
    title: str
    owner: str | None = None
    priority: Priority | None = None
    due: date | None = None
    status: ActionItemStatus = ActionItemStatus.OPEN
    kind: ActionItemKind | None = None
    completed_on: date | None = None
    """The day a completed item was completed (UTC), when known."""


class Document(BaseModel):
    """A post-mortem or pre-mortem with its structure."""

    id: str | None = None
    title: str
    kind: Kind = Kind.POSTMORTEM
    status: Status = Status.DRAFT
    severity: Severity | None = None
    started_at: datetime | None = None
    detected_at: datetime | None = None
    resolved_at: datetime | None = None
    published_at: datetime | None = None
    """When it was published (published documents only): set as it is published, or given by
    an imported file for a post-mortem published before it came to Kintsugi."""
    timezone: str = "UTC"
    tags: list[str] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)
    authors: list[str] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    timeline: list[TimelineEvent] = Field(default_factory=list)
    action_items: list[ActionItem] = Field(default_factory=list)
    visibility: Visibility = Visibility.ORGANISATION
    team: str | None = None
    access: list[str] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)
    version: int | None = None

    @field_validator("started_at", "detected_at", "resolved_at", "published_at")
    @classmethod
    def _times(cls, value: datetime | None) -> datetime | None:
        return _plausible(value)

    def section(self, key: str) -> Section | None:
        """The first section with ``key``, if any."""
        return next((s for s in self.sections if s.key == key), None)
