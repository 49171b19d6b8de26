"""YAML front matter of a Markdown post-mortem: split it off, read its fields, write it.

Every field is checked as it is read; a bad value is an InputError naming the key and its
line. Keys the document has no field for are kept (as JSON-ready data) in ``extra``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

import yaml

from kintsugi.core.errors import InputError
from kintsugi.postmortems.document import Document, Kind, Severity, Status, Visibility
from kintsugi.postmortems.timeparse import (
    find_date,
    fixed_offset,
    parse_when,
    resolve_zone,
    zone_info,
)

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # type: ignore[assignment]
_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # type: ignore[assignment]


class _Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """Safe YAML with times as ISO 8601 (``2025-09-29T16:58:00+00:00``), unquoted."""


def _represent_datetime(dumper: yaml.SafeDumper, value: datetime) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(datetime, _represent_datetime)

_OPEN_FENCE = re.compile(r"---[ \t]*(?:\n|$)")
_CLOSE_FENCE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_EXTRA_LIMIT = 10_000
_KNOWN_KEYS = {
    "id",
    "key",
    "title",
    "kind",
    "status",
    "severity",
    "started_at",
    "detected_at",
    "resolved_at",
    "published_at",
    "timezone",
    "tags",
    "services",
    "authors",
    "visibility",
    "team",
    "access",
}


@dataclass
class FrontMatter:
    values: dict[str, Any]
    keys: dict[str, str]  # normalised key -> key as written
    lines: list[str]
    source: str | None

    def has(self, name: str) -> bool:
        value = self.values.get(name)
        return value is not None and value != "" and value != []

    def error(self, name: str, message: str) -> InputError:
        written = self.keys.get(name, name)
        pattern = re.compile(rf"^\s*['\"]?{re.escape(written)}['\"]?\s*:")
        line = next((i + 2 for i, text in enumerate(self.lines) if pattern.match(text)), 1)
        return InputError(message, file=self.source, line=line, field=name)


def split_front_matter(text: str, source: str | None) -> tuple[FrontMatter, str]:
    """The front matter (empty when there is none) and the body after it."""
    empty = FrontMatter({}, {}, [], source)
    if not _OPEN_FENCE.match(text):
        return empty, text
    start = text.find("\n") + 1 if "\n" in text else len(text)
    close = _CLOSE_FENCE.search(text, start)
    if close is None:
        raise InputError(
            "front matter opened by '---' on line 1 is never closed by a '---' line",
            file=source,
            line=1,
            field="front matter",
        )
    raw = text[start : close.start()]
    end = text.find("\n", close.end())
    body = "" if end < 0 else text[end + 1 :]
    lines = raw.split("\n")
    try:
        loaded = yaml.load(raw, Loader=_Loader)  # a safe loader (CSafeLoader when available)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(
            f"front matter is not valid YAML: {problem}",
            file=source,
            line=line,
            field="front matter",
        ) from None
    except Exception as exc:  # PyYAML raises more than YAMLError on odd input (ValueError, ...)
        raise InputError(
            f"front matter is not valid YAML: {exc}", file=source, line=1, field="front matter"
        ) from None
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise InputError(
            "front matter must be a mapping of keys to values (key: value lines)",
            file=source,
            line=2,
            field="front matter",
        )
    values: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for key, value in loaded.items():
        written = str(key)
        name = written.strip().lower().replace("-", "_").replace(" ", "_")
        if name not in _KNOWN_KEYS and name != "date":
            name = written
        values[name] = value
        keys[name] = written
    return FrontMatter(values, keys, lines, source), body


def _json_value(value: Any, budget: list[int]) -> Any:
    """``value`` as JSON-ready data (dates as ISO text), refusing absurdly large structures."""
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError("too large")
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(k): _json_value(v, budget) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v, budget) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_json_value(v, budget) for v in value), key=repr)
    return str(value)


def _text_field(fm: FrontMatter, name: str) -> str | None:
    if not fm.has(name):
        return None
    value = fm.values[name]
    if isinstance(value, dict | list | set):
        raise fm.error(name, "must be a single value, not a list or mapping")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return " ".join(str(value).split()) or None


def _list_field(fm: FrontMatter, name: str) -> list[str] | None:
    if not fm.has(name):
        return None
    value = fm.values[name]
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, list):
        items = value
    else:
        raise fm.error(name, "must be a list (tags: [a, b]) or comma-separated text")
    result = []
    for item in items:
        if isinstance(item, dict | list | set):
            raise fm.error(name, "must be a list of names, not of lists or mappings")
        text = " ".join(str(item).split()) if item is not None else ""
        if text:
            result.append(text)
    return result or None


def _choice(fm: FrontMatter, name: str, choices: dict[str, Any], allowed: str) -> Any:
    text = _text_field(fm, name)
    if text is None:
        return None
    key = re.sub(r"[\s_-]+", "", text.lower())
    if key in choices:
        return choices[key]
    raise fm.error(name, f"unknown value {text!r}; expected one of {allowed}")


_KINDS = {
    "postmortem": Kind.POSTMORTEM,
    "premortem": Kind.PREMORTEM,
    "nearmiss": Kind.NEAR_MISS,  # near_miss, near-miss, "near miss"
}
_STATUSES = {
    "draft": Status.DRAFT,
    "inreview": Status.IN_REVIEW,
    "review": Status.IN_REVIEW,
    "published": Status.PUBLISHED,
}
_VISIBILITIES = {
    "organisation": Visibility.ORGANISATION,
    "organization": Visibility.ORGANISATION,
    "team": Visibility.TEAM,
    "restricted": Visibility.RESTRICTED,
}
_SEVERITY_WORDS = {
    "critical": Severity.SEV1,
    "high": Severity.SEV1,
    "major": Severity.SEV2,
    "medium": Severity.SEV2,
    "minor": Severity.SEV3,
    "low": Severity.SEV3,
}
_SEVERITY_NUMBER = re.compile(r"(?:severity|sev|s)?([1-3])")
_SEVERITY_IN_TEXT = re.compile(r"\bsev(?:erity)?[\s_-]*([1-3])\b", re.IGNORECASE)


def severity_from_text(value: object) -> Severity | None:
    """SEV1..SEV3 from "SEV1", "sev 1", "Sev-2", 3, "critical"/"high", "major"/"medium",
    "minor"/"low"; None when the value is none of these."""
    if isinstance(value, bool) or value is None:
        return None
    text = re.sub(r"[\s_.-]+", "", str(value).strip().lower())
    number = _SEVERITY_NUMBER.fullmatch(text)
    if number:
        return Severity(f"SEV{number.group(1)}")
    return _SEVERITY_WORDS.get(text)


def body_severity(value: str) -> Severity | None:
    """A severity written in prose: "Critical", "Major (High Impact, ...)", "SEV 2 - ..."."""
    found = severity_from_text(value)
    if found:
        return found
    words = re.findall(r"[A-Za-z0-9-]+", value)
    if words:
        found = severity_from_text(words[0])
        if found:
            return found
    number = _SEVERITY_IN_TEXT.search(value)
    return Severity(f"SEV{number.group(1)}") if number else None


def _zone_field(fm: FrontMatter) -> str | None:
    text = _text_field(fm, "timezone")
    if text is None:
        return None
    zone = resolve_zone(text)
    if zone is None:
        raise fm.error(
            "timezone", f"unknown time zone {text!r}; use an IANA name such as Europe/Copenhagen"
        )
    return zone


def _localize(value: datetime, tz: tzinfo) -> datetime:
    try:
        return fixed_offset(value.replace(tzinfo=tz) if value.tzinfo is None else value)
    except (OverflowError, ValueError):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def datetime_field(fm: FrontMatter, name: str, tz: tzinfo) -> datetime | None:
    if not fm.has(name):
        return None
    value = fm.values[name]
    hint = "use ISO 8601 such as 2025-09-29T16:58:00+00:00 or '2025-09-29 16:58'"
    if isinstance(value, datetime):
        return _localize(value, tz)
    if isinstance(value, date):
        return _localize(datetime(value.year, value.month, value.day), tz)
    if not isinstance(value, str):
        raise fm.error(name, f"cannot read {value!r} as a date and time; {hint}")
    text = value.strip()
    try:
        return _localize(datetime.fromisoformat(text), tz)
    except ValueError:
        pass
    when = parse_when(text, context=None, tz=tz)
    if when is None or when.at is None or text[when.end :].strip():
        raise fm.error(name, f"cannot read {text!r} as a date and time; {hint}")
    return when.at


def _date_field(fm: FrontMatter, name: str) -> date | None:
    if not fm.has(name):
        return None
    value = fm.values[name]
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        found = find_date(text, need_year=True)
        if found is None:
            raise fm.error(name, f"cannot read {text!r} as a date; use YYYY-MM-DD") from None
        return found


def render_front_matter(doc: Document) -> str:
    """The YAML front matter (without its fences) that ``read_header`` reads back."""
    tz = zone_info(resolve_zone(doc.timezone) or "UTC")

    def local(value: datetime) -> datetime:
        try:
            shown = value.astimezone(tz)
        except (OverflowError, ValueError):
            shown = value
        offset = shown.utcoffset()
        if offset is not None and offset.seconds % 60:
            return shown.astimezone(UTC)  # local mean time before zones existed: not ISO 8601
        return shown

    data: dict[str, Any] = {}
    if doc.id:
        data["id"] = doc.id
    data["title"] = doc.title
    data["kind"] = doc.kind.value
    data["status"] = doc.status.value
    if doc.severity:
        data["severity"] = doc.severity.value
    for name in ("started_at", "detected_at", "resolved_at"):
        value = getattr(doc, name)
        if value is not None:
            data[name] = local(value)
    if doc.published_at is not None and doc.status == Status.PUBLISHED:
        data["published_at"] = local(doc.published_at)
    data["timezone"] = doc.timezone
    for name in ("tags", "services", "authors"):
        values = getattr(doc, name)
        if values:
            data[name] = list(values)
    data["visibility"] = doc.visibility.value
    if doc.team:
        data["team"] = doc.team
    if doc.access:
        data["access"] = list(doc.access)
    for name, value in doc.extra.items():
        if name.strip().lower().replace("-", "_").replace(" ", "_") not in _KNOWN_KEYS:
            data[name] = value
    return str(
        yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)
    )


@dataclass
class Header:
    """What the front matter says, checked."""

    zone: str | None
    default_zone: str
    id: str | None
    title: str | None
    kind: Kind | None
    status: Status | None
    visibility: Visibility | None
    severity: Severity | None
    date: date | None
    tags: list[str] | None
    services: list[str] | None
    authors: list[str] | None
    team: str | None
    access: list[str] | None
    extra: dict[str, Any]


def read_header(fm: FrontMatter, default_timezone: str) -> Header:
    default_zone = resolve_zone(default_timezone)
    if default_zone is None:
        raise InputError(
            f"unknown time zone {default_timezone!r}", file=fm.source, field="default_timezone"
        )
    zone = _zone_field(fm)
    severity = None
    if fm.has("severity"):
        severity = severity_from_text(fm.values["severity"])
        if severity is None:
            raise fm.error(
                "severity",
                f"unknown severity {fm.values['severity']!r}; expected one of SEV1, SEV2, SEV3 "
                "(also 1-3, critical/high, major/medium, minor/low)",
            )
    extra: dict[str, Any] = {}
    budget = [_EXTRA_LIMIT]
    for name, value in fm.values.items():
        if name in _KNOWN_KEYS:
            continue
        try:
            extra[name] = _json_value(value, budget)
        except (ValueError, RecursionError):
            raise fm.error(name, "front matter value is too large or too deeply nested") from None
    return Header(
        zone=zone,
        default_zone=default_zone,
        id=_text_field(fm, "id") or _text_field(fm, "key"),
        title=_text_field(fm, "title"),
        kind=_choice(fm, "kind", _KINDS, "postmortem, premortem, near_miss"),
        status=_choice(fm, "status", _STATUSES, "draft, in_review, published"),
        visibility=_choice(fm, "visibility", _VISIBILITIES, "organisation, team, restricted"),
        severity=severity,
        date=_date_field(fm, "date"),
        tags=_list_field(fm, "tags"),
        services=_list_field(fm, "services"),
        authors=_list_field(fm, "authors"),
        team=_text_field(fm, "team"),
        access=_list_field(fm, "access"),
        extra=extra,
    )
