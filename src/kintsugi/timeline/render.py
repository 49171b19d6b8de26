"""Render a timeline as the Markdown timeline section of a post-mortem, or as JSON."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TextIO
from zoneinfo import ZoneInfo

from kintsugi.core.zones import parse_zone
from kintsugi.timeline.durations import Durations
from kintsugi.timeline.events import Event

HEADER = "| Time | Event | Actor | Source |\n| --- | --- | --- | --- |\n"
DETAIL_LIMIT = 200
_CELL_ESCAPES = str.maketrans({"|": "\\|", "\n": " ", "\r": " ", "\t": " "})
_LINK_TEXT_ESCAPES = str.maketrans({"[": "\\[", "]": "\\]"})
_URL_ESCAPES = str.maketrans(
    {" ": "%20", "(": "%28", ")": "%29", "|": "%7C", "<": "%3C", ">": "%3E"}
)
_URL_SPECIALS = " ()|<>"
_ASCII_BREAKS = "|\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"
"""The pipe and the ASCII whitespace other than the space."""
_WIDE_BREAKS = (
    "\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
"""The other whitespace characters (``str.split`` and ``str.splitlines`` break on them)."""
_BREAKS = _ASCII_BREAKS[1:] + _WIDE_BREAKS
"""Every whitespace character but the space."""
_CHUNK = 256


def zone_named(name: str | None) -> ZoneInfo:
    """The IANA zone ``name`` (UTC when None); InputError when unknown."""
    return parse_zone(name)


def cell(text: str | None) -> str:
    """Text safe inside one Markdown table cell: pipes escaped, whitespace collapsed."""
    if not text:
        return ""
    return " ".join(text.translate(_CELL_ESCAPES).split())


def is_clean(text: str) -> bool:
    """True when ``text`` can go into a table cell as it is: no pipe, no whitespace but spaces.

    (Tabs, line breaks and the other whitespace characters would break the row or the cell.)
    """
    return "|" not in text and (text.isprintable() or not any(c in _BREAKS for c in text))


def cell_text(text: str | None) -> str:
    """``text`` for a table cell: as it is when clean, else escaped onto one line (``cell``)."""
    if not text:
        return ""
    return text if is_clean(text) else cell(text)


def event_cell(event: Event) -> str:
    """The "Event" cell: the title (linked when the event has a link) and a short detail."""
    title = _title_text(event.title, event.kind)
    if event.link:
        title = f"[{title.translate(_LINK_TEXT_ESCAPES)}]({_url(event.link)})"
    detail = _detail_text(event.detail)
    return f"{title} — {detail}" if detail else title


def sources_text(event: Event) -> str:
    """The "Source" cell: every source that reported the event, its own first."""
    return ", ".join(event.sources) if event.refs else event.source


def table_row(event: Event, shown: str) -> str:
    """One row of the timeline table, ``shown`` being its local time ("2024-05-01 16:03").

    The plain definition of a row: ``write_table`` writes the same text faster.
    """
    return f"| {shown} | {_row_rest(event)}"


def local_minute(at: datetime, zone: ZoneInfo) -> str:
    """``at`` in ``zone`` to the minute, as the table shows it."""
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _row_rest(event: Event) -> str:
    return f"{event_cell(event)} | {cell_text(event.actor)} | {sources_text(event)} |"


def _title_text(title: str, kind: str) -> str:
    text = cell_text(title)
    return text if text and not text.isspace() else str(kind)


def _url(link: str) -> str:
    return link.translate(_URL_ESCAPES)


def _detail_text(detail: str) -> str:
    detail = cell_text(detail)
    if not detail or detail.isspace():
        return ""
    if len(detail) > DETAIL_LIMIT:
        detail = detail[: DETAIL_LIMIT - 1].rstrip() + "…"
    return detail


def _fast_row_ok(event: Event) -> bool:
    """Whether ``write_table``'s unescaped row for ``event`` equals ``table_row``."""
    title, link = event.title, event.link
    if not is_clean(title) or not is_clean(event.detail) or not is_clean(event.actor or ""):
        return False
    return not link or not ("[" in title or "]" in title or any(c in link for c in _URL_SPECIALS))


def write_table(events: Iterable[Event], zone: ZoneInfo, out: TextIO) -> int:
    """Write the timeline table (header and one row per event) to ``out``; returns the rows.

    Streams, a chunk of rows at a time; each row is exactly ``table_row``.
    """
    out.write(HEADER)
    return _write_rows_pure(events, zone, out)


def _write_rows_pure(events: Iterable[Event], zone: ZoneInfo, out: TextIO) -> int:
    """The rows of ``write_table`` (each exactly ``table_row``); returns how many.

    Rows are written without escaping first, and each chunk's texts and links are then
    checked at once (a few scans in C) for anything that needs escaping; only the rows that
    do are written again the plain way. Each distinct minute is formatted once.
    """
    rows = 0
    minute = timedelta(minutes=1)
    low = high = datetime.max.replace(tzinfo=UTC)
    prefix = ""
    stream = iter(events)
    while chunk := list(islice(stream, _CHUNK)):
        lines: list[str] = []
        line = lines.append
        texts: list[str] = []
        text = texts.extend
        links: list[str] = []
        add_link = links.append
        for event in chunk:
            at = event.at
            if at >= high or at < low:
                local = at.astimezone(zone)
                low = at - timedelta(seconds=local.second, microseconds=local.microsecond)
                high = low + minute
                prefix = f"| {local.strftime('%Y-%m-%d %H:%M')} | "
            title = event.title
            detail = event.detail
            if (
                not title
                or title.isspace()
                or (detail and (len(detail) > DETAIL_LIMIT or detail.isspace()))
            ):
                line(prefix + _row_rest(event))
                continue
            actor = event.actor or ""
            text((title, detail, actor))
            refs = event.refs
            if not refs:
                sources = event.source
            elif len(refs) == 1:
                sources = event.source
                if refs[0].source != sources:
                    sources = f"{sources}, {refs[0].source}"
            else:
                sources = ", ".join(event.sources)
            link = event.link
            if link:
                add_link(link)
                if detail:
                    line(f"{prefix}[{title}]({link}) — {detail} | {actor} | {sources} |")
                else:
                    line(f"{prefix}[{title}]({link}) | {actor} | {sources} |")
            elif detail:
                line(f"{prefix}{title} — {detail} | {actor} | {sources} |")
            else:
                line(f"{prefix}{title} | {actor} | {sources} |")
        if _needs_escaping("".join(texts), "".join(links)):
            for index, event in enumerate(chunk):
                if not _fast_row_ok(event):
                    lines[index] = table_row(event, local_minute(event.at, zone))
        rows += len(chunk)
        line("")
        out.write("\n".join(lines))
    return rows


def _needs_escaping(texts: str, links: str) -> bool:
    """Whether any of a chunk's cell texts or links (each run together) needs escaping."""
    for c in _ASCII_BREAKS:
        if c in texts:
            return True
    if not texts.isascii():
        for c in _WIDE_BREAKS:
            if c in texts:
                return True
    if links:
        if "[" in texts or "]" in texts:  # a linked title's brackets need escaping
            return True
        for c in _URL_SPECIALS:
            if c in links:
                return True
    return False


def render_markdown(
    events: Iterable[Event],
    zone: ZoneInfo,
    *,
    heading: str | None = "Timeline",
    durations: Durations | None = None,
    changes: list[Event] | None = None,
) -> str:
    """The post-mortem "Timeline" section: zone note, table, and optionally durations/changes."""
    out = io.StringIO()
    if heading:
        out.write(f"## {heading}\n\n")
    out.write(f"All times in {zone.key}.\n\n")
    write_table(events, zone, out)
    if durations is not None:
        out.write("\n### Durations\n\n| Measure | Duration |\n| --- | --- |\n")
        for label, value in durations.items():
            out.write(f"| {label} | {format_duration(value)} |\n")
    if changes is not None:
        out.write("\n### Changes before detection\n\n")
        if changes:
            write_table(changes, zone, out)
        else:
            out.write("No deploys or config changes in the window before the first alert.\n")
    return out.getvalue()


def format_duration(value: timedelta | None) -> str:
    """ "1h 05m", "12m 30s", "45s", or "unknown"."""
    if value is None:
        return "unknown"
    total = int(value.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes:02d}m"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {seconds:02d}s"
    return f"{seconds}s"


@dataclass(slots=True)
class LocalEvent(Event):
    """An event with its time also shown in the incident's zone (``local_time``, ISO 8601)."""

    local_time: str = field(kw_only=True)

    @classmethod
    def of(cls, event: Event, zone: ZoneInfo) -> LocalEvent:
        return cls(
            event.at,
            event.source,
            event.source_id,
            event.kind,
            event.title,
            event.detail,
            event.actor,
            event.link,
            event.alert,
            event.refs,
            local_time=event.at.astimezone(zone).isoformat(),
        )
