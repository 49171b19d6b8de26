"""Render a timeline as the Markdown timeline section of a post-mortem, or as JSON."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kintsugi.core.errors import InputError
from kintsugi.timeline.durations import Durations
from kintsugi.timeline.events import Event

HEADER = "| Time | Event | Actor | Source |\n| --- | --- | --- | --- |\n"
DETAIL_LIMIT = 200
_CELL_ESCAPES = str.maketrans({"|": "\\|", "\n": " ", "\r": " ", "\t": " "})
_LINK_TEXT_ESCAPES = str.maketrans({"[": "\\[", "]": "\\]"})
_URL_ESCAPES = str.maketrans(
    {" ": "%20", "(": "%28", ")": "%29", "|": "%7C", "<": "%3C", ">": "%3E"}
)


def zone_named(name: str | None) -> ZoneInfo:
    """The IANA zone ``name`` (UTC when None); InputError when unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(f"unknown time zone {name!r}", field="timezone") from exc


def cell(text: str | None) -> str:
    """Text safe inside one Markdown table cell."""
    if not text:
        return ""
    return " ".join(text.translate(_CELL_ESCAPES).split())


class _TimeFormatter:
    """Formats times in one zone, computing each distinct minute once."""

    __slots__ = ("_cache", "_zone")

    def __init__(self, zone: ZoneInfo) -> None:
        self._zone = zone
        self._cache: dict[int, str] = {}

    def __call__(self, at: datetime) -> str:
        minute = int(at.timestamp()) // 60
        text = self._cache.get(minute)
        if text is None:
            if len(self._cache) > 100_000:
                self._cache.clear()
            text = at.astimezone(self._zone).strftime("%Y-%m-%d %H:%M")
            self._cache[minute] = text
        return text


def event_cell(event: Event) -> str:
    """The "Event" cell: the title (linked when the event has a link) and a short detail."""
    title = cell(event.title) or event.kind
    if event.link:
        title = f"[{title.translate(_LINK_TEXT_ESCAPES)}]({event.link.translate(_URL_ESCAPES)})"
    if event.detail:
        detail = cell(event.detail)
        if len(detail) > DETAIL_LIMIT:
            detail = detail[: DETAIL_LIMIT - 1].rstrip() + "…"
        if detail:
            title = f"{title} — {detail}"
    return title


def write_table(events: Iterable[Event], zone: ZoneInfo, out: TextIO) -> int:
    """Write the timeline table (header and one row per event) to ``out``; returns the rows.

    Streams: holds one batch of rows at a time.
    """
    fmt = _TimeFormatter(zone)
    out.write(HEADER)
    rows = 0
    batch: list[str] = []
    for event in events:
        refs = event.refs
        source = event.source if not refs else ", ".join(event.sources)
        batch.append(f"| {fmt(event.at)} | {event_cell(event)} | {cell(event.actor)} | {source} |")
        rows += 1
        if len(batch) >= 4096:
            batch.append("")
            out.write("\n".join(batch))
            batch.clear()
    if batch:
        batch.append("")
        out.write("\n".join(batch))
    return rows


def render_markdown(
    events: Iterable[Event],
    zone: ZoneInfo,
    *,
    heading: str | None = "Timeline",
    durations: Durations | None = None,
    changes: list[Event] | None = None,
) -> str:
    """The post-mortem "Timeline" section: zone note, table, and optionally durations/changes."""
    import io

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


def event_json(event: Event, zone: ZoneInfo) -> dict[str, Any]:
    """One event as JSON, its time in UTC and in the incident's zone."""
    data = event.to_json()
    data["local_time"] = event.at.astimezone(zone).isoformat()
    return data
