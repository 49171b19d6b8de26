"""Who must be told what: new assignments, items due soon and overdue items.

These run as the system (the worker), over every post-mortem that is not deleted. Items of
team-only or restricted post-mortems are announced to their owner by email only, never on the
shared Slack channel or SNS topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from kintsugi.actions.items import OPEN_STATUSES
from kintsugi.actions.messages import ItemLine
from kintsugi.actions.models import ActionItemHistoryRow, ActionItemRow
from kintsugi.people.principal import SYSTEM
from kintsugi.postmortems.access import visible_to
from kintsugi.postmortems.columns import POSTMORTEM

DUE_SOON = "due_soon"
OVERDUE = "overdue"


@dataclass(frozen=True)
class Notice:
    """One thing to tell an item's owner."""

    key: str
    item: ItemLine
    owner_kind: str
    public: bool  # the post-mortem is visible to the whole organisation
    headline: str
    history_id: int | None = None


def _line(item: ActionItemRow, pm_id: str, pm_title: str) -> ItemLine:
    return ItemLine(
        id=item.id,
        title=item.title,
        owner=item.owner,
        priority=item.priority,
        due=item.due,
        status=item.status,
        postmortem_id=pm_id,
        postmortem_title=pm_title,
    )


def pending_assignments(session: Session, since: datetime, limit: int = 500) -> list[Notice]:
    """Assignments recorded since ``since`` whose owner has not been told yet, oldest first."""
    history = ActionItemHistoryRow
    rows = session.execute(
        select(history.id, history.new_owner, ActionItemRow, POSTMORTEM.id, POSTMORTEM.title)
        .join(ActionItemRow, ActionItemRow.id == history.item_id)
        .join(POSTMORTEM.table, POSTMORTEM.pk == ActionItemRow.postmortem_pk)
        .where(
            history.new_owner.is_not(None),
            history.notified_at.is_(None),
            history.at >= since,
            visible_to(SYSTEM),
        )
        .add_columns(POSTMORTEM.visibility)
        .order_by(history.at, history.id)
        .limit(limit)
    ).all()
    notices = []
    for history_id, new_owner, item, pm_id, pm_title, visibility in rows:
        if item.owner != new_owner or item.status not in OPEN_STATUSES:
            continue  # reassigned since (that change is announced instead), or already closed
        notices.append(
            Notice(
                key=f"assigned:{history_id}",
                item=_line(item, pm_id, pm_title),
                owner_kind=item.owner_kind,
                public=visibility == "organisation",
                headline=f"You own action item #{item.id}",
                history_id=history_id,
            )
        )
    return notices


def stale_assignments(session: Session, since: datetime) -> list[int]:
    """Pending assignment entries that need no notice: reassigned since, or no longer open."""
    history = ActionItemHistoryRow
    return list(
        session.scalars(
            select(history.id)
            .join(ActionItemRow, ActionItemRow.id == history.item_id)
            .where(
                history.new_owner.is_not(None),
                history.notified_at.is_(None),
                history.at >= since,
                or_(
                    ActionItemRow.owner.is_(None),
                    ActionItemRow.owner != history.new_owner,
                    ActionItemRow.status.not_in(OPEN_STATUSES),
                ),
            )
        )
    )


def mark_notified(session: Session, history_ids: list[int], now: datetime) -> None:
    """Remember that these assignments were announced (or need no announcement)."""
    if history_ids:
        session.execute(
            update(ActionItemHistoryRow)
            .where(
                ActionItemHistoryRow.id.in_(history_ids), ActionItemHistoryRow.notified_at.is_(None)
            )
            .values(notified_at=now)
        )


def due_reminders(
    session: Session, today: date, days_before: list[int], overdue_every: int
) -> list[Notice]:
    """Reminders for ``today``: items due in one of ``days_before`` days, and overdue items on
    their first overdue day and every ``overdue_every`` days after (0: no overdue reminders).

    The key names the item and the day, so an item gets at most one reminder a day.
    """
    soon = [today + timedelta(days=d) for d in days_before]
    conditions: list[ColumnElement[bool]] = [ActionItemRow.due.in_(soon)] if soon else []
    if overdue_every:
        conditions.append(ActionItemRow.due < today)
    if not conditions:
        return []
    rows = session.execute(
        select(ActionItemRow, POSTMORTEM.id, POSTMORTEM.title, POSTMORTEM.visibility)
        .join(POSTMORTEM.table, POSTMORTEM.pk == ActionItemRow.postmortem_pk)
        .where(
            visible_to(SYSTEM),
            ActionItemRow.status.in_(OPEN_STATUSES),
            ActionItemRow.due.is_not(None),
            or_(*conditions),
        )
        .order_by(ActionItemRow.due, ActionItemRow.id)
    ).all()
    notices = []
    for item, pm_id, pm_title, visibility in rows:
        assert item.due is not None
        days = (item.due - today).days
        if days > 0:
            headline = f"Action item #{item.id} is due in {days} day{'s' if days != 1 else ''}"
        else:
            late = -days
            if (late - 1) % overdue_every:
                continue
            headline = f"Action item #{item.id} is overdue by {late} day{'s' if late != 1 else ''}"
        notices.append(
            Notice(
                key=f"reminder:{item.id}:{today.isoformat()}",
                item=_line(item, pm_id, pm_title),
                owner_kind=item.owner_kind,
                public=visibility == "organisation",
                headline=headline,
            )
        )
    return notices
