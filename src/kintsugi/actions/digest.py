"""The weekly digest for leadership: completion rate, totals, overdue items by priority (owner and
due date) and the items completed in the last seven days.

It is built as the system, over every post-mortem that is not deleted: the figures count every
item. Items of team-only or restricted post-mortems are *counted but not listed* (their number is
stated) unless ``include_restricted`` is set, because the digest goes to a mailing list and a
shared channel rather than to people whose access was checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kintsugi.actions.items import overdue_condition
from kintsugi.actions.messages import ItemLine, digest_blocks, link
from kintsugi.actions.models import ActionItemRow
from kintsugi.actions.report import NO_PRIORITY, Counts, build_report
from kintsugi.notify.base import Message
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems.access import visible_to
from kintsugi.postmortems.columns import POSTMORTEM
from kintsugi.postmortems.document import ActionItemStatus, Priority

PRIORITY_KEYS = [*(p.value for p in Priority), NO_PRIORITY]


@dataclass
class Digest:
    """What the digest says, as data."""

    as_of: datetime
    totals: Counts
    overdue_by_priority: dict[str, list[ItemLine]]
    overdue_counts: dict[str, int]
    completed_this_week: list[ItemLine]
    completed_this_week_count: int
    withheld: int = 0
    limit: int = 20
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        def line(item: ItemLine) -> dict[str, Any]:
            return {
                "id": item.id,
                "title": item.title,
                "owner": item.owner,
                "priority": item.priority,
                "due": item.due.isoformat() if item.due else None,
                "postmortem_id": item.postmortem_id,
            }

        return {
            "as_of": self.as_of.isoformat(),
            **self.totals.to_json(),
            "overdue_by_priority": {
                key: {"count": self.overdue_counts[key], "items": [line(i) for i in items]}
                for key, items in self.overdue_by_priority.items()
            },
            "completed_this_week": {
                "count": self.completed_this_week_count,
                "items": [line(i) for i in self.completed_this_week],
            },
            "withheld": self.withheld,
        }


def build_digest(
    session: Session,
    now: datetime,
    *,
    include_restricted: bool = False,
    limit: int = 20,
) -> Digest:
    """The digest as of ``now`` (UTC)."""
    today = now.date()
    report = build_report(session, SYSTEM, today=today, overdue_limit=0)
    listable = visible_to(SYSTEM)
    if not include_restricted:
        listable = listable & (POSTMORTEM.visibility == "organisation")
    overdue: dict[str, list[ItemLine]] = {}
    counts: dict[str, int] = {}
    for key in PRIORITY_KEYS:
        priority = (
            ActionItemRow.priority.is_(None)
            if key == NO_PRIORITY
            else ActionItemRow.priority == key
        )
        counts[key] = report.by_priority[key].overdue
        overdue[key] = _lines(
            session,
            select(ActionItemRow, POSTMORTEM.id, POSTMORTEM.title)
            .join(POSTMORTEM.table, POSTMORTEM.pk == ActionItemRow.postmortem_pk)
            .where(listable, overdue_condition(today), priority)
            .order_by(ActionItemRow.due, ActionItemRow.id)
            .limit(limit),
        )
    listed_overdue = _count(session, listable, overdue_condition(today))
    since = now - timedelta(days=7)
    completed_recently = (ActionItemRow.status == ActionItemStatus.COMPLETED.value) & (
        ActionItemRow.completed_at >= since
    )
    completed = _lines(
        session,
        select(ActionItemRow, POSTMORTEM.id, POSTMORTEM.title)
        .join(POSTMORTEM.table, POSTMORTEM.pk == ActionItemRow.postmortem_pk)
        .where(listable, completed_recently)
        .order_by(ActionItemRow.completed_at.desc(), ActionItemRow.id)
        .limit(limit),
    )
    completed_count = _count(session, visible_to(SYSTEM), completed_recently)
    listed_completed = _count(session, listable, completed_recently)
    withheld = (report.totals.overdue - listed_overdue) + (completed_count - listed_completed)
    return Digest(
        as_of=now,
        totals=report.totals,
        overdue_by_priority=overdue,
        overdue_counts=counts,
        completed_this_week=completed,
        completed_this_week_count=completed_count,
        withheld=withheld,
        limit=limit,
    )


def _lines(session: Session, query: Any) -> list[ItemLine]:
    return [
        ItemLine(
            id=item.id,
            title=item.title,
            owner=item.owner,
            priority=item.priority,
            due=item.due,
            status=item.status,
            postmortem_id=pm_id,
            postmortem_title=pm_title,
        )
        for item, pm_id, pm_title in session.execute(query)
    ]


def _count(session: Session, *conditions: Any) -> int:
    query = (
        select(func.count(ActionItemRow.id))
        .join(POSTMORTEM.table, POSTMORTEM.pk == ActionItemRow.postmortem_pk)
        .where(*conditions)
    )
    return int(session.scalar(query) or 0)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _overdue_line(item: ItemLine) -> str:
    return (
        f"#{item.id} {item.title} — {item.owner or 'unassigned'}, due {item.due} "
        f"({item.postmortem_id})"
    )


def _completed_line(item: ItemLine) -> str:
    return f"#{item.id} {item.title} — {item.owner or 'unassigned'} ({item.postmortem_id})"


def digest_message(digest: Digest, email_to: list[str], base_url: str) -> Message:
    """The digest as email (text and HTML), Slack blocks and SNS text."""
    t = digest.totals
    week = digest.as_of.strftime("%G-W%V")
    title = f"Action items digest, {week}"
    summary = [
        ("Completion rate", _pct(t.completion_rate)),
        ("On-time completion", _pct(t.on_time_completion_rate)),
        ("Overdue", str(t.overdue)),
        ("Completed this week", str(digest.completed_this_week_count)),
        ("Open / in progress", f"{t.open} / {t.in_progress}"),
        ("Total", f"{t.total} (won't do {t.wont_do})"),
    ]
    sections: list[tuple[str, list[str]]] = []
    for key, items in digest.overdue_by_priority.items():
        count = digest.overdue_counts[key]
        if not count:
            continue
        label = "no priority" if key == NO_PRIORITY else key
        lines = [_overdue_line(i) for i in items]
        if count > len(items):
            lines.append(f"… and {count - len(items)} more")
        sections.append((f"Overdue {label} ({count})", lines))
    completed_lines = [_completed_line(i) for i in digest.completed_this_week]
    if digest.completed_this_week_count > len(completed_lines):
        completed_lines.append(
            f"… and {digest.completed_this_week_count - len(completed_lines)} more"
        )
    sections.append((f"Completed this week ({digest.completed_this_week_count})", completed_lines))
    if digest.withheld:
        sections.append(
            (
                "Not listed",
                [
                    f"{digest.withheld} item(s) of team-only or restricted post-mortems are "
                    "counted above but not listed"
                ],
            )
        )
    url = link(base_url, "/actions/report")
    text_parts = [title, ""]
    text_parts += [f"{k}: {v}" for k, v in summary]
    for heading, lines in sections:
        text_parts += ["", heading, *(f"  - {line}" for line in lines or ["none"])]
    text_parts += ["", url]
    html_parts = [f"<h1>{escape(title)}</h1>", "<table>"]
    html_parts += [f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in summary]
    html_parts.append("</table>")
    for heading, lines in sections:
        html_parts.append(f"<h2>{escape(heading)}</h2>")
        items_html = "".join(f"<li>{escape(line)}</li>" for line in lines) or "<li>none</li>"
        html_parts.append(f"<ul>{items_html}</ul>")
    html_parts.append(f'<p><a href="{escape(url)}">Open the report</a></p>')
    return Message(
        subject=f"[Kintsugi] {title}: {_pct(t.completion_rate)} done, {t.overdue} overdue",
        text="\n".join(text_parts),
        html="\n".join(html_parts),
        blocks=digest_blocks(title, summary, sections, url),
        email_to=tuple(email_to),
    )


def week_key(now: datetime) -> str:
    """The delivery key of the digest of ``now``'s ISO week."""
    return f"digest:{now.strftime('%G-W%V')}"


def digest_due(now: datetime, weekday: int, hour: int) -> bool:
    """Whether this ISO week's digest time (``weekday`` 0=Monday at ``hour`` UTC) has come."""
    return (now.weekday(), now.hour) >= (weekday, hour)
