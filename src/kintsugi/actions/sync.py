"""Export action items to GitHub Issues or Jira, and pull their status back.

Sync compares three things for each linked item: the issue's state now, the issue's state at the
last sync, and the item's status at the last sync.
- Only the issue moved (closed, closed as not planned, reopened): the item follows (completed,
  won't do, open), with a history entry saying so.
- Only the item moved: nothing to pull (its status is the newer word).
- Both moved to different places: a *conflict*, reported and left alone, unless the caller
  says which side wins (``prefer="remote"`` applies the issue's state, ``prefer="local"`` keeps
  the item's and stops reporting it).
Other fields (owner, due date, title) are not synced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import Field, TypeAdapter
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.actions import history, items
from kintsugi.actions.config import TrackerSettings
from kintsugi.actions.items import ItemChanges, ItemView
from kintsugi.actions.models import ActionItemRow, TrackerLinkRow
from kintsugi.actions.tracker import DONE, OPEN, WONT_DO, RemoteIssue, Tracker, TrackerError
from kintsugi.actions.tracker_github import GitHubTracker
from kintsugi.actions.tracker_jira import JiraTracker
from kintsugi.core.db import transaction
from kintsugi.core.errors import (
    ConfigurationError,
    ConflictError,
    InputError,
    KintsugiError,
)
from kintsugi.core.types import utcnow
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import Principal, Role
from kintsugi.postmortems.access import visible_to
from kintsugi.postmortems.columns import POSTMORTEM
from kintsugi.postmortems.document import ActionItemStatus

TRACKERS = ("github", "jira")
SYNC_ACTOR = Principal(user_id=None, username="tracker-sync", role=Role.ADMIN, is_system=True)
TARGET_STATUS = {
    OPEN: ActionItemStatus.OPEN,
    DONE: ActionItemStatus.COMPLETED,
    WONT_DO: ActionItemStatus.WONT_DO,
}
LABELS = {"github": "GitHub", "jira": "Jira"}


def make_tracker(settings: TrackerSettings, kind: str, project: str | None = None) -> Tracker:
    """The tracker client for ``kind`` (github or jira) and a repository or project key."""
    try:
        if kind == "github":
            repo = project or settings.github_repo
            if not settings.github_token:
                raise ConfigurationError("GitHub export needs GITHUB_TOKEN")
            if not repo:
                raise InputError("name the repository (--repo owner/name or KINTSUGI_GITHUB_REPO)")
            return GitHubTracker(
                repo, settings.github_token.get_secret_value(), api_url=settings.github_api_url
            )
        if kind == "jira":
            key = project or settings.jira_project
            if not settings.jira_api_url or not settings.jira_api_token:
                raise ConfigurationError("Jira export needs JIRA_API_URL and JIRA_API_TOKEN")
            if not key:
                raise InputError("name the project (--project KEY or KINTSUGI_JIRA_PROJECT)")
            return JiraTracker(
                settings.jira_api_url,
                key,
                settings.jira_api_token.get_secret_value(),
                user=settings.jira_user,
                issue_type=settings.jira_issue_type,
                api_version=settings.jira_api_version,
            )
    except ValueError as exc:
        raise InputError(str(exc), field="project") from exc
    raise InputError(f"unknown tracker {kind!r}; github or jira", field="tracker")


def issue_body(item: ItemView, base_url: str) -> str:
    """The description of an exported issue."""
    facts = [
        f"Owner: {item.owner or 'unassigned'}",
        f"Priority: {item.priority or 'none'}",
        f"Due: {item.due or 'no due date'}",
    ]
    url = f"{base_url.rstrip('/')}/postmortems/{item.postmortem_id}"
    return (
        f"{item.title}\n\n"
        f'Follow-up from the post-mortem "{item.postmortem_title}": {url}\n\n'
        + "\n".join(facts)
        + f"\n\nTracked in Kintsugi as action item #{item.id}; closing this issue completes it."
    )


def export_item(
    sessions: sessionmaker[Session],
    item_id: int,
    tracker: Tracker,
    actor: Principal,
    *,
    base_url: str = "http://127.0.0.1:8000",
) -> ItemView:
    """Open an issue for the item and keep the link; an item is exported at most once."""
    require(actor, Action.EXPORT_ACTION_ITEMS)
    with sessions() as session:
        item = items.get_item(session, item_id, actor)
    if item.tracker is not None:
        raise ConflictError(f"action item {item_id} is already in {item.tracker.url}")
    issue = tracker.create(item.title, issue_body(item, base_url))
    with transaction(sessions) as session:
        row = session.get(ActionItemRow, item_id)
        if row is None or session.get(TrackerLinkRow, item_id) is not None:
            raise ConflictError(
                f"action item {item_id} changed while exporting; the new issue is {issue.url}"
            )
        session.add(
            TrackerLinkRow(
                item_id=item_id,
                tracker=issue.tracker,
                project=issue.project,
                external_id=issue.external_id,
                url=issue.url,
                remote_state=issue.state,
                remote_updated=issue.updated,
                local_status=row.status,
                synced_version=row.version,
                synced_at=utcnow(),
            )
        )
        history.record(
            session,
            item_id,
            actor=actor.username,
            kind="exported",
            comment=f"exported to {LABELS[issue.tracker]} {issue.ref}: {issue.url}",
        )
    with sessions() as session:
        return items.get_item(session, item_id, actor)


@dataclass(frozen=True)
class SyncChange:
    item_id: int
    ref: Annotated[str, Field(serialization_alias="issue")]
    url: str
    local: str  # the item's status (before -> after for updates)
    remote: str  # the issue's state in the tracker's words

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _CHANGE_WIRE.dump_python(self, mode="json", by_alias=True)
        return data


@dataclass
class SyncReport:
    """What a sync did."""

    updated: list[SyncChange] = field(default_factory=list)
    conflicts: list[SyncChange] = field(default_factory=list)
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _WIRE.dump_python(self, mode="json", by_alias=True)
        return data


_CHANGE_WIRE = TypeAdapter(SyncChange)
_WIRE = TypeAdapter(SyncReport)


@dataclass(frozen=True)
class _Linked:
    link: TrackerLinkRow
    status: str
    version: int


def sync_items(
    sessions: sessionmaker[Session],
    tracker_for: Callable[[str, str], Tracker],
    *,
    viewer: Principal = SYNC_ACTOR,
    prefer: str | None = None,
    now: datetime | None = None,
) -> SyncReport:
    """Pull the state of every linked issue the viewer may see; see the module docstring."""
    if prefer not in (None, "local", "remote"):
        raise InputError("prefer is local or remote", field="prefer")
    now = now or utcnow()
    report = SyncReport()
    with sessions() as session:
        rows = session.execute(
            select(TrackerLinkRow, ActionItemRow.status, ActionItemRow.version)
            .join(ActionItemRow, ActionItemRow.id == TrackerLinkRow.item_id)
            .join(POSTMORTEM.table, POSTMORTEM.pk == ActionItemRow.postmortem_pk)
            .where(visible_to(viewer))
            .order_by(TrackerLinkRow.tracker, TrackerLinkRow.project, TrackerLinkRow.item_id)
        ).all()
        session.expunge_all()
    groups: dict[tuple[str, str], list[_Linked]] = {}
    for link, status, version in rows:
        groups.setdefault((link.tracker, link.project), []).append(_Linked(link, status, version))
    for (kind, project), linked in groups.items():
        try:
            tracker = tracker_for(kind, project)
            oldest = min(entry.link.synced_at for entry in linked) - timedelta(minutes=5)
            since = oldest.strftime("%Y-%m-%dT%H:%M:%SZ")
            remote = tracker.fetch([entry.link.external_id for entry in linked], since)
        except (TrackerError, KintsugiError) as exc:
            report.errors.append(f"{LABELS.get(kind, kind)} {project}: {exc}")
            continue
        for entry in linked:
            issue = remote.get(entry.link.external_id)
            if issue is None:
                report.unchanged += 1
                continue
            try:
                _sync_one(sessions, entry, issue, viewer, prefer, now, report)
            except KintsugiError as exc:
                report.errors.append(f"action item {entry.link.item_id} ({issue.ref}): {exc}")
    return report


def _sync_one(
    sessions: sessionmaker[Session],
    entry: _Linked,
    issue: RemoteIssue,
    viewer: Principal,
    prefer: str | None,
    now: datetime,
    report: SyncReport,
) -> None:
    link = entry.link
    change = SyncChange(link.item_id, issue.ref, issue.url, entry.status, issue.raw_state)
    if issue.state == link.remote_state:
        if issue.updated != link.remote_updated:
            _record(sessions, link.item_id, issue, entry.status, entry.version, now)
        report.unchanged += 1
        return
    target = TARGET_STATUS[issue.state].value
    local_moved = entry.status != link.local_status
    if entry.status == target or (local_moved and prefer == "local"):
        _record(sessions, link.item_id, issue, entry.status, entry.version, now)
        report.unchanged += 1
        return
    if local_moved and prefer != "remote":
        report.conflicts.append(change)
        return
    label = LABELS[issue.tracker]
    fields: dict[str, Any] = {
        "status": ActionItemStatus(target),
        "comment": f"{label} {issue.ref} is {issue.raw_state}",
    }
    if target == ActionItemStatus.WONT_DO:
        fields["wont_do_reason"] = f"{label} {issue.ref} was closed as {issue.raw_state}"
    changes = ItemChanges(**fields)
    with transaction(sessions) as session:
        updated = items.update_item(
            session,
            link.item_id,
            changes,
            viewer,
            base_version=entry.version,
            history_kind="synced",
        )
    _record(sessions, link.item_id, issue, updated.status, updated.version, now)
    report.updated.append(
        SyncChange(
            link.item_id, issue.ref, issue.url, f"{entry.status} -> {target}", issue.raw_state
        )
    )


def _record(
    sessions: sessionmaker[Session],
    item_id: int,
    issue: RemoteIssue,
    status: str,
    version: int,
    now: datetime,
) -> None:
    with transaction(sessions) as session:
        session.execute(
            update(TrackerLinkRow)
            .where(TrackerLinkRow.item_id == item_id)
            .values(
                remote_state=issue.state,
                remote_updated=issue.updated,
                local_status=status,
                synced_version=version,
                synced_at=now,
            )
        )
