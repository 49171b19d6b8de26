"""Markdown import and export of post-mortem documents.

Import (:func:`parse_markdown`) reads optional YAML front matter, then the body:

* The title is the front matter's ``title``, else the first heading when it is an H1, else the
  file name. That H1 is the title heading (with front matter naming another title it is a section).
* Sections start at the document's section level (the level of the first heading after the title,
  usually ``##``) and at any heading above it (a late ``# Stats``). Deeper headings stay inside
  their section's Markdown, except that a section whose sub-headings name other known parts
  ("Lessons Learned" > "What went well", "What went wrong") is split at them; sub-headings among
  those that name nothing known keep their parent's key. Each heading's wording gives its key
  (:mod:`kintsugi.postmortems.headings`); unknown ones are ``other``. A heading without text
  (a bare ``##``) is not a section. Text before the first section (around the title) is kept as a
  first ``other`` section with an empty heading (level 1).
* Each section's Markdown is the original text between its heading and the next one, verbatim.
* Timeline events come from the timeline sections, action items from the action item sections
  (:mod:`kintsugi.postmortems.tables` says how).
* Front matter: ``id`` (or ``key``), ``title``, ``kind``, ``status``, ``severity``, ``started_at``,
  ``detected_at``, ``resolved_at``, ``published_at``, ``timezone``, ``tags``, ``services``,
  ``authors``, ``visibility``, ``team``, ``access`` and ``date``; other keys are kept in ``extra``.
* Without front matter, some fields are found where real documents put them: the kind (a title or
  file name saying "pre-mortem", or "Imagined root causes"/"Preventions" sections), the severity
  (a ``Severity: Major`` line), tags (a ``Category: Kubernetes`` line, as in the dfds "Stats"
  section), the zone (the timeline's "All times in CET.", which holds for all its timelines and
  for front matter times without an offset), the start (the earliest timeline event) and
  detection/resolution (``Time to detection: 544 minutes`` lines, counted from the start).
  Front matter always wins.
* Times that give no date fall on the document's date: one in the title ("... - September 29,
  2025"), else in the text before the first section, else front matter ``date``, else
  ``started_at``, else the file name ("2025-09-29-flags-is-down.md"; kept as ``date`` in
  :attr:`Document.extra` so that it survives export).

Export (:func:`render_markdown`) writes front matter, ``# Title`` and each section under its
heading with its Markdown verbatim, so that importing the export gives the same document. It writes
the timeline and action items from the sections' Markdown: to change them, regenerate the section
with :func:`render_timeline_markdown` / :func:`render_action_items_markdown` first. (A document
with events or items but no such section gets one.) Times are written in ISO 8601 with their offset
in the document's zone; imported times carry fixed offsets (the zone's name is ``timezone``).
What Markdown cannot say is not kept: a section's key is what its heading's wording gives
(use :func:`~kintsugi.postmortems.headings.canonical_heading`), only the first section may lack a
heading, and levels above 6 do not exist.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import PurePath
from typing import Any

import yaml
from markdown_it.token import Token
from pydantic import ValidationError

from kintsugi.core.errors import InputError, input_error_from
from kintsugi.postmortems.document import (
    SECTION_KEYS,
    ActionItem,
    Document,
    Kind,
    Section,
    Severity,
    Status,
    TimelineEvent,
    Visibility,
)
from kintsugi.postmortems.headings import PREMORTEM_KEYS, canonical_heading, classify_heading
from kintsugi.postmortems.tables import (
    parse_action_item_tokens,
    parse_timeline_tokens,
    read_timeline,
    render_action_items,
    render_timeline,
    stated_zone,
    tokenize,
)
from kintsugi.postmortems.timeparse import (
    date_from_file_name,
    find_date,
    fixed_offset,
    parse_duration,
    parse_when,
    resolve_zone,
    zone_info,
)

__all__ = [
    "decode_markdown",
    "parse_action_items_markdown",
    "parse_markdown",
    "parse_timeline_markdown",
    "render_action_items_markdown",
    "render_markdown",
    "render_timeline_markdown",
    "severity_from_text",
]

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # type: ignore[assignment]
_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # type: ignore[assignment]


class _Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """Safe YAML with times as ISO 8601 (``2025-09-29T16:58:00+00:00``), unquoted."""


def _represent_datetime(dumper: yaml.SafeDumper, value: datetime) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(datetime, _represent_datetime)

# -- decoding ----------------------------------------------------------------------------------


def decode_markdown(data: bytes, source: str) -> str:
    """The text of a Markdown file's bytes: UTF-8, without a byte order mark.

    Raises InputError naming the line of the first byte that is not UTF-8.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} "
            "(save the file as UTF-8)",
            file=source,
            line=line,
        ) from None


# -- front matter ------------------------------------------------------------------------------

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
class _FrontMatter:
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


def _split_front_matter(text: str, source: str | None) -> tuple[_FrontMatter, str]:
    """The front matter (empty when there is none) and the body after it."""
    empty = _FrontMatter({}, {}, [], source)
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
    return _FrontMatter(values, keys, lines, source), body


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


def _text_field(fm: _FrontMatter, name: str) -> str | None:
    if not fm.has(name):
        return None
    value = fm.values[name]
    if isinstance(value, dict | list | set):
        raise fm.error(name, "must be a single value, not a list or mapping")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return " ".join(str(value).split()) or None


def _list_field(fm: _FrontMatter, name: str) -> list[str] | None:
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


def _choice(fm: _FrontMatter, name: str, choices: dict[str, Any], allowed: str) -> Any:
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


def _body_severity(value: str) -> Severity | None:
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


def _zone_field(fm: _FrontMatter) -> str | None:
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


def _datetime_field(fm: _FrontMatter, name: str, tz: tzinfo) -> datetime | None:
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


def _date_field(fm: _FrontMatter, name: str) -> date | None:
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


# -- body --------------------------------------------------------------------------------------


@dataclass
class _Heading:
    token: int  # index of heading_open in the token list
    level: int
    text: str
    start: int  # first line (0-based, in the body)
    end: int  # line after the heading


@dataclass
class _Part:
    heading: _Heading
    key: str


_PREMORTEM = re.compile(r"\bpre[-\s_]?mortem\b", re.IGNORECASE)
_META_LINE = re.compile(
    r"^[ \t]*+(?:[-*+][ \t]++)?(?:\*\*|__)?[ \t]*+(?P<label>severity|category|categories"
    r"|time[ \t]+to[ \t]+(?:detection|detect|recovery|recover|resolution|resolve|mitigation|mitigate)"
    r"|detection[ \t]+delay|total[ \t]+impact[ \t]+duration|impact[ \t]+duration|ttd|ttr)"
    r"[ \t]*(?:\([^)\n]*\))?[ \t]*(?::[ \t]*(?:\*\*|__)|(?:\*\*|__)?[ \t]*:)[ \t]*(?P<value>[^\n]*)",
    re.IGNORECASE | re.MULTILINE,
)
_PLACEHOLDER = re.compile(r"^(?:x+|y+|z+|\?+|n/?a|tbd|tba|-+|none|unknown|\.+)$", re.IGNORECASE)


def _without_markup_edges(value: str) -> str:
    """``value`` without spaces, emphasis or code marks at either end (a loop, not a regex
    anchored at the end, which would be quadratic on a long run of spaces)."""
    start, end = 0, len(value)
    while start < end and (value[start].isspace() or value[start] in "*_`"):
        start += 1
    while end > start and (value[end - 1].isspace() or value[end - 1] in "*_`"):
        end -= 1
    return value[start:end]


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _strip_blank_lines(lines: Sequence[str]) -> str:
    """The lines without blank ones at either end (blank as Markdown means it: spaces, tabs)."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip(" \t"):
        start += 1
    while end > start and not lines[end - 1].strip(" \t"):
        end -= 1
    return "\n".join(lines[start:end])


def _headings(tokens: Sequence[Token]) -> list[_Heading]:
    """Top-level headings that have text (a bare "##" line stays in its section's text)."""
    found = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.level == 0 and token.map:
            level = int(token.tag[1:]) if token.tag[1:].isdigit() else 2
            text = _collapse(tokens[index + 1].content) if index + 1 < len(tokens) else ""
            if text:
                found.append(_Heading(index, level, text, token.map[0], token.map[1]))
    return found


def _refine(parent: _Heading, key: str, children: list[_Heading], kind: Kind) -> list[_Part]:
    """``parent`` alone, or split at its sub-headings when they name other known parts."""
    parts = [_Part(parent, key)]
    if not children:
        return parts
    level = min(child.level for child in children)
    direct = [i for i, child in enumerate(children) if child.level == level]
    keys = [classify_heading(children[i].text, kind) for i in direct]
    if not any(found is not None and found != key for found in keys):
        return parts
    for position, index in enumerate(direct):
        stop = direct[position + 1] if position + 1 < len(direct) else len(children)
        child_key = keys[position] or key
        parts.extend(_refine(children[index], child_key, children[index + 1 : stop], kind))
    return parts


def _split(headings: list[_Heading], kind: Kind) -> list[_Part]:
    """The headings that start sections, with their keys."""
    if not headings:
        return []
    section_level = headings[0].level
    tops = [i for i, heading in enumerate(headings) if heading.level <= section_level]
    parts: list[_Part] = []
    for position, index in enumerate(tops):
        stop = tops[position + 1] if position + 1 < len(tops) else len(headings)
        heading = headings[index]
        key = classify_heading(heading.text, kind) or "other"
        parts.extend(_refine(heading, key, headings[index + 1 : stop], kind))
    return parts


@dataclass
class _Metadata:
    severity: Severity | None = None
    category: str | None = None
    detection: timedelta | None = None
    resolution: timedelta | None = None


def _body_metadata(body: str) -> _Metadata:
    found = _Metadata()
    for match in _META_LINE.finditer(body):
        label = " ".join(match.group("label").lower().split())
        value = _without_markup_edges(match.group("value"))
        if not value or _PLACEHOLDER.match(value):
            continue
        if label == "severity":
            if found.severity is None:
                found.severity = _body_severity(value)
        elif label.startswith("categor"):
            if found.category is None:
                found.category = _collapse(value)
        elif "detect" in label or label == "ttd":
            if found.detection is None:
                found.detection = parse_duration(value)
        elif found.resolution is None:
            found.resolution = parse_duration(value)
    return found


def _add(start: datetime | None, delta: timedelta | None) -> datetime | None:
    if start is None or delta is None:
        return None
    try:
        return start + delta
    except OverflowError:
        return None


def _earliest(events: Sequence[TimelineEvent]) -> datetime | None:
    """The first moment of a timeline; a day-only entry counts only before the first timed day."""
    timed = [e.at for e in events if e.at is not None and e.precision != "day"]
    days = [e.at for e in events if e.at is not None and e.precision == "day"]
    first_timed = min(timed) if timed else None
    first_day = min(days) if days else None
    if first_day is None or first_timed is None:
        return first_timed or first_day
    timed_day = _local_date(first_timed, first_day.tzinfo or UTC)
    return first_day if timed_day is not None and first_day.date() < timed_day else first_timed


def _local_date(value: datetime, tz: tzinfo) -> date | None:
    try:
        return value.astimezone(tz).date()
    except (OverflowError, ValueError):
        return None


@dataclass
class _Header:
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


def _read_header(fm: _FrontMatter, default_timezone: str) -> _Header:
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
    return _Header(
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


@dataclass
class _Body:
    """The body cut into sections, with the tokens of each section."""

    title_heading: _Heading | None
    preamble: str
    sections: list[Section]
    parts: list[tuple[str, list[Token]]]  # key and tokens of each headed section


def _read_body(body: str, fm_title: str | None, kind_of: _KindOf) -> tuple[_Body, Kind]:
    tokens = tokenize(body)
    lines = body.split("\n")
    headings = _headings(tokens)
    title_heading: _Heading | None = None
    if (
        headings
        and headings[0].level == 1
        and (fm_title is None or _collapse(fm_title) == headings[0].text)
    ):
        title_heading = headings.pop(0)
    kind = kind_of(title_heading.text if title_heading else None)
    split = _split(headings, kind)
    if kind_of.kind is None and any(part.key in PREMORTEM_KEYS for part in split):
        kind = Kind.PREMORTEM  # "Imagined root causes", "Preventions": only pre-mortems have them
        split = _split(headings, kind)
    first_line = split[0].heading.start if split else len(lines)
    if title_heading is not None:
        before = _strip_blank_lines(lines[: title_heading.start])
        after = _strip_blank_lines(lines[title_heading.end : first_line])
        preamble = "\n\n".join(p for p in (before, after) if p)
    else:
        preamble = _strip_blank_lines(lines[:first_line])
    sections: list[Section] = []
    if preamble:
        sections.append(Section(key="other", heading="", markdown=preamble, level=1))
    parts: list[tuple[str, list[Token]]] = []
    for position, part in enumerate(split):
        heading = part.heading
        following = split[position + 1].heading if position + 1 < len(split) else None
        end_line = following.start if following else len(lines)
        markdown = _strip_blank_lines(lines[heading.end : end_line])
        sections.append(
            Section(key=part.key, heading=heading.text, markdown=markdown, level=heading.level)
        )
        # heading_open, inline, heading_close; then the section's own tokens.
        parts.append((part.key, tokens[heading.token + 3 : following.token if following else None]))
    return _Body(title_heading, preamble, sections, parts), kind


class _KindOf:
    """The kind: the front matter's, else "pre-mortem" in the title or the file name.

    (A document with pre-mortem sections is a pre-mortem too: see :func:`_read_body`.)
    """

    def __init__(self, kind: Kind | None, fm_title: str | None, file_stem: str | None) -> None:
        self.kind, self.fm_title, self.file_stem = kind, fm_title, file_stem

    def __call__(self, heading_title: str | None) -> Kind:
        if self.kind is not None:
            return self.kind
        for text in (self.fm_title or heading_title, self.file_stem):
            if text and _PREMORTEM.search(text):
                return Kind.PREMORTEM
        return Kind.POSTMORTEM


# Blocks that Kintsugi generates into exports from other data (the root cause analysis):
# <!-- kintsugi:NAME-begin ... --> ... <!-- kintsugi:NAME-end -->. Importing an export skips them.
GENERATED_BLOCK = re.compile(
    r"^<!-- kintsugi:([a-z-]+)-begin\b.*?^<!-- kintsugi:\1-end -->[ \t]*\n?",
    re.MULTILINE | re.DOTALL,
)


def strip_generated(markdown: str) -> str:
    """``markdown`` without the blocks Kintsugi generated into an export."""
    return GENERATED_BLOCK.sub("", markdown) if "<!-- kintsugi:" in markdown else markdown


def parse_markdown(
    text: str, *, source: str | None = None, default_timezone: str = "UTC"
) -> Document:
    """Parse a Markdown post-mortem (with or without YAML front matter) into a Document.

    Raises InputError naming the line and field of the first problem.
    """
    try:
        return _parse_markdown(text, source=source, default_timezone=default_timezone)
    except ValidationError as exc:  # a value the model refuses (a time that cannot be stored)
        raise input_error_from(exc, file=source) from None


def _parse_markdown(text: str, *, source: str | None, default_timezone: str) -> Document:
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fm, body_text = _split_front_matter(text, source)
    body_text = strip_generated(body_text)
    header = _read_header(fm, default_timezone)
    file_stem = PurePath(source).stem if source else None
    body, kind = _read_body(body_text, header.title, _KindOf(header.kind, header.title, file_stem))
    heading_title = body.title_heading.text if body.title_heading else None
    title = header.title or heading_title or file_stem or "Untitled"
    extra = dict(header.extra)

    # The document's zone: its front matter's, else the one its timeline states ("All times in
    # CET.", which holds for all of its timelines), else the default.
    timelines = [tokens for key, tokens in body.parts if key == "timeline"]
    stated = next(filter(None, (stated_zone(tokens) for tokens in timelines)), None)
    zone = header.zone or stated or header.default_zone
    tz = zone_info(zone)
    started_at = _datetime_field(fm, "started_at", tz)
    detected_at = _datetime_field(fm, "detected_at", tz)
    resolved_at = _datetime_field(fm, "resolved_at", tz)
    published_at = _datetime_field(fm, "published_at", tz)

    # The document's date, for timelines that give times without one.
    base = find_date(title, need_year=True) or find_date(body.preamble, need_year=True)
    base = base or header.date
    if base is None and started_at is not None:
        base = _local_date(started_at, tz)
    if base is None and source and "date" not in extra:
        base = date_from_file_name(PurePath(source).name)
        if base is not None:
            extra["date"] = base.isoformat()

    timeline: list[TimelineEvent] = []
    lacked_day = False
    for tokens in timelines:
        result = read_timeline(tokens, zone=stated or zone, context=base)
        timeline.extend(result.events)
        lacked_day = lacked_day or result.lacked_day
    action_items: list[ActionItem] = []
    for key, tokens in body.parts:
        if key == "action_items":
            action_items.extend(parse_action_item_tokens(tokens))

    meta = _body_metadata(body_text)
    if started_at is None and not lacked_day:
        started_at = _earliest(timeline)
    return Document(
        id=header.id,
        title=title,
        kind=kind,
        status=header.status or Status.DRAFT,
        severity=header.severity or meta.severity,
        started_at=started_at,
        detected_at=detected_at or _add(started_at, meta.detection),
        resolved_at=resolved_at or _add(started_at, meta.resolution),
        published_at=published_at,
        timezone=zone,
        tags=header.tags or ([meta.category] if meta.category else []),
        services=header.services or [],
        authors=header.authors or [],
        visibility=header.visibility or Visibility.ORGANISATION,
        team=header.team,
        access=header.access or [],
        sections=body.sections,
        timeline=timeline,
        action_items=action_items,
        extra=extra,
    )


# -- structured parts --------------------------------------------------------------------------


def parse_timeline_markdown(
    markdown: str, *, timezone: str = "UTC", base_date: date | None = None
) -> list[TimelineEvent]:
    """Timeline events of one section's Markdown (a table or a list of timed entries).

    Times without a zone are in the zone the text states ("All times in CET."), else
    ``timezone``; times without a date fall on ``base_date`` or the last date seen.
    """
    return parse_timeline_tokens(tokenize(markdown), timezone=timezone, base_date=base_date)


def parse_action_items_markdown(markdown: str) -> list[ActionItem]:
    """Action items of one section's Markdown (lists or a table)."""
    return parse_action_item_tokens(tokenize(markdown))


def render_timeline_markdown(events: Sequence[TimelineEvent], timezone: str) -> str:
    """A timeline section's Markdown for ``events``: "All times in ZONE." and a table.

    :func:`parse_timeline_markdown` reads it back to the same events (day-precision events are
    midnight in ``timezone``; seconds are written only when an event has them).
    """
    return render_timeline(events, timezone)


def render_action_items_markdown(items: Sequence[ActionItem]) -> str:
    """An action items section's Markdown: a checklist, or a table when items have more fields.

    :func:`parse_action_items_markdown` reads it back to the same items (ids aside).
    """
    return render_action_items(items)


# -- export ------------------------------------------------------------------------------------

_TRAILING_HASHES = re.compile(r"(?:^|\s)#+$")


def _heading_line(level: int, text: str) -> str:
    text = _collapse(text)
    if _TRAILING_HASHES.search(text):
        text += " #"  # a closing sequence, so that the heading keeps its own trailing '#'
    marks = "#" * min(max(level, 1), 6)
    return f"{marks} {text}" if text else marks


def _front_matter(doc: Document) -> str:
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


def _with_structured_sections(doc: Document) -> list[Section]:
    """The sections, plus a timeline and an action items section when only the data has them."""
    sections = list(doc.sections)
    level = next((s.level for s in sections if s.heading), 2)
    order = {key: index for index, key in enumerate(SECTION_KEYS)}
    wanted = []
    if doc.timeline and not any(s.key == "timeline" for s in sections):
        wanted.append(("timeline", render_timeline(doc.timeline, doc.timezone)))
    if doc.action_items and not any(s.key == "action_items" for s in sections):
        wanted.append(("action_items", render_action_items(doc.action_items)))
    for key, markdown in wanted:
        new = Section(
            key=key, heading=canonical_heading(key), markdown=markdown.strip("\n"), level=level
        )
        position = next(
            (
                i
                for i, s in enumerate(sections)
                if s.heading and s.key != "other" and order[s.key] > order[key]
            ),
            len(sections),
        )
        sections.insert(position, new)
    return sections


def render_markdown(doc: Document) -> str:
    """Render a Document as Markdown with YAML front matter; parse_markdown inverts it."""
    parts = [f"---\n{_front_matter(doc)}---", _heading_line(1, doc.title)]
    for index, section in enumerate(_with_structured_sections(doc)):
        markdown = _strip_blank_lines(section.markdown.replace("\r\n", "\n").split("\n"))
        if index == 0 and not section.heading:
            if markdown:
                parts.append(markdown)  # the text before the first heading
            continue
        parts.append(_heading_line(section.level, section.heading))
        if markdown:
            parts.append(markdown)
    return "\n\n".join(parts) + "\n"
