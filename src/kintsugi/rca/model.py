"""A root cause analysis as plain data: the seven techniques, their items and links.

Every item (a why step, a fishbone cause, a change, a factor, a causal tree node, a barrier)
has an ``id`` unique within the analysis, so that action items and evidence can point at it.
Evidence is a list of timeline events (by their stored id, with the time and text they had,
so that the reference survives a re-import of the timeline).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

FORMAT: Literal["kintsugi-rca/1"] = "kintsugi-rca/1"
TEXT_LIMIT = 2000
LIST_LIMIT = 500
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,59}$"
_ID = re.compile(ID_PATTERN)

ItemId = Annotated[
    str,
    Field(
        pattern=r"^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,59})?$",
        description="Unique within the analysis (given when empty)",
    ),
]
Text = Annotated[str, Field(max_length=TEXT_LIMIT)]
Category = Annotated[
    str | None,
    Field(
        None,
        max_length=40,
        description="A key of the organisation's cause taxonomy (see /api/v1/rca/categories)",
    ),
]


class Bone(StrEnum):
    """The six bones of a fishbone (Ishikawa) diagram."""

    PEOPLE = "people"
    PROCESS = "process"
    TECHNOLOGY = "technology"
    ENVIRONMENT = "environment"
    MEASUREMENT = "measurement"
    MATERIALS = "materials"


class ChangeKind(StrEnum):
    CODE_DEPLOY = "code_deploy"
    CONFIGURATION = "configuration"
    INFRASTRUCTURE = "infrastructure"
    PROCESS = "process"
    EXTERNAL_DEPENDENCY = "external_dependency"


class Relation(StrEnum):
    """Whether a change had a part in the incident."""

    RELATED = "related"
    NOT_RELATED = "not_related"
    UNKNOWN = "unknown"


class FactorClass(StrEnum):
    PRIMARY = "primary"  # the trigger
    SECONDARY = "secondary"  # an enabler
    MITIGATING = "mitigating"  # made it smaller
    AGGRAVATING = "aggravating"  # made it worse


class NodeKind(StrEnum):
    DIRECT_CAUSE = "direct_cause"
    INDIRECT_CAUSE = "indirect_cause"
    CONTRIBUTING_FACTOR = "contributing_factor"
    ROOT_CAUSE = "root_cause"


class BarrierType(StrEnum):
    TECHNICAL = "technical"
    PROCESS = "process"
    PHYSICAL = "physical"
    ADMINISTRATIVE = "administrative"


class BarrierState(StrEnum):
    HELD = "held"
    FAILED = "failed"
    MISSING = "missing"


class TargetKind(StrEnum):
    """What an action item (or a warning) can point at."""

    WHY_STEP = "why_step"
    FISHBONE_CAUSE = "fishbone_cause"
    CHANGE = "change"
    FACTOR = "factor"
    CAUSAL_NODE = "causal_node"
    BARRIER = "barrier"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Evidence(_Strict):
    """A timeline event cited as evidence: its stored id, and its time and text when cited.

    Written by hand (an import), give ``event_id`` or ``at`` and/or ``text`` to find the event.
    """

    event_id: int | None = Field(None, ge=1)
    at: AwareDatetime | None = None
    text: str = Field("", max_length=TEXT_LIMIT)

    @model_validator(mode="before")
    @classmethod
    def _from_id(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return {"event_id": value}
        return value

    @model_validator(mode="after")
    def _something(self) -> Evidence:
        if self.event_id is None and self.at is None and not self.text:
            raise ValueError("evidence needs an event_id, or the event's time or text")
        return self


EvidenceList = Annotated[list[Evidence], Field(default_factory=list, max_length=100)]


class WhyStep(_Strict):
    """One why/because step of a 5 Whys chain."""

    id: ItemId = ""
    why: Text = ""
    because: Text = Field(..., min_length=1)
    evidence: EvidenceList
    root_cause: bool = False
    category: Category


class WhyChain(_Strict):
    """A chain of why/because steps from a problem down to a root cause."""

    id: ItemId = ""
    problem: Text = Field(..., min_length=1)
    steps: list[WhyStep] = Field(default_factory=list, max_length=50)


class FishboneCause(_Strict):
    """A cause on one bone of the fishbone."""

    id: ItemId = ""
    bone: Bone
    text: Text = Field(..., min_length=1)
    evidence: EvidenceList
    root_cause: bool = False
    category: Category


class Change(_Strict):
    """Something that changed before the incident, and whether it played a part."""

    id: ItemId = ""
    kind: ChangeKind
    text: Text = Field(..., min_length=1)
    at: AwareDatetime | None = None
    related: Relation = Relation.UNKNOWN
    notes: Text = ""
    evidence: EvidenceList


class Factor(_Strict):
    """A contributing factor and the part it played."""

    id: ItemId = ""
    text: Text = Field(..., min_length=1)
    classification: FactorClass
    category: Category
    notes: Text = ""
    evidence: EvidenceList


class CausalNode(_Strict):
    """A node of the causal factor tree; ``parent`` None hangs it under the incident."""

    id: ItemId = ""
    parent: str | None = Field(None, max_length=60)
    kind: NodeKind
    text: Text = Field(..., min_length=1)
    category: Category
    evidence: EvidenceList


class Barrier(_Strict):
    """A barrier that should have stopped the incident, and how it did."""

    id: ItemId = ""
    name: Text = Field(..., min_length=1)
    type: BarrierType
    state: BarrierState
    why: Text = Field("", description="Why it failed or was missing")
    strengthen: Text = Field("", description="How to strengthen it")
    evidence: EvidenceList


class Milestone(_Strict):
    """A milestone set by hand: a time, an event, or both (the event's time when no time)."""

    at: AwareDatetime | None = None
    event_id: int | None = Field(None, ge=1)


class TimelineOverrides(_Strict):
    """Milestones chosen by hand over the ones read from the timeline, and notes."""

    start: Milestone | None = None
    detection: Milestone | None = None
    response: Milestone | None = None
    mitigation: Milestone | None = None
    resolution: Milestone | None = None
    notes: Text = ""


class Link(_Strict):
    """An action item addressing an item of the analysis.

    ``action_item`` is the item's id, or (in an imported file) its exact title.
    """

    action_item: int | str
    target: str = Field(..., max_length=60)

    @field_validator("action_item")
    @classmethod
    def _item(cls, value: int | str) -> int | str:
        if isinstance(value, str) and not value.strip():
            raise ValueError("give the action item's id or title")
        return value


TECHNIQUES: tuple[str, ...] = (
    "five_whys", "fishbone", "changes", "timeline", "factors", "causal_tree", "barriers",
)  # fmt: skip
"""The seven techniques, by their field names in :class:`Analysis`."""


class Analysis(_Strict):
    """The whole root cause analysis of one post-mortem."""

    format: Literal["kintsugi-rca/1"] = FORMAT
    problem: Text = Field("", description="Problem statement (default: the post-mortem's title)")
    five_whys: list[WhyChain] = Field(default_factory=list, max_length=50)
    fishbone: list[FishboneCause] = Field(default_factory=list, max_length=LIST_LIMIT)
    changes: list[Change] = Field(default_factory=list, max_length=LIST_LIMIT)
    timeline: TimelineOverrides = Field(default_factory=TimelineOverrides)
    factors: list[Factor] = Field(default_factory=list, max_length=LIST_LIMIT)
    causal_tree: list[CausalNode] = Field(default_factory=list, max_length=LIST_LIMIT)
    barriers: list[Barrier] = Field(default_factory=list, max_length=LIST_LIMIT)
    links: list[Link] = Field(default_factory=list, max_length=5000)

    def is_empty(self) -> bool:
        """True when no technique has anything in it."""
        return not (
            self.problem
            or self.five_whys
            or self.fishbone
            or self.changes
            or self.factors
            or self.causal_tree
            or self.barriers
            or self.timeline != TimelineOverrides()
        )

    def items(self) -> list[tuple[TargetKind, Item]]:
        """Every item that has an id, with its kind, in document order."""
        found: list[tuple[TargetKind, Item]] = []
        for chain in self.five_whys:
            found += [(TargetKind.WHY_STEP, step) for step in chain.steps]
        found += [(TargetKind.FISHBONE_CAUSE, c) for c in self.fishbone]
        found += [(TargetKind.CHANGE, c) for c in self.changes]
        found += [(TargetKind.FACTOR, f) for f in self.factors]
        found += [(TargetKind.CAUSAL_NODE, n) for n in self.causal_tree]
        found += [(TargetKind.BARRIER, b) for b in self.barriers]
        return found

    def target_kinds(self) -> dict[str, TargetKind]:
        """Item id -> kind."""
        return {item.id: kind for kind, item in self.items()}

    def find(self, item_id: str) -> Item | None:
        """The item with ``item_id``, if any."""
        return next((item for _, item in self.items() if item.id == item_id), None)

    def chain_of(self, step_id: str) -> WhyChain | None:
        """The 5 Whys chain that holds step ``step_id``."""
        return next((c for c in self.five_whys if any(s.id == step_id for s in c.steps)), None)


Item = WhyStep | FishboneCause | Change | Factor | CausalNode | Barrier

ID_PREFIX: dict[str, str] = {
    "chain": "chain",
    TargetKind.WHY_STEP: "why",
    TargetKind.FISHBONE_CAUSE: "fish",
    TargetKind.CHANGE: "change",
    TargetKind.FACTOR: "factor",
    TargetKind.CAUSAL_NODE: "node",
    TargetKind.BARRIER: "barrier",
}


def is_item_id(value: str) -> bool:
    """True when ``value`` has the shape of an item id."""
    return bool(_ID.match(value))


def all_ids(analysis: Analysis) -> set[str]:
    """The ids of every chain and item."""
    return {c.id for c in analysis.five_whys if c.id} | {
        item.id for _, item in analysis.items() if item.id
    }


def assign_ids(analysis: Analysis, reserved: Iterable[str] = ()) -> Analysis:
    """Give every chain and item without an id a new one (``why-3``, ``barrier-1``...).

    ``reserved`` ids are not given out either (those of items just removed, so that links
    and warnings about them never move to a new item).
    """
    taken = all_ids(analysis) | set(reserved)

    def fresh(prefix: str) -> str:
        n = 1
        while f"{prefix}-{n}" in taken:
            n += 1
        taken.add(f"{prefix}-{n}")
        return f"{prefix}-{n}"

    for chain in analysis.five_whys:
        if not chain.id:
            chain.id = fresh(ID_PREFIX["chain"])
    for kind, item in analysis.items():
        if not item.id:
            item.id = fresh(ID_PREFIX[kind])
    return analysis


def new_id(analysis: Analysis, kind: str) -> str:
    """An id for a new item of ``kind`` (a TargetKind or "chain") not used in ``analysis``."""
    taken = {c.id for c in analysis.five_whys} | {item.id for _, item in analysis.items()}
    prefix = ID_PREFIX[kind]
    n = 1
    while f"{prefix}-{n}" in taken:
        n += 1
    return f"{prefix}-{n}"


def root_causes(analysis: Analysis) -> list[tuple[TargetKind, Item]]:
    """Items marked as root causes: why steps, fishbone causes and causal tree root causes."""
    found: list[tuple[TargetKind, Item]] = []
    for kind, item in analysis.items():
        if (isinstance(item, WhyStep | FishboneCause) and item.root_cause) or (
            isinstance(item, CausalNode) and item.kind == NodeKind.ROOT_CAUSE
        ):
            found.append((kind, item))
    return found


def failed_barriers(analysis: Analysis) -> list[Barrier]:
    """Barriers that failed or were missing."""
    return [b for b in analysis.barriers if b.state != BarrierState.HELD]


def item_text(item: Item) -> str:
    """The one line that names an item."""
    if isinstance(item, WhyStep):
        return item.because
    if isinstance(item, Barrier):
        return item.name
    return item.text
