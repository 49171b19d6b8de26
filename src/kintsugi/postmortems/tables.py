"""Timeline events and action items from the lists and tables of a section, and back.

Both work on markdown-it block tokens (the document is tokenised once; inline parsing is off, so an
``inline`` token's ``content`` is the source text of a paragraph, heading or table cell).

Timelines
    A table with a time column ("Time", "Date and Time in CET", "Date/Time") gives one event per
    row that has any text; an event column ("Event", "Description", "Action/Impact", else the first
    other column) its text; a "Who"/"Actor"/"Owner" column its actor. A list item gives an event
    when it begins with a time or a date (``**16:58 UTC** - text``, ``2025-10-21 14:03 UTC: text``,
    ``16:58 - text``); other items are notes and are skipped. A bare time falls on the day of the
    last date seen (an earlier entry, a heading or a line that begins with a date, or the
    document's date). "All times in CET." and a zone in the time column's header set the zone. An
    event text that begins with a capitalised name in parentheses, ``(Lloyd Middleton) ...``, names
    its actor. Times are not rolled over midnight: write the date when the day changes.

Action items
    Each top-level list item is one item; its sub-lists are detail of it, not items. When a section
    mixes numbered and bulleted lists, the numbered items are the items (the bullets between them
    are their detail). ``[x]`` and a leading ✅ mean completed; a heading such as "Immediate
    actions (completed)" makes the items under it completed; ``Owner: @someone``,
    ``Priority: high`` / ``[P1]``, ``Due: 2025-12-01`` and ``Status: in progress`` inside the text
    are read and taken out of the title. Priorities: P0 = critical/urgent/highest/blocker, P1 =
    high, P2 = medium/normal/low/lowest. A table's columns (Action/Item/Task, Owner/Assignee/Who,
    Priority, Due/Due date, Status/State, Ticket/Link/Bug #) give the same fields; a ticket is kept
    in the title in parentheses. A column headed exactly "Kind" gives the item's kind (fix,
    prevention, detection, mitigation, process, documentation); it is written only when some
    item has a kind. Empty items (the ``-`` placeholder) are not items.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from markdown_it import MarkdownIt
from markdown_it.token import Token

from kintsugi.postmortems.document import (
    ActionItem,
    ActionItemKind,
    ActionItemStatus,
    Priority,
    TimelineEvent,
)
from kintsugi.postmortems.timeparse import (
    DATE_VALUE,
    When,
    find_header_zone,
    find_zone_statement,
    format_when,
    leading_date,
    parse_date,
    parse_when,
    resolve_zone,
    zone_info,
)

_PARSER = MarkdownIt("commonmark").enable("table").disable("inline")


def tokenize(text: str) -> list[Token]:
    """Block tokens of ``text`` with source line maps (no inline parsing)."""
    return _PARSER.parse(text)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _escape_cell(text: str) -> str:
    return _collapse(text).replace("|", "\\|")


@dataclass
class _Table:
    header: list[str]
    rows: list[list[str]]


def _read_table(tokens: Sequence[Token], start: int) -> tuple[_Table, int]:
    """The table opening at ``start``; returns it and the index after its ``table_close``."""
    header: list[str] = []
    rows: list[list[str]] = []
    row: list[str] | None = None
    in_head = False
    i = start + 1
    while i < len(tokens):
        token = tokens[i]
        kind = token.type
        if kind == "table_close":
            return _Table(header, rows), i + 1
        if kind == "thead_open":
            in_head = True
        elif kind == "thead_close":
            in_head = False
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            if row is not None:
                if in_head:
                    header = row
                else:
                    rows.append(row)
            row = None
        elif kind == "inline" and row is not None:
            row.append(_collapse(token.content))
        i += 1
    return _Table(header, rows), i


def _column(header: list[str], pattern: re.Pattern[str], taken: set[int]) -> int | None:
    for index, name in enumerate(header):
        if index not in taken and pattern.search(name.lower()):
            return index
    return None


# -- timelines ---------------------------------------------------------------------------------

_TIME_HEADER = re.compile(r"\b(?:time|date|when|timestamp|datetime|day|hour)s?\b|\(utc\)")
_ACTOR_HEADER = re.compile(r"\b(?:who|actor|owner|by|person|people|responder|author|team)\b")
_EVENT_HEADER = re.compile(
    r"\b(?:event|events|description|what|action|activity|details?|update|impact|note|notes|"
    r"happened|message|summary|text)\b"
)
_ACTOR_PREFIX = re.compile(r"^\((?P<name>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})\)\s+(?=\S)")
_WRAPPED = re.compile(
    r"^(?P<open>\*\*|__|\*|_|`|\[)(?P<inner>[^*_`\]\n]+?)(?P<close>\*\*|__|\*|_|`|\])"
)
_CLOSERS = {"**": "**", "__": "__", "*": "*", "_": "_", "`": "`", "[": "]"}
_LEFTOVER = re.compile(r"^[\s:,.)\-–—]*$")
_SEPARATOR = re.compile(r"^\s*(?:[-–—:|→>]+|\)\s*[-–—:]?)?\s*")


@dataclass
class TimelineResult:
    """Events of a section; ``lacked_day``: some entry had no day to fall on."""

    events: list[TimelineEvent] = field(default_factory=list)
    lacked_day: bool = False


def _actor_and_text(text: str) -> tuple[str | None, str]:
    match = _ACTOR_PREFIX.match(text)
    if match:
        return match.group("name"), text[match.end() :]
    return None, text


class _TimelineReader:
    def __init__(self, zone: str, context: date | None) -> None:
        self.tz = zone_info(zone)
        self.context = context
        self.result = TimelineResult()

    def state_zone(self, name: str) -> None:
        self.tz = zone_info(name)

    def add(self, at: datetime | None, precision: str, text: str, actor: str | None) -> None:
        if actor is None:
            actor, text = _actor_and_text(text)
        self.result.events.append(
            TimelineEvent(at=at, text=_collapse(text), actor=actor, precision=precision)
        )

    def entry(self, when_text: str, text: str, actor: str | None) -> None:
        """A table row: its time cell, event text and actor."""
        when = parse_when(when_text, context=self.context, tz=self.tz) if when_text else None
        if when is None:
            self.add(None, "minute", text, actor)
            return
        self.note(when)
        self.add(when.at, when.precision, text, actor)

    def note(self, when: When) -> None:
        if when.needs_context:
            self.result.lacked_day = True
        if when.date is not None:
            self.context = when.date

    def list_item(self, content: str) -> None:
        """A list item's first paragraph: an event when it begins with a time or a date."""
        text = content.strip()
        wrapped = _WRAPPED.match(text)
        if wrapped and _CLOSERS[wrapped.group("open")] == wrapped.group("close"):
            inner = wrapped.group("inner")
            when = parse_when(inner, context=self.context, tz=self.tz)
            if when is None:
                return
            leftover = inner[when.end :]
            rest = text[wrapped.end() :]
            if not _LEFTOVER.match(leftover):
                rest = leftover + rest
        else:
            when = parse_when(text, context=self.context, tz=self.tz)
            if when is None:
                return
            rest = text[when.end :]
            if rest and rest[0].isalnum():
                return  # "2025 was..." or "10:00am-ish": not a time followed by a separator
        rest = _SEPARATOR.sub("", rest, count=1)
        self.note(when)
        self.add(when.at, when.precision, rest, None)

    def table(self, table: _Table) -> None:
        header = [h.lower() for h in table.header]
        time_col = _column(header, _TIME_HEADER, set())
        if time_col is None:
            if not table.rows or not any(
                row and parse_when(row[0], context=self.context, tz=self.tz) for row in table.rows
            ):
                return
            time_col = 0
        zone = find_header_zone(table.header[time_col]) if table.header else None
        if zone:
            self.state_zone(zone)
        taken = {time_col}
        actor_col = _column(header, _ACTOR_HEADER, taken)
        if actor_col is not None:
            taken.add(actor_col)
        event_col = _column(header, _EVENT_HEADER, taken)
        if event_col is None:
            event_col = next((i for i in range(len(header)) if i not in taken), None)
        for row in table.rows:
            if not any(row):
                continue
            when_text = row[time_col] if time_col < len(row) else ""
            text = row[event_col] if event_col is not None and event_col < len(row) else ""
            actor = row[actor_col] if actor_col is not None and actor_col < len(row) else ""
            self.entry(when_text, text, actor or None)

    def marker(self, content: str) -> None:
        """A heading or a paragraph outside lists: a zone statement or a day to go on with."""
        statement = find_zone_statement(content)
        if statement:
            self.state_zone(statement)
        day = leading_date(content.strip(), self.context)
        if day is not None:
            self.context = day


def stated_zone(tokens: Sequence[Token]) -> str | None:
    """The first zone that a section's sentences or time-column headers state."""
    for index in range(1, len(tokens)):
        token = tokens[index]
        if token.type != "inline":
            continue
        parent = tokens[index - 1].type
        if parent == "th_open":
            if _TIME_HEADER.search(token.content.lower()):
                zone = find_header_zone(token.content)
                if zone:
                    return zone
        elif parent in ("paragraph_open", "heading_open"):
            zone = find_zone_statement(token.content)
            if zone:
                return zone
    return None


def read_timeline(tokens: Sequence[Token], *, zone: str, context: date | None) -> TimelineResult:
    """Timeline events in ``tokens`` (one section's), in document order."""
    reader = _TimelineReader(zone, context)
    first = stated_zone(tokens)
    if first:
        reader.state_zone(first)
    list_depth = 0
    i = 0
    count = len(tokens)
    while i < count:
        token = tokens[i]
        kind = token.type
        if kind == "table_open":
            table, i = _read_table(tokens, i)
            reader.table(table)
            continue
        if kind in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif kind == "list_item_open":
            if i + 2 < count and tokens[i + 1].type == "paragraph_open":
                reader.list_item(tokens[i + 2].content)
                i += 3
                continue
        elif kind == "inline" and list_depth == 0:
            reader.marker(token.content)
        i += 1
    return reader.result


def parse_timeline_tokens(
    tokens: Sequence[Token], *, timezone: str = "UTC", base_date: date | None = None
) -> list[TimelineEvent]:
    """Timeline events of already tokenised Markdown."""
    zone = resolve_zone(timezone) or "UTC"
    return read_timeline(tokens, zone=zone, context=base_date).events


def render_timeline(events: Sequence[TimelineEvent], timezone: str) -> str:
    """A timeline as Markdown: a zone statement and a table, times in ``timezone``."""
    zone = resolve_zone(timezone) or "UTC"
    tz: tzinfo = zone_info(zone)
    with_actor = any(event.actor for event in events)
    lines = [f"All times in {zone}.", ""]
    if with_actor:
        lines += ["| Time | Event | Actor |", "| --- | --- | --- |"]
    else:
        lines += ["| Time | Event |", "| --- | --- |"]
    for event in events:
        when = format_when(event.at, event.precision, tz) if event.at else ""
        cells = [when, _escape_cell(event.text)]
        if with_actor:
            cells.append(_escape_cell(event.actor or ""))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# -- action items ------------------------------------------------------------------------------

_CHECKBOX = re.compile(r"^\[(?P<mark>[ xX✓✔])\]\s*")
_DONE_MARK = re.compile(r"^(?:✅|✔️?|☑️?|✓|🟢)\s*")
_PROGRESS_MARK = re.compile(r"^(?:🚧|⏳|🔄)\s*")
_STRUCK = re.compile(r"^~~(?P<inner>.+)~~$")
_PRIORITY_WORDS = r"P[0-4]|critical|urgent|blocker|highest|high|medium|normal|moderate|low|lowest"
_STATUS_WORDS = (
    r"open|to ?do|not started|planned|backlog|in[ -]progress|ongoing|wip|doing|started"
    r"|done|completed?|closed|fixed|resolved|finished|shipped"
    r"|won'?t do|wont ?fix|won'?t fix|cancell?ed|dropped|rejected|abandoned"
)
_OWNER_ANNOTATION = re.compile(
    r"\s*[(\[]?(?<![\w-])(?i:owners?|assignee|assigned to|responsible|dri)\s*[:=]\s*"
    r"(?P<value>@?[^\s,;()\[\]]+(?:\s+[A-Z][\w.'’-]*)*)[)\]]?"
)
_PRIORITY_ANNOTATION = re.compile(
    rf"\s*[(\[]?(?<![\w-])(?i:priority|prio)\s*[:=]\s*(?P<value>(?i:{_PRIORITY_WORDS}))\b[)\]]?"
    r"|\s*[(\[](?P<bracketed>P[0-4])[)\]]"
)
_LEADING_PRIORITY = re.compile(r"^(?P<value>P[0-4])\s*[:\-–]\s*")
_DUE_ANNOTATION = re.compile(
    rf"\s*[(\[]?(?<![\w-])(?i:due(?: date)?|deadline|target date|eta)\s*[:=]?\s*(?P<value>{DATE_VALUE})[)\]]?"
)
_STATUS_ANNOTATION = re.compile(
    rf"\s*[(\[]?(?<![\w-])(?i:status|state)\s*[:=]\s*(?P<value>(?i:{_STATUS_WORDS}))\b[)\]]?"
)
_LEFT_BEHIND = re.compile(r"\(\s*[,;]?\s*\)|\[\s*\]|\s+[,;](?=\s|$)")
_HEADING_DONE = re.compile(r"\b(?:completed?|done|finished|shipped|implemented)\b", re.I)
_HEADING_NOT_DONE = re.compile(r"\b(?:to be done|not done|planned|todo|to do|pending)\b", re.I)
_ACTION_LABEL = re.compile(r"^(?:\*\*|__)?action items?:?(?:\*\*|__)?:?\s+", re.I)

_TITLE_HEADER = re.compile(
    r"\b(?:action|actions|action item|item|task|description|what|title|follow[- ]?up|"
    r"recommendation|improvement|todo|remediation)\b"
)
_OWNER_HEADER = re.compile(r"\b(?:owner|owners|assignee|assigned|who|responsible|dri)\b")
_PRIORITY_HEADER = re.compile(r"\b(?:priority|prio|pri)\b")
_DUE_HEADER = re.compile(r"\b(?:due|deadline|target|eta|when)\b")
_STATUS_HEADER = re.compile(r"\b(?:status|state|done|complete|completed)\b")
_TICKET_HEADER = re.compile(r"\b(?:ticket|link|issue|bug|jira|pr|tracking|reference|url)\b")
_KIND_HEADER = re.compile(r"^\s*kind\s*$")
_COMPLETED_ON_HEADER = re.compile(
    r"^\s*(?:(?:completed|done|closed|finished)\s*(?:on|at|date|day)|completion(?:\s+date)?)\s*$"
)


def kind_from_text(value: str) -> ActionItemKind | None:
    """An action item kind from its name (case-insensitive); None when it is not one."""
    try:
        return ActionItemKind(value.strip().lower())
    except ValueError:
        return None


def priority_from_text(value: str) -> Priority | None:
    """P0/P1/P2 from "P1", "high", "Critical"...; None when the word is not a known one."""
    word = value.strip().lower()
    if word in ("p0", "critical", "urgent", "blocker", "highest"):
        return Priority.P0
    if word in ("p1", "high"):
        return Priority.P1
    if word in ("p2", "p3", "p4", "medium", "normal", "moderate", "low", "lowest"):
        return Priority.P2
    return None


def status_from_text(value: str) -> ActionItemStatus | None:
    """An action item status from "done", "in progress", "won't do", "[x]"...; None if unknown."""
    word = " ".join(value.strip().lower().replace("-", " ").replace("_", " ").split())
    word = word.replace("’", "'").strip("*_ ")
    if word in ("[x]", "x", "yes", "✅", "✔", "✔️", "✓", "☑", "☑️"):
        return ActionItemStatus.COMPLETED
    if word in ("open", "todo", "to do", "not started", "planned", "backlog", "new", "[ ]", "no"):
        return ActionItemStatus.OPEN
    if word in ("in progress", "ongoing", "wip", "doing", "started", "in review", "🚧"):
        return ActionItemStatus.IN_PROGRESS
    if word in ("done", "complete", "completed", "closed", "fixed", "resolved", "finished"):
        return ActionItemStatus.COMPLETED
    if word == "shipped":
        return ActionItemStatus.COMPLETED
    if word in (
        "won't do",
        "wont do",
        "wontfix",
        "wont fix",
        "won't fix",
        "cancelled",
        "canceled",
        "dropped",
        "rejected",
        "abandoned",
    ):
        return ActionItemStatus.WONT_DO
    return None


@dataclass
class _ItemFields:
    title: str
    owner: str | None = None
    priority: Priority | None = None
    due: date | None = None
    status: ActionItemStatus | None = None
    kind: ActionItemKind | None = None
    completed_on: date | None = None


def _take(pattern: re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    match = pattern.search(text)
    if not match:
        return None, text
    return match, (text[: match.start()] + text[match.end() :]).strip()


def _item_fields(content: str) -> _ItemFields | None:
    text = _collapse(content)
    status: ActionItemStatus | None = None
    checkbox = _CHECKBOX.match(text)
    if checkbox:
        mark = checkbox.group("mark")
        status = ActionItemStatus.OPEN if mark == " " else ActionItemStatus.COMPLETED
        text = text[checkbox.end() :]
    done = _DONE_MARK.match(text)
    if done:
        status = ActionItemStatus.COMPLETED
        text = text[done.end() :]
    progress = _PROGRESS_MARK.match(text)
    if progress:
        status = ActionItemStatus.IN_PROGRESS
        text = text[progress.end() :]
    struck = _STRUCK.match(text)
    if struck and "~~" not in struck.group("inner"):
        status = ActionItemStatus.WONT_DO
        text = struck.group("inner")
    fields = _ItemFields(title="", status=status)
    owner, text = _take(_OWNER_ANNOTATION, text)
    if owner:
        fields.owner = owner.group("value")
    leading = _LEADING_PRIORITY.match(text)
    if leading:
        fields.priority = priority_from_text(leading.group("value"))
        text = text[leading.end() :]
    priority, text = _take(_PRIORITY_ANNOTATION, text)
    if priority:
        fields.priority = priority_from_text(priority.group("value") or priority.group("bracketed"))
    due, text = _take(_DUE_ANNOTATION, text)
    if due:
        fields.due = parse_date(due.group("value"))
    state, text = _take(_STATUS_ANNOTATION, text)
    if state:
        fields.status = status_from_text(state.group("value"))
    if owner or leading or priority or due or state:
        text = _LEFT_BEHIND.sub("", text).rstrip(" ,;:-–—")
    fields.title = _collapse(text)
    if not fields.title:
        return None
    return fields


def _item(fields: _ItemFields, default: ActionItemStatus) -> ActionItem:
    return ActionItem(
        title=fields.title,
        owner=fields.owner,
        priority=fields.priority,
        due=fields.due,
        status=fields.status or default,
        kind=fields.kind,
        completed_on=fields.completed_on,
    )


def _table_items(table: _Table, default: ActionItemStatus) -> list[ActionItem]:
    header = [h.lower() for h in table.header]
    title_col = _column(header, _TITLE_HEADER, set())
    taken = {title_col} if title_col is not None else set()
    columns: dict[str, int | None] = {}
    for name, pattern in (
        ("completed_on", _COMPLETED_ON_HEADER),  # before "status": "completed" names both
        ("owner", _OWNER_HEADER),
        ("priority", _PRIORITY_HEADER),
        ("due", _DUE_HEADER),
        ("status", _STATUS_HEADER),
        ("ticket", _TICKET_HEADER),
        ("kind", _KIND_HEADER),
    ):
        index = _column(header, pattern, taken)
        columns[name] = index
        if index is not None:
            taken.add(index)
    if title_col is None:
        title_col = next((i for i in range(len(header)) if i not in taken), None)
    if title_col is None:
        return []

    def cell(row: list[str], name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    items = []
    for row in table.rows:
        fields = _item_fields(row[title_col]) if title_col < len(row) else None
        if fields is None:
            continue
        ticket = cell(row, "ticket")
        if ticket:
            fields.title = f"{fields.title} ({ticket})"
        owner = cell(row, "owner")
        if owner:
            fields.owner = owner
        priority = priority_from_text(cell(row, "priority"))
        if priority:
            fields.priority = priority
        due = parse_date(cell(row, "due"))
        if due:
            fields.due = due
        status = status_from_text(cell(row, "status"))
        if status:
            fields.status = status
        fields.kind = kind_from_text(cell(row, "kind"))
        fields.completed_on = parse_date(cell(row, "completed_on"))
        items.append(_item(fields, default))
    return items


def _heading_default(content: str) -> ActionItemStatus:
    if _HEADING_DONE.search(content) and not _HEADING_NOT_DONE.search(content):
        return ActionItemStatus.COMPLETED
    return ActionItemStatus.OPEN


def parse_action_item_tokens(tokens: Sequence[Token]) -> list[ActionItem]:
    """Action items in ``tokens`` (one section's), in document order."""
    if not tokens:
        return []
    base = min(token.level for token in tokens)
    list_kinds = {t.type for t in tokens if t.level == base and t.type.endswith("_list_open")}
    ordered_only = {"bullet_list_open", "ordered_list_open"} <= list_kinds
    items: list[ActionItem] = []
    default = ActionItemStatus.OPEN
    default_level = 0
    current_list = ""
    i = 0
    count = len(tokens)
    while i < count:
        token = tokens[i]
        kind = token.type
        if token.level == base:
            if kind == "heading_open" and i + 1 < count:
                level = int(token.tag[1:]) if token.tag[1:].isdigit() else 2
                heading_default = _heading_default(tokens[i + 1].content)
                if heading_default == ActionItemStatus.COMPLETED or level <= default_level:
                    default, default_level = heading_default, level
            elif kind in ("bullet_list_open", "ordered_list_open"):
                current_list = kind
            elif kind == "table_open":
                table, i = _read_table(tokens, i)
                items.extend(_table_items(table, default))
                continue
            elif kind == "paragraph_open" and i + 1 < count:
                label = _ACTION_LABEL.match(tokens[i + 1].content)
                if label:
                    fields = _item_fields(tokens[i + 1].content[label.end() :])
                    if fields is not None:
                        items.append(_item(fields, default))
        elif kind == "list_item_open" and token.level == base + 1:
            wanted = not ordered_only or current_list == "ordered_list_open"
            if wanted and i + 2 < count and tokens[i + 1].type == "paragraph_open":
                fields = _item_fields(tokens[i + 2].content)
                if fields is not None:
                    items.append(_item(fields, default))
        i += 1
    return items


_STATUS_TEXT = {
    ActionItemStatus.OPEN: "open",
    ActionItemStatus.IN_PROGRESS: "in progress",
    ActionItemStatus.COMPLETED: "completed",
    ActionItemStatus.WONT_DO: "won't do",
}


def render_action_items(items: Sequence[ActionItem]) -> str:
    """Action items as Markdown: a checklist when titles and done/not done say it all, else a table."""
    if not items:
        return ""
    simple = all(
        item.owner is None
        and item.priority is None
        and item.due is None
        and item.kind is None
        and item.completed_on is None
        and item.status in (ActionItemStatus.OPEN, ActionItemStatus.COMPLETED)
        for item in items
    )
    if simple:
        lines = [
            f"- [{'x' if item.status == ActionItemStatus.COMPLETED else ' '}] {_collapse(item.title)}"
            for item in items
        ]
        return "\n".join(lines) + "\n"
    with_kind = any(item.kind is not None for item in items)
    with_completed = any(item.completed_on is not None for item in items)
    lines = ["| Action | Owner | Priority | Due | Status |", "| --- | --- | --- | --- | --- |"]
    if with_kind:
        lines = [lines[0] + " Kind |", lines[1] + " --- |"]
    if with_completed:
        lines = [lines[0] + " Completed on |", lines[1] + " --- |"]
    for item in items:
        cells = [
            _escape_cell(item.title),
            _escape_cell(item.owner or ""),
            item.priority.value if item.priority else "",
            item.due.isoformat() if item.due else "",
            _STATUS_TEXT[item.status],
        ]
        if with_kind:
            cells.append(item.kind.value if item.kind else "")
        if with_completed:
            cells.append(item.completed_on.isoformat() if item.completed_on else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
