"""The normalised timeline event every source produces and the merge, durations and render use."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, NamedTuple

from pydantic import Field, PlainSerializer, TypeAdapter

from kintsugi.core.wire import EVERY_KEY_WRITTEN, IsoDatetime, object_schema


class Kind(StrEnum):
    """What an event is; durations and change analysis read these."""

    IMPACT_START = "impact_start"  # the incident's own "impact started" time
    DETECT = "detect"  # the incident was reported / declared
    ALERT = "alert"  # an alert started firing / triggered
    ALERT_RESOLVED = "alert_resolved"  # an alert stopped firing
    ACKNOWLEDGE = "acknowledge"
    ESCALATE = "escalate"
    ASSIGN = "assign"
    STATUS_CHANGE = "status_change"
    MITIGATE = "mitigate"
    RESOLVE = "resolve"  # the incident (not one alert) was resolved
    DEPLOY = "deploy"
    DEPLOY_STATUS = "deploy_status"
    CONFIG_CHANGE = "config_change"
    SILENCE = "silence"
    MESSAGE = "message"
    NOTE = "note"
    MILESTONE = "milestone"  # a named incident time we have no better kind for
    OTHER = "other"


CHANGE_KINDS = frozenset({Kind.DEPLOY, Kind.CONFIG_CHANGE})
"""Kinds listed in "changes before detection"."""


class Ref(NamedTuple):
    """Where a source reported an event: enough to find it again."""

    source: str
    source_id: str
    link: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _REF_WIRE.dump_python(self, mode="json")
        return data


RefJson = Annotated[
    Ref, PlainSerializer(Ref._asdict, return_type=dict[str, str | None]), object_schema(Ref)
]
"""A Ref on the wire: an object of its fields (pydantic writes a NamedTuple as a list)."""


@dataclass(slots=True)
class Event:
    """One thing that happened, as a source reported it (or several sources, once merged).

    ``at`` is an aware UTC datetime. ``source``/``source_id`` identify the event so that a later
    build updates it. ``alert`` is the alert's identity (name and labels) when the event is about
    one alert, so that the same alert reported by several sources folds into one event; ``refs``
    lists the other sources' reports of a folded event.
    """

    __pydantic_config__ = EVERY_KEY_WRITTEN

    at: IsoDatetime
    source: str
    source_id: str
    kind: str
    title: str
    detail: str = ""
    actor: str | None = None
    link: str | None = None
    alert: Annotated[AlertKey | None, Field(exclude=True)] = None
    refs: list[RefJson] = field(default_factory=list)

    @property
    def ref(self) -> Ref:
        """This event's own reference."""
        return Ref(self.source, self.source_id, self.link)

    @property
    def sources(self) -> list[str]:
        """Every source that reported this event, its own first."""
        names = [self.source]
        for ref in self.refs:
            if ref.source not in names:
                names.append(ref.source)
        return names

    def to_json(self) -> dict[str, Any]:
        """The event as JSON-ready data (time in UTC, ISO 8601; ``alert`` is not written)."""
        # the adapter's serializer without dump_python's keyword forwarding: called per event,
        # that wrapper alone made this 1.5x the old hand-written dict (1.3x without it)
        data: dict[str, Any] = _EVENT_WIRE.serializer.to_python(self, mode="json")
        return data


@dataclass(slots=True, frozen=True)
class AlertKey:
    """The identity of an alert across systems: its name and whatever labels are known.

    Two keys match when the names are equal and one label set contains the other (Alertmanager
    adds external labels; PagerDuty and Opsgenie only know the name, an empty label set).
    """

    name: str
    labels: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(cls, name: str, labels: dict[str, str] | None = None) -> AlertKey:
        """Key of alert ``name``; ``alertname`` and Prometheus' ``alertstate`` are dropped.

        Equal keys are shared (a few hundred alerts fire thousands of times): less memory,
        and folding reads the same few objects.
        """
        items = frozenset(
            (k, str(v)) for k, v in (labels or {}).items() if k not in ("alertname", "alertstate")
        )
        key = cls(name.strip().lower(), items)
        shared = _SHARED_KEYS.setdefault(key, key)
        if len(_SHARED_KEYS) > _SHARED_KEYS_LIMIT:
            _SHARED_KEYS.clear()  # bounded: a long-running server sees many alerts
        return shared

    def matches(self, other: AlertKey) -> bool:
        """Same name, and one label set contains the other."""
        if self.name != other.name:
            return False
        mine, theirs = self.labels, other.labels
        return mine <= theirs if len(mine) <= len(theirs) else theirs <= mine


_REF_WIRE = TypeAdapter(RefJson)
_EVENT_WIRE = TypeAdapter(Event)

_SHARED_KEYS: dict[AlertKey, AlertKey] = {}
_SHARED_KEYS_LIMIT = 100_000


def parse_time(value: Any) -> datetime:
    """An aware UTC datetime from RFC 3339 text (nanoseconds allowed) or epoch seconds.

    Raises ValueError for anything else, including text without a zone.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("time has no zone")
        return value.astimezone(UTC)
    if isinstance(value, bool):
        raise ValueError("not a time")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a time: {value!r}")
    text = value.strip()
    if text.replace(".", "", 1).isdigit():
        return epoch_to_utc(text)
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    text = _trim_fraction(text)
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"time {value!r} has no zone")
    return parsed.astimezone(UTC)


def _trim_fraction(text: str) -> str:
    """Cut a fractional second to microseconds (Opsgenie and Go give nanoseconds)."""
    dot = text.find(".", 10)
    if dot < 0:
        return text
    end = dot + 1
    while end < len(text) and text[end].isdigit():
        end += 1
    digits = text[dot + 1 : end][:6].ljust(6, "0") if end > dot + 1 else "000000"
    return f"{text[:dot]}.{digits}{text[end:]}"


def epoch_to_utc(text: str) -> datetime:
    """Epoch seconds given as text ("1712345678.123456", Slack's ``ts``) without float error."""
    whole, _, fraction = text.partition(".")
    micros = int((fraction + "000000")[:6]) if fraction else 0
    return datetime.fromtimestamp(int(whole), UTC).replace(microsecond=micros)
