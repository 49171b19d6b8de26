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
  ``authors``, ``visibility``, ``team``, ``access`` and ``date``; other keys are kept in ``extra``
  (:mod:`kintsugi.postmortems.front_matter` reads and writes it).
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

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import PurePath

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
from kintsugi.postmortems.front_matter import (
    body_severity,
    datetime_field,
    read_header,
    render_front_matter,
    severity_from_text,
    split_front_matter,
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
    parse_duration,
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
                found.severity = body_severity(value)
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
    fm, body_text = split_front_matter(text, source)
    body_text = strip_generated(body_text)
    header = read_header(fm, default_timezone)
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
    started_at = datetime_field(fm, "started_at", tz)
    detected_at = datetime_field(fm, "detected_at", tz)
    resolved_at = datetime_field(fm, "resolved_at", tz)
    published_at = datetime_field(fm, "published_at", tz)

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
    parts = [f"---\n{render_front_matter(doc)}---", _heading_line(1, doc.title)]
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
