"""The agenda: the standard parts of each kind of meeting, with their times scaled to its length.

Each part has a stable key (also the anchor of its guide in the facilitation handbook). A part
is its own wire shape: the API returns it and ``PART_JSON`` writes it for ``--json``.
"""

from __future__ import annotations

from pydantic import TypeAdapter, computed_field
from pydantic.dataclasses import dataclass

from kintsugi.core.errors import InputError

GUIDE_BASE = "/handbook/facilitation"
MIN_MINUTES = 15
MAX_MINUTES = 480

# key, title, minutes in a 60-minute and in a 90-minute meeting
_POSTMORTEM: tuple[tuple[str, str, int, int], ...] = (
    ("welcome", "Welcome and ground rules", 5, 5),
    ("overview", "Incident overview", 5, 10),
    ("what-happened", "What happened", 15, 20),
    ("root-causes", "Root cause analysis", 15, 20),
    ("went-well", "What went well", 5, 10),
    ("could-improve", "What could improve", 5, 10),
    ("action-items", "Action items", 7, 10),
    ("closing", "Closing", 3, 5),
)
_PREMORTEM: tuple[tuple[str, str, int, int], ...] = (
    ("scenario", "The scenario", 5, 10),
    ("story", "The story", 20, 30),
    ("premortem-causes", "Root causes", 15, 20),
    ("preventions", "Preventions", 12, 18),
    ("premortem-actions", "Action items", 8, 12),
)
_LEARNING: tuple[tuple[str, str, int, int], ...] = (
    ("welcome", "Welcome and ground rules", 5, 5),
    ("overview", "The incidents", 15, 20),
    ("root-causes", "What they teach", 25, 40),
    ("could-improve", "What we could improve", 10, 15),
    ("closing", "Closing", 5, 10),
)
PARTS = {"postmortem": _POSTMORTEM, "premortem": _PREMORTEM, "learning": _LEARNING}
KINDS = tuple(PARTS)


@dataclass(frozen=True)
class AgendaPart:
    """One part of the agenda: when it starts (minutes from the start) and how long it takes."""

    key: str
    title: str
    start_minute: int
    minutes: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def guide(self) -> str:
        """The part's guide in the facilitation handbook."""
        return f"{GUIDE_BASE}#{self.key}"


PART_JSON = TypeAdapter(AgendaPart)


def check_kind(kind: str) -> str:
    """``kind`` if it is a meeting kind, else an InputError naming the field."""
    if kind not in PARTS:
        raise InputError(f"unknown meeting kind {kind!r}; one of {', '.join(KINDS)}", field="kind")
    return kind


def check_duration(minutes: int, *, field: str = "duration") -> int:
    """A meeting length the agenda can be scaled to."""
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise InputError(
            f"{minutes} minutes: a meeting lasts {MIN_MINUTES} to {MAX_MINUTES} minutes",
            field=field,
        )
    return minutes


def agenda(kind: str, minutes: int = 60) -> list[AgendaPart]:
    """The parts of a ``kind`` meeting of ``minutes``: the 60- and 90-minute plans as written,
    other lengths scaled from the nearer one (largest remainder, every part at least a minute)."""
    parts = PARTS[check_kind(kind)]
    check_duration(minutes)
    if minutes in (60, 90):
        lengths = [p[2] if minutes == 60 else p[3] for p in parts]
    else:
        base = [p[2] if minutes < 75 else p[3] for p in parts]
        lengths = _scale(base, minutes)
    result: list[AgendaPart] = []
    start = 0
    for (key, title, _, _), length in zip(parts, lengths, strict=True):
        result.append(AgendaPart(key, title, start, length))
        start += length
    return result


def _scale(base: list[int], total: int) -> list[int]:
    whole = sum(base)
    exact = [b * total / whole for b in base]
    lengths = [max(1, int(x)) for x in exact]
    order = sorted(range(len(base)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    i = 0
    while sum(lengths) < total:
        lengths[order[i % len(order)]] += 1
        i += 1
    while sum(lengths) > total:  # only when the minimum of a minute pushed it over
        biggest = max(range(len(lengths)), key=lambda j: lengths[j])
        lengths[biggest] -= 1
    return lengths


def part_keys(kind: str) -> list[str]:
    """The keys of ``kind``'s parts, in order."""
    return [p[0] for p in PARTS[check_kind(kind)]]
