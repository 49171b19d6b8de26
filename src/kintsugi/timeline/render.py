"""Render a timeline as the Markdown timeline section of a post-mortem, or as JSON."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
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


def event_cell(event: Event) -> str:
    """The "Event" cell: the title (linked when the event has a link) and a short detail."""
    title = _title_text(event.title, event.kind)
    if event.link:
        title = f"[{title.translate(_LINK_TEXT_ESCAPES)}]({_url(event.link)})"
    detail = _detail_text(event.detail)
    return f"{title} — {detail}" if detail else title


def _title_text(title: str, kind: str) -> str:
    return cell(title) or str(kind)


def _url(link: str) -> str:
    return link.translate(_URL_ESCAPES)


def _detail_text(detail: str) -> str:
    detail = cell(detail)
    if len(detail) > DETAIL_LIMIT:
        detail = detail[: DETAIL_LIMIT - 1].rstrip() + "…"
    return detail


def write_table(events: Iterable[Event], zone: ZoneInfo, out: TextIO) -> int:
    """Write the timeline table (header and one row per event) to ``out``; returns the rows.

    Streams: holds one batch of rows at a time. Each distinct minute is formatted once, and
    text is escaped only when it holds a character that needs it (the common case is clean).
    """
    out.write(HEADER)
    rows = 0
    batch: list[str] = []
    append = batch.append
    minute = timedelta(minutes=1)
    low = high = datetime.max.replace(tzinfo=UTC)
    shown = ""
    for event in events:
        at = event.at
        if at >= high or at < low:
            local = at.astimezone(zone)
            low = at - timedelta(seconds=local.second, microseconds=local.microsecond)
            high = low + minute
            shown = local.strftime("%Y-%m-%d %H:%M")
        title = event.title
        if not title or "|" in title or "\n" in title or "\r" in title or "\t" in title:
            title = _title_text(title, event.kind)
        link = event.link
        if link:
            if "[" in title or "]" in title:
                title = title.translate(_LINK_TEXT_ESCAPES)
            if "(" in link or ")" in link or " " in link or "|" in link or "<" in link:
                link = _url(link)
            title = f"[{title}]({link})"
        detail = event.detail
        if detail:
            if (
                "|" in detail
                or "\n" in detail
                or "\r" in detail
                or "\t" in detail
                or len(detail) > DETAIL_LIMIT
            ):
                detail = _detail_text(detail)
            if detail:
                title = f"{title} — {detail}"
        actor = event.actor
        if actor is None:
            actor = ""
        elif "|" in actor or "\n" in actor or "\r" in actor or "\t" in actor:
            actor = cell(actor)
        append(
            f"| {shown} | {title} | {actor} | {', '.join(event.sources) if event.refs else event.source} |"
        )
        rows += 1
        if rows & 8191 == 0:
            append("")
            out.write("\n".join(batch))
            batch.clear()
    if batch:
        append("")
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
